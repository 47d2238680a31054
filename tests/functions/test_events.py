"""CloudEvents the functions publish, checked against the consumers' schemas."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from functions import labels
from functions.events import rejected_event, submitted_event, terminal_event
from functions.sources import Message, Upload
from functions.violations import Violation
from tests.functions.event_schemas import validate_event_data

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
UPLOAD = Upload("requests", "jobs/sample.json", "1700")
NAME = "projects/p/locations/us-central1/jobs/sample-0123456789"


def _job(state: str, **status: Any) -> dict[str, Any]:
    return {
        "name": NAME,
        "uid": "sample-0123-uid",
        "labels": labels.source_labels(UPLOAD.as_source(), UPLOAD.key),
        "createTime": "2026-01-02T03:00:00Z",
        "status": {"state": state, **status},
    }


def test_submitted_event_attributes_and_data() -> None:
    """A submitted event carries the CloudEvents attributes and the job's names."""
    event = submitted_event(UPLOAD.key, _job("QUEUED"), UPLOAD.as_source(), NOW)

    validate_event_data(event.type, event.data)
    assert event.attributes() == {
        "ce-specversion": "1.0",
        "ce-id": event.id,
        "ce-type": "com.github.batch-image-streaming.job.v1.submitted",
        "ce-source": "//batch.googleapis.com/projects/p/locations/us-central1",
        "ce-subject": "jobs/sample-0123456789",
        "ce-time": "2026-01-02T03:00:00Z",
        "content-type": "application/json",
    }
    assert json.loads(event.body())["source"] == UPLOAD.as_source()


def test_redelivery_gives_the_same_event_id() -> None:
    """The same input gives the same id; another generation a different one."""
    again = submitted_event(UPLOAD.key, _job("RUNNING"), UPLOAD.as_source(), NOW)
    newer = Upload("requests", "jobs/sample.json", "1701")

    first = submitted_event(UPLOAD.key, _job("QUEUED"), UPLOAD.as_source(), NOW)

    assert again.id == first.id
    assert submitted_event(newer.key, _job("QUEUED"), {}, NOW).id != first.id


def test_rejected_event_lists_every_violation() -> None:
    """All violations are carried with rule, JSON Pointer, message and hint."""
    found = [
        Violation("json", "", "not JSON", "fix it"),
        Violation("schema", "/taskGroups/0", "bad", "good"),
    ]
    message = Message("42", b"", topic="projects/p/topics/requests")

    event = rejected_event(message.key, NAME, message.as_source(), found, NOW)

    validate_event_data(event.type, event.data)
    assert event.type == "com.github.batch-image-streaming.job.v1.rejected"
    assert event.time == "2026-01-02T03:04:05Z"
    assert event.data["violations"] == [v.as_dict() for v in found]


def test_terminal_event_carries_the_final_status() -> None:
    """Last status events, run duration and task counts come from Batch's job."""
    history = [
        {
            "type": "STATUS_CHANGED",
            "description": f"step {i}",
            "eventTime": f"2026-01-02T03:0{i}:00Z",
        }
        for i in range(7)
    ]
    job = _job(
        "SUCCEEDED",
        statusEvents=history,
        runDuration="12.500s",
        taskGroups={"group0": {"counts": {"SUCCEEDED": "3", "FAILED": "1"}}},
    )

    event = terminal_event(job, NOW)

    assert event is not None
    validate_event_data(event.type, event.data)
    assert event.type == "com.github.batch-image-streaming.job.v1.succeeded"
    assert event.time == "2026-01-02T03:06:00Z"
    assert event.data["statusEvents"] == history[-5:]
    assert event.data["taskCounts"] == {"SUCCEEDED": 3, "FAILED": 1}
    assert event.data["runDuration"] == "12.500s"
    assert event.data["source"] == UPLOAD.as_source()


def test_terminal_event_id_depends_on_uid_and_state_only() -> None:
    """Relay and reconciler agree on the id whenever and however they build it."""
    failed = terminal_event(_job("FAILED"), NOW)
    failed_later = terminal_event(_job("FAILED", runDuration="1s"), datetime.now(UTC))
    cancelled = terminal_event(_job("CANCELLED"), NOW)

    assert failed is not None
    assert failed_later is not None
    assert cancelled is not None
    validate_event_data(failed.type, failed.data)
    validate_event_data(cancelled.type, cancelled.data)
    assert failed.id == failed_later.id != cancelled.id


def test_non_terminal_states_make_no_event() -> None:
    """Running and queued jobs have not ended."""
    assert terminal_event(_job("RUNNING"), NOW) is None
    assert terminal_event(_job("DELETION_IN_PROGRESS"), NOW) is None
