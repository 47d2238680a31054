"""``make dev``: run the local stack until interrupted."""

from __future__ import annotations

import os
import shlex
import sys
import threading
from pathlib import Path

from devstack.stack import (
    Ports,
    StackSettings,
    preflight_line,
    registry_available,
    running_stack,
)


def run(log_dir: Path) -> int:
    """Start the stack, print how to reach it, and wait for Ctrl-C."""
    registry = registry_available()
    settings = StackSettings(
        log_dir=log_dir, ports=Ports.from_environment(os.environ), registry=registry
    )
    out = sys.stdout
    out.write(preflight_line(registry) + "\n")
    out.flush()
    with running_stack(settings) as stack:
        out.write("local stack is up\n")
        out.write(f"  Pub/Sub emulator  {stack.pubsub.address}\n")
        out.write(f"  fake-gcs-server   {stack.storage.url}\n")
        out.write(f"  Batch emulator    {stack.batch.url}\n")
        for name, service in stack.functions.items():
            out.write(f"  {name:<18} {service.url}\n")
        if stack.registry is not None:
            out.write(f"  docker-registry   {stack.registry.url}\n")
        out.write(f"  logs              {log_dir}\n\n")
        out.write("In another shell:\n")
        for key, value in stack.client_environment().items():
            out.write(f"export {key}={shlex.quote(value)}\n")
        out.write(
            "python -m functions submit examples/image_streaming_simple_job.json\n"
        )
        if stack.registry is not None:
            out.write("python -m functions validate --preflight JOB.json\n")
        out.write("python -m functions follow\n\nCtrl-C stops everything.\n")
        out.flush()
        threading.Event().wait()
    return 0
