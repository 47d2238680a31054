"""The three functions end to end, on the emulators, delivered as the cloud does."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from functions import labels
from functions.events import TERMINAL_TYPES, terminal_event
from functions.sources import Upload
from functions.validation import check_job
from tests.functions.conftest import REGION, Served, Stack, push_request
from tests.functions.event_schemas import validate_event_data

pytestmark = pytest.mark.integration

# The seed's sample job, as the repository ships it.
SEED = (
    Path(__file__).resolve().parents[2] / "examples" / "image_streaming_simple_job.json"
)
EVENT = "com.github.batch-image-streaming.job.v1."


def _sample_job() -> bytes:
    """The seed's sample, its placeholders filled as envsubst would."""
    text = SEED.read_text()
    for name, value in {
        "Location": REGION,
        "ProjectID": "local-project",
        "RepositoryName": "images",
        "Image": "debian:12",
    }.items():
        text = text.replace("${" + name + "}", value)
    return text.encode()


def _script_job(text: str) -> bytes:
    job = {"taskGroups": [{"taskSpec": {"runnables": [{"script": {"text": text}}]}}]}
    return json.dumps(job).encode()


def _of_type(kind: str, job_id: str | None = None) -> Any:
    def match(event: dict[str, Any]) -> bool:
        subject_ok = job_id is None or event["ce-subject"] == f"jobs/{job_id}"
        return bool(event["ce-type"] == EVENT + kind and subject_ok)

    return match


def _jobs_for(stack: Stack, key: str) -> list[dict[str, Any]]:
    wanted = labels.key_label(key)
    return [j for j in stack.jobs() if j.get("labels", {}).get(labels.KEY) == wanted]


def _upload(stack: Stack, data: bytes) -> tuple[dict[str, Any], Upload]:
    resource = stack.upload(f"jobs/{uuid.uuid4().hex[:6]}/sample.json", data)
    upload = Upload(stack.bucket, resource["name"], str(resource["generation"]))
    return resource, upload


