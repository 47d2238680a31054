"""The events published to EVENTS_TOPIC: CloudEvents 1.0 in the Pub/Sub binding.

Pure. Event ids are deterministic: a submitted or rejected event's id hashes the
input's key, a completion event's id hashes the job's uid and final state. A
redelivered input or notification, and the reconciler, so produce the same id,
and consumers deduplicate by it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from functions import labels
from functions.naming import digest
from functions.violations import Violation

TYPE_PREFIX = "com.github.batch-image-streaming.job.v1."
SUBMITTED = TYPE_PREFIX + "submitted"
REJECTED = TYPE_PREFIX + "rejected"
SUCCEEDED = TYPE_PREFIX + "succeeded"
FAILED = TYPE_PREFIX + "failed"
CANCELLED = TYPE_PREFIX + "cancelled"
TERMINAL_TYPES = {"SUCCEEDED": SUCCEEDED, "FAILED": FAILED, "CANCELLED": CANCELLED}
_LAST_STATUS_EVENTS = 5


@dataclass(frozen=True)
class Event:
    """One CloudEvent, ready to publish."""

    id: str
    type: str
    source: str
    subject: str
    time: str
    data: Mapping[str, Any]

    def attributes(self) -> dict[str, str]:
        """The message attributes of the CloudEvents Pub/Sub binding."""
        return {
            "ce-specversion": "1.0",
            "ce-id": self.id,
            "ce-type": self.type,
            "ce-source": self.source,
            "ce-subject": self.subject,
            "ce-time": self.time,
            "content-type": "application/json",
        }

    def body(self) -> bytes:
        """The message data: the event's data as JSON."""
        return json.dumps(self.data, sort_keys=True).encode()


def submitted_event(
    key: str, job: Mapping[str, Any], source: Mapping[str, str], now: datetime
) -> Event:
    """The event that says the input became ``job`` (as Batch returned it)."""
    name = str(job["name"])
    data = {
        "jobId": _job_id(name),
        "jobName": name,
        "jobUid": str(job.get("uid", "")),
        "source": dict(source),
    }
    time = job.get("createTime") or _timestamp(now)
    return _event(digest(key, "submitted"), SUBMITTED, name, str(time), data)


def rejected_event(
    key: str,
    job_name: str,
    source: Mapping[str, str],
    found: Sequence[Violation],
    now: datetime,
) -> Event:
    """The event that says the input was refused, with every violation."""
    data = {
        "jobId": _job_id(job_name),
        "source": dict(source),
        "violations": [violation.as_dict() for violation in found],
    }
    return _event(digest(key, "rejected"), REJECTED, job_name, _timestamp(now), data)


def terminal_event(job: Mapping[str, Any], now: datetime) -> Event | None:
    """The completion event for a job in a final state; None for any other state.

    The relay and the reconciler both build completion events here, so both
    give the same event id for the same job and state.
    """
    status = job.get("status") or {}
    state = str(status.get("state", ""))
    if state not in TERMINAL_TYPES:
        return None
    name = str(job["name"])
    uid = str(job.get("uid", ""))
    last_events = list(status.get("statusEvents") or [])[-_LAST_STATUS_EVENTS:]
    data = {
        "jobId": _job_id(name),
        "jobName": name,
        "jobUid": uid,
        "state": state,
        "source": labels.source_from_labels(job.get("labels") or {}),
        "statusEvents": [_status_event(event) for event in last_events],
        "runDuration": status.get("runDuration"),
        "taskCounts": task_counts(status),
    }
    time = _ended_at(last_events) or job.get("updateTime") or _timestamp(now)
    event_id = digest(uid or name, state)
    return _event(event_id, TERMINAL_TYPES[state], name, str(time), data)


def task_counts(status: Mapping[str, Any]) -> dict[str, int]:
    """Tasks per state, summed over the job's task groups."""
    counts: dict[str, int] = {}
    for group in (status.get("taskGroups") or {}).values():
        for state, count in (group.get("counts") or {}).items():
            counts[state] = counts.get(state, 0) + int(count)
    return counts


def _event(
    event_id: str, event_type: str, job_name: str, time: str, data: dict[str, Any]
) -> Event:
    parent, _, job_id = job_name.rpartition("/jobs/")
    return Event(
        id=event_id[:32],
        type=event_type,
        source=f"//batch.googleapis.com/{parent}",
        subject=f"jobs/{job_id}",
        time=time,
        data=data,
    )


def _status_event(event: Mapping[str, Any]) -> dict[str, Any]:
    kept = ("type", "description", "eventTime", "taskState")
    return {key: event[key] for key in kept if event.get(key) not in (None, "")}


def _ended_at(status_events: Sequence[Mapping[str, Any]]) -> str | None:
    return (
        str(status_events[-1]["eventTime"])
        if status_events and status_events[-1].get("eventTime")
        else None
    )


def _job_id(job_name: str) -> str:
    return job_name.rpartition("/jobs/")[2]


def _timestamp(now: datetime) -> str:
    return now.astimezone(UTC).isoformat().replace("+00:00", "Z")
