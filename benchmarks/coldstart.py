"""Cold start per entry point against the floor of importing what it needs.

Each run starts `python -m functions_framework --target X ...` with the
emulators' environment, sends the first event as soon as the port accepts a
connection, and times process start to the answer. The floor is a process that
imports only the third-party modules that entry point had loaded after its
first event (read from a `-X importtime` run that is not timed) and exits.
Resident memory is read from /proc after the first event: the gunicorn worker
that served it, and worker plus master. Run with `python -m benchmarks coldstart`.
"""

from __future__ import annotations

import argparse
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from benchmarks import common
from devstack import processes

TARGETS = ("submit_from_gcs", "submit_from_pubsub", "relay_job_state")
# Short, so a job created for relay_job_state has ended before its event is sent.
STATE_DELAY = 0.05
OURS = {"main", "functions", "benchmarks", "devstack", "schemas", "batch_emulator"}
_IMPORT_LINE = re.compile(r"^import time:\s+\d+ \|\s+\d+ \|\s*(\S+)$")
Event = tuple[dict[str, str], dict[str, Any]]


@dataclass(frozen=True)
class Start:
    """One cold start: seconds to listen, to answer, and memory after it."""

    listening: float
    answered: float
    worker_rss_mib: float
    total_rss_mib: float


@dataclass(frozen=True)
class Result:
    """Medians over runs for one entry point, and its floor."""

    target: str
    runs: list[Start]
    floor: float
    modules: int

    def median(self, what: Callable[[Start], float]) -> float:
        """Return the median of one measure over the runs."""
        return common.median([what(start) for start in self.runs])


def event_maker(target: str, emu: common.Emulators) -> Callable[[], Event]:
    """Return a maker of a fresh first event for ``target``."""
    if target == "submit_from_pubsub":
        return lambda: common.message_event(common.bench_job(), common.fresh_id())
    if target == "submit_from_gcs":
        return lambda: _uploaded(emu)
    return lambda: _ended_job(emu)


def _uploaded(emu: common.Emulators) -> Event:
    from devstack.wiring import storage_client

    bucket = emu.settings.bucket
    blob = (
        storage_client(emu.settings)
        .bucket(bucket)
        .blob(f"jobs/cold-{common.fresh_id()}.json")
    )
    body = common.bench_job()
    blob.upload_from_string(body, content_type="application/json")
    return common.storage_event(bucket, blob.name, int(blob.generation), len(body))


def _ended_job(emu: common.Emulators) -> Event:
    from google.cloud import batch_v1alpha

    from functions.batch_client import batch_client

    client = batch_client(emu.batch_host)
    job = batch_v1alpha.Job.from_json(common.bench_job().decode())
    created = client.create_job(
        parent=common.PARENT, job_id=f"cold-{common.fresh_id()}", job=job
    )
    succeeded = batch_v1alpha.JobStatus.State.SUCCEEDED
    deadline = time.monotonic() + 30
    while client.get_job(name=created.name).status.state != succeeded:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{created.name} did not succeed within 30 s")
        time.sleep(0.05)
    attributes = {
        "Type": "JOB_STATE_CHANGED",
        "JobName": created.name,
        "JobUID": created.uid,
        "NewJobState": "SUCCEEDED",
        "Region": common.REGION,
    }
    return common.message_event(b"Job state was updated", common.fresh_id(), attributes)


def cold_start(
    target: str, event: Event, env: dict[str, str], log_path: Path, importtime: bool
) -> Start:
    """Start one server, answer one event, read its memory, stop it."""
    port = processes.free_port()
    argv = processes.functions_framework_command(target, port)
    if importtime:
        argv[1:1] = ["-X", "importtime"]
    session = requests.Session()
    started = time.perf_counter()
    with processes.spawned(argv, log_path, env) as process:
        _wait_for_port(port, process)
        listening = time.perf_counter() - started
        common.post_event(session, f"http://{processes.HOST}:{port}/", *event)
        answered = time.perf_counter() - started
        worker, total = _rss_mib(process.pid)
    return Start(listening, answered, worker, total)


