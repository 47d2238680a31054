"""Decide what is submitted: the job id, the location, and the job as sent to Batch.

Pure. The parent comes from configuration (project) and the request (location),
never from the job document.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from functions import labels, violations
from functions.config import Settings
from functions.naming import is_job_id, job_id_for, request_id_for
from functions.sources import Message, Upload
from functions.violations import Violation

JOB_ID_OVERRIDE = "jobId"
LOCATION_OVERRIDE = "location"
# A region name: a continent or area, a direction or city, a number.
_REGION = re.compile(r"^[a-z]+(-[a-z]+)+[0-9]{1,2}$")
JOB_STATE_CHANGED = "JOB_STATE_CHANGED"


@dataclass(frozen=True)
class Placement:
    """Where and under which names a job is created."""

    job_id: str
    request_id: str
    location: str
    project: str

    @property
    def parent(self) -> str:
        """The Batch parent: projects/P/locations/L."""
        return f"projects/{self.project}/locations/{self.location}"

    @property
    def job_name(self) -> str:
        """The full resource name the job gets."""
        return f"{self.parent}/jobs/{self.job_id}"


def place(
    source: Upload | Message, settings: Settings
) -> tuple[Placement, list[Violation]]:
    """Apply the overrides (message attributes, object metadata) to the defaults."""
    overrides = source.metadata if isinstance(source, Upload) else source.attributes
    where = "object metadata" if isinstance(source, Upload) else "message attribute"
    job_id = overrides.get(JOB_ID_OVERRIDE) or job_id_for(source)
    location = overrides.get(LOCATION_OVERRIDE) or settings.location
    found = []
    if not is_job_id(job_id):
        found.append(_bad_job_id(where, job_id))
        job_id = job_id_for(source)
    if not _REGION.fullmatch(location):
        found.append(_bad_location(where, location))
        location = settings.location
    placement = Placement(job_id, request_id_for(source), location, settings.project)
    return placement, found


def prepare_job(
    document: Mapping[str, Any],
    source: Upload | Message,
    settings: Settings,
) -> tuple[dict[str, Any], list[Violation]]:
    """The job as submitted: the user's, plus our notification and source labels."""
    job = copy.deepcopy(dict(document))
    user_labels = dict(job.get("labels") or {})
    ours = labels.source_labels(source.as_source(), source.key)
    found = labels.label_violations(user_labels, ours)
    job["labels"] = {**user_labels, **ours}
    job["notifications"] = _with_state_notification(
        list(job.get("notifications") or []),
        settings.topic_path(settings.job_state_topic),
    )
    return job, found


def _with_state_notification(notifications: list[Any], topic_path: str) -> list[Any]:
    ours = {"pubsubTopic": topic_path, "message": {"type": JOB_STATE_CHANGED}}
    if any(_same_notification(entry, ours) for entry in notifications):
        return notifications
    return [*notifications, ours]


def _same_notification(entry: Any, ours: Mapping[str, Any]) -> bool:
    """Whether the user already asks for exactly our notification."""
    if not isinstance(entry, Mapping):
        return False
    topic = entry.get("pubsubTopic", entry.get("pubsub_topic"))
    message = entry.get("message") or {}
    if not isinstance(message, Mapping) or set(message) - {"type"}:
        return False
    return topic == ours["pubsubTopic"] and message.get("type") == JOB_STATE_CHANGED


def _bad_job_id(where: str, value: str) -> Violation:
    return Violation(
        violations.SCHEMA,
        "",
        f"the {where} {JOB_ID_OVERRIDE}={value!r} is not a valid Batch job id",
        "use 1 to 63 lowercase letters, digits and hyphens, starting with a letter "
        "and not ending with a hyphen, or leave it out to get a derived id",
    )


def _bad_location(where: str, value: str) -> Violation:
    return Violation(
        violations.SCHEMA,
        "",
        f"the {where} {LOCATION_OVERRIDE}={value!r} is not a Batch region",
        "name a region such as us-central1, or leave it out to use the default",
    )
