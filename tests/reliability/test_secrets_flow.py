"""End to end: secrets never leave the job; overrides obey the allow-lists."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from typing import Any

import pytest

from functions import labels
from tests.functions.conftest import push_request
from tests.functions.test_flows import EVENT, _sample_job, _valid
from tests.reliability.conftest import LoggedStack

pytestmark = pytest.mark.integration


def _rejected(stack: LoggedStack, source: dict[str, str]) -> dict[str, Any]:
    [event] = _valid(
        stack.wait_for_events(
            lambda e: (
                e["ce-type"] == EVENT + "rejected" and e["data"]["source"] == source
            )
        )
    )
    return event


def _upload(stack: LoggedStack, job: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """Upload and deliver a job; return its source and its report's name."""
    resource = stack.upload(
        f"jobs/{uuid.uuid4().hex[:6]}.json", json.dumps(job).encode()
    )
    response = stack.deliver_storage_event(resource)
    assert response.status_code == 200, response.text
    source = {
        "kind": "gcs",
        "bucket": stack.bucket,
        "object": resource["name"],
        "generation": str(resource["generation"]),
    }
    return source, "status/" + resource["name"].removeprefix("jobs/")


def _assert_nowhere(stack: LoggedStack, secret: str, report_name: str) -> None:
    assert secret not in stack.log_text()
    assert secret not in json.dumps(stack.events())
    assert secret not in json.dumps(stack.read(report_name))


def test_a_container_password_reaches_no_log_event_or_report(
    stack: LoggedStack,
) -> None:
    """The password is an unsupported field; its value is never repeated."""
    secret = f"hunter2-{uuid.uuid4().hex}"
    job = json.loads(_sample_job())
    job["taskGroups"][0]["taskSpec"]["runnables"][0]["container"]["password"] = secret

    source, report_name = _upload(stack, job)

    rejected = _rejected(stack, source)
    assert [v["rule"] for v in rejected["data"]["violations"]] == ["unsupported-field"]
    _assert_nowhere(stack, secret, report_name)


def test_secret_variables_sent_to_batch_reach_no_log_event_or_report(
    stack: LoggedStack,
) -> None:
    """Batch (the emulator) refuses secretVariables; nothing repeats their value."""
    secret = f"projects/local-project/secrets/db-{uuid.uuid4().hex}/versions/1"
    job = {
        "taskGroups": [
            {
                "taskSpec": {
                    "runnables": [{"script": {"text": "echo $DB_PASSWORD"}}],
                    "environment": {"secretVariables": {"DB_PASSWORD": secret}},
                }
            }
        ]
    }

    source, report_name = _upload(stack, job)

    rejected = _rejected(stack, source)
    assert rejected["data"]["violations"] == [
        {
            "rule": "schema",
            "path": "",
            "message": "Batch refused the job: The Batch emulator does not support "
            "secretVariables or encryptedVariables.",
            "hint": "fix the job as Batch's message says, then submit it again",
        }
    ]
    _assert_nowhere(stack, secret, report_name)


def test_a_location_override_outside_allowed_locations_makes_no_job(
    stack: LoggedStack,
) -> None:
    """With ALLOWED_LOCATIONS set, a message's location attribute cannot leave it."""
    message_id = uuid.uuid4().hex
    with stack.serve("submit_from_pubsub", ALLOWED_LOCATIONS="us-central1") as submit:
        response = push_request(
            submit.url, _sample_job(), {"location": "europe-west4"}, message_id
        )

    assert response.status_code == 200, response.text
    rejected = _rejected(stack, {"kind": "pubsub", "messageId": message_id})
    assert rejected["ce-source"].endswith("/locations/europe-west4")
    assert [v["message"] for v in rejected["data"]["violations"]] == [
        "the job's region 'europe-west4' is not in ALLOWED_LOCATIONS",
        "the image's registry location 'us-central1' does not serve the job's "
        "region 'europe-west4'",
    ]
    wanted = labels.key_label(f"pubsub:#{message_id}")
    everywhere = replace(stack, env={**stack.env, "BATCH_REGION": "europe-west4"})
    assert [
        job
        for job in everywhere.jobs()
        if job.get("labels", {}).get(labels.KEY) == wanted
    ] == []
