"""Job ids and labels derived from hostile object names stay within Batch's rules."""

from __future__ import annotations

import re
from typing import Any

import pytest

from functions import labels
from functions.config import Settings
from functions.jobs import place, prepare_job
from functions.naming import job_id_for
from functions.sources import Message, Upload
from functions.validation import validate_job
from tests.hostile.strategies import REGION

JOB_ID = re.compile(r"^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$")
LABEL_KEY = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
LABEL_VALUE = re.compile(r"^[a-z0-9_-]{0,63}$")
HOSTILE_NAMES = [
    "jobs/my job with spaces.json",
    "jöbs/ünïcode ✓.json",
    "jobs/" + "a" * 300 + ".json",
    "jobs/" + "ü" * 300 + ".json",
    "../../x.json",
    "jobs/!!!---___.json",
    "jobs/UPPER_CASE_JOB.json",
    "jobs/2024-07-01.json",
    "jobs/goog-reserved.json",
    "jobs/google-cloud.json",
    "jobs/.json",
    "jobs/a\nb\x00c.json",
]
SETTINGS = Settings()


def _job(user_labels: dict[str, str]) -> dict[str, Any]:
    container = {
        "imageUri": "us-central1-docker.pkg.dev/my-project/images/debian",
        "enableImageStreaming": True,
    }
    return {
        "taskGroups": [{"taskSpec": {"runnables": [{"container": container}]}}],
        "labels": user_labels,
    }


def _valid_labels(found: dict[str, str]) -> bool:
    return all(
        LABEL_KEY.fullmatch(key)
        and LABEL_VALUE.fullmatch(value)
        and not key.startswith(("goog-", "google-"))
        for key, value in found.items()
    )


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_name_gives_a_valid_stable_job_id(name: str) -> None:
    """The id fits Batch's pattern, repeats for a redelivery, changes per generation."""
    upload = Upload("requests", name, "1700000000000001")

    job_id = job_id_for(upload)

    assert JOB_ID.fullmatch(job_id), job_id
    assert len(job_id) <= 63
    assert job_id == job_id_for(Upload("requests", name, "1700000000000001"))
    assert job_id != job_id_for(Upload("requests", name, "1700000000000002"))


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_name_gives_valid_labels(name: str) -> None:
    """Every label of the prepared job follows Batch's rules, at most 64 of them."""
    upload = Upload("requests", name, "1700000000000001")

    job, found = prepare_job(_job({"team": "ml"}), upload, SETTINGS)

    assert found == []
    assert _valid_labels(job["labels"]), job["labels"]
    assert len(job["labels"]) <= 64


def test_names_that_slug_alike_get_different_job_ids() -> None:
    """'a b', 'a-b' and 'A_B' read the same but are different inputs."""
    names = ["jobs/a b.json", "jobs/a-b.json", "jobs/A_B.json"]

    ids = {job_id_for(Upload("requests", name, "1")) for name in names}

    assert len(ids) == 3
    assert all(job_id.startswith("a-b-") for job_id in ids)


def test_300_character_name_is_cut_to_63() -> None:
    """A 300-character stem is cut so the id with its hash is exactly 63 long."""
    job_id = job_id_for(Upload("requests", "jobs/" + "a" * 300 + ".json", "1"))

    assert job_id == "a" * 52 + "-" + job_id[-10:]
    assert len(job_id) == 63


def test_punctuation_only_and_digit_names_start_with_a_letter() -> None:
    """A stem with no letters becomes 'job-' plus what is left, then the hash."""
    only_punctuation = job_id_for(Upload("requests", "jobs/!!!.json", "1"))
    digits = job_id_for(Upload("requests", "jobs/2024.json", "1"))

    assert re.fullmatch(r"job-[0-9a-f]{10}", only_punctuation)
    assert re.fullmatch(r"job-2024-[0-9a-f]{10}", digits)


def test_name_too_long_for_labels_keeps_the_rest_of_the_source() -> None:
    """300 'ü' need more than eight labels: the object is left out, the key stays."""
    upload = Upload("requests", "jobs/" + "ü" * 300 + ".json", "7")

    found = labels.source_labels(upload.as_source(), upload.key)

    assert labels.source_from_labels(found) == {
        "kind": "gcs",
        "bucket": "requests",
        "generation": "7",
    }
    assert found[labels.KEY] == labels.key_label(upload.key)


