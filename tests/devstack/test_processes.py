"""The local stack's starters: clear answers when something is missing or taken."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from devstack import processes


def test_port_in_use_names_the_service_and_port() -> None:
    """A taken port is refused with a sentence that names who wanted it."""
    with socket.socket() as holder:
        holder.bind((processes.HOST, 0))
        holder.listen()
        port = holder.getsockname()[1]

        with pytest.raises(processes.PortInUse) as caught:
            processes.ensure_port_free(port, "Batch emulator")

    assert str(caught.value) == (
        f"port {port} on 127.0.0.1, wanted by the Batch emulator, is already in use; "
        "stop whatever holds it or choose another port"
    )


def test_missing_java_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Without Java on PATH the Pub/Sub emulator is refused with an install hint."""
    monkeypatch.setenv("PATH", str(tmp_path))

    with pytest.raises(processes.MissingPrerequisite) as caught:
        processes.pubsub_emulator_command(8085)

    assert str(caught.value) == (
        "the Pub/Sub emulator needs Java: install a Java runtime "
        "(Debian: apt-get install default-jre-headless)"
    )


def test_a_service_that_exits_early_is_reported_with_its_log(tmp_path: Path) -> None:
    """A process that dies before listening fails fast and shows its last words."""
    argv = ["bash", "-c", "echo cannot bind >&2; exit 3"]

    with (
        pytest.raises(processes.StartFailed) as caught,
        processes.run_service("doomed", argv, processes.free_port(), tmp_path),
    ):
        pass

    assert "the doomed exited with status 3 before listening" in str(caught.value)
    assert str(caught.value).endswith("its log ends:\ncannot bind")


def test_stopping_a_service_ends_its_whole_process_group(tmp_path: Path) -> None:
    """Leaving the context stops the service and the children it started."""
    port = processes.free_port()
    argv = ["python3", "-m", "http.server", "--bind", "127.0.0.1", str(port)]

    with processes.run_service("web", argv, port, tmp_path) as service:
        pid = service.process.pid

    assert service.process.poll() is not None
    with pytest.raises(ProcessLookupError):
        os.killpg(pid, 0)
    processes.ensure_port_free(port, "web")
