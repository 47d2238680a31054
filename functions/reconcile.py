"""Publish the completion events that lost notifications never triggered.

Batch notifications can be missing entirely, so on a schedule the reconciler
lists the jobs that ended recently and completes each one we submitted the
way the relay does (``relay.complete``: same event, same id). A job whose
completion record is claimed (see ``functions.completions``) is skipped,
unless the claim went stale unpublished, which means its holder died: then
this run publishes it.

A job with no place for a record (a message's job when STATUS_BUCKET is unset)
is published again on every tick while it ended within
RECONCILE_WINDOW_MINUTES; consumers deduplicate by event id.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from functions import logs
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
    """Complete every recently ended job of ours whose completion is not recorded."""
    settings = services.settings
    window = timedelta(minutes=settings.reconcile_window_minutes)
    parent = f"projects/{settings.project}/locations/-"
    published = []
    for state in TERMINAL_TYPES:
        for job in services.batch.list_jobs(parent, f'status.state="{state}"'):
            if ended_within(job, now(), window):
                event = complete(job, services, now(), logging.DEBUG)
                published += [event] if event else []
    logs.outcome(
        f"reconciled jobs that ended in the last {window}: "
        f"published {len(published)} completion event(s)",
        event_ids=[event.id for event in published],
    )
    return published
