"""The process dies, or a failure strikes, between the steps of a submission.

Every test redelivers the same input afterwards, as the platform does for an
unacknowledged delivery, and counts what exists in the end: the jobs in the
Batch emulator and the events on a pull subscription of the events topic.
"""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import pytest
import requests

from devstack import processes
from tests.functions.conftest import PROJECT, push_request
from tests.functions.test_flows import _jobs_for, _of_type, _sample_job, _valid
from tests.reliability.conftest import LoggedStack

pytestmark = pytest.mark.integration


def _kill(service: processes.Service) -> None:
    """Crash the function server for real: SIGKILL, no cleanup, no answer."""
    os.killpg(service.process.pid, signal.SIGKILL)
    service.process.wait(timeout=10)


@contextmanager
def _batch_faults(stack: LoggedStack, faults: dict[str, Any]) -> Iterator[None]:
    stack.set_batch_faults(faults)
    try:
        yield
    finally:
        stack.set_batch_faults({"createLatencySeconds": 0, "failCreates": {"count": 0}})


def _submitted(stack: LoggedStack, message_id: str) -> tuple[list[Any], list[Any]]:
    """The jobs made from the message, and the submitted events about them."""
    jobs = _jobs_for(stack, f"pubsub:#{message_id}")
    job_ids = {job["name"].rpartition("/")[2] for job in jobs}
    events = [
        event
        for job_id in job_ids
        for event in stack.wait_for_events(_of_type("submitted", job_id), timeout=3)
    ]
    return jobs, _valid(events)


def test_an_events_topic_missing_after_batch_accepted_the_job(
    stack: LoggedStack,
) -> None:
    """Job created, publish fails (500); once the topic exists, redelivery: one job."""
    message_id = uuid.uuid4().hex
    topic = f"late-{uuid.uuid4().hex[:8]}"
    with stack.serve("submit_from_pubsub", EVENTS_TOPIC=topic) as submit:
        failed = push_request(submit.url, _sample_job(), {}, message_id)
        jobs_before = _jobs_for(stack, f"pubsub:#{message_id}")
        own = replace(stack, events_subscription=_topic(topic), received=[])

        redelivered = push_request(submit.url, _sample_job(), {}, message_id)

    assert (failed.status_code, redelivered.status_code) == (500, 200)
    assert len(jobs_before) == 1
    jobs, events = _submitted(own, message_id)
    assert [job["name"] for job in jobs] == [jobs_before[0]["name"]]
    assert [event["data"]["jobName"] for event in events] == [jobs[0]["name"]]


def test_a_process_killed_while_batch_creates_the_job(stack: LoggedStack) -> None:
    """Killed mid-create; Batch still makes the job; a new process redelivers: one."""
    message_id = uuid.uuid4().hex
    with _batch_faults(stack, {"createLatencySeconds": 1.5}):
        with stack.serve("submit_from_pubsub") as first, ThreadPoolExecutor(1) as pool:
            pending = pool.submit(
                push_request, first.url, _sample_job(), {}, message_id
            )
            time.sleep(0.7)
            _kill(first)
            with pytest.raises(requests.ConnectionError):
                pending.result()
        time.sleep(1.5)
    jobs_before = _jobs_for(stack, f"pubsub:#{message_id}")
    with stack.serve("submit_from_pubsub") as second:
        redelivered = push_request(second.url, _sample_job(), {}, message_id)

    assert redelivered.status_code == 200, redelivered.text
    assert len(jobs_before) == 1
    jobs, events = _submitted(stack, message_id)
    assert [job["name"] for job in jobs] == [jobs_before[0]["name"]]
    assert len(events) == 1


def test_a_lost_create_response_is_retried_into_the_same_job(
    stack: LoggedStack,
) -> None:
    """Batch answers after the 0.5 s call timeout; the retry meets the first job."""
    message_id = uuid.uuid4().hex
    with _batch_faults(stack, {"createLatencySeconds": 1.5}):
        # Batch recovers while the adapter is still retrying.
        recover = threading.Timer(
            1.0, stack.set_batch_faults, [{"createLatencySeconds": 0}]
        )
        with stack.serve(
            "submit_from_pubsub", BATCH_CALL_TIMEOUT="0.5", LOG_LEVEL="DEBUG"
        ) as submit:
            recover.start()
            response = push_request(submit.url, _sample_job(), {}, message_id)
            recover.join()
        time.sleep(1.5)

    assert response.status_code == 200, response.text
    jobs, events = _submitted(stack, message_id)
    assert len(jobs) == 1
    assert [event["data"]["jobName"] for event in events] == [jobs[0]["name"]]
    assert "Read timed out. (read timeout=0.5)" in submit.log_path.read_text()


def test_a_process_killed_before_the_acknowledgement(stack: LoggedStack) -> None:
    """Processed, then killed (the ack lost); a new process: same job, same event id."""
    message_id = uuid.uuid4().hex
    with stack.serve("submit_from_pubsub") as first:
        answered = push_request(first.url, _sample_job(), {}, message_id)
        _kill(first)
    with stack.serve("submit_from_pubsub") as second:
        redelivered = push_request(second.url, _sample_job(), {}, message_id)

    assert (answered.status_code, redelivered.status_code) == (200, 200)
    jobs, events = _submitted(stack, message_id)
    assert len(jobs) == 1
    assert len(events) == 2
    assert {event["ce-id"] for event in events} == {events[0]["ce-id"]}
    assert {event["data"]["jobName"] for event in events} == {jobs[0]["name"]}


def _topic(topic: str) -> str:
    """Create the events topic late, with a pull subscription; return its name."""
    from google.cloud import pubsub_v1

    topic_path = f"projects/{PROJECT}/topics/{topic}"
    subscription = f"projects/{PROJECT}/subscriptions/{topic}"
    pubsub_v1.PublisherClient().create_topic(name=topic_path)
    with pubsub_v1.SubscriberClient() as subscriber:
        subscriber.create_subscription(name=subscription, topic=topic_path)
    return subscription
