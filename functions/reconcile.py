"""Publish the completion events that lost notifications never triggered.

Batch notifications can be missing entirely, so on a schedule the reconciler
lists the jobs that ended recently and completes each one we submitted the
way the relay does (``relay.complete``: same event, same id).

Labels cannot record that an event was published (they are fixed at create),
so the decision is: an upload whose status report already holds a final state
is done; any other job that ended within RECONCILE_WINDOW_MINUTES is published
again. Consumers deduplicate by event id, so a repeat costs a message, never a
second completion; the window bounds the repeats to a few per job.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from functions import labels, logs, reports
from functions.events import TERMINAL_TYPES, Event
from functions.relay import complete
from functions.services import Services
from functions.sources import Delivery

Clock = Callable[[], datetime]
_FRACTION = re.compile(r"(\.\d{1,6})\d*")


def _utc_now() -> datetime:
    return datetime.now(UTC)


def ended_within(job: Mapping[str, Any], now: datetime, window: timedelta) -> bool:
    """Whether the job's last update (its end, for an ended job) is recent."""
    stamp = job.get("updateTime")
    if not stamp:
        return True
    # Batch gives nanoseconds; datetime keeps microseconds.
    updated = datetime.fromisoformat(_FRACTION.sub(r"\1", str(stamp)))
    return now - updated <= window


def reconcile(
    delivery: Delivery, services: Services, now: Clock = _utc_now
) -> list[Event]:
    """Complete every recently ended job of ours whose end is not yet reported."""
    settings = services.settings
    window = timedelta(minutes=settings.reconcile_window_minutes)
    parent = f"projects/{settings.project}/locations/-"
    published = []
    for state in TERMINAL_TYPES:
        for job in services.batch.list_jobs(parent, f'status.state="{state}"'):
            if ended_within(job, now(), window) and not _reported(job, services):
                event = complete(job, services, now())
                published += [event] if event else []
    logs.outcome(
        f"reconciled jobs that ended in the last {window}: "
        f"published {len(published)} completion event(s)",
        event_ids=[event.id for event in published],
    )
    return published


def _reported(job: Mapping[str, Any], services: Services) -> bool:
    """Whether the job's upload report already records its final state."""
    source = labels.source_from_labels(job.get("labels") or {})
    if not source or source.get("kind") != "gcs":
        return False
    if "bucket" not in source or "object" not in source:
        return False
    name = reports.report_name(source["object"], services.settings)
    report = services.storage.read_report(source["bucket"], name) or {}
    same_upload = report.get("request", {}).get("generation") == source.get(
        "generation"
    )
    return same_upload and bool(report.get("finalState"))
