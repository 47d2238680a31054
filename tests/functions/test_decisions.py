"""Which deliveries the flows act on, and which they acknowledge and skip."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from functions.reconcile import ended_within
from functions.relay import relay_reason
from functions.sources import Upload
from functions.submit import ignore_reason


def _reason(name: str, size: int | None = 10) -> str | None:
    return ignore_reason(Upload("b", name, "1", size=size), "jobs/", "status/")


def test_job_requests_are_json_under_the_request_prefix() -> None:
    """Only non-empty .json objects under the request prefix are job requests."""
    assert _reason("jobs/a.json") is None
    assert _reason("other/a.json") == "it is outside the request prefix 'jobs/'"
    assert _reason("jobs/a.yaml") == "its name does not end in .json"
    assert _reason("jobs/a.json", size=0) == "it is empty"


def test_status_reports_never_trigger_a_submission() -> None:
    """A report is skipped even when the request prefix is empty."""
    upload = Upload("b", "status/a.json", "1", size=10)

    assert ignore_reason(upload, "", "status/") == (
        "it is a status report (under 'status/')"
    )


def test_only_final_job_states_are_relayed() -> None:
    """Task messages and non-final job states are acknowledged without an event."""
    job = {"Type": "JOB_STATE_CHANGED", "JobName": "projects/1/locations/r/jobs/j"}

    assert relay_reason({**job, "NewJobState": "SUCCEEDED"}) is None
    assert relay_reason({**job, "NewJobState": "RUNNING"}) == (
        "RUNNING is not a final state"
    )
    assert relay_reason({"Type": "TASK_STATE_CHANGED", "NewTaskState": "FAILED"}) == (
        "it is a TASK_STATE_CHANGED message, not JOB_STATE_CHANGED"
    )


def test_reconcile_looks_only_at_recently_ended_jobs() -> None:
    """A job that ended inside the window is reconsidered; an older one is not."""
    now = datetime(2026, 1, 2, 12, 0, tzinfo=UTC)
    window = timedelta(minutes=30)

    assert ended_within({"updateTime": "2026-01-02T11:45:00.123456789Z"}, now, window)
    assert not ended_within({"updateTime": "2026-01-02T11:00:00Z"}, now, window)
