"""Fixtures for the Batch emulator's tests: a fast emulator and Pub/Sub helpers."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import grpc  # type: ignore[import-untyped]
import pytest
from google.cloud import batch_v1alpha
from google.cloud.pubsub_v1 import PublisherClient, SubscriberClient
from google.pubsub_v1.services.publisher.transports import PublisherGrpcTransport
from google.pubsub_v1.services.subscriber.transports import SubscriberGrpcTransport

from devstack import processes
from functions.batch_client import batch_client

PROJECT = "local-project"
LOCATION = "us-central1"
PARENT = f"projects/{PROJECT}/locations/{LOCATION}"
FAST = ("--state-delay", "0.05", "--publish-timeout", "1")


@pytest.fixture(scope="session")
def fast_batch_emulator(service_logs: Path, pubsub_emulator: str) -> Iterator[str]:
    """Run a Batch emulator with short state delays; yield its ``HOST:PORT``."""
    port = processes.free_port()
    with processes.batch_emulator(port, service_logs, pubsub_emulator, FAST) as svc:
        yield svc.address


@pytest.fixture(scope="session")
def client(fast_batch_emulator: str) -> batch_v1alpha.BatchServiceClient:
    """Return the real google-cloud-batch client, pointed at the emulator."""
    return batch_client(fast_batch_emulator)


@pytest.fixture(scope="session")
def publisher(pubsub_emulator: str) -> Any:
    """Return a Pub/Sub publisher client for the Pub/Sub emulator."""
    channel = grpc.insecure_channel(pubsub_emulator)
    return PublisherClient(transport=PublisherGrpcTransport(channel=channel))


@pytest.fixture(scope="session")
def subscriber(pubsub_emulator: str) -> Any:
    """Return a Pub/Sub subscriber client for the Pub/Sub emulator."""
    channel = grpc.insecure_channel(pubsub_emulator)
    transport = SubscriberGrpcTransport(channel=channel)
    return SubscriberClient(transport=transport)


@pytest.fixture
def topic(publisher: Any, subscriber: Any, request: pytest.FixtureRequest) -> str:
    """Create a topic with a subscription named after it; return the topic path."""
    name = request.node.name.replace("_", "-")[:60]
    path = f"projects/{PROJECT}/topics/{name}"
    publisher.create_topic(name=path)
    subscriber.create_subscription(name=subscription_of(path), topic=path)
    return path


def subscription_of(topic: str) -> str:
    """Return the subscription the ``topic`` fixture made for a topic."""
    return topic.replace("/topics/", "/subscriptions/")


def pull_until(
    subscriber: Any,
    topic: str,
    done: Callable[[list[Any]], bool],
    timeout: float = 15.0,
) -> list[Any]:
    """Pull messages from the topic's subscription until ``done`` holds for them."""
    messages: list[Any] = []
    deadline = time.monotonic() + timeout
    while not done(messages) and time.monotonic() < deadline:
        response = subscriber.pull(
            subscription=subscription_of(topic), max_messages=100, timeout=5
        )
        if response.received_messages:
            subscriber.acknowledge(
                subscription=subscription_of(topic),
                ack_ids=[m.ack_id for m in response.received_messages],
            )
        messages += [m.message for m in response.received_messages]
    return messages


def wait_for_state(
    client: batch_v1alpha.BatchServiceClient,
    name: str,
    states: set[str],
    timeout: float = 15.0,
) -> batch_v1alpha.Job:
    """Poll a job with get_job until its state is one of ``states``."""
    deadline = time.monotonic() + timeout
    job = client.get_job(name=name)
    while job.status.state.name not in states and time.monotonic() < deadline:
        time.sleep(0.05)
        job = client.get_job(name=name)
    return job


def script_job(text: str, **group: Any) -> batch_v1alpha.Job:
    """Return a one-runnable script job; ``group`` sets TaskGroup fields."""
    runnable = batch_v1alpha.Runnable(script=batch_v1alpha.Runnable.Script(text=text))
    spec = group.pop("task_spec", {})
    task_spec = batch_v1alpha.TaskSpec(runnables=[runnable], **spec)
    return batch_v1alpha.Job(
        task_groups=[batch_v1alpha.TaskGroup(task_spec=task_spec, **group)]
    )
