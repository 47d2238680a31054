"""The submit flows: an upload or a message in, one Batch job and one event out.

decode → validate → (preflight) → prepare → submit → publish → report. An input
that can never succeed is rejected: the rejected event (and, for an upload, the
report) is written and the delivery is acknowledged. Transient and
configuration failures propagate, so the platform redelivers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from functions import labels, logs, reports, violations
from functions.decoding import MAX_JOB_BYTES
from functions.errors import RejectedInput
from functions.events import Event, rejected_event, submitted_event
from functions.jobs import Placement, place, prepare_job
from functions.policy import by_path, policy_violations
from functions.services import Services
from functions.sources import (
    Delivery,
    Message,
    Upload,
    message_from_delivery,
    upload_from_delivery,
)
from functions.violations import Violation

Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Outcome:
    """What became of one input: the event published and, if any, the job."""

    event: Event
    violations: list[Violation] = field(default_factory=list)

    @property
    def submitted(self) -> bool:
        """Whether the input became a job (now or in an earlier delivery)."""
        return not self.violations


def ignore_reason(
    upload: Upload, request_prefix: str, status_prefix: str
) -> str | None:
    """Why an upload is not a job request, or None when it is one."""
    if upload.name.startswith(status_prefix):
        return f"it is a status report (under {status_prefix!r})"
    if not upload.name.startswith(request_prefix):
        return f"it is outside the request prefix {request_prefix!r}"
    if not upload.name.endswith(".json"):
        return "its name does not end in .json"
    if upload.size == 0:
        return "it is empty"
    return None


def submit_upload(
    delivery: Delivery, services: Services, now: Clock = _utc_now
) -> Outcome | None:
    """Handle a storage event; None when the object is not a job request."""
    settings = services.settings
    upload = upload_from_delivery(delivery)
    if upload is None:
        logs.outcome("ignored: the notification is not about a finalized object")
        return None
    logs.bind(source=upload.key)
    reason = ignore_reason(upload, settings.request_prefix, settings.status_prefix)
    if reason:
        logs.outcome(f"ignored gs://{upload.bucket}/{upload.name}: {reason}")
        return None

    placement, found = place(upload, settings)
    data = services.storage.read_object(
        upload.bucket, upload.name, upload.generation, MAX_JOB_BYTES + 1
    )
    if data is None:
        found.append(_gone(upload))
    outcome = _submit(data, upload, placement, found, services, now)

    _write_report(upload, outcome, services, now())
    return outcome


def submit_message(
    delivery: Delivery, services: Services, now: Clock = _utc_now
) -> Outcome:
    """Handle a Pub/Sub message whose data is a job JSON."""
    message = message_from_delivery(delivery)
    logs.bind(source=message.key)
    placement, found = place(message, services.settings)
    return _submit(message.data, message, placement, found, services, now)


def _submit(
    data: bytes | None,
    source: Upload | Message,
    placement: Placement,
    found: list[Violation],
    services: Services,
    now: Clock,
) -> Outcome:
    logs.bind(job_id=placement.job_id)
    job = _checked_job(data, source, placement, found, services)
    if job is None:
        return _reject(source, placement, found, services, now())
    try:
        created = services.batch.create_job(placement, job)
    except RejectedInput as exc:
        return _reject(source, placement, exc.violations, services, now())
    if created is None:
        created = _earlier_submission(source, placement, services)
    if created is None:
        return _reject(source, placement, [_taken(placement)], services, now())

    event = submitted_event(source.key, created, source.as_source(), now())
    services.events.publish(event)
    logs.outcome(
        f"submitted {source.key} as Batch job {created['name']}",
        verdict="submitted",
        event_id=event.id,
        job_name=created["name"],
    )
    return Outcome(event)


def _checked_job(
    data: bytes | None,
    source: Upload | Message,
    placement: Placement,
    found: list[Violation],
    services: Services,
) -> dict[str, Any] | None:
    """The job to submit, or None after adding every violation to ``found``."""
    if data is None:
        return None
    from functions.validation import check_job

    document, problems = check_job(data, placement.location)
    if document is not None:
        allowed = services.settings.allowed
        problems = by_path(
            problems + policy_violations(document, placement.location, allowed)
        )
    found += problems
    if document is None or found:
        return None
    if services.settings.preflight:
        from functions.preflight import preflight_job

        found += preflight_job(document, services.registry)
    job, problems = prepare_job(document, source, services.settings)
    found += problems
    return None if found else job


def _earlier_submission(
    source: Upload | Message, placement: Placement, services: Services
) -> dict[str, Any] | None:
    """The job an earlier delivery of this input created, or None if it is not ours."""
    existing = services.batch.get_job(placement.job_name)
    if existing is None:
        return None
    if existing.get("labels", {}).get(labels.KEY) != labels.key_label(source.key):
        return None
    logs.outcome(f"job {placement.job_id} already exists for this input", logging.DEBUG)
    return existing


def _reject(
    source: Upload | Message,
    placement: Placement,
    found: list[Violation],
    services: Services,
    now: datetime,
) -> Outcome:
    event = rejected_event(
        source.key, placement.job_name, source.as_source(), found, now
    )
    services.events.publish(event)
    logs.outcome(
        f"rejected {source.key}: {len(found)} violation(s)",
        verdict="rejected",
        event_id=event.id,
        violations=[violation.as_dict() for violation in found],
    )
    return Outcome(event, list(found))


def _write_report(
    upload: Upload, outcome: Outcome, services: Services, now: datetime
) -> None:
    if outcome.submitted:
        report = reports.submitted_report(upload, outcome.event.data["jobName"], now)
    else:
        report = reports.rejected_report(upload, outcome.violations, now)
    name = reports.report_name(upload.name, services.settings)
    services.storage.update_report(upload.bucket, name, report, reports.merge_reports)


def _gone(upload: Upload) -> Violation:
    return Violation(
        violations.JSON,
        "",
        f"gs://{upload.bucket}/{upload.name} generation {upload.generation} no "
        "longer exists: it was deleted or overwritten before it could be read",
        "upload the job again",
    )


def _taken(placement: Placement) -> Violation:
    return Violation(
        violations.SCHEMA,
        "",
        f"a Batch job named {placement.job_id!r} already exists in "
        f"{placement.location} and was not created from this input",
        "choose another jobId, or leave jobId out to get a derived id",
    )
