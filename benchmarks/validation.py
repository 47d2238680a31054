"""Median time to check a job (decode + validate), and its ratio to json.loads.

Two jobs: the seed sample with its placeholders filled in, and a valid job just
under Batch's 1 MB limit (one task group, many streaming container runnables).
Run with `python -m benchmarks validation`.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from functions.decoding import MAX_JOB_BYTES
from functions.validation import check_job, job_validator

SAMPLE = (
    Path(__file__).resolve().parent.parent
    / "examples"
    / "image_streaming_simple_job.json"
)
REGION = "us-central1"
FILLED = {
    "${Location}": REGION,
    "${ProjectID}": "local-project",
    "${RepositoryName}": "images",
    "${Image}": "debian",
}


def seed_job() -> bytes:
    """Return the seed sample with its placeholders filled in."""
    text = SAMPLE.read_text(encoding="utf-8")
    for placeholder, value in FILLED.items():
        text = text.replace(placeholder, value)
    return text.encode()


def large_job() -> bytes:
    """Return a valid job as close under MAX_JOB_BYTES as whole runnables allow."""
    job: dict[str, Any] = json.loads(seed_job())
    runnables = job["taskGroups"][0]["taskSpec"]["runnables"]
    template = json.dumps(runnables[0])
    size = len(json.dumps(job))
    while True:
        runnable = json.loads(template)
        runnable["container"]["commands"] = [f"{len(runnables)}s"]
        added = len(json.dumps(runnable)) + len(", ")
        if size + added > MAX_JOB_BYTES:
            return json.dumps(job).encode()
        runnables.append(runnable)
        size += added


def median_seconds(action: Callable[[], object], budget: float = 2.0) -> float:
    """Return the median wall time of action over repeated runs within budget."""
    times: list[float] = []
    deadline = time.perf_counter() + budget
    while len(times) < 5 or (time.perf_counter() < deadline and len(times) < 2000):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(name: str, data: bytes) -> None:
    """Print the median check time for data and its ratio to json.loads."""
    document, violations = check_job(data, REGION)
    if document is None or violations:
        raise SystemExit(f"{name}: the benchmark job is not valid: {violations}")
    checking = median_seconds(lambda: check_job(data, REGION))
    parsing = median_seconds(lambda: json.loads(data))
    print(
        f"{name:<12} {len(data):>9,} bytes  check_job {checking * 1e3:9.3f} ms  "
        f"json.loads {parsing * 1e3:8.3f} ms  ratio {checking / parsing:6.1f}x"
    )


def main() -> None:
    """Time the seed sample and a near-1 MB job."""
    started = time.perf_counter()
    job_validator()
    print(f"validator compiled once in {(time.perf_counter() - started) * 1e3:.1f} ms")
    measure("seed sample", seed_job())
    measure("near 1 MB", large_job())


if __name__ == "__main__":
    main()
