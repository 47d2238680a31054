"""Relay Batch's job state notifications as completion events.

Notifications can be late, repeated, out of order or missing, so the
notification only says "look again": the job is fetched from Batch and the
completion event is built from what Batch holds (``complete``, shared with the
reconciler). Non-terminal states and task messages are acknowledged and logged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from functions import labels, logs, reports
from functions.completions import (
    claim_body,
    claim_expired,
    completion_record,
    is_published,
    merge_record,
    published_update,
)
from functions.events import TERMINAL_TYPES, Event, terminal_event
from functions.services import Services
from functions.sources import Delivery, message_from_delivery, source_key

Clock = Callable[[], datetime]
JOB_STATE_CHANGED = "JOB_STATE_CHANGED"


def _utc_now() -> datetime:
    return datetime.now(UTC)


def relay_reason(attributes: Mapping[str, str]) -> str | None:
    """Why a notification needs no event, or None when its job has ended."""
    kind = attributes.get("Type", "")
    if kind != JOB_STATE_CHANGED:
        return f"it is a {kind or 'untyped'} message, not {JOB_STATE_CHANGED}"
    state = attributes.get("NewJobState", "")
    if state not in TERMINAL_TYPES:
        return f"{state or 'an unnamed state'} is not a final state"
    if not attributes.get("JobName"):
        return "it names no job"
    return None


def relay(
    delivery: Delivery, services: Services, now: Clock = _utc_now
) -> Event | None:
    """Handle one Batch notification; return the completion event published."""
    attributes = message_from_delivery(delivery).attributes
    job_name = attributes.get("JobName", "")
    logs.bind(job_id=job_name.rpartition("/jobs/")[2])
    reason = relay_reason(attributes)
    if reason:
        logs.outcome(f"ignored the notification for {job_name or 'no job'}: {reason}")
        return None

    job = services.batch.get_job(job_name)
    if job is None:
        logs.outcome(f"ignored the notification: {job_name} no longer exists")
        return None
    return complete(job, services, now())


def complete(
    job: Mapping[str, Any],
    services: Services,
    now: datetime,
    seen_level: int = logging.INFO,
) -> Event | None:
    """Publish an ended job's completion event once, report it and record it.

    ``seen_level`` is the level of the line saying it went out before: the
    reconciler meets every recorded job on every tick and logs those at DEBUG.
    """
    source = labels.source_from_labels(job.get("labels") or {})
    if source is None:
        logs.outcome(f"ignored {job['name']}: the gateway did not submit it")
        return None
    logs.bind(source=source_key(source))
    event = terminal_event(job, now)
    if event is None:
        state = job.get("status", {}).get("state")
        logs.outcome(f"ignored {job['name']}: Batch says it is {state}, not ended")
        return None

    record = completion_record(source, event, services.settings)
    if record and not _claim(record, job, event, services, now, seen_level):
        return None

    services.events.publish(event)
    _report_final_state(source, event, services, now)
    if record:
        # A crash before this line leaves the claim unstamped; a reconcile
        # takes it over after CLAIM_TIMEOUT and repeats the event (same id).
        services.storage.update_report(*record, published_update(now), merge_record)
    logs.outcome(
        f"Batch job {job['name']} ended {event.data['state']}",
        verdict=event.data["state"].lower(),
        event_id=event.id,
    )
    return event


def _claim(
    record: tuple[str, str],
    job: Mapping[str, Any],
    event: Event,
    services: Services,
    now: datetime,
    seen_level: int,
) -> bool:
    """Take the right to publish ``event``; False when another has or holds it."""
    if services.storage.create_report(*record, claim_body(event, now)):
        return True
    existing = services.storage.read_report(*record) or {}
    state = event.data["state"]
    if is_published(existing):
        reason = f"its {state} event was already published"
    elif not claim_expired(existing, now):
        reason = f"its {state} event is being published by another delivery"
    else:
        return True
    logs.outcome(f"ignored {job['name']}: {reason}", seen_level, event_id=event.id)
    return False


def _report_final_state(
    source: Mapping[str, str], event: Event, services: Services, now: datetime
) -> None:
    """Add the final state to the upload's report, when the job came from one."""
    if source.get("kind") != "gcs" or not {"bucket", "object", "generation"} <= set(
        source
    ):
        return
    update = reports.final_report(source, event.data, now)
    name = reports.report_name(source["object"], services.settings)
    services.storage.update_report(
        source["bucket"], name, update, reports.merge_reports
    )
