"""Create the topics, bucket and push subscriptions the local stack runs on.

These talk to the emulators through the standard ``PUBSUB_EMULATOR_HOST`` and
``STORAGE_EMULATOR_HOST`` switches, which the caller has set.
"""

from __future__ import annotations

import contextlib
import threading

import google.cloud.pubsub_v1
import google.cloud.storage
from google.api_core import exceptions
from google.auth.credentials import AnonymousCredentials

from devstack.stack import RECONCILER, StackSettings

# Which function each topic is pushed to; the uploads topic carries Cloud
# Storage JSON_API_V1 notifications, the way a bucket notification does.
PUSH_ROUTES = {
    "uploads": "submit_from_gcs",
    "requests": "submit_from_pubsub",
    "job_state": "relay_job_state",
    "reconcile": RECONCILER,
}
MAX_DELIVERY_ATTEMPTS = 5


def create_topics(settings: StackSettings) -> None:
    """Create every topic of the stack, leaving existing ones alone."""
    publisher = google.cloud.pubsub_v1.PublisherClient()
    for topic in vars(settings.topics).values():
        with contextlib.suppress(exceptions.AlreadyExists):
            publisher.create_topic(name=settings.topic_path(topic))


def storage_client(settings: StackSettings) -> google.cloud.storage.Client:
    """Return a Cloud Storage client for fake-gcs-server, which takes no credentials."""
    credentials = AnonymousCredentials()  # type: ignore[no-untyped-call]
    return google.cloud.storage.Client(
        project=settings.project, credentials=credentials
    )


def create_bucket(settings: StackSettings) -> None:
    """Create the requests bucket on fake-gcs-server."""
    with contextlib.suppress(exceptions.Conflict):
        storage_client(settings).create_bucket(settings.bucket)


def subscription_path(settings: StackSettings, name: str) -> str:
    """Return the full resource name of subscription ``name``."""
    return f"projects/{settings.project}/subscriptions/{name}"


def create_push_subscriptions(
    settings: StackSettings, function_urls: dict[str, str]
) -> None:
    """Push each topic to its function, with the dead-letter topic behind it."""
    subscriber = google.cloud.pubsub_v1.SubscriberClient()
    dead_letters = settings.topic_path(settings.topics.dead_letters)
    for field_name, function in PUSH_ROUTES.items():
        if function not in function_urls:
            continue
        topic = getattr(settings.topics, field_name)
        subscriber.create_subscription(
            request={
                "name": subscription_path(settings, f"{topic}-to-{function}"),
                "topic": settings.topic_path(topic),
                "push_config": {"push_endpoint": function_urls[function] + "/"},
                "ack_deadline_seconds": 60,
                "dead_letter_policy": {
                    "dead_letter_topic": dead_letters,
                    "max_delivery_attempts": MAX_DELIVERY_ATTEMPTS,
                },
            }
        )
    subscriber.create_subscription(
        name=subscription_path(settings, f"{settings.topics.dead_letters}-kept"),
        topic=dead_letters,
    )


def start_reconcile_schedule(
    settings: StackSettings, stop: threading.Event
) -> threading.Thread:
    """Publish a tick to the reconcile topic every few seconds, as Cloud Scheduler."""
    publisher = google.cloud.pubsub_v1.PublisherClient()
    topic = settings.topic_path(settings.topics.reconcile)

    def tick() -> None:
        while not stop.wait(settings.reconcile_every_seconds):
            publisher.publish(topic, b"{}").result(timeout=10)

    thread = threading.Thread(target=tick, name="reconcile-schedule", daemon=True)
    thread.start()
    return thread