def _valid(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for event in events:
        validate_event_data(event["ce-type"], event["data"])
    return events


def test_sample_upload_becomes_one_job_that_succeeds(stack: Stack) -> None:
    """The seed's sample: one job, one submitted event, one succeeded, a report."""
    resource, upload = _upload(stack, _sample_job())

    response = stack.deliver_storage_event(resource)

    assert response.status_code == 200, response.text
    [job] = _jobs_for(stack, upload.key)
    job_id = job["name"].rpartition("/")[2]
    submitted = _valid(stack.wait_for_events(_of_type("submitted", job_id)))
    ended = _valid(stack.wait_for_events(_of_type("succeeded", job_id)))
    assert [e["data"]["jobName"] for e in submitted] == [job["name"]]
    assert [e["data"]["source"] for e in ended] == [upload.as_source()]
    report = stack.wait_for_report(
        "status/" + upload.name.removeprefix("jobs/"), lambda r: "finalState" in r
    )
    assert report is not None
    assert (report["verdict"], report["finalState"]) == ("submitted", "SUCCEEDED")
    assert report["summary"] == f"Batch job {job_id} ended SUCCEEDED."


def test_an_upload_delivered_three_times_makes_one_job(stack: Stack) -> None:
    """Redeliveries, also through a bucket notification, find the first job."""
    resource, upload = _upload(stack, _sample_job())
    notification = {
        "eventType": "OBJECT_FINALIZE",
        "bucketId": stack.bucket,
        "objectId": upload.name,
        "objectGeneration": upload.generation,
        "payloadFormat": "JSON_API_V1",
    }

    statuses = [stack.deliver_storage_event(resource).status_code for _ in range(2)]
    statuses.append(
        stack.push(
            "submit_from_gcs", json.dumps(resource).encode(), notification, "n1"
        ).status_code
    )

    assert statuses == [200, 200, 200]
    [job] = _jobs_for(stack, upload.key)
    job_id = job["name"].rpartition("/")[2]
    submitted = stack.wait_for_events(_of_type("submitted", job_id), count=3)
    assert len(submitted) == 3
    assert len({event["ce-id"] for event in submitted}) == 1


def test_a_message_delivered_three_times_makes_one_job(stack: Stack) -> None:
    """The same messageId three times: one job, one submitted event id."""
    message_id = uuid.uuid4().hex

    statuses = [
        stack.push("submit_from_pubsub", _sample_job(), {}, message_id).status_code
        for _ in range(3)
    ]

    assert statuses == [200, 200, 200]
    [job] = _jobs_for(stack, f"pubsub:#{message_id}")
    job_id = job["name"].rpartition("/")[2]
    submitted = _valid(stack.wait_for_events(_of_type("submitted", job_id), count=3))
    assert len(submitted) == 3
    assert len({event["ce-id"] for event in submitted}) == 1


def test_an_invalid_job_is_rejected_with_every_violation(stack: Stack) -> None:
    """No job; one rejected event listing what the validator finds; a report."""
    data = json.dumps(
        {
            "taskGroups": [
                {
                    "taskSpec": {
                        "runnables": [
                            {
                                "container": {
                                    "imageUri": "docker.io/library/debian",
                                    "password": "hunter2",
                                }
                            }
                        ]
                    }
                }
            ]
        }
    ).encode()
    resource, upload = _upload(stack, data)

    response = stack.deliver_storage_event(resource)

    assert response.status_code == 200, response.text
    assert _jobs_for(stack, upload.key) == []
    [rejected] = _valid(
        stack.wait_for_events(
            lambda e: (
                e["ce-type"] == EVENT + "rejected"
                and e["data"]["source"] == upload.as_source()
            )
        )
    )
    expected = [v.as_dict() for v in check_job(data, REGION)[1]]
    assert rejected["data"]["violations"] == expected
    assert {v["rule"] for v in expected} >= {"streaming-required", "artifact-registry"}
    assert "hunter2" not in json.dumps(rejected)
    report = stack.read("status/" + upload.name.removeprefix("jobs/"))
    assert report is not None
    assert (report["verdict"], report["violations"]) == ("rejected", expected)


def test_a_script_that_exits_1_ends_in_a_failed_event(stack: Stack) -> None:
    """A failing task makes the job FAILED, and the relay says so."""
    message_id = uuid.uuid4().hex

    response = stack.push("submit_from_pubsub", _script_job("exit 1"), {}, message_id)

    assert response.status_code == 200, response.text
    [job] = _jobs_for(stack, f"pubsub:#{message_id}")
    job_id = job["name"].rpartition("/")[2]
    [failed] = _valid(stack.wait_for_events(_of_type("failed", job_id)))
    assert failed["data"]["taskCounts"] == {"FAILED": 1}


def test_batch_unavailable_twice_still_makes_one_job(stack: Stack) -> None:
    """Two UNAVAILABLE answers are retried within the deadline; one job results."""
    message_id = uuid.uuid4().hex
    stack.set_batch_faults({"failCreates": {"count": 2, "code": "UNAVAILABLE"}})

    response = stack.push("submit_from_pubsub", _sample_job(), {}, message_id)

    assert response.status_code == 200, response.text
    assert stack.set_batch_faults({})["failCreates"]["count"] == 0
    assert len(_jobs_for(stack, f"pubsub:#{message_id}")) == 1


def test_a_late_running_notification_changes_nothing(stack: Stack) -> None:
    """After SUCCEEDED, a RUNNING notification publishes nothing, keeps the report."""
    resource, upload = _upload(stack, _sample_job())
    stack.deliver_storage_event(resource)
    [job] = _jobs_for(stack, upload.key)
    job_id = job["name"].rpartition("/")[2]
    stack.wait_for_events(_of_type("succeeded", job_id))
    report_name = "status/" + upload.name.removeprefix("jobs/")
    before = stack.wait_for_report(report_name, lambda r: "finalState" in r)
    published = len(stack.events())
    attributes = {
        "Type": "JOB_STATE_CHANGED",
        "JobName": job["name"],
        "JobUID": job["uid"],
        "NewJobState": "RUNNING",
        "Region": REGION,
    }

    response = stack.push(
        "relay_job_state", b"Job state was updated", attributes, "late"
    )

    assert response.status_code == 200, response.text
    assert (
        stack.wait_for_events(lambda e: True, count=published + 1, timeout=2)
        == stack.received[:published]
    )
    assert stack.read(report_name) == before


def test_a_missing_events_topic_fails_the_delivery_and_says_what_to_fix(
    stack: Stack, misconfigured_submit: Served
) -> None:
    """A missing events topic is an ERROR that names the fix; the platform retries."""
    message_id = uuid.uuid4().hex

    response = push_request(misconfigured_submit.url, _sample_job(), {}, message_id)

    assert response.status_code == 500
    errors = [e for e in misconfigured_submit.log_lines() if e["severity"] == "ERROR"]
    assert [e["message"] for e in errors] == [
        "configuration problem: the events topic "
        "projects/local-project/topics/no-such-topic does not exist: create it, "
        "or set EVENTS_TOPIC to an existing topic"
    ]
    assert (
        errors[0]["logging.googleapis.com/labels"]["source"] == f"pubsub:#{message_id}"
    )


def test_batch_unavailable_past_the_deadline_fails_the_delivery(
    stack: Stack, misconfigured_submit: Served
) -> None:
    """When retries run out, the delivery fails (500) for the platform to redeliver."""
    message_id = uuid.uuid4().hex
    stack.set_batch_faults({"failCreates": {"count": 1000, "code": "UNAVAILABLE"}})

    try:
        response = push_request(misconfigured_submit.url, _sample_job(), {}, message_id)
    finally:
        stack.set_batch_faults({"failCreates": {"count": 0}})

    assert response.status_code == 500
    assert _jobs_for(stack, f"pubsub:#{message_id}") == []
    [warning] = [
        e
        for e in misconfigured_submit.log_lines()
        if e["severity"] == "WARNING" and message_id in json.dumps(e)
    ]
    assert warning["message"].startswith(
        "will be redelivered: Batch kept failing to create for 1 s: "
    )


def test_a_job_id_taken_by_another_input_is_a_rejection(stack: Stack) -> None:
    """A jobId override that names someone else's job is refused, not adopted."""
    job_id = f"taken-{uuid.uuid4().hex[:8]}"
    first, second = uuid.uuid4().hex, uuid.uuid4().hex

    responses = [
        stack.push("submit_from_pubsub", _sample_job(), {"jobId": job_id}, message_id)
        for message_id in (first, second)
    ]

    assert [r.status_code for r in responses] == [200, 200]
    [rejected] = _valid(stack.wait_for_events(_of_type("rejected", job_id)))
    assert rejected["data"]["source"]["messageId"] == second
    assert rejected["data"]["violations"] == [
        {
            "rule": "schema",
            "path": "",
            "message": f"a Batch job named '{job_id}' already exists in {REGION} "
            "and was not created from this input",
            "hint": "choose another jobId, or leave jobId out to get a derived id",
        }
    ]


def test_reconcile_publishes_what_a_lost_notification_never_did(stack: Stack) -> None:
    """With every notification dropped, the reconciler completes the job once."""
    stack.set_batch_faults({"dropNotifications": 1000})
    try:
        resource, upload = _upload(stack, _sample_job())
        stack.deliver_storage_event(resource)
        [job] = _jobs_for(stack, upload.key)
        job = _wait_until_ended(stack, job["name"])
    finally:
        stack.set_batch_faults({"dropNotifications": 0})
    job_id = job["name"].rpartition("/")[2]
    report_name = "status/" + upload.name.removeprefix("jobs/")
    relayed = terminal_event(job, datetime.now(UTC))
    assert relayed is not None
    assert stack.wait_for_events(_of_type("succeeded", job_id), timeout=1) == []

    responses = [
        stack.push("reconcile_jobs", b"{}", {}, uuid.uuid4().hex) for _ in "ab"
    ]

    assert [r.status_code for r in responses] == [200, 200]
    ended = _valid(stack.wait_for_events(_of_type("succeeded", job_id)))
    assert [event["ce-id"] for event in ended] == [relayed.id]
    report = stack.read(report_name)
    assert report is not None
    assert report["finalState"] == "SUCCEEDED"


def _wait_until_ended(stack: Stack, name: str, timeout: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        job = stack.job(name)
        state = job.get("status", {}).get("state")
        if state in TERMINAL_TYPES or time.monotonic() > deadline:
            return job
        time.sleep(0.2)


def test_an_overwritten_upload_is_rejected_as_gone(stack: Stack) -> None:
    """An event for a generation that no longer exists is rejected, not retried."""
    resource, upload = _upload(stack, _sample_job())
    stack.upload(upload.name, _sample_job())

    response = stack.deliver_storage_event(resource)

    assert response.status_code == 200, response.text
    [rejected] = _valid(
        stack.wait_for_events(
            lambda e: (
                e["ce-type"] == EVENT + "rejected"
                and e["data"]["source"] == upload.as_source()
            )
        )
    )
    assert rejected["data"]["violations"] == [
        {
            "rule": "json",
            "path": "",
            "message": f"gs://{upload.bucket}/{upload.name} generation "
            f"{upload.generation} no longer exists: it was deleted or overwritten "
            "before it could be read",
            "hint": "upload the job again",
        }
    ]
    assert _jobs_for(stack, upload.key) == []
