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
from functions.completions import completion_record, record_body
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
    if record and services.storage.read_report(*record) is not None:
        logs.outcome(
            f"ignored {job['name']}: its {event.data['state']} event was already "
            "published",
            seen_level,
            event_id=event.id,
        )
        return None

    services.events.publish(event)
    _report_final_state(source, event, services, now)
    if record:
        # After the publish: a crash before this line repeats the event (same
        # id) on the next notification or reconcile; it never loses it.
        services.storage.create_report(*record, record_body(event, now))
    logs.outcome(
        f"Batch job {job['name']} ended {event.data['state']}",
        verdict=event.data["state"].lower(),
        event_id=event.id,
    )
    return event


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
