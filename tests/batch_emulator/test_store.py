"""The job store and the list filter, driven in-process with a fake clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from google.cloud import batch_v1alpha

from batch_emulator import filters, names
from batch_emulator.errors import ApiError
from batch_emulator.store import JobState, JobStateChange, JobStore, TaskState

PARENT = names.Parent("p", "us-central1")


class Clock:
    """A clock that moves only when a test says so."""

    def __init__(self) -> None:
        self.now = datetime(2025, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def a_job(**labels: str) -> Any:
    """Return a protobuf Job with one script runnable and the given labels."""
    job = batch_v1alpha.Job.from_json(
        '{"taskGroups": [{"taskSpec": {"runnables": [{"script": {"text": "true"}}]}}]}'
    )
    job.labels = labels
    return batch_v1alpha.Job.pb(job)


def test_run_duration_is_the_time_from_running_to_the_end() -> None:
    """runDuration counts from RUNNING to the final state, on the store's clock."""
    clock = Clock()
    store = JobStore(clock=clock)
    name = store.create(PARENT, "timed", "", a_job()).name
    store.set_job_state(name, JobState.RUNNING)
    clock.now += timedelta(seconds=42)

    store.set_job_state(name, JobState.SUCCEEDED)

    job = store.get(name)
    assert job.status.run_duration.ToTimedelta() == timedelta(seconds=42)
    assert job.update_time.ToDatetime(UTC) == clock.now


def test_listeners_hear_each_job_state_change_in_order() -> None:
    """Every transition, from the first QUEUED, reaches the listeners."""
    heard: list[tuple[str, str]] = []
    store = JobStore(clock=Clock())
    store.listeners.append(
        lambda change: heard.append((change.previous, change.current))
        if isinstance(change, JobStateChange) else None
    )  # fmt: skip

    name = store.create(PARENT, "heard", "", a_job()).name
    store.set_job_state(name, JobState.SCHEDULED)

    assert heard == [("STATE_UNSPECIFIED", "QUEUED"), ("QUEUED", "SCHEDULED")]


def test_task_counts_follow_task_states() -> None:
    """The task group's counts map tracks how many tasks are in each state."""
    store = JobStore(clock=Clock())
    job = a_job()
    job.task_groups[0].task_count = 3
    name = store.create(PARENT, "counted", "", job).name

    store.set_task_state(name, 1, TaskState.FAILED, exit_code=2)

    counts = store.get(name).status.task_groups["group0"].counts
    assert dict(counts) == {"PENDING": 2, "FAILED": 1}


def test_a_request_id_is_only_matched_within_its_parent() -> None:
    """The same requestId in another location creates a new job."""
    store = JobStore(clock=Clock())
    store.create(PARENT, "here", "req-1", a_job())

    there = store.create(names.Parent("p", "europe-west1"), "there", "req-1", a_job())

    assert there.name == "projects/p/locations/europe-west1/jobs/there"


def test_a_bad_page_token_is_invalid_argument() -> None:
    """A page token the store did not hand out is refused."""
    store = JobStore(clock=Clock())

    with pytest.raises(ApiError) as caught:
        store.list_jobs(PARENT, "", 10, "abc")

    assert (caught.value.status, caught.value.message) == (
        "INVALID_ARGUMENT", "Invalid page token 'abc'."
    )  # fmt: skip


@pytest.mark.parametrize(
    ("expression", "matches"),
    [
        ("", True),
        ('labels.team="data"', True),
        ("labels.team=data AND status.state=RUNNING", True),
        ("labels.team!=data", False),
        ("labels.team:*", True),
        ("labels.owner:*", False),
        ('status.state = "SUCCEEDED"', False),
    ],
)
def test_filters_match_labels_and_state(expression: str, matches: bool) -> None:
    """Each supported operator tests one job's labels and state."""
    fields = filters.job_fields("projects/p/locations/l/jobs/j", "u", "RUNNING",
                                {"team": "data"})  # fmt: skip

    assert filters.parse(expression)(fields) is matches


def test_or_is_refused_rather_than_ignored() -> None:
    """A filter using OR fails clearly instead of returning the wrong jobs."""
    with pytest.raises(ApiError) as caught:
        filters.parse("labels.a=1 OR labels.b=2")

    assert caught.value.message == (
        "Filter 'labels.a=1 OR labels.b=2': the Batch emulator supports only "
        "terms joined by AND."
    )
