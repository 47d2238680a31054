"""The whole pipeline on loopback, wired as Eventarc and Pub/Sub wire it in the cloud.

Cloud Storage notifications go to an uploads topic; push subscriptions deliver
that topic, the requests topic, the job state topic and the reconcile topic to
the four functions, each served by Functions Framework, with a dead-letter
topic behind every push subscription. With ``registry`` on, a local
docker-registry stands in for Artifact Registry, holding the demo image, and
the functions run the registry preflight against it.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from devstack import images, processes
from functions.registry import EMULATOR_HOST

ENTRY_POINTS = ("submit_from_gcs", "submit_from_pubsub", "relay_job_state")
RECONCILER = "reconcile_jobs"


@dataclass(frozen=True)
class Topics:
    """Topic ids of the local stack, the same names ``deploy.sh`` creates."""

    requests: str = "batch-job-requests"
    uploads: str = "batch-job-uploads"
    events: str = "batch-job-events"
    job_state: str = "batch-job-state"
    reconcile: str = "batch-job-reconcile"
    dead_letters: str = "batch-job-dead-letters"


@dataclass(frozen=True)
class Ports:
    """Loopback ports; each can be moved with an environment variable."""

    pubsub: int = 8085
    storage: int = 4443
    batch: int = 8089
    functions: int = 8081
    registry: int = 5000

    @classmethod
    def from_environment(cls, env: Mapping[str, str]) -> Ports:
        """Read the ``PUBSUB_PORT``, ``STORAGE_PORT``, ... variables over defaults."""
        defaults = cls()
        return cls(
            pubsub=int(env.get("PUBSUB_PORT", defaults.pubsub)),
            storage=int(env.get("STORAGE_PORT", defaults.storage)),
            batch=int(env.get("BATCH_PORT", defaults.batch)),
            functions=int(env.get("FUNCTIONS_PORT", defaults.functions)),
            registry=int(env.get("REGISTRY_PORT", defaults.registry)),
        )

    @classmethod
    def free(cls) -> Ports:
        """Pick free ports, for tests that must not collide with a running stack."""
        functions = processes.free_port_run(len(ENTRY_POINTS) + 1)
        return cls(
            pubsub=processes.free_port(),
            storage=processes.free_port(),
            batch=processes.free_port(),
            functions=functions,
            registry=_free_port_outside(functions, len(ENTRY_POINTS) + 1),
        )


def _free_port_outside(first: int, count: int) -> int:
    """Return a free port not among the ``count`` ports from ``first`` (unbound yet)."""
    while True:
        port = processes.free_port()
        if not first <= port < first + count:
            return port


@dataclass(frozen=True)
class StackSettings:
    """What the local stack is called and where it listens."""

    log_dir: Path
    ports: Ports = field(default_factory=Ports)
    project: str = "local-project"
    region: str = "us-central1"
    bucket: str = "batch-job-requests"
    topics: Topics = field(default_factory=Topics)
    batch_emulator_args: tuple[str, ...] = ()
    reconcile_every_seconds: float = 5.0
    preflight: bool = False
    registry: bool = False

    def topic_path(self, topic: str) -> str:
        """Return the full resource name of ``topic`` in the local project."""
        return f"projects/{self.project}/topics/{topic}"


@dataclass
class LocalStack:
    """Addresses of a running stack, and the environment that reaches it."""

    settings: StackSettings
    pubsub: processes.Service
    storage: processes.Service
    batch: processes.Service
    functions: dict[str, processes.Service]
    registry: processes.Service | None = None

    def client_environment(self) -> dict[str, str]:
        """Return the variables a client (the CLI, a test) needs to use the stack."""
        registry = {EMULATOR_HOST: self.registry.address} if self.registry else {}
        return {
            "GOOGLE_CLOUD_PROJECT": self.settings.project,
            "BATCH_REGION": self.settings.region,
            "PUBSUB_EMULATOR_HOST": self.pubsub.address,
            "STORAGE_EMULATOR_HOST": self.storage.url,
            "BATCH_EMULATOR_HOST": self.batch.address,
            "EVENTS_TOPIC": self.settings.topics.events,
            "JOB_STATE_TOPIC": self.settings.topics.job_state,
            "REQUESTS_TOPIC": self.settings.topics.requests,
            "REQUESTS_BUCKET": self.settings.bucket,
            **registry,
        }


def function_environment(
    settings: StackSettings, pubsub: str, storage: str, batch: str, registry: str = ""
) -> dict[str, str]:
    """Return the environment each function runs with, as deploy.sh sets it.

    Given a local registry's HOST:PORT, the preflight is on and reads from it.
    """
    preflight = settings.preflight or bool(registry)
    emulator = {EMULATOR_HOST: registry} if registry else {}
    return {
        "GOOGLE_CLOUD_PROJECT": settings.project,
        "BATCH_REGION": settings.region,
        "EVENTS_TOPIC": settings.topics.events,
        "JOB_STATE_TOPIC": settings.topics.job_state,
        "REQUEST_PREFIX": "jobs/",
        "STATUS_PREFIX": "status/",
        "STATUS_BUCKET": settings.bucket,
        "PREFLIGHT": "true" if preflight else "false",
        "PUBSUB_EMULATOR_HOST": pubsub,
        "STORAGE_EMULATOR_HOST": storage,
        "BATCH_EMULATOR_HOST": batch,
        "THREADS": "8",
        **emulator,
    }


def registry_available() -> bool:
    """Return whether Debian's docker-registry, the local registry, is on PATH."""
    return shutil.which("docker-registry") is not None


