"""Validation pieces the data files cannot reach: limits, secrets, the schema file."""

from __future__ import annotations

import json

import pytest

from functions import validation
from functions.decoding import MAX_JOB_BYTES, decode_job
from functions.errors import RejectedInput
from functions.images import ImageRef, parse_image_uri
from functions.locations import registry_serves
from functions.pointers import sort_key
from functions.validation import check_job, validate_job
from functions.violations import Violation
from schemas import generate_job_schema
from tests.test_validation_cases import sample


def test_committed_schema_is_generated_from_the_descriptors() -> None:
    """schemas/job.schema.json is what the generator writes today."""
    expected = generate_job_schema.render()

    committed = validation.SCHEMA_PATH.read_text(encoding="utf-8")

    assert committed == expected, "run: python -m schemas.generate_job_schema"


def test_validator_is_compiled_once_per_process() -> None:
    """Validating twice reuses the one compiled validator."""
    first = validation.job_validator()

    validate_job(sample(filled=True), "us-central1")
    validate_job(sample(filled=True), "us-central1")

    assert validation.job_validator() is first
    assert validation.job_validator.cache_info().currsize == 1


def test_decode_job_raises_rejected_input() -> None:
    """decode_job raises RejectedInput carrying the json violation."""
    with pytest.raises(RejectedInput) as raised:
        decode_job(b"[]")

    assert [v.rule for v in raised.value.violations] == ["json"]


def test_job_over_one_megabyte_is_refused_before_parsing() -> None:
    """A document over Batch's limit is a schema violation at the root, unparsed."""
    data = b"{" + b" " * MAX_JOB_BYTES + b"not json at all"

    document, violations = check_job(data, "us-central1")

    assert document is None
    assert violations == [
        Violation(
            rule="schema",
            path="",
            message=f"the job is {len(data):,} bytes, over Batch's limit of "
            "1,000,000 bytes for a job definition",
            hint="make the job smaller, for example by moving long scripts into "
            "files the job reads from Cloud Storage",
        )
    ]


def test_job_of_exactly_one_megabyte_is_read() -> None:
    """A document of exactly MAX_JOB_BYTES bytes is parsed and validated."""
    text = json.dumps(sample(filled=True))
    data = text.encode() + b" " * (MAX_JOB_BYTES - len(text))

    document, violations = check_job(data, "us-central1")

    assert document == sample(filled=True)
    assert violations == []


@pytest.mark.parametrize("depth", [100_000, 900])
def test_deep_nesting_never_crashes(depth: int) -> None:
    """Runaway brackets give a json violation or a schema one, never a traceback."""
    data = b'{"labels": {"a": ' + b"[" * depth + b"]" * depth + b"}}"

    _, violations = check_job(data, "us-central1")

    assert violations
    assert {v.rule for v in violations} <= {"json", "schema"}


def test_huge_integer_is_a_json_violation() -> None:
    """A number longer than Python will read is a json violation."""
    _, violations = check_job(b'{"priority": ' + b"9" * 5000 + b"}", "us-central1")

    assert [(v.rule, v.message) for v in violations] == [
        ("json", "the job holds a number too large to read")
    ]


@pytest.mark.parametrize(
    "container",
    [
        {"password": "s3cr3t-value"},
        {"password": {"nested": "s3cr3t-value"}},
        {"enableImageStreaming": "s3cr3t-value"},
        {"commands": ["s3cr3t-value", 1]},
    ],
)
def test_secret_values_never_appear_in_violations(container: dict[str, object]) -> None:
    """No message or hint echoes a value a container field holds."""
    job = sample(filled=True)
    job["taskGroups"][0]["taskSpec"]["runnables"][0]["container"].update(container)

    violations = validate_job(job, "us-central1")

    assert violations
    assert "s3cr3t" not in json.dumps([v.as_dict() for v in violations])


def test_both_spellings_are_one_violation_beside_each_value_problem() -> None:
    """Two spellings of a field give one spelling violation, plus each value's own."""
    job: dict[str, object] = {"taskGroups": [], "task_groups": []}

    rules_and_paths = [(v.rule, v.path) for v in validate_job(job, "us-central1")]

    assert rules_and_paths == [
        ("schema", "/taskGroups"),
        ("schema", "/task_groups"),
        ("schema", "/task_groups"),
    ]


def test_pointer_order_is_numeric_for_list_indexes() -> None:
    """Index 2 sorts before index 10; keys sort as text."""
    paths = ["/a/10", "/a/2", "/b", "/a/2/x", ""]

    assert sorted(paths, key=sort_key) == ["", "/a/2", "/a/2/x", "/a/10", "/b"]


@pytest.mark.parametrize(
    ("registry", "region", "serves"),
    [
        ("us-central1", "us-central1", True),
        ("us", "us-west1", True),
        ("europe", "europe-north1", True),
        ("asia", "asia-south1", True),
        ("us", "northamerica-northeast1", False),
        ("us", "southamerica-east1", False),
        ("europe", "us-central1", False),
        ("us-east1", "us-central1", False),
        ("asia", "australia-southeast1", False),
    ],
)
def test_registry_serves(registry: str, region: str, serves: bool) -> None:
    """A registry serves its own region and the regions of its multi-region."""
    assert registry_serves(registry, region) is serves


def test_parse_image_uri_takes_the_uri_apart() -> None:
    """Location, project, repository, a nested image, tag and digest are split."""
    digest = "sha256:" + "ab" * 32

    ref = parse_image_uri(f"us-central1-docker.pkg.dev/my-proj/repo/a/b:v1@{digest}")

    assert ref == ImageRef("us-central1", "my-proj", "repo", "a/b", "v1", digest)
    assert ref.host == "us-central1-docker.pkg.dev"
    assert ref.name == "my-proj/repo/a/b"
    assert ref.reference == digest


def test_parse_image_uri_defaults_to_latest() -> None:
    """Without a tag or digest, a pull resolves latest."""
    ref = parse_image_uri("us-docker.pkg.dev/local-project/images/debian")

    assert ref is not None
    assert (ref.tag, ref.digest, ref.reference) == (None, None, "latest")


@pytest.mark.parametrize(
    "uri",
    [
        "debian",
        "gcr.io/local-project/debian",
        "us-docker.pkg.dev/local-project/debian",
        "us-docker.pkg.dev/local-project/images/Debian",
        "us-docker.pkg.dev/local-project/images/debian\n",
        "${Location}-docker.pkg.dev/${ProjectID}/${RepositoryName}/${Image}",
    ],
)
def test_parse_image_uri_refuses_other_uris(uri: str) -> None:
    """URIs outside Artifact Registry's Docker format parse to None."""
    assert parse_image_uri(uri) is None
