"""The adapters a flow talks to, created once per process on first use.

A flow asks only for the adapters it uses, so submit_from_pubsub never imports
the Cloud Storage client and relay_job_state never builds a registry client.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol

from functions.config import Settings

if TYPE_CHECKING:
    from functions.events import Event
    from functions.jobs import Placement
    from functions.storage import Merge


class JobService(Protocol):
    """Batch, as the flows use it."""

    def create_job(
        self, placement: Placement, job: dict[str, Any]
    ) -> dict[str, Any] | None: ...

    def get_job(self, name: str) -> dict[str, Any] | None: ...

    def list_jobs(self, parent: str, filter: str) -> list[dict[str, Any]]: ...


class EventSink(Protocol):
    """The events topic, as the flows use it."""

    def publish(self, event: Event) -> str: ...


class ReportStore(Protocol):
    """Cloud Storage, as the flows use it."""

    def read_object(
        self, bucket: str, name: str, generation: str, limit: int
    ) -> bytes | None: ...

    def read_report(self, bucket: str, name: str) -> dict[str, Any] | None: ...

    def create_report(
        self, bucket: str, name: str, report: Mapping[str, Any]
    ) -> bool: ...

    def update_report(
        self, bucket: str, name: str, update: Mapping[str, Any], merge: Merge
    ) -> dict[str, Any]: ...


class Services:
    """The real adapters, each made the first time a flow asks for it."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def batch(self) -> JobService:
        """Batch v1alpha."""
        from functions.batch import BatchJobs

        return BatchJobs(self.settings)

    @cached_property
    def events(self) -> EventSink:
        """The events topic."""
        from functions.pubsub import EventPublisher

        return EventPublisher(self.settings)

    @cached_property
    def storage(self) -> ReportStore:
        """Cloud Storage."""
        from functions.storage import ObjectStore

        return ObjectStore(self.settings)

    @cached_property
    def registry(self) -> Any:
        """The Artifact Registry client the preflight reads manifests with."""
        from functions.registry import Registry

        return Registry.from_environment()
