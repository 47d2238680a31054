"""The in-memory job store: jobs, their tasks and operations, and their states.

Pure and thread-safe: no I/O, no threads of its own, and a clock passed in so
tests can drive time. Every state change is reported to the listeners after
the lock is released, so a listener may call back into the store.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from google.cloud import batch_v1alpha
from google.longrunning import operations_pb2  # type: ignore[import-untyped]
from google.protobuf import empty_pb2

from batch_emulator import filters, names
from batch_emulator.errors import ApiError, invalid_argument, not_found

JobState = batch_v1alpha.JobStatus.State
TaskState = batch_v1alpha.TaskStatus.State
JobPb: Any = batch_v1alpha.Job.pb()
TaskPb: Any = batch_v1alpha.Task.pb()
TERMINAL = frozenset({JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED})
DEFAULT_PAGE_SIZE = 100
# What each long-running operation answers when done (the client checks the type).
_RESPONSES: dict[str, Any] = {
    "delete": empty_pb2.Empty,
    "cancel": batch_v1alpha.CancelJobResponse.pb(),
}
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """Return the current time in UTC."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class JobStateChange:
    """A job moved from one state to another; ``job`` is a snapshot after it."""

    job: Any
    previous: str
    current: str
    time: datetime


@dataclass(frozen=True)
class TaskStateChange:
    """A task moved from one state to another."""

    job: Any
    task_index: int
    task_name: str
    task_uid: str
    previous: str
    current: str
    time: datetime


Change = JobStateChange | TaskStateChange
Listener = Callable[[Change], None]


@dataclass
class _Record:
    job: Any
    tasks: list[Any]
    request_id: str = ""
    running_since: datetime | None = None


@dataclass
class JobStore:
    """Jobs by name, with the state transitions Batch reports."""

    clock: Clock = utc_now
    listeners: list[Listener] = field(default_factory=list)
    _records: dict[str, _Record] = field(default_factory=dict)
    _operations: dict[str, Any] = field(default_factory=dict)
    _lock: threading.RLock = field(default_factory=threading.RLock)
    _pending: list[Change] = field(default_factory=list)

    def create(
        self, parent: names.Parent, job_id: str, request_id: str, job: Any
    ) -> Any:
        """Store a new QUEUED job, or return the job an earlier request created."""
        name = names.job_name(parent, job_id)
        with self._changes():
            earlier = self._by_request_id(parent, request_id)
            if earlier is not None:
                return _copy(earlier.job)
            if name in self._records:
                raise ApiError("ALREADY_EXISTS", f"Job {name} already exists.")
            now = self.clock()
            record = _Record(_accepted(job, name, now), [], request_id)
            record.tasks = _new_tasks(record.job)
            self._records[name] = record
            self._set_state(record, JobState.QUEUED, "", now)
            return _copy(record.job)

    def get(self, name: str) -> Any:
        """Return a copy of the named job."""
        with self._lock:
            return _copy(self._record(name).job)

    def list_jobs(
        self, parent: names.Parent, expression: str, page_size: int, page_token: str
    ) -> tuple[list[Any], str]:
        """Return a page of the parent's jobs matching a filter, and the next token."""
        matches = filters.parse(expression)
        with self._lock:
            jobs = [
                _copy(record.job)
                for name, record in self._records.items()
                if parent.contains(name) and matches(_fields(record.job))
            ]
        return _page(jobs, page_size, page_token)

    def set_job_state(self, name: str, state: int, reason: str = "") -> None:
        """Move a job to ``state``, recording a status event with an optional reason."""
        with self._changes():
            self._set_state(self._record(name), state, reason)

    def add_job_event(self, name: str, description: str) -> None:
        """Record an informational status event on a job that still exists."""
        with self._changes():
            record = self._records.get(name)
            if record is not None:
                now = self.clock()
                _append_event(record.job.status, "OPERATIONAL_INFO", description, now)

    def job_state(self, name: str) -> int:
        """Return the current state of a job."""
        with self._lock:
            return JobState(self._record(name).job.status.state)

    def set_task_state(
        self, name: str, index: int, state: int, exit_code: int | None = None
    ) -> None:
        """Move one task of a job to ``state``, with its exit code when it ended."""
        with self._changes():
            record = self._record(name)
            self._set_task_state(record, index, state, exit_code)

    def list_tasks(
        self, job: str, page_size: int, page_token: str
    ) -> tuple[list[Any], str]:
        """Return one page of a job's tasks and the next page token."""
        with self._lock:
            tasks = [_copy(task) for task in self._record(job).tasks]
        return _page(tasks, page_size, page_token)

    def get_task(self, name: str) -> Any:
        """Return a copy of the named task."""
        job, _, index = name.partition(f"/taskGroups/{names.TASK_GROUP_ID}/tasks/")
        with self._lock:
            tasks = self._record(job).tasks if job in self._records else []
            if not index.isdigit() or int(index) >= len(tasks):
                raise not_found(name)
            return _copy(tasks[int(index)])

    def remove(self, name: str) -> None:
        """Forget a job entirely."""
        with self._lock:
            self._records.pop(name, None)

    def start_operation(self, parent: names.Parent, target: str, verb: str) -> Any:
        """Record a running long-running operation on ``target`` and return it."""
        metadata = batch_v1alpha.OperationMetadata.pb()(
            target=target, verb=verb, api_version="v1alpha"
        )
        metadata.create_time.FromDatetime(self.clock())
        operation = operations_pb2.Operation(name=names.operation_name(parent))
        operation.metadata.Pack(metadata)
        with self._lock:
            self._operations[operation.name] = operation
            return _copy(operation)

    def finish_operation(self, name: str) -> None:
        """Mark an operation done with the response its verb returns."""
        with self._lock:
            operation = self._operations[name]
            metadata = batch_v1alpha.OperationMetadata.pb()()
            operation.metadata.Unpack(metadata)
            metadata.end_time.FromDatetime(self.clock())
            operation.metadata.Pack(metadata)
            operation.response.Pack(_RESPONSES[metadata.verb]())
            operation.done = True

    def get_operation(self, name: str) -> Any:
        """Return a copy of the named operation."""
        with self._lock:
            if name not in self._operations:
                raise not_found(name)
            return _copy(self._operations[name])

    @contextmanager
    def _changes(self) -> Iterator[None]:
        with self._lock:
            yield
            pending, self._pending = self._pending, []
        for change in pending:
            for listener in self.listeners:
                listener(change)

    def _record(self, name: str) -> _Record:
        if name not in self._records:
            raise not_found(name)
        return self._records[name]

    def _by_request_id(self, parent: names.Parent, request_id: str) -> _Record | None:
        if not request_id:
            return None
        for name, record in self._records.items():
            if record.request_id == request_id and parent.contains(name):
                return record
        return None

    def _set_state(
        self, record: _Record, state: int, reason: str, now: datetime | None = None
    ) -> None:
        now = now or self.clock()
        status = record.job.status
        previous = JobState(status.state)
        if previous is not JobState.STATE_UNSPECIFIED:
            description = (
                f"Job state is set from {previous.name} to {JobState(state).name} "
                f"for job {record.job.name}{reason}."
            )
            _append_event(status, "STATUS_CHANGED", description, now)
        status.state = state
        record.job.update_time.FromDatetime(now)
        if state == JobState.RUNNING:
            record.running_since = now
        elif record.running_since is not None and state in TERMINAL:
            status.run_duration.FromTimedelta(now - record.running_since)
        self._pending.append(
            JobStateChange(_copy(record.job), previous.name, JobState(state).name, now)
        )

    def _set_task_state(
        self, record: _Record, index: int, state: int, exit_code: int | None
    ) -> None:
        now = self.clock()
        task = record.tasks[index]
        previous = TaskState(task.status.state)
        current = TaskState(state).name
        description = f"Task state is updated from {previous.name} to {current}"
        event = _append_event(task.status, "STATUS_CHANGED", "", now)
        event.task_state = state
        if exit_code is not None:
            event.task_execution.exit_code = exit_code
            description += f" with exit code {exit_code}"
        event.description = description + "."
        task.status.state = state
        _count_tasks(record)
        uid = names.task_uid(record.job.uid, index)
        self._pending.append(
            TaskStateChange(
                _copy(record.job), index, task.name, uid, previous.name, current, now
            )
        )


