"""The functions served by Functions Framework against the real local emulators.

Events reach the functions the way the cloud delivers them: storage CloudEvents
in binary mode over HTTP, and raw Pub/Sub push requests that Functions
Framework turns into messagePublished CloudEvents. Batch's job state
notifications reach relay_job_state through a real push subscription on the
Pub/Sub emulator.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from devstack import processes

PROJECT = "local-project"
REGION = "us-central1"
TARGETS = ("submit_from_gcs", "submit_from_pubsub", "relay_job_state", "reconcile_jobs")


@dataclass
class Stack:
    """Addresses of the emulators and functions, and helpers to drive them."""

    pubsub: str
    storage: str
    batch: str
    functions: dict[str, str]
    bucket: str
    events_subscription: str
    env: dict[str, str]
    received: list[dict[str, Any]] = field(default_factory=list)

    def upload(
        self, name: str, data: bytes, metadata: dict[str, str] | None = None
    ) -> dict[str, Any]:
        """Write an object to fake-gcs-server; return its resource."""
        body = {"name": name, "metadata": metadata or {}}
        response = requests.post(
            f"{self.storage}/upload/storage/v1/b/{self.bucket}/o",
            params={"uploadType": "multipart"},
            files={
                "metadata": (None, json.dumps(body), "application/json"),
                "file": (None, data, "application/json"),
            },
            timeout=10,
        )
        response.raise_for_status()
        return dict(response.json())

    def write(self, name: str, document: dict[str, Any]) -> None:
        """Write a JSON object to the bucket, replacing whatever is there."""
        response = requests.post(
            f"{self.storage}/upload/storage/v1/b/{self.bucket}/o",
            params={"uploadType": "media", "name": name},
            data=json.dumps(document).encode(),
            headers={"Content-Type": "application/json"},
            timeout=10,
        )
        response.raise_for_status()

    def read(self, name: str) -> dict[str, Any] | None:
        """Read a JSON object from the bucket; None when it does not exist."""
        quoted = requests.utils.quote(name, safe="")
        response = requests.get(
            f"{self.storage}/storage/v1/b/{self.bucket}/o/{quoted}",
            params={"alt": "media"},
            timeout=10,
        )
        if response.status_code == 404:
            return None
        response.raise_for_status()
        return dict(response.json())

    def wait_for_report(
        self, name: str, match: Callable[[dict[str, Any]], bool], timeout: float = 10
    ) -> dict[str, Any] | None:
        """Wait until the report at ``name`` matches; return it as last read."""
        deadline = time.monotonic() + timeout
        while True:
            report = self.read(name)
            if (report and match(report)) or time.monotonic() > deadline:
                return report
            time.sleep(0.2)

    def deliver_storage_event(self, resource: dict[str, Any]) -> requests.Response:
        """POST a finalized CloudEvent in binary mode, as Eventarc does."""
        headers = {
            "ce-specversion": "1.0",
            "ce-type": "google.cloud.storage.object.v1.finalized",
            "ce-source": f"//storage.googleapis.com/projects/_/buckets/{self.bucket}",
            "ce-subject": f"objects/{resource['name']}",
            "ce-id": str(uuid.uuid4()),
            "ce-time": resource.get("updated", "2026-01-01T00:00:00Z"),
            "Content-Type": "application/json",
            "traceparent": f"00-{uuid.uuid4().hex}-{uuid.uuid4().hex[:16]}-01",
        }
        return requests.post(
            self.functions["submit_from_gcs"],
            json=resource,
            headers=headers,
            timeout=90,
        )

    def push(
        self, target: str, data: bytes, attributes: dict[str, str], message_id: str
    ) -> requests.Response:
        """POST a raw Pub/Sub push request to a function of the stack."""
        return push_request(self.functions[target], data, attributes, message_id)

    def events(self) -> list[dict[str, Any]]:
        """Every event published so far: attributes plus decoded data."""
        from google.api_core.exceptions import DeadlineExceeded
        from google.cloud import pubsub_v1

        subscriber = pubsub_v1.SubscriberClient()
        request = {"subscription": self.events_subscription, "max_messages": 100}
        with subscriber:
            try:
                # An empty subscription holds a pull open; a short deadline ends it.
                messages = subscriber.pull(
                    request=request, timeout=0.5, retry=None
                ).received_messages
            except DeadlineExceeded:
                messages = []
            if messages:
                subscriber.acknowledge(
                    subscription=self.events_subscription,
                    ack_ids=[m.ack_id for m in messages],
                )
        for received in messages:
            message = received.message
            self.received.append(
                {**dict(message.attributes), "data": json.loads(message.data)}
            )
        return self.received

    def wait_for_events(
        self,
        match: Callable[[dict[str, Any]], bool],
        count: int = 1,
        timeout: float = 30,
    ) -> list[dict[str, Any]]:
        """Wait until ``count`` events match; return the matching ones."""
        deadline = time.monotonic() + timeout
        while True:
            found = [event for event in self.events() if match(event)]
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.3)

    def jobs(self) -> list[dict[str, Any]]:
        """Every job the Batch emulator holds in the test region."""
        from functions.batch import BatchJobs
        from functions.config import load_settings

        settings = load_settings(self.env)
        return BatchJobs(settings).list_jobs(settings.parent, "")

    def job(self, name: str) -> dict[str, Any]:
        """One job as the Batch emulator holds it now."""
        from functions.batch import BatchJobs
        from functions.config import load_settings

        job = BatchJobs(load_settings(self.env)).get_job(name)
        assert job is not None, name
        return job

    def set_batch_faults(self, faults: dict[str, Any]) -> dict[str, Any]:
        """Turn on the Batch emulator's fault switches; return their state."""
        response = requests.post(
            f"http://{self.batch}/emulator/v1/faults", json=faults, timeout=10
        )
        response.raise_for_status()
        return dict(response.json())


