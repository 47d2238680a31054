"""Where the gateway records that a job's completion event went out.

Pure. Labels are fixed once a job is created, the events topic cannot be
queried, and Batch has no field we may write, so the record is a small object
in a bucket (the one place here that survives restarts and that both the relay
and the reconciler can reach): ``STATUS_PREFIX``completions/JOB_ID/EVENT_ID.json
in STATUS_BUCKET, or, when that is unset, in the bucket an upload came from.

Whoever creates the record (only if absent, so one of any racing relays and
reconcilers wins) publishes the event, then stamps the record's publishTime.
A claim left unstamped for CLAIM_TIMEOUT means its holder died before
publishing; the next reconcile takes it over, so a crash costs at most one
repeat with the same event id, never a lost event.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from functions.config import Settings
from functions.events import Event

FOLDER = "completions/"
CLAIM_TIMEOUT = timedelta(minutes=2)


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


def claim_body(event: Event, now: datetime) -> dict[str, Any]:
    """The record as first written: which event, for which job, claimed when."""
    return {
        "eventId": event.id,
        "type": event.type,
        "jobName": event.data["jobName"],
        "state": event.data["state"],
        "claimTime": _timestamp(now),
        "publishTime": None,
    }


def published_update(now: datetime) -> dict[str, Any]:
    """The change that marks a claimed record as published."""
    return {"publishTime": _timestamp(now)}


def merge_record(
    current: Mapping[str, Any] | None, update: Mapping[str, Any]
) -> dict[str, Any]:
    """Apply ``update`` to the record; the first publishTime stays."""
    merged = {**(current or {}), **update}
    if current and current.get("publishTime"):
        merged["publishTime"] = current["publishTime"]
    return merged


def is_published(record: Mapping[str, Any]) -> bool:
    """Whether the record says its event went out."""
    return bool(record.get("publishTime"))


def claim_expired(record: Mapping[str, Any], now: datetime) -> bool:
    """Whether an unpublished claim is old enough that its holder must have died."""
    claimed = record.get("claimTime")
    if not isinstance(claimed, str):
        return True
    try:
        since = datetime.fromisoformat(claimed.replace("Z", "+00:00"))
    except ValueError:
        return True
    return now - since >= CLAIM_TIMEOUT


def _timestamp(now: datetime) -> str:
    return now.astimezone(UTC).isoformat().replace("+00:00", "Z")