def preflight_line(registry: bool) -> str:
    """Return the line that says whether the registry preflight is on, and why."""
    if registry:
        return (
            "registry preflight: on (a local docker-registry stands in for "
            "Artifact Registry and holds images/debian:bookworm)"
        )
    return (
        "registry preflight: off (docker-registry is not on PATH; "
        "apt-get install docker-registry turns it on)"
    )


def _entry_points() -> tuple[str, ...]:
    main_py = (processes.PROJECT_ROOT / "main.py").read_text()
    if f"def {RECONCILER}(" in main_py:
        return (*ENTRY_POINTS, RECONCILER)
    return ENTRY_POINTS


@contextmanager
def running_stack(settings: StackSettings) -> Iterator[LocalStack]:
    """Start every service, wire topics and subscriptions, stop all on exit.

    It sets ``PUBSUB_EMULATOR_HOST`` and ``STORAGE_EMULATOR_HOST`` in this
    process, since the clients that wire the stack read them; run it in a
    process of its own (``make dev``) or restore the environment afterwards.
    """
    ports = settings.ports
    with ExitStack() as stack:
        pubsub = stack.enter_context(
            processes.pubsub_emulator(ports.pubsub, settings.log_dir)
        )
        os.environ["PUBSUB_EMULATOR_HOST"] = pubsub.address
        from devstack import wiring

        wiring.create_topics(settings)
        storage = stack.enter_context(
            processes.gcs_emulator(
                ports.storage,
                settings.log_dir,
                pubsub.address,
                settings.project,
                settings.topics.uploads,
            )
        )
        os.environ["STORAGE_EMULATOR_HOST"] = storage.url
        wiring.create_bucket(settings)
        batch = stack.enter_context(
            processes.batch_emulator(
                ports.batch,
                settings.log_dir,
                pubsub.address,
                settings.batch_emulator_args,
            )
        )
        registry = (
            stack.enter_context(_registry_with_demo_image(settings))
            if settings.registry
            else None
        )
        env = function_environment(
            settings,
            pubsub.address,
            storage.url,
            batch.address,
            registry.address if registry else "",
        )
        functions = {
            name: stack.enter_context(
                processes.function_server(
                    name, ports.functions + index, settings.log_dir, env
                )
            )
            for index, name in enumerate(_entry_points())
        }
        wiring.create_push_subscriptions(
            settings, {name: svc.url for name, svc in functions.items()}
        )
        if RECONCILER in functions:
            stop = threading.Event()
            stack.callback(stop.set)
            wiring.start_reconcile_schedule(settings, stop)
        yield LocalStack(settings, pubsub, storage, batch, functions, registry)


@contextmanager
def _registry_with_demo_image(settings: StackSettings) -> Iterator[processes.Service]:
    """Run docker-registry with storage under the log directory; push debian."""
    storage = settings.log_dir / "registry-storage"
    storage.mkdir(exist_ok=True)
    with processes.docker_registry(
        settings.ports.registry, settings.log_dir, storage
    ) as registry:
        images.push_demo_image(registry.url)
        yield registry
