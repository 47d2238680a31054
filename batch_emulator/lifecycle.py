"""Drives each job through Batch's states on its own thread, running its tasks."""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from batch_emulator import names, runner
from batch_emulator.store import JobState, JobStore, TaskState


@dataclass(frozen=True)
class Timing:
    """How long the emulator pauses in each state; zero runs jobs at full speed."""

    state_delay: float = 0.5


@dataclass
class _Run:
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    thread: threading.Thread | None = None


class Lifecycle:
    """Runs jobs: QUEUED, SCHEDULED, RUNNING, then SUCCEEDED or FAILED."""

    def __init__(self, store: JobStore, timing: Timing, scratch: Path | None = None):
        self._store = store
        self._timing = timing
        self._scratch = scratch
        self._runs: dict[str, _Run] = {}

    def start(self, name: str) -> None:
        """Begin driving a newly created job."""
        run = self._runs.setdefault(name, _Run())
        if run.thread is None:
            run.thread = threading.Thread(
                target=self._drive, args=(name, run), name=name, daemon=True
            )
            run.thread.start()

    def stop(self, name: str) -> None:
        """Stop driving a job, killing its scripts, and wait until it has stopped."""
        run = self._runs.get(name)
        if run is None:
            return
        with run.lock:
            run.stop.set()
        if run.thread is not None:
            run.thread.join()

    def stop_all(self) -> None:
        """Stop every job; used when the emulator shuts down."""
        for name in list(self._runs):
            self.stop(name)

    def pause(self) -> None:
        """Wait one state delay, as the emulator does between transitions."""
        threading.Event().wait(self._timing.state_delay)

    def _drive(self, name: str, run: _Run) -> None:
        for state in (JobState.SCHEDULED, JobState.RUNNING):
            if run.stop.wait(self._timing.state_delay):
                return
            self._set_job_state(name, run, state)
        job = self._store.get(name)
        group = job.task_groups[0]
        with ThreadPoolExecutor(max_workers=group.parallelism) as pool:
            results = list(
                pool.map(lambda i: self._run_task(job, i, run), range(group.task_count))
            )
        if all(results):
            self._set_job_state(name, run, JobState.SUCCEEDED)
        else:
            self._set_job_state(name, run, JobState.FAILED, " due to task failure")

    def _set_job_state(
        self, name: str, run: _Run, state: int, reason: str = ""
    ) -> None:
        # Under the run's lock, so a cancel or delete cannot slip in between.
        with run.lock:
            if not run.stop.is_set():
                self._store.set_job_state(name, state, reason)

    def _set_task_state(
        self, name: str, index: int, run: _Run, state: int, exit_code: int | None = None
    ) -> None:
        with run.lock:
            if not run.stop.is_set():
                self._store.set_task_state(name, index, state, exit_code)

    def _run_task(self, job: Any, index: int, run: _Run) -> bool:
        if run.stop.is_set():
            return False
        self._set_task_state(job.name, index, run, TaskState.ASSIGNED)
        if run.stop.wait(self._timing.state_delay):
            return False
        self._set_task_state(job.name, index, run, TaskState.RUNNING)
        workdir = Path(tempfile.mkdtemp(prefix="task-", dir=self._scratch))
        try:
            exit_code = self._run_runnables(job, index, workdir, run.stop)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
            for log in workdir.parent.glob(f"{workdir.name}-*.log"):
                log.unlink(missing_ok=True)
        state = TaskState.SUCCEEDED if exit_code == 0 else TaskState.FAILED
        self._set_task_state(job.name, index, run, state, exit_code)
        return exit_code == 0

    def _run_runnables(
        self, job: Any, index: int, workdir: Path, stop: threading.Event
    ) -> int:
        spec = job.task_groups[0].task_spec
        limit = (
            _seconds(spec.max_run_duration)
            if spec.HasField("max_run_duration")
            else None
        )
        started = time.monotonic()
        for position, runnable in enumerate(spec.runnables):
            kind = runnable.WhichOneof("executable")
            if kind == "container" and index == 0:
                self._store.add_job_event(job.name, _not_run(position, runnable))
            if kind != "script":
                continue
            exit_code = runner.run_script(
                runner.Script(runnable.script.text, runnable.script.path),
                runner.task_environment(_variables(job, index, runnable), workdir),
                workdir,
                _timeout(limit, started, runnable),
                stop,
                f"{names.job_id_of(job.name)}/{index}",
            )
            if exit_code != 0 and not runnable.ignore_exit_status:
                return exit_code
        return 0


def _not_run(position: int, runnable: Any) -> str:
    return (
        f"Runnable {position} is a container ({runnable.container.image_uri}); "
        "the Batch emulator did not pull or run the image and counts it as succeeded."
    )


def _variables(job: Any, index: int, runnable: Any) -> dict[str, str]:
    group = job.task_groups[0]
    variables = {
        "BATCH_TASK_INDEX": str(index),
        "BATCH_TASK_COUNT": str(group.task_count),
        "BATCH_JOB_ID": names.job_id_of(job.name),
    }
    variables.update(group.task_spec.environment.variables)
    if index < len(group.task_environments):
        variables.update(group.task_environments[index].variables)
    variables.update(runnable.environment.variables)
    return variables


def _timeout(task_limit: float | None, started: float, runnable: Any) -> float | None:
    # maxRunDuration bounds the whole task; a runnable's own timeout only itself.
    limits = [] if task_limit is None else [task_limit - (time.monotonic() - started)]
    if runnable.HasField("timeout"):
        limits.append(_seconds(runnable.timeout))
    return min(limits) if limits else None


def _seconds(duration: Any) -> float:
    return float(duration.ToTimedelta().total_seconds())
