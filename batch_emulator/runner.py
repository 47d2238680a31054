"""Runs a script runnable for real: bash in a scratch directory."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

# Batch's exit code for a task stopped because it ran past maxRunDuration.
TIMEOUT_EXIT_CODE = 50005
_POLL_SECONDS = 0.05

_log = logging.getLogger("batch_emulator.tasks")


@dataclass(frozen=True)
class Script:
    """What to run: inline ``text`` or a ``path`` to a file, as in the API."""

    text: str = ""
    path: str = ""

    def argv(self) -> list[str]:
        """Return the command line that runs this script with bash."""
        return ["bash", self.path] if self.path else ["bash", "-c", self.text]


def task_environment(variables: Mapping[str, str], workdir: Path) -> dict[str, str]:
    """Return a clean environment for a task: a PATH, a HOME and the job's variables."""
    base = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(workdir),
        "LANG": "C.UTF-8",
    }
    return {**base, **variables}


def run_script(
    script: Script,
    environment: Mapping[str, str],
    workdir: Path,
    timeout: float | None,
    stop: threading.Event,
    label: str,
) -> int:
    """Run ``script`` to completion and return its exit code.

    The process is killed when ``timeout`` seconds pass (exit code 50005, as
    Batch reports) or when ``stop`` is set (the job was cancelled or deleted).
    """
    # Output goes to a file, not a pipe, so a chatty script cannot block on it.
    output = workdir.parent / f"{workdir.name}-{time.monotonic_ns()}.log"
    with output.open("wb") as sink:
        process = subprocess.Popen(
            script.argv(),
            cwd=workdir,
            env=dict(environment),
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = None if timeout is None else time.monotonic() + timeout
    exit_code = _wait(process, deadline, stop)
    for line in output.read_text(errors="replace").splitlines():
        _log.info("%s: %s", label, line)
    return exit_code


def _wait(
    process: subprocess.Popen[bytes], deadline: float | None, stop: threading.Event
) -> int:
    while True:
        try:
            process.wait(timeout=_POLL_SECONDS)
            return process.returncode
        except subprocess.TimeoutExpired:
            pass
        if stop.is_set():
            _kill(process)
            return process.returncode
        if deadline is not None and time.monotonic() > deadline:
            _kill(process)
            return TIMEOUT_EXIT_CODE


def _kill(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    process.wait()