def _wait_for_port(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the function server exited with {process.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex((processes.HOST, port)) == 0:
                return
        time.sleep(0.005)
    raise RuntimeError(f"the function server did not listen on {port} within 60 s")


def _rss_mib(pid: int) -> tuple[float, float]:
    """VmRSS of the gunicorn worker (the master's child) and of both, in MiB."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    worker = sum(_vm_rss_kib(int(child)) for child in children)
    return worker / 1024, (worker + _vm_rss_kib(pid)) / 1024


def _vm_rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def third_party_modules(log_path: Path) -> list[str]:
    """The non-stdlib modules outside this project a `-X importtime` log shows."""
    modules: list[str] = []
    for line in log_path.read_text(errors="replace").splitlines():
        match = _IMPORT_LINE.match(line)
        if not match:
            continue
        name = match.group(1)
        top = name.split(".")[0]
        if top in sys.stdlib_module_names or top in OURS or name in modules:
            continue
        modules.append(name)
    return modules


FLOOR_SCRIPT = """
import importlib, sys
for name in sys.argv[1:]:
    try:
        importlib.import_module(name)
    except Exception:
        pass
"""


def floor_seconds(modules: list[str]) -> float:
    """Time a process that imports ``modules`` and exits."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", FLOOR_SCRIPT, *modules], check=True)
    return time.perf_counter() - started


def measure_target(
    target: str, emu: common.Emulators, runs: int, log_dir: Path
) -> Result:
    """Cold-start ``target`` ``runs`` times, and its floor as many times."""
    make_event = event_maker(target, emu)
    discovery = log_dir / f"{target}-importtime.log"
    cold_start(target, make_event(), emu.env, discovery, importtime=True)
    modules = third_party_modules(discovery)
    starts, floors = [], []
    for index in range(runs):
        event = make_event()
        log_path = log_dir / f"{target}-{index}.log"
        starts.append(cold_start(target, event, emu.env, log_path, importtime=False))
        floors.append(floor_seconds(modules))
    return Result(target, starts, common.median(floors), len(modules))


def section(results: list[Result], runs: int) -> str:
    """Return the markdown for the cold start runs."""
    rows = []
    for result in results:
        answered = result.median(lambda start: start.answered)
        ratio = answered / result.floor
        rows.append(
            [
                f"`{result.target}`",
                common.ms(result.median(lambda start: start.listening)),
                common.ms(answered),
                f"{common.ms(result.floor)} ({result.modules} modules)",
                f"{ratio:.2f} ({common.verdict(ratio, 1.2)})",
                f"{result.median(lambda start: start.worker_rss_mib):.0f} MiB",
                f"{result.median(lambda start: start.total_rss_mib):.0f} MiB",
            ]
        )
    headers = [
        "entry point", "listening", "first event answered", "import floor",
        "ratio (target 1.2)", "worker RSS", "worker + master RSS",
    ]  # fmt: skip
    worst = max(result.median(lambda start: start.worker_rss_mib) for result in results)
    return "\n\n".join(
        [
            "## 3. Cold start",
            f"Medians of {runs} runs each: process start to the first event answered "
            "(Functions Framework under gunicorn, THREADS="
            f"{common.DEPLOY_THREADS}), against a process that imports only the "
            "third-party modules that entry point had loaded after its first event. "
            "Resident memory after the first event; master and worker share pages, so "
            "their sum overstates. Batch emulator `--state-delay "
            f"{STATE_DELAY}`.",
            common.table(headers, rows),
            f"Target: worker RSS under 150 MiB: {common.verdict(worst, 150)} "
            f"(largest {worst:.0f} MiB; the smallest function size is 256 MiB).",
        ]
    )


def run(runs: int = 5) -> str:
    """Measure every entry point and return the markdown section."""
    with (
        tempfile.TemporaryDirectory(prefix="bench-coldstart-") as log_dir,
        common.emulators(Path(log_dir), STATE_DELAY) as emu,
    ):
        results = [
            measure_target(target, emu, runs, Path(log_dir)) for target in TARGETS
        ]
    return section(results, runs)


def main() -> None:
    """Print the cold start section."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks coldstart")
    parser.add_argument("--runs", type=int, default=5)
    args, _ = parser.parse_known_args()
    print(run(args.runs))


if __name__ == "__main__":
    main()
