"""Batch (v1alpha) behind one adapter: create, get and list jobs as plain dicts.

Every google.api_core exception Batch raises is translated here, once:
transient failures are retried within a bounded deadline and then become
TransientError; a refusal of the job becomes RejectedInput; permission
problems become ConfigurationError.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any, TypeVar

from google.api_core import exceptions

from functions import violations
from functions.config import Settings
from functions.errors import ConfigurationError, RejectedInput, TransientError
from functions.jobs import Placement
from functions.retries import TRANSIENT, transient_retry
from functions.secrets import scrub
from functions.violations import Violation

T = TypeVar("T")
_REQUEST_LINE = re.compile(r"^(GET|POST|PATCH|DELETE) \S+: ")


class BatchJobs:
    """Create, get and list Batch jobs; one client per process, made on first use."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._retry = transient_retry(settings)
        # Per attempt: a create whose answer is lost times out and is retried,
        # and the retry meets the first one's job (requestId or ALREADY_EXISTS).
        self._timeout = settings.batch_call_timeout
        self._client: Any = None

    def create_job(
        self, placement: Placement, job: dict[str, Any]
    ) -> dict[str, Any] | None:
        """Create the job; None when a job with that id already exists."""
        from google.cloud import batch_v1alpha

        request = batch_v1alpha.CreateJobRequest(
            parent=placement.parent,
            job_id=placement.job_id,
            request_id=placement.request_id,
            job=self._job_message(job),
        )
        try:
            created = self._call(
                "create",
                lambda: self._batch().create_job(
                    request=request, retry=self._retry, timeout=self._timeout
                ),
            )
        # HTTP classes: over REST Batch's ALREADY_EXISTS arrives as Conflict and
        # INVALID_ARGUMENT as BadRequest; the gRPC classes are their subclasses.
        except exceptions.Conflict:
            return None
        # UNIMPLEMENTED: a feature this Batch does not offer; no retry can help.
        except (exceptions.BadRequest, exceptions.MethodNotImplemented) as exc:
            raise RejectedInput([_refusal(str(exc.message), job)]) from exc
        return _as_dict(created)

    def get_job(self, name: str) -> dict[str, Any] | None:
        """The job as Batch holds it now; None when it no longer exists."""
        try:
            job = self._call(
                "get",
                lambda: self._batch().get_job(
                    name=name, retry=self._retry, timeout=self._timeout
                ),
            )
        except exceptions.NotFound:
            return None
        return _as_dict(job)

    def list_jobs(self, parent: str, filter: str) -> list[dict[str, Any]]:
        """Every job under ``parent`` that matches the Batch list ``filter``."""
        request = {"parent": parent, "filter": filter}
        return self._call(
            "list",
            lambda: [
                _as_dict(job)
                for job in self._batch().list_jobs(
                    request=request, retry=self._retry, timeout=self._timeout
                )
            ],
        )

    def _batch(self) -> Any:
        if self._client is None:
            from functions.batch_client import batch_client

            self._client = batch_client(self._settings.batch_emulator_host)
        return self._client

    def _job_message(self, job: dict[str, Any]) -> Any:
        from google.cloud import batch_v1alpha
        from google.protobuf import json_format

        try:
            return batch_v1alpha.Job.from_json(json.dumps(job))
        except json_format.ParseError as exc:
            raise RejectedInput([_refusal(str(exc), job)]) from exc

    def _call(self, what: str, call: Callable[[], T]) -> T:
        """Run one Batch call, translating the failures that are ours to name."""
        try:
            return call()
        except exceptions.RetryError as exc:
            raise TransientError(
                f"Batch kept failing to {what} for "
                f"{self._settings.retry_timeout:.0f} s: {exc.cause}"
            ) from exc
        except TRANSIENT as exc:
            raise TransientError(f"Batch failed to {what}: {exc}") from exc
        except (exceptions.Forbidden, exceptions.Unauthorized) as exc:
            raise ConfigurationError(
                f"Batch refused to {what} jobs in project {self._settings.project}: "
                f"{exc.message}. Grant the function's service account "
                "roles/batch.jobsEditor and roles/iam.serviceAccountUser on the "
                "job's service account"
            ) from exc


def _refusal(message: str, job: dict[str, Any]) -> Violation:
    # Over REST the message starts with the request line: not Batch's words.
    message = _REQUEST_LINE.sub("", message)
    return Violation(
        violations.SCHEMA,
        "",
        f"Batch refused the job: {scrub(message, job)}",
        "fix the job as Batch's message says, then submit it again",
    )


def _as_dict(message: Any) -> dict[str, Any]:
    from google.protobuf import json_format

    result: dict[str, Any] = json_format.MessageToDict(type(message).pb(message))
    return result
