"""Publishes Batch's job and task notifications to the Pub/Sub emulator.

Changes are queued and published from one worker thread, in order, so a slow
or unreachable Pub/Sub emulator never holds up a job. A failed publish becomes
a status event on the job.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from google.api_core import exceptions, retry
from google.cloud import batch_v1alpha
from google.cloud.pubsub_v1 import PublisherClient

from batch_emulator import names
from batch_emulator.faults import Faults
from batch_emulator.store import Change, JobStateChange, JobStore, TaskStateChange

MessageType = batch_v1alpha.JobNotification.Type
PUBLISH_TIMEOUT_SECONDS = 5.0

_log = logging.getLogger("batch_emulator.notifier")


class PublishFailed(Exception):
    """A notification could not be published; the message says why."""


Publish = Callable[[str, bytes, dict[str, str]], None]


def job_message(change: JobStateChange) -> tuple[bytes, dict[str, str]]:
    """Return the body and attributes Batch publishes for a job state change."""
    job = change.job
    attributes = {
        "Type": "JOB_STATE_CHANGED",
        "JobName": job.name,
        "JobUID": job.uid,
        "NewJobState": change.current,
        "Region": names.location_of(job.name),
    }
    body = (
        f"Job state was updated: jobName={job.name}, jobUID={job.uid}, "
        f"previousState={change.previous}, currentState={change.current}, "
        f"timestamp={_timestamp(change.time)}"
    )
    return body.encode(), attributes


def task_message(change: TaskStateChange) -> tuple[bytes, dict[str, str]]:
    """Return the body and attributes Batch publishes for a task state change."""
    attributes = {
        "Type": "TASK_STATE_CHANGED",
        "JobUID": change.job.uid,
        "TaskName": change.task_name,
        "TaskUID": change.task_uid,
        "NewTaskState": change.current,
        "Region": names.location_of(change.job.name),
    }
    body = (
        f"Task state was updated: taskName={change.task_name}, "
        f"taskUID={change.task_uid}, previousState={change.previous}, "
        f"currentState={change.current}, timestamp={_timestamp(change.time)}"
    )
    return body.encode(), attributes


def wanted(notification: Any, change: Change) -> bool:
    """Tell whether one of a job's notification settings asks for this change."""
    message = notification.message
    if isinstance(change, JobStateChange):
        # An unspecified type is taken as job state changes, the common case.
        if message.type_ not in (MessageType.JOB_STATE_CHANGED, 0):
            return False
        wanted_state = batch_v1alpha.JobStatus.State(message.new_job_state).name
    else:
        if message.type_ != MessageType.TASK_STATE_CHANGED:
            return False
        wanted_state = batch_v1alpha.TaskStatus.State(message.new_task_state).name
    return wanted_state in ("STATE_UNSPECIFIED", change.current)


def topic_path(topic: str, job_name: str) -> str:
    """Return a full topic path; a bare topic id lives in the job's project."""
    if topic.startswith("projects/"):
        return topic
    return f"projects/{job_name.split('/')[1]}/topics/{topic}"


class Notifier:
    """A store listener that publishes each change the job's notifications ask for."""

    def __init__(self, store: JobStore, faults: Faults, publish: Publish) -> None:
        self._store = store
        self._faults = faults
        self._publish = publish
        self._queue: queue.Queue[Change | None] = queue.Queue()
        self._worker = threading.Thread(target=self._work, name="notifier", daemon=True)
        self._worker.start()

    def __call__(self, change: Change) -> None:
        """Queue a change for publishing."""
        self._queue.put(change)

    def close(self) -> None:
        """Publish what is queued, then stop the worker."""
        self._queue.put(None)
        self._worker.join()

    def _work(self) -> None:
        while (change := self._queue.get()) is not None:
            for notification in change.job.notifications:
                if wanted(notification, change):
                    self._send(notification.pubsub_topic, change)

    def _send(self, topic: str, change: Change) -> None:
        if isinstance(change, JobStateChange):
            data, attributes = job_message(change)
        else:
            data, attributes = task_message(change)
        topic = topic_path(topic, change.job.name)
        for _ in range(self._faults.notification_copies()):
            try:
                self._publish(topic, data, attributes)
            except PublishFailed as exc:
                _log.warning("notification for %s not published: %s", topic, exc)
                self._store.add_job_event(
                    change.job.name,
                    f"Notification {attributes['Type']} to {topic} was not "
                    f"published: {exc}",
                )


class PubSubPublisher:
    """Publishes to the Pub/Sub emulator at PUBSUB_EMULATOR_HOST, never to Google."""

    def __init__(self, timeout: float = PUBLISH_TIMEOUT_SECONDS) -> None:
        self._client: Any = None
        self._timeout = timeout

    def __call__(self, topic: str, data: bytes, attributes: dict[str, str]) -> None:
        """Publish one message and wait for the emulator to accept it."""
        if not os.environ.get("PUBSUB_EMULATOR_HOST"):
            raise PublishFailed(
                "PUBSUB_EMULATOR_HOST is not set; the Batch emulator publishes "
                "only to a Pub/Sub emulator"
            )
        if self._client is None:
            self._client = PublisherClient()
        try:
            future = self._client.publish(
                topic,
                data,
                retry=retry.Retry(timeout=self._timeout),
                timeout=self._timeout,
                **attributes,
            )
            future.result(timeout=2 * self._timeout)
        except exceptions.NotFound as exc:
            raise PublishFailed(f"topic {topic} does not exist") from exc
        except (
            exceptions.GoogleAPICallError,
            exceptions.RetryError,
            TimeoutError,
        ) as exc:
            raise PublishFailed(f"{type(exc).__name__}: {exc}") from exc


def _timestamp(time: datetime) -> str:
    return time.isoformat().replace("+00:00", "Z")