@pytest.mark.parametrize("count", [63, 64])
def test_job_with_63_or_64_labels_is_rejected_before_batch(count: int) -> None:
    """The schema allows 64 user labels; with the gateway's own that is too many."""
    user = {f"l{index}": "v" for index in range(count)}
    upload = Upload("requests", "jobs/a.json", "1")

    schema_found = validate_job(_job(user), REGION)
    _, found = prepare_job(_job(user), upload, SETTINGS)

    assert schema_found == []
    assert [(v.rule, v.path, v.message, v.hint) for v in found] == [
        (
            "schema",
            "/labels",
            f"the job has {count} labels; with the 5 the gateway adds that "
            "exceeds Batch's limit of 64",
            "keep at most 59 labels of your own",
        )
    ]


def test_the_label_allowance_shrinks_with_a_long_object_name() -> None:
    """A 300-character name takes nine labels, so 56 of the user's are too many."""
    user = {f"l{index}": "v" for index in range(56)}
    upload = Upload("requests", "jobs/" + "a" * 300 + ".json", "1")

    _, found = prepare_job(_job(user), upload, SETTINGS)

    assert [v.hint for v in found] == ["keep at most 55 labels of your own"]


def test_most_labels_allowed_fill_exactly_64() -> None:
    """At the allowance the prepared job has 64 labels, every one valid."""
    upload = Upload("requests", "jobs/a.json", "1")
    user = {f"l{index}": "v" for index in range(59)}

    job, found = prepare_job(_job(user), upload, SETTINGS)

    assert found == []
    assert len(job["labels"]) == 64
    assert _valid_labels(job["labels"])


def test_user_label_in_the_gateway_namespace_is_rejected() -> None:
    """A user cannot forge the labels that tie a job to its input."""
    upload = Upload("requests", "jobs/a.json", "1")

    _, found = prepare_job(_job({labels.KEY: "forged"}), upload, SETTINGS)

    assert [(v.path, v.message) for v in found] == [
        (
            "/labels/gateway-key",
            "the label 'gateway-key' uses the prefix 'gateway-', which is reserved "
            "for the labels that tie a job to its source",
        )
    ]


@pytest.mark.parametrize("name", ["goog-team", "google-owner"])
def test_user_label_with_a_google_prefix_is_rejected(name: str) -> None:
    """Batch reserves goog- and google- label names; the schema says so."""
    found = validate_job(_job({name: "x"}), REGION)

    assert [(v.rule, v.path, v.message) for v in found] == [
        (
            "schema",
            f"/labels/{name}",
            f"the label name {name!r} starts with a reserved prefix",
        )
    ]


def test_user_label_breaking_batch_format_is_rejected() -> None:
    """Uppercase, spaces, punctuation and over-long labels are caught before Batch."""
    user = {"Team Name": "ML!", "k": "v" * 64, "a" * 64: "v"}

    found = validate_job(_job(user), REGION)

    assert {v.path for v in found} == {
        "/labels/Team Name",
        "/labels/k",
        "/labels/" + "a" * 64,
    }


@pytest.mark.parametrize(
    ("override", "value"),
    [
        ("jobId", "../../etc/passwd"),
        ("jobId", "Goog-Job"),
        ("jobId", "x" * 64),
        ("jobId", "job id with spaces"),
        ("location", "us-central1/../../x"),
        ("location", "US-CENTRAL1"),
    ],
)
def test_hostile_override_is_rejected_and_not_used(override: str, value: str) -> None:
    """A bad jobId or location in metadata or attributes is reported, never sent."""
    upload = Upload("requests", "jobs/a.json", "1", metadata={override: value})
    message = Message("9", b"", attributes={override: value})

    for source, where in ((upload, "object metadata"), (message, "message attribute")):
        placement, found = place(source, SETTINGS)

        assert JOB_ID.fullmatch(placement.job_id)
        assert placement.location == SETTINGS.location
        assert [v.message for v in found] == [
            f"the {where} {override}={value!r} is not a "
            + ("valid Batch job id" if override == "jobId" else "Batch region")
        ]


def test_message_topic_with_unicode_gives_a_valid_job_id() -> None:
    """A message's id is built from its topic, whatever characters it holds."""
    message = Message("9", b"", topic="projects/p/topics/ÜBER topic ✓")

    job_id = job_id_for(message)

    assert JOB_ID.fullmatch(job_id)
    assert job_id.startswith("ber-topic-")
