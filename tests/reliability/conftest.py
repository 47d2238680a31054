"""A stack of the four functions with STATUS_BUCKET set, and one-off function servers.

It reuses the harness of tests/functions (``Stack``, the wiring of topics and
the relay's push subscription) and the session's emulators, but runs its own
function servers: these tests need completion records in a status bucket, the
function servers' log files, and servers they may kill.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
import requests

from devstack import processes
from tests.functions.conftest import Stack, served_functions, stack_environment


@dataclass
class LoggedStack(Stack):
    """The harness's ``Stack``, plus where each function writes its log lines."""

    logs: dict[str, Path] = field(default_factory=dict)
    log_dir: Path = Path()

    def log_text(self) -> str:
        """Everything every function of this stack (and its one-offs) has logged."""
        return "\n".join(path.read_text() for path in self.log_dir.glob("*.log"))

    def create_bucket(self, name: str) -> None:
        """Create a bucket in fake-gcs-server."""
        requests.post(
            f"{self.storage}/storage/v1/b", json={"name": name}, timeout=10
        ).raise_for_status()

    def read_from(self, bucket: str, name: str) -> dict[str, Any] | None:
        """Read a JSON object from another bucket; None when it does not exist."""
        return replace(self, bucket=bucket).read(name)

    @contextmanager
    def serve(self, target: str, **overrides: str) -> Iterator[processes.Service]:
        """One more server of ``target``, with some settings changed."""
        port = processes.free_port()
        folder = self.log_dir / f"{target}-{port}"
        folder.mkdir()
        env = {**self.env, **overrides}
        with processes.function_server(target, port, folder, env) as service:
            yield service


@pytest.fixture(scope="session")
def stack(
    pubsub_emulator: str,
    gcs_emulator: str,
    batch_emulator: str,
    service_logs: Path,
) -> Iterator[LoggedStack]:
    """Topics, a bucket that is also STATUS_BUCKET, and the four functions."""
    suffix = uuid.uuid4().hex[:8]
    bucket = f"reliability-{suffix}"
    log_dir = service_logs / f"reliability-{suffix}"
    log_dir.mkdir()
    env = stack_environment(
        suffix,
        pubsub_emulator,
        gcs_emulator,
        batch_emulator,
        STATUS_BUCKET=bucket,
        RETRY_TIMEOUT="10",
    )
    with served_functions(env, suffix, bucket, log_dir) as (servers, subscription):
        urls = {target: server.url + "/" for target, server in servers.items()}
        yield LoggedStack(
            pubsub_emulator,
            gcs_emulator,
            batch_emulator,
            urls,
            bucket,
            subscription,
            env,
            logs={target: server.log_path for target, server in servers.items()},
            log_dir=log_dir,
        )
