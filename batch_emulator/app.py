"""Wires the layers together: store, lifecycle, notifier, faults, service, server."""

from __future__ import annotations

from pathlib import Path

from batch_emulator.faults import Faults
from batch_emulator.lifecycle import Lifecycle, Timing
from batch_emulator.notifier import Notifier, Publish, PubSubPublisher
from batch_emulator.server import EmulatorServer
from batch_emulator.service import BatchService
from batch_emulator.store import JobStore


class Emulator:
    """A Batch emulator listening on ``host:port``; ``port`` 0 picks a free one."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 8089,
        timing: Timing | None = None,
        faults: Faults | None = None,
        publish: Publish | None = None,
        scratch: Path | None = None,
    ) -> None:
        self.store = JobStore()
        self.faults = faults or Faults()
        self.notifier = Notifier(self.store, self.faults, publish or PubSubPublisher())
        self.store.listeners.append(self.notifier)
        lifecycle = Lifecycle(self.store, timing or Timing(), scratch)
        self.service = BatchService(self.store, lifecycle, self.faults)
        self.server = EmulatorServer((host, port), self.service)

    @property
    def address(self) -> str:
        """Return ``HOST:PORT``, the form BATCH_EMULATOR_HOST takes."""
        host, port = self.server.server_address[:2]
        return f"{host!s}:{port}"

    def serve_forever(self) -> None:
        """Answer requests until ``shutdown`` is called from another thread."""
        self.server.serve_forever(poll_interval=0.1)

    def shutdown(self) -> None:
        """Stop serving; call from a thread other than the serving one."""
        self.server.shutdown()

    def close(self) -> None:
        """Stop running jobs, flush notifications and release the port."""
        self.service.close()
        self.notifier.close()
        self.server.server_close()
