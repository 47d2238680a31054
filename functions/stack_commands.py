"""``submit`` and ``follow``: the command line for a running stack or the real cloud.

Both reach Google Cloud, or the emulators when the standard ``*_EMULATOR_HOST``
variables are set (``make dev`` prints them).
"""

from __future__ import annotations

import argparse
import json
import os
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, TextIO

from functions.console import describe_event, event_kind

TERMINAL_KINDS = {"rejected", "succeeded", "failed", "cancelled"}


def _project(env: Mapping[str, str]) -> str:
    return env.get("GOOGLE_CLOUD_PROJECT", "local-project")


def upload_request(
    path: Path, env: Mapping[str, str], overrides: Mapping[str, str]
) -> str:
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
    blob.metadata = dict(overrides) or None
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


def run_submit(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Send one job request by upload or message; optionally follow its events."""
    overrides = {
        key: value
        for key, value in (("jobId", args.job_id), ("location", args.location))
        if value
    }

    def send() -> None:
        if args.publish:
            message_id = publish_request(args.file, os.environ, overrides)
            out.write(f"published message {message_id}\n")
        else:
            out.write(f"uploaded {upload_request(args.file, os.environ, overrides)}\n")
        out.flush()

    if not args.follow:
        return _guarded(send, err)
    return _guarded(
        lambda: _print_events(
            out, follow_events(os.environ, TERMINAL_KINDS.__contains__, 120, send)
        ),
        err,
    )


def run_follow(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Print events from the events topic as they arrive, until interrupted."""
    return _guarded(
        lambda: _print_events(
            out, follow_events(os.environ, lambda kind: False, args.timeout)
        ),
        err,
    )


def _print_events(out: TextIO, events: Iterator[str]) -> None:
    for text in events:
        out.write(text + "\n")
        out.flush()


def _guarded(action: Callable[[], None], err: TextIO) -> int:
    from google.api_core import exceptions

    try:
        action()
    except (OSError, ValueError, exceptions.GoogleAPIError) as exc:
        err.write(f"error: {exc}\n")
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


def add_submit(
    subcommands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    """Register ``submit [--publish] [--job-id ID] [--location R] [--follow] FILE``."""
    parser = subcommands.add_parser(
        "submit",
        help="send a job request to the running system",
        description="Upload a job request to $REQUESTS_BUCKET under "
        "$REQUEST_PREFIX, or publish it on $REQUESTS_TOPIC with --publish.",
    )
    parser.add_argument("file", type=Path, metavar="FILE")
    parser.add_argument("--publish", action="store_true", help="send by Pub/Sub")
    parser.add_argument("--job-id", help="ask for this job id instead of a derived one")
    parser.add_argument("--location", help="submit to this region instead")
    parser.add_argument(
        "--follow", action="store_true", help="print events until the job ends"
    )
    parser.set_defaults(handler=run_submit)


def add_follow(
    subcommands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    """Register ``follow [--timeout SECONDS]``."""
    parser = subcommands.add_parser(
        "follow",
        help="print events as they are published",
        description="Print every event published to $EVENTS_TOPIC from now on.",
    )
    parser.add_argument("--timeout", type=float, help="stop after this many seconds")
    parser.set_defaults(handler=run_follow)
