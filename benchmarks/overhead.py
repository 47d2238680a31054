"""Per-event overhead: submit_from_pubsub against a bare create_job, same emulator.

The function is timed over HTTP: one binary-mode CloudEvent POSTed to a
Functions Framework server until it answers (that is "receiving the CloudEvent
to answering"). The baseline is ``create_job`` with the same job, already built
as a message, from this process to the same Batch emulator. Samples alternate
so both see the same noise; each sample is a fresh message id and job id. The
flow is also run in this process under cProfile to see where the time goes.
Run with `python -m benchmarks overhead`.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import json
import os
import pstats
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from benchmarks import common
from devstack import processes

# High enough that no job changes state (and notifies) while samples run.
STATE_DELAY = 600.0
# Functions whose cumulative time per event shows where the time goes.
PHASES = {
    "delivery_from": "read the CloudEvent",
    "check_job": "decode and validate",
    "prepare_job": "add labels and notification",
    "_job_message": "JSON to Batch message",
    "create_job": "Batch create_job (our adapter, incl. the HTTP call)",
    "publish": "publish the submitted event",
    "outcome": "log the outcome",
}


@dataclass(frozen=True)
class Result:
    """Medians of one overhead run and the profile of the in-process flow."""

    samples: int
    bare: float
    http: float
    in_process: float
    phases: list[tuple[str, float]]
    top: list[tuple[str, float, float]]


class _Discard(io.TextIOBase):
    """A text stream that drops what is written: where the flow's log lines go."""

    def write(self, text: str) -> int:
        """Drop ``text``."""
        return len(text)


def bare_creator(batch_host: str, env: dict[str, str]) -> Callable[[], float]:
    """Return a timer of one bare create_job with the function's prepared job."""
    from google.cloud import batch_v1alpha

    from functions.batch_client import batch_client
    from functions.config import load_settings
    from functions.jobs import prepare_job
    from functions.sources import Message

    client = batch_client(batch_host)
    source = Message(message_id="bare", data=common.bench_job())
    job, _ = prepare_job(json.loads(source.data), source, load_settings(env))
    message = batch_v1alpha.Job.from_json(json.dumps(job))

    def create() -> float:
        started = time.perf_counter()
        client.create_job(
            parent=common.PARENT, job_id=f"bare-{common.fresh_id()}", job=message
        )
        return time.perf_counter() - started

    return create


def in_process_caller(env: dict[str, str]) -> Callable[[], float]:
    """Return a timer of one call of main.submit_from_pubsub in this process."""
    os.environ.update(env)
    from cloudevents.http import CloudEvent

    import main

    job = common.bench_job()

    def call() -> float:
        attributes, data = common.message_event(job, common.fresh_id())
        event = CloudEvent(attributes, data)
        started = time.perf_counter()
        main.submit_from_pubsub(event)
        return time.perf_counter() - started

    # The first call configures logging; its JSON lines go nowhere, not into the report.
    with contextlib.redirect_stdout(_Discard()):
        call()
    return call


def measure(samples: int, log_dir: Path) -> Result:
    """Run the emulators and a function server; time samples of each way."""
    with common.emulators(log_dir, STATE_DELAY) as emu:
        port = processes.free_port()
        with processes.function_server(
            "submit_from_pubsub", port, log_dir, emu.env
        ) as server:
            bare = bare_creator(emu.batch_host, emu.env)
            session = requests.Session()
            job = common.bench_job()

            def http() -> float:
                attributes, data = common.message_event(job, common.fresh_id())
                return common.post_event(session, server.url + "/", attributes, data)

            inproc = in_process_caller(emu.env)
            for _ in range(5):  # warm every client and cache first
                bare(), http(), inproc()
            times: dict[str, list[float]] = {"bare": [], "http": [], "inproc": []}
            for _ in range(samples):
                times["bare"].append(bare())
                times["http"].append(http())
                times["inproc"].append(inproc())
            phases, top = profile(inproc, samples)
    return Result(
        samples,
        common.median(times["bare"]),
        common.median(times["http"]),
        common.median(times["inproc"]),
        phases,
        top,
    )


def profile(
    call: Callable[[], float], samples: int
) -> tuple[list[tuple[str, float]], list[tuple[str, float, float]]]:
    """Profile ``samples`` in-process calls; return phase times and top entries."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(samples):
        call()
    profiler.disable()
    stats: dict[Any, Any] = pstats.Stats(profiler, stream=io.StringIO()).stats  # type: ignore[attr-defined]
    return _phases(stats, samples), _top(stats, samples)


def _label(key: tuple[str, int, str]) -> str:
    path, _, name = key
    for marker in ("site-packages/", str(processes.PROJECT_ROOT) + "/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{path}:{name}" if path != "~" else name


def _phases(stats: dict[Any, Any], samples: int) -> list[tuple[str, float]]:
    found = []
    for name, what in PHASES.items():
        cumulative = sum(
            value[3]
            for key, value in stats.items()
            if key[2] == name and "/functions/" in key[0]
        )
        found.append((f"{what} (`{name}`)", cumulative / samples))
    return found


def _top(
    stats: dict[Any, Any], samples: int, count: int = 15
) -> list[tuple[str, float, float]]:
    ranked = sorted(stats.items(), key=lambda item: item[1][3], reverse=True)
    return [
        (_label(key), value[3] / samples, value[2] / samples)
        for key, value in ranked[:count]
    ]


def section(result: Result) -> str:
    """Return the markdown for one overhead run."""
    ratio = result.http / result.bare
    rows = [
        ["bare `create_job` (same job, same emulator)", common.ms(result.bare), "1.00"],
        [
            "submit_from_pubsub over HTTP (Functions Framework)",
            common.ms(result.http),
            f"{ratio:.2f}",
        ],
        [
            "submit_from_pubsub called in-process",
            common.ms(result.in_process),
            f"{result.in_process / result.bare:.2f}",
        ],
    ]
    phases = [[what, common.ms(seconds)] for what, seconds in result.phases]
    top = [
        [f"`{name}`", common.ms(cum), common.ms(own)] for name, cum, own in result.top
    ]
    return "\n\n".join(
        [
            "## 1. Overhead per event",
            f"Medians of {result.samples} alternating samples; Batch emulator "
            f"`--state-delay {STATE_DELAY:.0f}` (no job changes state during the run); "
            "a fresh message id, so a new job, every sample.",
            common.table(["what", "median", "ratio to bare"], rows),
            f"Target: ratio at most 1.3 over HTTP: {common.verdict(ratio, 1.3)}.",
            "Where the time goes (cProfile, in-process, cumulative per event):",
            common.table(["phase", "per event"], phases),
            "Top entries by cumulative time (per event):",
            common.table(["function", "cumulative", "own"], top),
        ]
    )


def run(samples: int = 40) -> str:
    """Measure and return the markdown section."""
    with tempfile.TemporaryDirectory(prefix="bench-overhead-") as log_dir:
        return section(measure(samples, Path(log_dir)))


def main() -> None:
    """Print the overhead section."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks overhead")
    parser.add_argument("--samples", type=int, default=40)
    args, _ = parser.parse_known_args()
    print(run(args.samples))


if __name__ == "__main__":
    main()