def stack_environment(
    suffix: str, pubsub: str, storage: str, batch: str, **settings: str
) -> dict[str, str]:
    """The functions' environment: this stack's topics, the emulators, ``settings``."""
    return {
        "GOOGLE_CLOUD_PROJECT": PROJECT,
        "BATCH_REGION": REGION,
        "EVENTS_TOPIC": f"events-{suffix}",
        "JOB_STATE_TOPIC": f"job-state-{suffix}",
        "PREFLIGHT": "false",
        "RETRY_INITIAL": "0.2",
        **settings,
        "PUBSUB_EMULATOR_HOST": pubsub,
        "STORAGE_EMULATOR_HOST": storage,
        "BATCH_EMULATOR_HOST": batch,
    }


@contextmanager
def served_functions(
    env: dict[str, str], suffix: str, bucket: str, log_dir: Path
) -> Iterator[tuple[dict[str, processes.Service], str]]:
    """Create the bucket, serve every target, wire the topics; yield servers, sub."""
    requests.post(
        f"{env['STORAGE_EMULATOR_HOST']}/storage/v1/b",
        json={"name": bucket},
        timeout=10,
    ).raise_for_status()
    with pytest.MonkeyPatch.context() as patch, ExitStack() as running:
        # This process's own clients (pulling events, listing jobs) use them too.
        for name in ("PUBSUB_EMULATOR_HOST", "STORAGE_EMULATOR_HOST"):
            patch.setenv(name, env[name])
        servers = {
            target: running.enter_context(
                processes.function_server(target, processes.free_port(), log_dir, env)
            )
            for target in TARGETS
        }
        relay = servers["relay_job_state"].url + "/"
        yield servers, _wire(env, relay, suffix)


@pytest.fixture(scope="session")
def stack(
    pubsub_emulator: str,
    gcs_emulator: str,
    batch_emulator: str,
    service_logs: Path,
) -> Iterator[Stack]:
    """Topics, bucket and the four functions, served on loopback."""
    suffix = uuid.uuid4().hex[:8]
    env = stack_environment(
        suffix, pubsub_emulator, gcs_emulator, batch_emulator, RETRY_TIMEOUT="20"
    )
    bucket = f"requests-{suffix}"
    with served_functions(env, suffix, bucket, service_logs) as (servers, events):
        yield Stack(
            pubsub_emulator,
            gcs_emulator,
            batch_emulator,
            {target: server.url + "/" for target, server in servers.items()},
            bucket,
            events,
            env,
        )


def _wire(env: dict[str, str], relay_url: str, suffix: str) -> str:
    """Create the topics, the events pull subscription and the relay's push."""
    from google.cloud import pubsub_v1

    publisher = pubsub_v1.PublisherClient()
    subscriber = pubsub_v1.SubscriberClient()
    topics = {
        name: f"projects/{PROJECT}/topics/{env[name]}"
        for name in ("EVENTS_TOPIC", "JOB_STATE_TOPIC")
    }
    for topic in topics.values():
        publisher.create_topic(name=topic)
    events = f"projects/{PROJECT}/subscriptions/events-{suffix}"
    with subscriber:
        subscriber.create_subscription(name=events, topic=topics["EVENTS_TOPIC"])
        subscriber.create_subscription(
            request={
                "name": f"projects/{PROJECT}/subscriptions/relay-{suffix}",
                "topic": topics["JOB_STATE_TOPIC"],
                "push_config": {"push_endpoint": relay_url},
            }
        )
    return events


@dataclass(frozen=True)
class Served:
    """One function server: where it listens and where its log lines go."""

    url: str
    log: Path

    def log_lines(self) -> list[dict[str, Any]]:
        """The structured log lines the function wrote so far."""
        lines = self.log.read_text().splitlines()
        return [json.loads(line) for line in lines if line.startswith("{")]


@pytest.fixture(scope="session")
def misconfigured_submit(stack: Stack, service_logs: Path) -> Iterator[Served]:
    """submit_from_pubsub publishing to a topic that does not exist, retrying 1 s."""
    env = {
        **stack.env,
        "EVENTS_TOPIC": "no-such-topic",
        "RETRY_TIMEOUT": "1",
        "RETRY_INITIAL": "0.1",
    }
    port = processes.free_port()
    log_dir = service_logs / "misconfigured"
    log_dir.mkdir(exist_ok=True)
    with processes.function_server("submit_from_pubsub", port, log_dir, env) as service:
        yield Served(service.url + "/", service.log_path)


def push_request(
    url: str, data: bytes, attributes: dict[str, str], message_id: str
) -> requests.Response:
    """POST a raw Pub/Sub push request, as a push subscription does."""
    body = {
        "message": {
            "data": base64.b64encode(data).decode(),
            "attributes": attributes,
            "messageId": message_id,
            "publishTime": "2026-01-01T00:00:00Z",
        },
        "subscription": f"projects/{PROJECT}/subscriptions/test-push",
    }
    return requests.post(url, json=body, timeout=90)
