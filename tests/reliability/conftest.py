"""A stack of the four functions with STATUS_BUCKET set, and one-off function servers.

It reuses the harness of tests/functions (``Stack``, the wiring of topics and
the relay's push subscription) and the session's emulators, but runs its own
function servers: these tests need completion records in a status bucket, the
function servers' log files, and servers they may kill.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
import requests

from devstack import processes
from tests.functions.conftest import PROJECT, REGION, TARGETS, Stack, _wire


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
    env = {
        "GOOGLE_CLOUD_PROJECT": PROJECT,
        "BATCH_REGION": REGION,
        "EVENTS_TOPIC": f"events-{suffix}",
        "JOB_STATE_TOPIC": f"job-state-{suffix}",
        "STATUS_BUCKET": bucket,
        "PREFLIGHT": "false",
        "RETRY_INITIAL": "0.2",
        "RETRY_TIMEOUT": "10",
        "PUBSUB_EMULATOR_HOST": pubsub_emulator,
        "STORAGE_EMULATOR_HOST": gcs_emulator,
        "BATCH_EMULATOR_HOST": batch_emulator,
    }
    requests.post(
        f"{gcs_emulator}/storage/v1/b", json={"name": bucket}, timeout=10
    ).raise_for_status()
    with pytest.MonkeyPatch.context() as patch, ExitStack() as running:
        for name in ("PUBSUB_EMULATOR_HOST", "STORAGE_EMULATOR_HOST"):
            patch.setenv(name, env[name])
        servers = {
            target: running.enter_context(
                processes.function_server(target, processes.free_port(), log_dir, env)
            )
            for target in TARGETS
        }
        urls = {target: server.url + "/" for target, server in servers.items()}
        subscription = _wire(env, urls["relay_job_state"], suffix)
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
