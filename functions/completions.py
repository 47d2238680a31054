"""Where the gateway records that a job's completion event went out.

Pure. Labels are fixed once a job is created, the events topic cannot be
queried, and Batch has no field we may write, so the record is a small object
in a bucket (the one place here that survives restarts and that both the relay
and the reconciler can reach): ``STATUS_PREFIX``completions/JOB_ID/EVENT_ID.json
in STATUS_BUCKET, or, when that is unset, in the bucket an upload came from.
It is written after the event is published and only if absent, so a crash in
between costs one repeat with the same event id, never a lost event.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from functions.config import Settings
from functions.events import Event

FOLDER = "completions/"


def completion_record(
    source: Mapping[str, str], event: Event, settings: Settings
) -> tuple[str, str] | None:
    """The bucket and object name of the event's record; None when there is none."""
    bucket = settings.status_bucket
    if bucket is None and source.get("kind") == "gcs":
        bucket = source.get("bucket")
    if not bucket:
        return None
    job_id = event.subject.removeprefix("jobs/")
    return bucket, f"{settings.status_prefix}{FOLDER}{job_id}/{event.id}.json"


def record_body(event: Event, now: datetime) -> dict[str, Any]:
    """What the record holds: which event went out, for which job, and when."""
    return {
        "eventId": event.id,
        "type": event.type,
        "jobName": event.data["jobName"],
        "state": event.data["state"],
        "publishTime": now.astimezone(UTC).isoformat().replace("+00:00", "Z"),
    }
