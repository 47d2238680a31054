"""deploy.sh's topic step, run by the real gcloud against the Pub/Sub emulator."""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest
from google.cloud import pubsub_v1

from tests.deploy.support import run_deploy

pytestmark = pytest.mark.integration

PROJECT = "local-project"
KINDS = ("requests", "events", "job-state", "reconcile", "dead-letter")


@pytest.fixture
def gcloud_env(pubsub_emulator: str, tmp_path: Path) -> dict[str, str]:
    """Return an environment whose throwaway gcloud config talks to the emulator."""
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "CLOUDSDK_CONFIG": str(tmp_path / "gcloud-config"),
    }
    for setting in (
        f"api_endpoint_overrides/pubsub=http://{pubsub_emulator}/",
        "auth/disable_credentials=true",
    ):
        subprocess.run(
            ["gcloud", "config", "set", *setting.split("=", 1)],
            env=env,
            capture_output=True,
            timeout=60,
            check=True,
        )
    return env


@pytest.fixture
def clients(pubsub_emulator: str, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any]:
    """Return a publisher and a subscriber client that talk to the emulator."""
    monkeypatch.setenv("PUBSUB_EMULATOR_HOST", pubsub_emulator)
    return pubsub_v1.PublisherClient(), pubsub_v1.SubscriberClient()


def topic_flags(suffix: str) -> list[str]:
    """Return flags that give every topic and the subscription a unique name."""
    flags = [f"--{kind}-topic=deploy-{kind}-{suffix}" for kind in KINDS]
    return [*flags, f"--dead-letter-subscription=deploy-dead-letters-{suffix}"]


def test_topics_step_is_idempotent_with_real_gcloud(
    gcloud_env: dict[str, str], clients: tuple[Any, Any]
) -> None:
    """Two runs create the five topics and the dead-letter subscription once."""
    suffix = uuid.uuid4().hex[:8]
    args = ["--only=topics", f"--project={PROJECT}", "--region=us-central1"]
    args += ["--bucket=unused-bucket", *topic_flags(suffix)]

    first = run_deploy(*args, env=gcloud_env)
    second = run_deploy(*args, env=gcloud_env)

    publisher, subscriber = clients
    topics = {
        topic.name for topic in publisher.list_topics(project=f"projects/{PROJECT}")
    }
    subscription = subscriber.get_subscription(
        subscription=f"projects/{PROJECT}/subscriptions/deploy-dead-letters-{suffix}"
    )
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert first.stderr.count("Created topic") == 5
    assert "Created" not in second.stderr
    assert {
        f"projects/{PROJECT}/topics/deploy-{kind}-{suffix}" for kind in KINDS
    } <= topics
    assert (
        subscription.topic == f"projects/{PROJECT}/topics/deploy-dead-letter-{suffix}"
    )
    assert subscription.message_retention_duration.total_seconds() == 7 * 24 * 3600
