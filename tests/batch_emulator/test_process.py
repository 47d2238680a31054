"""The emulator as a process: start line, clean shutdown, fault flags, lost Pub/Sub."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from google.api_core import exceptions
from google.cloud import batch_v1alpha

from devstack import processes
from functions.batch_client import batch_client
from tests.batch_emulator.conftest import PARENT, script_job, wait_for_state


@pytest.fixture
def flaky_emulator(tmp_path: Path) -> Iterator[str]:
    """Run an emulator whose Pub/Sub is unreachable and whose first create fails."""
    dead_pubsub = f"127.0.0.1:{processes.free_port()}"
    flags = ("--state-delay", "0", "--publish-timeout", "0.3", "--fail-creates", "1",
             "--fail-creates-code", "RESOURCE_EXHAUSTED")  # fmt: skip
    port = processes.free_port()
    with processes.batch_emulator(port, tmp_path, dead_pubsub, flags) as service:
        yield service.address


def test_it_prints_one_line_and_stops_cleanly_on_sigterm() -> None:
    """The process announces its address once and exits 0 without a traceback."""
    port = processes.free_port()
    argv = [sys.executable, "-m", "batch_emulator", "--port", str(port)]
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    line = process.stdout.readline().decode() if process.stdout else ""

    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=10)

    assert line == f"Batch emulator listening on http://127.0.0.1:{port}\n"
    assert out == b""
    assert process.returncode == 0
    assert b"Traceback" not in err


def test_fault_flags_fail_the_next_create_then_recover(flaky_emulator: str) -> None:
    """--fail-creates 1 fails one create with RESOURCE_EXHAUSTED; the next succeeds."""
    client = batch_client(flaky_emulator)

    with pytest.raises(exceptions.TooManyRequests) as caught:
        client.create_job(parent=PARENT, job=script_job("true"), job_id="first")
    job = client.create_job(parent=PARENT, job=script_job("true"), job_id="second")

    assert caught.value.message.endswith(
        "Injected by the Batch emulator: RESOURCE_EXHAUSTED."
    )
    assert job.status.state.name == "QUEUED"


def test_an_unreachable_pubsub_is_a_status_event(flaky_emulator: str) -> None:
    """A notification that cannot be sent is noted on the job, and the job goes on."""
    client = batch_client(flaky_emulator)
    job = script_job("true")
    message = batch_v1alpha.JobNotification.Message(
        type_="JOB_STATE_CHANGED", new_job_state="SUCCEEDED"
    )
    job.notifications = [
        batch_v1alpha.JobNotification(
            pubsub_topic="projects/p/topics/t", message=message
        )
    ]
    requests.post(f"http://{flaky_emulator}/emulator/v1/faults", json={}, timeout=5)
    with pytest.raises(exceptions.TooManyRequests):
        client.create_job(parent=PARENT, job=job, job_id="lost")

    created = client.create_job(parent=PARENT, job=job, job_id="lost")
    wait_for_state(client, created.name, {"SUCCEEDED"})
    deadline = time.monotonic() + 10
    events: list[str] = []
    while not any("was not published" in e for e in events):
        assert time.monotonic() < deadline, events
        time.sleep(0.1)
        job_now = client.get_job(name=created.name)
        events = [e.description for e in job_now.status.status_events]

    note = next(e for e in events if "was not published" in e)
    assert note.startswith(
        "Notification JOB_STATE_CHANGED to projects/p/topics/t was not published: "
    )


def test_the_admin_endpoint_sets_shows_and_resets_faults(flaky_emulator: str) -> None:
    """POST changes the switches, GET shows them, DELETE turns them all off."""
    url = f"http://{flaky_emulator}/emulator/v1/faults"
    settings = {"failCreates": {"count": 2, "code": "UNAVAILABLE"},
                "createLatencySeconds": 0.5, "dropNotifications": 1,
                "duplicateNotifications": 3}  # fmt: skip

    posted = requests.post(url, json=settings, timeout=5).json()
    shown = requests.get(url, timeout=5).json()
    reset = requests.delete(url, timeout=5).json()
    refused = requests.post(url, json={"failCreate": 1}, timeout=5)

    assert posted == shown == settings
    assert reset == {"failCreates": {"count": 0, "code": "UNAVAILABLE"},
                     "createLatencySeconds": 0.0, "dropNotifications": 0,
                     "duplicateNotifications": 0}  # fmt: skip
    assert refused.status_code == 400
    assert refused.json()["error"]["message"] == (
        "Unknown fault setting(s) ['failCreate']; known: ['createLatencySeconds', "
        "'dropNotifications', 'duplicateNotifications', 'failCreates']."
    )
