"""The Batch API methods, on top of the store, the lifecycle and the faults."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from typing import Any

from google.cloud import batch_v1alpha
from google.protobuf import json_format

from batch_emulator import names, validation
from batch_emulator.errors import ApiError, invalid_argument, not_found
from batch_emulator.faults import Faults
from batch_emulator.lifecycle import Lifecycle
from batch_emulator.store import TERMINAL, JobState, JobStore


def parse_job(body: bytes) -> Any:
    """Parse a request body as a Job with proto JSON rules; unknown fields fail."""
    try:
        job = batch_v1alpha.Job.from_json(body or b"{}", ignore_unknown_fields=False)
    except json_format.ParseError as exc:
        reason = str(exc).splitlines()[0]
        raise invalid_argument(f"Invalid JSON payload received. {reason}") from exc
    return batch_v1alpha.Job.pb(job)


class BatchService:
    """What each REST method does, independent of HTTP."""

    def __init__(self, store: JobStore, lifecycle: Lifecycle, faults: Faults) -> None:
        self._store = store
        self._lifecycle = lifecycle
        self.faults = faults

    def create_job(
        self, parent: names.Parent, job_id: str, request_id: str, body: bytes
    ) -> Any:
        """Validate and store a job, then start running it."""
        time.sleep(self.faults.create_latency_seconds)
        failure = self.faults.create_failure()
        if failure is not None:
            raise failure
        validation.check_size(body)
        job = parse_job(body)
        job_id = job_id or names.generated_job_id()
        validation.check_job_id(job_id)
        validation.check_job(job)
        created = self._store.create(parent, job_id, request_id, job)
        self._lifecycle.start(created.name)
        return created

    def get_job(self, name: str) -> Any:
        """Return the named job."""
        return self._store.get(name)

    def list_jobs(
        self, parent: names.Parent, expression: str, page_size: int, page_token: str
    ) -> Any:
        """Return one ListJobsResponse page."""
        jobs, token = self._store.list_jobs(parent, expression, page_size, page_token)
        response = batch_v1alpha.ListJobsResponse.pb()(next_page_token=token)
        response.jobs.extend(jobs)
        return response

    def delete_job(self, name: str) -> Any:
        """Start deleting a job: DELETION_IN_PROGRESS now, gone a moment later."""
        self._store.set_job_state(name, JobState.DELETION_IN_PROGRESS)
        operation = self._operation(name, "delete")
        self._in_background(name, operation.name, lambda: self._store.remove(name))
        return operation

    def cancel_job(self, name: str) -> Any:
        """Start cancelling a job: CANCELLATION_IN_PROGRESS, then CANCELLED."""
        state = self._store.job_state(name)
        if state in TERMINAL or state == JobState.DELETION_IN_PROGRESS:
            raise ApiError(
                "FAILED_PRECONDITION",
                f"Job {name} is {JobState(state).name} and cannot be cancelled.",
            )
        self._store.set_job_state(name, JobState.CANCELLATION_IN_PROGRESS)
        operation = self._operation(name, "cancel")
        self._in_background(
            name,
            operation.name,
            lambda: self._store.set_job_state(name, JobState.CANCELLED),
        )
        return operation

    def list_tasks(self, group: str, page_size: int, page_token: str) -> Any:
        """Return one ListTasksResponse page for a job's task group."""
        job, _, group_id = group.partition("/taskGroups/")
        if group_id != names.TASK_GROUP_ID:
            raise not_found(group)
        tasks, token = self._store.list_tasks(job, page_size, page_token)
        response = batch_v1alpha.ListTasksResponse.pb()(next_page_token=token)
        response.tasks.extend(tasks)
        return response

    def get_task(self, name: str) -> Any:
        """Return the named task."""
        return self._store.get_task(name)

    def get_operation(self, name: str) -> Any:
        """Return the named long-running operation."""
        return self._store.get_operation(name)

    def close(self) -> None:
        """Stop every running job."""
        self._lifecycle.stop_all()

    def _operation(self, name: str, verb: str) -> Any:
        parts = name.split("/")
        parent = names.Parent(parts[1], parts[3])
        return self._store.start_operation(parent, name, verb)

    def _in_background(
        self, name: str, operation: str, finish: Callable[[], None]
    ) -> None:
        def work() -> None:
            self._lifecycle.stop(name)
            self._lifecycle.pause()
            # A job deleted while it was being cancelled has nothing left to finish.
            with contextlib.suppress(ApiError):
                finish()
            self._store.finish_operation(operation)

        threading.Thread(target=work, name=f"{operation}", daemon=True).start()
