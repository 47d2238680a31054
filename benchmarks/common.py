"""What every benchmark shares: the emulators, CloudEvents, statistics, markdown."""

from __future__ import annotations

import base64
import json
import os
import platform
import statistics
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

from benchmarks.validation import seed_job
from devstack import processes
from devstack.stack import Ports, StackSettings, function_environment

PROJECT = "local-project"
REGION = "us-central1"
PARENT = f"projects/{PROJECT}/locations/{REGION}"
# The deploy's default --concurrency, which also sets the functions' THREADS.
DEPLOY_THREADS = 8
STORAGE_FINALIZED = "google.cloud.storage.object.v1.finalized"
PUBSUB_PUBLISHED = "google.cloud.pubsub.topic.v1.messagePublished"


@dataclass(frozen=True)
class Emulators:
    """Running Pub/Sub, Cloud Storage and Batch emulators and the functions' env."""

    settings: StackSettings
    env: dict[str, str]

    @property
    def batch_host(self) -> str:
        """``HOST:PORT`` of the Batch emulator."""
        return self.env["BATCH_EMULATOR_HOST"]


@contextmanager
def emulators(log_dir: Path, state_delay: float) -> Iterator[Emulators]:
    """Start the three emulators on free ports with topics and bucket; stop on exit."""
    settings = StackSettings(log_dir=log_dir, ports=Ports.free())
    delay = ("--state-delay", str(state_delay))
    with ExitStack() as stack:
        pubsub = stack.enter_context(
            processes.pubsub_emulator(settings.ports.pubsub, log_dir)
        )
        os.environ["PUBSUB_EMULATOR_HOST"] = pubsub.address
        from devstack import wiring

        wiring.create_topics(settings)
        storage = stack.enter_context(
            processes.gcs_emulator(settings.ports.storage, log_dir)
        )
        os.environ["STORAGE_EMULATOR_HOST"] = storage.url
        wiring.create_bucket(settings)
        batch = stack.enter_context(
            processes.batch_emulator(
                settings.ports.batch, log_dir, pubsub.address, delay
            )
        )
        env = function_environment(settings, pubsub.address, storage.url, batch.address)
        env["THREADS"] = str(DEPLOY_THREADS)
        yield Emulators(settings, env)


def fresh_id() -> str:
    """Return an id no earlier sample used, so every sample really creates a job."""
    return uuid.uuid4().hex


def message_event(
    body: bytes, message_id: str, message_attributes: Mapping[str, str] | None = None
) -> tuple[dict[str, str], dict[str, Any]]:
    """Return the attributes and data of a messagePublished event carrying ``body``."""
    attributes = {
        "type": PUBSUB_PUBLISHED,
        "source": f"//pubsub.googleapis.com/projects/{PROJECT}/topics/requests",
        "id": message_id,
        "specversion": "1.0",
    }
    data = {
        "subscription": f"projects/{PROJECT}/subscriptions/requests-bench",
        "message": {
            "data": base64.b64encode(body).decode(),
            "attributes": dict(message_attributes or {}),
            "messageId": message_id,
            "publishTime": datetime.now(UTC).isoformat(),
        },
    }
    return attributes, data


def storage_event(
    bucket: str, name: str, generation: int, size: int
) -> tuple[dict[str, str], dict[str, Any]]:
    """Return the attributes and data of a storage finalized event for an object."""
    attributes = {
        "type": STORAGE_FINALIZED,
        "source": f"//storage.googleapis.com/projects/_/buckets/{bucket}",
        "subject": f"objects/{name}",
        "id": fresh_id(),
        "specversion": "1.0",
    }
    data = {
        "bucket": bucket,
        "name": name,
        "generation": str(generation),
        "metageneration": "1",
        "size": str(size),
        "contentType": "application/json",
    }
    return attributes, data


def post_event(
    session: requests.Session,
    url: str,
    attributes: Mapping[str, str],
    data: Mapping[str, Any],
) -> float:
    """POST a binary-mode CloudEvent to a function; return the seconds it took."""
    headers = {f"ce-{key}": value for key, value in attributes.items()}
    headers["content-type"] = "application/json"
    body = json.dumps(data).encode()
    started = time.perf_counter()
    response = session.post(url, data=body, headers=headers, timeout=60)
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}: {response.text}")
    return elapsed


def bench_job() -> bytes:
    """Return the job every benchmark submits: the seed sample, placeholders filled."""
    return seed_job()


def median(values: Sequence[float]) -> float:
    """Return the median of ``values``."""
    return statistics.median(values)


def percentile(values: Sequence[float], fraction: float) -> float:
    """Return the ``fraction`` quantile of ``values`` (nearest rank)."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(fraction * len(ordered)) - 1))
    return ordered[rank]


def ms(seconds: float) -> str:
    """Format seconds as milliseconds for a table."""
    return f"{seconds * 1e3:.1f} ms"


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Return a markdown table."""
    lines = ["| " + " | ".join(headers) + " |"]
    lines.append("| " + " | ".join("---" for _ in headers) + " |")
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def verdict(value: float, target: float, *, at_most: bool = True) -> str:
    """Say whether ``value`` meets ``target``."""
    met = value <= target if at_most else value >= target
    return "met" if met else "**missed**"


def machine() -> dict[str, str]:
    """Return when and on what the figures were taken."""
    meminfo = Path("/proc/meminfo").read_text().split()
    total_kib = int(meminfo[meminfo.index("MemTotal:") + 1])
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpus": str(len(os.sched_getaffinity(0))),
        "memory": f"{total_kib / 2**20:.1f} GiB",
        "python": platform.python_version(),
        "load average at start": load,
    }
