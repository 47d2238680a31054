"""``submit`` and ``follow``: the command line for a running stack or the real cloud.

Both reach Google Cloud, or the emulators when the standard ``*_EMULATOR_HOST``
variables are set (``make dev`` prints them).
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from functions.console import describe_event, event_kind

TERMINAL_KINDS = {"rejected", "succeeded", "failed", "cancelled"}


def _project(env: Mapping[str, str]) -> str:
    return env.get("GOOGLE_CLOUD_PROJECT", "local-project")


def upload_request(path: Path, env: Mapping[str, str]) -> str:
    """Upload a job request under the request prefix; return its ``gs://`` URL."""
    import google.cloud.storage

    bucket = env.get("REQUESTS_BUCKET")
    if not bucket:
        raise ValueError("REQUESTS_BUCKET is not set: name the bucket jobs go to")
    prefix = env.get("REQUEST_PREFIX", "jobs/")
    name = f"{prefix}{path.name}"
    client = google.cloud.storage.Client(
        project=_project(env), credentials=_credentials(env)
    )
    blob = client.bucket(bucket).blob(name)
    blob.upload_from_filename(str(path), content_type="application/json")
    return f"gs://{bucket}/{name}#{blob.generation}"


def publish_request(
    path: Path, env: Mapping[str, str], attributes: Mapping[str, str]
) -> str:
    """Publish a job request on the requests topic; return the message id."""
    import google.cloud.pubsub_v1

    topic = env.get("REQUESTS_TOPIC", "batch-job-requests")
    publisher = google.cloud.pubsub_v1.PublisherClient()
    future = publisher.publish(
        f"projects/{_project(env)}/topics/{topic}", path.read_bytes(), **attributes
    )
    message_id: str = future.result(timeout=30)
    return message_id


def follow_events(
    env: Mapping[str, str],
    stop_when: Callable[[str], bool],
    timeout: float | None,
    on_ready: Callable[[], None] | None = None,
) -> Iterator[str]:
    """Yield each event on the events topic, rendered, until ``stop_when`` says so.

    ``on_ready`` runs once the subscription exists, so an input it sends cannot
    produce an event this command misses.
    """
    import google.cloud.pubsub_v1

    project = _project(env)
    subscriber = google.cloud.pubsub_v1.SubscriberClient()
    subscription = f"projects/{project}/subscriptions/follow-{uuid.uuid4().hex[:12]}"
    topic = env.get("EVENTS_TOPIC", "batch-job-events")
    subscriber.create_subscription(
        request={
            "name": subscription,
            "topic": f"projects/{project}/topics/{topic}",
            "expiration_policy": {"ttl": {"seconds": 86400}},
        }
    )
    deadline = None if timeout is None else time.monotonic() + timeout
    try:
        if on_ready is not None:
            on_ready()
        while deadline is None or time.monotonic() < deadline:
            for attributes, data in _pull(subscriber, subscription):
                yield describe_event(attributes, data)
                if stop_when(event_kind(attributes)):
                    return
    finally:
        subscriber.delete_subscription(subscription=subscription)


def _pull(subscriber: Any, subscription: str) -> list[tuple[dict[str, str], Any]]:
    response = subscriber.pull(subscription=subscription, max_messages=20, timeout=5)
    received = response.received_messages
    if received:
        subscriber.acknowledge(
            subscription=subscription, ack_ids=[m.ack_id for m in received]
        )
    return [
        (dict(m.message.attributes), json.loads(m.message.data or b"{}"))
        for m in received
    ]


def _credentials(env: Mapping[str, str]) -> Any:
    if env.get("STORAGE_EMULATOR_HOST"):
        from google.auth.credentials import AnonymousCredentials

        return AnonymousCredentials()  # type: ignore[no-untyped-call]
    return None


def environment() -> Mapping[str, str]:
    """Return the process environment, the only configuration these commands read."""
    return os.environ
