"""Placing a job (id, location) and preparing what is sent to Batch."""

from __future__ import annotations

from functions.config import Settings
from functions.jobs import place, prepare_job
from functions.naming import job_id_for, request_id_for
from functions.sources import Message, Upload

SETTINGS = Settings(project="proj", location="us-central1", job_state_topic="state")
OUR_NOTIFICATION = {
    "pubsubTopic": "projects/proj/topics/state",
    "message": {"type": "JOB_STATE_CHANGED"},
}


def test_defaults_come_from_configuration() -> None:
    """Without overrides: derived id, configured location, parent from settings."""
    upload = Upload("b", "jobs/a.json", "1")

    placement, found = place(upload, SETTINGS)

    assert found == []
    assert placement.job_id == job_id_for(upload)
    assert placement.request_id == request_id_for(upload)
    assert placement.parent == "projects/proj/locations/us-central1"


def test_message_attributes_override_id_and_location() -> None:
    """jobId and location attributes choose the job's id and region."""
    message = Message("1", b"", {"jobId": "nightly-42", "location": "europe-west4"})

    placement, found = place(message, SETTINGS)

    assert found == []
    assert placement.job_name == "projects/proj/locations/europe-west4/jobs/nightly-42"


def test_invalid_overrides_are_violations() -> None:
    """An override Batch would refuse is reported, naming where it came from."""
    upload = Upload(
        "b", "a.json", "1", metadata={"jobId": "Bad_Id", "location": "mars"}
    )

    placement, found = place(upload, SETTINGS)

    assert [(v.rule, v.path, v.message, v.hint) for v in found] == [
        (
            "schema",
            "",
            "the object metadata jobId='Bad_Id' is not a valid Batch job id",
            "use 1 to 63 lowercase letters, digits and hyphens, starting with a "
            "letter and not ending with a hyphen, or leave it out to get a "
            "derived id",
        ),
        (
            "schema",
            "",
            "the object metadata location='mars' is not a Batch region",
            "name a region such as us-central1, or leave it out to use the default",
        ),
    ]
    assert placement.job_id == job_id_for(upload)


def test_prepare_adds_notification_and_labels_keeping_the_users() -> None:
    """The user's notifications and labels stay; ours are added beside them."""
    theirs = {"pubsubTopic": "projects/proj/topics/mine", "message": {"type": "X"}}
    document = {"taskGroups": [{}], "labels": {"team": "a"}, "notifications": [theirs]}
    upload = Upload("b", "a.json", "1")

    job, found = prepare_job(document, upload, SETTINGS)

    assert found == []
    assert job["notifications"] == [theirs, OUR_NOTIFICATION]
    assert job["labels"]["team"] == "a"
    assert job["labels"]["gateway-source"] == "gcs"
    assert "gateway-key" not in document.get("labels", {})


def test_prepare_does_not_duplicate_an_identical_notification() -> None:
    """A user who already asks for our notification gets it once."""
    document = {"notifications": [dict(OUR_NOTIFICATION)]}

    job, _ = prepare_job(document, Message("1", b""), SETTINGS)

    assert job["notifications"] == [OUR_NOTIFICATION]
