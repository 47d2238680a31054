"""``make demo``: the seed's sample job through the local pipeline, then bad ones.

With Debian's docker-registry on PATH the functions run the registry preflight
against a local registry holding the sample's image, and a third job names an
image tag that registry does not have.
"""

from __future__ import annotations

import json
import string
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import google.cloud.pubsub_v1

from devstack import processes
from devstack.stack import (
    LocalStack,
    Ports,
    StackSettings,
    preflight_line,
    registry_available,
    running_stack,
)
from devstack.wiring import storage_client, subscription_path
from functions.console import describe_event, event_kind
from functions.violations import IMAGE_NOT_FOUND

SAMPLE = processes.PROJECT_ROOT / "examples" / "image_streaming_simple_job.json"
SAMPLE_VALUES = {
    "Location": "us-central1",
    "ProjectID": "local-project",
    "RepositoryName": "images",
    "Image": "debian:bookworm",
}
TERMINAL = ("succeeded", "failed", "cancelled")
WAIT_SECONDS = 60.0


@dataclass(frozen=True)
class Event:
    """One CloudEvent read from the events topic: its kind and its data."""

    kind: str
    data: dict[str, Any]


def filled_sample() -> bytes:
    """Return the sample job with its placeholders filled, as envsubst would."""
    template = string.Template(SAMPLE.read_text())
    return template.substitute(SAMPLE_VALUES).encode()


def broken_sample() -> bytes:
    """Return the sample job with the mistakes image streaming refuses."""
    job = json.loads(filled_sample())
    container = job["taskGroups"][0]["taskSpec"]["runnables"][0]["container"]
    container["imageUri"] = "docker.io/library/debian:bookworm"
    container["options"] = "--privileged"
    container["enableImageStreaming"] = False
    return json.dumps(job, indent=2).encode()


class EventWatch:
    """Pull subscriptions on the events and job state topics, printed as they come."""

    def __init__(self, stack: LocalStack, out: TextIO) -> None:
        self.settings = stack.settings
        self.out = out
        self.subscriber = google.cloud.pubsub_v1.SubscriberClient()
        self.events = self._subscribe(self.settings.topics.events, "demo-events")
        self.states = self._subscribe(self.settings.topics.job_state, "demo-states")
        self.seen: list[Event] = []

    def _subscribe(self, topic: str, name: str) -> str:
        path = subscription_path(self.settings, name)
        self.subscriber.create_subscription(
            name=path, topic=self.settings.topic_path(topic)
        )
        return path

    def _pull(
        self, subscription: str
    ) -> list[google.cloud.pubsub_v1.types.PubsubMessage]:
        response = self.subscriber.pull(
            subscription=subscription, max_messages=50, timeout=2
        )
        if response.received_messages:
            self.subscriber.acknowledge(
                subscription=subscription,
                ack_ids=[m.ack_id for m in response.received_messages],
            )
        return [m.message for m in response.received_messages]

    def poll(self) -> None:
        """Print every Batch state change and event that arrived since last time."""
        for message in self._pull(self.states):
            attributes = message.attributes
            if attributes.get("Type") == "JOB_STATE_CHANGED":
                job = attributes.get("JobName", "").rsplit("/", 1)[-1]
                state = attributes.get("NewJobState", "")
                self.out.write(f"  batch  {job}: {state}\n")
        for message in self._pull(self.events):
            attributes = dict(message.attributes)
            data = json.loads(message.data or b"{}")
            self.seen.append(Event(event_kind(attributes), data))
            self.out.write(f"  event  {describe_event(attributes, data)}\n")
        self.out.flush()

    def wait_for(self, found: Callable[[Event], bool]) -> Event | None:
        """Poll until an event satisfies ``found``, or give up after a minute."""
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            for event in self.seen:
                if found(event):
                    return event
            self.poll()
        return None


def upload(stack: LocalStack, name: str, body: bytes, out: TextIO) -> None:
    """Upload a job request to the requests bucket."""
    client = storage_client(stack.settings)
    blob = client.bucket(stack.settings.bucket).blob(name)
    blob.upload_from_string(body, content_type="application/json")
    out.write(f"\nuploaded gs://{stack.settings.bucket}/{name}\n")
    out.flush()


def read_report(stack: LocalStack, request_name: str) -> str | None:
    """Return the status report written for ``request_name``, if there is one."""
    client = storage_client(stack.settings)
    stem = request_name.rsplit("/", 1)[-1]
    for blob in client.list_blobs(stack.settings.bucket, prefix="status/"):
        if blob.name.endswith(stem):
            text: str = blob.download_as_text()
            return text
    return None


def run(log_dir: Path, out: TextIO = sys.stdout) -> int:
    """Run the demo; return 0 only when every expected event was seen."""
    started = time.monotonic()
    registry = registry_available()
    settings = StackSettings(
        log_dir=log_dir,
        ports=Ports.free(),  # never collide with a running `make dev`
        batch_emulator_args=("--state-delay", "0.4"),
        registry=registry,
    )
    out.write(preflight_line(registry) + "\n")
    out.write(f"starting the local stack (logs in {log_dir})\n")
    out.flush()
    with running_stack(settings) as stack:
        watch = EventWatch(stack, out)
        failures = _demo_good_job(stack, watch, out) + _demo_broken_job(
            stack, watch, out
        )
        if registry:
            failures += _demo_missing_image(stack, watch, out)
    elapsed = time.monotonic() - started
    if failures:
        for failure in failures:
            out.write(f"demo FAILED: {failure}\n")
        out.write(f"service logs are in {log_dir}\n")
        return 1
    out.write(f"\ndemo passed in {elapsed:.1f} s; every process it started has ended\n")
    return 0


def missing_image_sample() -> bytes:
    """Return the sample job naming a tag the local registry does not have."""
    job = json.loads(filled_sample())
    container = job["taskGroups"][0]["taskSpec"]["runnables"][0]["container"]
    container["imageUri"] = container["imageUri"].replace(":bookworm", ":no-such-tag")
    return json.dumps(job, indent=2).encode()


def _demo_good_job(stack: LocalStack, watch: EventWatch, out: TextIO) -> list[str]:
    upload(stack, "jobs/image-streaming-simple-job.json", filled_sample(), out)
    submitted = watch.wait_for(lambda e: e.kind == "submitted")
    if submitted is None:
        return ["no submitted event for the sample job"]
    done = watch.wait_for(lambda e: e.kind in TERMINAL)
    if done is None:
        return ["the sample job never reached an end"]
    if done.kind != "succeeded":
        return [f"the sample job ended {done.kind}, not succeeded"]
    return []


def _demo_broken_job(stack: LocalStack, watch: EventWatch, out: TextIO) -> list[str]:
    name = "jobs/broken-job.json"
    upload(stack, name, broken_sample(), out)
    if watch.wait_for(lambda e: e.kind == "rejected") is None:
        return ["no rejected event for the broken job"]
    report = read_report(stack, name)
    if report is None:
        return ["no status report for the broken job"]
    out.write(f"  report for {name}:\n")
    out.writelines(f"    {line}\n" for line in report.splitlines())
    return []


def _demo_missing_image(stack: LocalStack, watch: EventWatch, out: TextIO) -> list[str]:
    upload(stack, "jobs/missing-image-job.json", missing_image_sample(), out)
    rejected = watch.wait_for(
        lambda e: (
            e.kind == "rejected"
            and any(
                v.get("rule") == IMAGE_NOT_FOUND for v in e.data.get("violations", [])
            )
        )
    )
    if rejected is None:
        return [f"no rejected event with {IMAGE_NOT_FOUND} for the missing image"]
    return []
