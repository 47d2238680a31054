"""Job and task notifications, published to a real Pub/Sub emulator."""

from __future__ import annotations

import time
import uuid
from typing import Any

import requests
from google.cloud import batch_v1alpha

from tests.batch_emulator.conftest import (
    LOCATION,
    PARENT,
    pull_until,
    script_job,
    wait_for_state,
)

Client = batch_v1alpha.BatchServiceClient
JOB_STATE_CHANGED = batch_v1alpha.JobNotification.Type.JOB_STATE_CHANGED
TASK_STATE_CHANGED = batch_v1alpha.JobNotification.Type.TASK_STATE_CHANGED


def notify(job: batch_v1alpha.Job, topic: str, **message: Any) -> batch_v1alpha.Job:
    """Add one notification setting to a job and return it."""
    job.notifications = [
        batch_v1alpha.JobNotification(
            pubsub_topic=topic, message=batch_v1alpha.JobNotification.Message(**message)
        )
    ]
    return job


def ended(messages: list[Any]) -> bool:
    """Tell whether a job's final state has been notified."""
    return any(
        m.attributes.get("NewJobState") in ("SUCCEEDED", "FAILED") for m in messages
    )


def test_job_state_changes_are_published_with_batch_attributes(
    client: Client, subscriber: Any, topic: str
) -> None:
    """Each job state change arrives with Type, JobName, JobUID, NewJobState, Region."""
    job = notify(script_job("true"), topic, type_=JOB_STATE_CHANGED)
    created = client.create_job(
        parent=PARENT, job=job, job_id=f"n-{uuid.uuid4().hex[:8]}"
    )

    messages = pull_until(subscriber, topic, ended)

    assert [m.attributes["NewJobState"] for m in messages] == [
        "QUEUED", "SCHEDULED", "RUNNING", "SUCCEEDED"
    ]  # fmt: skip
    assert dict(messages[-1].attributes) == {
        "Type": "JOB_STATE_CHANGED",
        "JobName": created.name,
        "JobUID": created.uid,
        "NewJobState": "SUCCEEDED",
        "Region": LOCATION,
    }
    assert (
        messages[-1]
        .data.decode()
        .startswith(
            f"Job state was updated: jobName={created.name}, jobUID={created.uid}, "
            "previousState=RUNNING, currentState=SUCCEEDED, timestamp="
        )
    )


def test_a_failed_job_notifies_only_the_state_asked_for(
    client: Client, subscriber: Any, topic: str
) -> None:
    """newJobState limits notifications to that state: here only FAILED arrives."""
    failed = batch_v1alpha.JobStatus.State.FAILED
    job = notify(
        script_job("exit 1"), topic, type_=JOB_STATE_CHANGED, new_job_state=failed
    )
    created = client.create_job(
        parent=PARENT, job=job, job_id=f"n-{uuid.uuid4().hex[:8]}"
    )
    wait_for_state(client, created.name, {"FAILED"})

    messages = pull_until(subscriber, topic, ended)

    assert [dict(m.attributes) for m in messages] == [
        {
            "Type": "JOB_STATE_CHANGED",
            "JobName": created.name,
            "JobUID": created.uid,
            "NewJobState": "FAILED",
            "Region": LOCATION,
        }
    ]


def test_task_state_changes_carry_task_attributes(
    client: Client, subscriber: Any, topic: str
) -> None:
    """TASK_STATE_CHANGED with newTaskState sends that task state, per task."""
    succeeded = batch_v1alpha.TaskStatus.State.SUCCEEDED
    job = notify(
        script_job("true", task_count=2), topic,
        type_=TASK_STATE_CHANGED, new_task_state=succeeded,
    )  # fmt: skip
    created = client.create_job(
        parent=PARENT, job=job, job_id=f"n-{uuid.uuid4().hex[:8]}"
    )

    messages = pull_until(subscriber, topic, lambda got: len(got) >= 2)

    group = f"{created.name}/taskGroups/group0"
    assert sorted((dict(m.attributes) for m in messages), key=str) == [
        {
            "Type": "TASK_STATE_CHANGED",
            "JobUID": created.uid,
            "TaskName": f"{group}/tasks/{index}",
            "TaskUID": f"{created.uid}-group0-{index}",
            "NewTaskState": "SUCCEEDED",
            "Region": LOCATION,
        }
        for index in (0, 1)
    ]


def test_a_missing_topic_is_a_status_event_not_a_crash(client: Client) -> None:
    """Publishing to a topic that does not exist leaves a status event on the job."""
    topic = f"projects/local-project/topics/absent-{uuid.uuid4().hex[:8]}"
    failed = batch_v1alpha.JobStatus.State.SUCCEEDED
    job = notify(
        script_job("true"), topic, type_=JOB_STATE_CHANGED, new_job_state=failed
    )
    created = client.create_job(
        parent=PARENT, job=job, job_id=f"n-{uuid.uuid4().hex[:8]}"
    )

    final = wait_for_state(client, created.name, {"SUCCEEDED"})
    expected = (
        f"Notification JOB_STATE_CHANGED to {topic} was not published: "
        f"topic {topic} does not exist"
    )
    for _ in range(50):
        if expected in [e.description for e in final.status.status_events]:
            break
        time.sleep(0.1)
        final = client.get_job(name=created.name)

    assert expected in [e.description for e in final.status.status_events]


def test_the_duplicate_fault_publishes_a_notification_twice(
    client: Client, subscriber: Any, topic: str, fast_batch_emulator: str
) -> None:
    """duplicateNotifications: 1 makes the next notification arrive twice."""
    faults = f"http://{fast_batch_emulator}/emulator/v1/faults"
    succeeded = batch_v1alpha.JobStatus.State.SUCCEEDED
    job = notify(
        script_job("true"), topic, type_=JOB_STATE_CHANGED, new_job_state=succeeded
    )
    requests.post(faults, json={"duplicateNotifications": 1}, timeout=5)
    try:
        client.create_job(parent=PARENT, job=job, job_id=f"n-{uuid.uuid4().hex[:8]}")
        messages = pull_until(subscriber, topic, lambda got: len(got) >= 2)
    finally:
        requests.delete(faults, timeout=5)

    assert [m.attributes["NewJobState"] for m in messages] == ["SUCCEEDED"] * 2
    assert messages[0].data == messages[1].data
