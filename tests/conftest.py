"""Session fixtures that run the real local emulators on free loopback ports.

Each fixture yields an address and stops its process when the session ends.
Nothing here changes ``os.environ``: a test passes the address to whatever it
starts or builds.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from devstack import processes

# Generated cases are the same on every run, so CI cannot fail by chance; a
# developer can widen the search with --hypothesis-profile=explore.
settings.register_profile("ci", derandomize=True, database=None, deadline=None)
settings.register_profile("explore", max_examples=2000, deadline=None)
settings.load_profile("ci")


@pytest.fixture(scope="session")
def service_logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return the folder the emulators of this session write their logs to."""
    return tmp_path_factory.mktemp("service-logs")


@pytest.fixture(scope="session")
def pubsub_emulator(service_logs: Path) -> Iterator[str]:
    """Run the Pub/Sub emulator; yield its ``HOST:PORT``."""
    with processes.pubsub_emulator(processes.free_port(), service_logs) as service:
        yield service.address


@pytest.fixture(scope="session")
def gcs_emulator(service_logs: Path) -> Iterator[str]:
    """Run fake-gcs-server; yield its base URL for ``STORAGE_EMULATOR_HOST``."""
    with processes.gcs_emulator(processes.free_port(), service_logs) as service:
        yield service.url


@pytest.fixture(scope="session")
def batch_emulator(service_logs: Path, pubsub_emulator: str) -> Iterator[str]:
    """Run the Batch emulator, notifying the Pub/Sub emulator; yield ``HOST:PORT``."""
    port = processes.free_port()
    fast = ("--state-delay", "0.05")
    with processes.batch_emulator(port, service_logs, pubsub_emulator, fast) as service:
        yield service.address
