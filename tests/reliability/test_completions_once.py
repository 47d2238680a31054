"""Each job's completion event is published once: by the relay or the reconciler."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from functions.completions import claim_body
from functions.events import terminal_event
from tests.functions.test_flows import (
    _jobs_for,
    _of_type,
    _script_job,
    _valid,
    _wait_until_ended,
)
from tests.reliability.conftest import LoggedStack

pytestmark = pytest.mark.integration


def _record_name(event_id: str, job: dict[str, Any]) -> str:
    return f"status/completions/{job['name'].rpartition('/')[2]}/{event_id}.json"


def _submit(stack: LoggedStack) -> dict[str, Any]:
    """Submit a one-line script job as a message; return the job Batch made."""
    message_id = uuid.uuid4().hex
    response = stack.push("submit_from_pubsub", _script_job("true"), {}, message_id)
    assert response.status_code == 200, response.text
    [job] = _jobs_for(stack, f"pubsub:#{message_id}")
    return job


def _ended_unnoticed(stack: LoggedStack) -> dict[str, Any]:
    """Submit a job and wait for its end with every Batch notification dropped."""
    stack.set_batch_faults({"dropNotifications": 1000})
    try:
        return _wait_until_ended(stack, _submit(stack)["name"])
    finally:
        stack.set_batch_faults({"dropNotifications": 0})


def _tick(stack: LoggedStack) -> None:
    """One scheduled run of reconcile_jobs, as Cloud Scheduler's message makes it."""
    response = stack.push("reconcile_jobs", b"{}", {}, uuid.uuid4().hex)
    assert response.status_code == 200, response.text


def test_dropped_notifications_are_published_once_by_the_reconciler(
    stack: LoggedStack,
) -> None:
    """Every notification lost: the first tick publishes, later ticks do not."""
    job = _ended_unnoticed(stack)
    job_id = job["name"].rpartition("/")[2]
    expected = terminal_event(job, datetime.now(UTC))
    assert expected is not None
    assert stack.wait_for_events(_of_type("succeeded", job_id), timeout=1) == []

    for _ in range(3):
        _tick(stack)

    ended = _valid(
        stack.wait_for_events(_of_type("succeeded", job_id), count=2, timeout=3)
    )
    assert [event["ce-id"] for event in ended] == [expected.id]
    record = stack.read(_record_name(expected.id, job))
    assert record is not None
    assert (record["eventId"], record["jobName"], record["state"]) == (
        expected.id,
        job["name"],
        "SUCCEEDED",
    )


def test_the_relay_and_the_reconciler_publish_one_job_once(
    stack: LoggedStack,
) -> None:
    """The relay publishes and records; a repeated notification and a tick add none."""
    job = _submit(stack)
    job_id = job["name"].rpartition("/")[2]
    [relayed] = stack.wait_for_events(_of_type("succeeded", job_id))
    record = _record_name(relayed["ce-id"], job)
    assert stack.wait_for_report(record, lambda found: True) is not None
    attributes = {
        "Type": "JOB_STATE_CHANGED",
        "JobName": job["name"],
        "JobUID": job["uid"],
        "NewJobState": "SUCCEEDED",
        "Region": "us-central1",
    }

    repeated = stack.push("relay_job_state", b"again", attributes, uuid.uuid4().hex)
    _tick(stack)

    assert repeated.status_code == 200, repeated.text
    assert stack.wait_for_events(_of_type("succeeded", job_id), count=2, timeout=2) == [
        relayed
    ]


def test_a_failure_before_the_claim_publishes_once_after_recovery(
    stack: LoggedStack,
) -> None:
    """STATUS_BUCKET missing: 500 and nothing published; once it exists, one event."""
    project = f"crash-{uuid.uuid4().hex[:8]}"
    bucket = f"late-{uuid.uuid4().hex[:8]}"
    # Its own project: its reconciler sees only this job, and the job's
    # notification topic does not exist there, so no notification arrives.
    env = {"GOOGLE_CLOUD_PROJECT": project, "STATUS_BUCKET": bucket}
    subscription = _events_subscription(project, stack.env["EVENTS_TOPIC"])
    with (
        stack.serve("submit_from_pubsub", **env) as submit,
        stack.serve("reconcile_jobs", **env) as reconciler,
    ):
        own = replace(
            stack,
            env={**stack.env, **env},
            events_subscription=subscription,
            received=[],
            functions={
                "submit_from_pubsub": submit.url,
                "reconcile_jobs": reconciler.url,
            },
        )
        job = _wait_until_ended(own, _submit(own)["name"])

        failed = own.push("reconcile_jobs", b"{}", {}, uuid.uuid4().hex)
        stack.create_bucket(bucket)
        _tick(own)
        _tick(own)

    assert failed.status_code == 500
    job_id = job["name"].rpartition("/")[2]
    ended = own.wait_for_events(_of_type("succeeded", job_id), count=2, timeout=2)
    assert len(ended) == 1
    record = own.read_from(bucket, _record_name(ended[0]["ce-id"], job))
    assert record is not None
    assert record["publishTime"] is not None


@pytest.mark.parametrize(
    ("claimed_minutes_ago", "published"), [(10, 1), (0, 0)], ids=["stale", "fresh"]
)
def test_an_unpublished_claim_is_taken_over_only_once_stale(
    stack: LoggedStack, claimed_minutes_ago: int, published: int
) -> None:
    """A claim whose holder died is published by a tick; a fresh one is left alone."""
    job = _ended_unnoticed(stack)
    job_id = job["name"].rpartition("/")[2]
    claimed_at = datetime.now(UTC) - timedelta(minutes=claimed_minutes_ago)
    expected = terminal_event(job, claimed_at)
    assert expected is not None
    # The state a process leaves when it dies between claiming and publishing:
    # a process cannot be stopped at that line for real, so the claim is written
    # here, through the same storage API the functions use.
    stack.write(_record_name(expected.id, job), claim_body(expected, claimed_at))

    _tick(stack)
    _tick(stack)

    ended = stack.wait_for_events(_of_type("succeeded", job_id), count=2, timeout=2)
    assert [event["ce-id"] for event in ended] == [expected.id] * published
    record = stack.read(_record_name(expected.id, job))
    assert record is not None
    assert bool(record["publishTime"]) == bool(published)


def _events_subscription(project: str, topic: str) -> str:
    """Create ``topic`` in ``project`` with a pull subscription; return its name."""
    from google.cloud import pubsub_v1

    topic_path = f"projects/{project}/topics/{topic}"
    subscription = f"projects/{project}/subscriptions/{topic}"
    pubsub_v1.PublisherClient().create_topic(name=topic_path)
    with pubsub_v1.SubscriberClient() as subscriber:
        subscriber.create_subscription(name=subscription, topic=topic_path)
    return subscription