def _accepted(job: Any, name: str, now: datetime) -> Any:
    accepted = _copy(job)
    accepted.ClearField("status")
    accepted.name = name
    accepted.uid = names.job_uid(names.job_id_of(name))
    accepted.create_time.FromDatetime(now)
    group = accepted.task_groups[0]
    group.name = names.task_group_name(name)
    group.task_count = group.task_count or 1
    group.parallelism = group.parallelism or group.task_count
    return accepted


def _new_tasks(job: Any) -> list[Any]:
    count = job.task_groups[0].task_count
    tasks = [TaskPb(name=names.task_name(job.name, index)) for index in range(count)]
    for task in tasks:
        task.status.state = TaskState.PENDING
    return tasks


def _count_tasks(record: _Record) -> None:
    group = record.job.status.task_groups[names.TASK_GROUP_ID]
    group.counts.clear()
    for task in record.tasks:
        state = TaskState(task.status.state).name
        group.counts[state] = group.counts.get(state, 0) + 1


def _append_event(status: Any, kind: str, description: str, now: datetime) -> Any:
    event = status.status_events.add(type_=kind, description=description)
    event.event_time.FromDatetime(now)
    return event


def _fields(job: Any) -> filters.Fields:
    state = JobState(job.status.state).name
    return filters.job_fields(job.name, job.uid, state, dict(job.labels))


def _page(items: list[Any], page_size: int, page_token: str) -> tuple[list[Any], str]:
    if page_size < 0:
        raise invalid_argument("pageSize must not be negative.")
    if page_token and not page_token.isdigit():
        raise invalid_argument(f"Invalid page token {page_token!r}.")
    start = int(page_token or 0)
    end = start + (page_size or DEFAULT_PAGE_SIZE)
    return items[start:end], str(end) if end < len(items) else ""


def _copy(message: Any) -> Any:
    duplicate = type(message)()
    duplicate.CopyFrom(message)
    return duplicate
