"""The submit flow's handling of a job that already exists under our id."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from functions import labels
from functions.config import Settings
from functions.events import Event, submitted_event
from functions.jobs import Placement, place
from functions.services import Services
from functions.sources import PUBSUB_PUBLISHED, Delivery, Message
from functions.submit import submit_message

NOW = datetime(2026, 1, 2, tzinfo=UTC)
IMAGE = "us-central1-docker.pkg.dev/local-project/images/debian:12"
JOB = {
    "taskGroups": [
        {
            "taskSpec": {
                "runnables": [
                    {
                        "container": {
                            "imageUri": IMAGE,
                            "enableImageStreaming": True,
                        }
                    }
                ]
            }
        }
    ]
}


@dataclass
class ExistingJobBatch:
    """Batch answering ALREADY_EXISTS for every create.

    A fake, because the emulator cannot cause this: it remembers requestIds
    forever, while real Batch forgets them after about an hour, and a
    redelivery later than that meets ALREADY_EXISTS for its own job.
    """

    existing: dict[str, Any]

    def create_job(self, placement: Placement, job: dict[str, Any]) -> None:
        """Report the id as taken, as the adapter does on ALREADY_EXISTS."""

    def get_job(self, name: str) -> dict[str, Any] | None:
        """Return the job an earlier delivery created."""
        return self.existing if self.existing["name"] == name else None

    def list_jobs(self, parent: str, filter: str) -> list[dict[str, Any]]:
        """Not used by the submit flow."""
        raise NotImplementedError


@dataclass
class RecordedEvents:
    """The events topic, kept in memory so the test can read what was published."""

    published: list[Event] = field(default_factory=list)

    def publish(self, event: Event) -> str:
        """Record the event."""
        self.published.append(event)
        return str(len(self.published))


def _delivery(message_id: str) -> Delivery:
    data = {
        "message": {
            "data": base64.b64encode(json.dumps(JOB).encode()).decode(),
            "messageId": message_id,
        }
    }
    return Delivery(
        PUBSUB_PUBLISHED,
        "//pubsub.googleapis.com/projects/p/topics/t",
        message_id,
        data,
    )


def test_a_late_redelivery_finds_its_own_job_and_repeats_the_event_id() -> None:
    """ALREADY_EXISTS with our key label is the earlier delivery's job."""
    message = Message("m1", b"", topic="projects/p/topics/t")
    placement, _ = place(message, Settings())
    existing = {
        "name": placement.job_name,
        "uid": "uid-1",
        "labels": labels.source_labels(message.as_source(), message.key),
    }
    services = Services(Settings())
    services.batch = ExistingJobBatch(existing)
    services.events = events = RecordedEvents()

    outcome = submit_message(_delivery("m1"), services, lambda: NOW)

    expected = submitted_event(message.key, existing, message.as_source(), NOW)
    assert outcome.submitted
    assert events.published == [expected]
