"""Hostile job bytes: each gets a verdict in whole sentences, never a crash."""

from __future__ import annotations

import json
from typing import Any

import pytest

from functions.decoding import MAX_JOB_BYTES
from functions.validation import check_job
from tests.hostile.strategies import REGION

STREAMING = {
    "imageUri": "us-central1-docker.pkg.dev/my-project/images/debian",
    "enableImageStreaming": True,
}


def _job(runnables: list[Any], **fields: Any) -> dict[str, Any]:
    return {"taskGroups": [{"taskSpec": {"runnables": runnables}}], **fields}


def _verdict(data: bytes) -> list[tuple[str, str, str]]:
    _, found = check_job(data, REGION)
    return [(v.rule, v.path, v.message) for v in found]


def test_job_over_one_megabyte_is_refused_by_size() -> None:
    """A job one byte over Batch's 1 MB limit is refused before it is parsed."""
    text = json.dumps(_job([{"container": STREAMING}]))
    data = text.encode() + b" " * (MAX_JOB_BYTES + 1 - len(text))

    assert _verdict(data) == [
        (
            "schema",
            "",
            "the job is 1,000,001 bytes, over Batch's limit of 1,000,000 bytes "
            "for a job definition",
        )
    ]


def test_deep_nesting_inside_a_runnable_is_refused() -> None:
    """Runaway brackets where a runnable belongs are a json violation."""
    data = b'{"taskGroups": [{"taskSpec": {"runnables": ' + b"[" * 50_000 + b"]}}]}"

    assert _verdict(data) == [("json", "", "the job is nested too deeply to read")]


def test_huge_string_is_not_echoed_in_full() -> None:
    """A 900 kB image URI gets one artifact-registry violation, quoted short."""
    container = {**STREAMING, "imageUri": "x" * 900_000}

    [(rule, path, message)] = _verdict(
        json.dumps(_job([{"container": container}])).encode()
    )

    assert (rule, path) == (
        "artifact-registry",
        "/taskGroups/0/taskSpec/runnables/0/container/imageUri",
    )
    assert len(message) < 200


@pytest.mark.parametrize(
    ("literal", "message"),
    [
        (b"1e400", "the job holds a number too large to read"),
        (b"-Infinity", "the job is not valid JSON: -Infinity is not a JSON number"),
        (b"NaN", "the job is not valid JSON: NaN is not a JSON number"),
    ],
)
def test_numbers_json_cannot_hold_are_json_violations(
    literal: bytes, message: str
) -> None:
    """Overflowing floats, NaN and Infinity are json violations on the whole job."""
    assert _verdict(b'{"priority": ' + literal + b"}") == [("json", "", message)]


def test_int64_overflow_is_a_schema_violation() -> None:
    """A number that JSON holds but int64 cannot is reported where it is."""
    job = _job([{"container": STREAMING}], priority=2**64)

    assert [(rule, path) for rule, path, _ in _verdict(json.dumps(job).encode())] == [
        ("schema", "/priority")
    ]


def test_latin1_bytes_are_refused_with_the_offset() -> None:
    """Non-UTF-8 text is refused with the first bad byte and where it is."""
    data = '{"labels": {"team": "Zürich"}}'.encode("latin-1")

    assert _verdict(data) == [
        (
            "json",
            "",
            "the job is not UTF-8 text: byte 0xfc at offset 22 is not valid UTF-8",
        )
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"[]", "the job is a list, not a JSON object"),
        (b'"job"', "the job is a string, not a JSON object"),
        (b"null", "the job is null, not a JSON object"),
        (b"", "the job is empty"),
    ],
)
def test_json_that_is_not_an_object_is_refused(data: bytes, message: str) -> None:
    """A JSON document that is not an object is a json violation."""
    assert _verdict(data) == [("json", "", message)]


def test_object_that_is_not_a_job_names_what_is_missing() -> None:
    """A JSON object of something else entirely is told what a job needs."""
    assert _verdict(b'{"kind": "storage#object", "name": "a.json"}') == [
        ("schema", "", "the job has no 'taskGroups'"),
        ("schema", "/kind", "unknown field 'kind' in the job"),
        ("schema", "/name", "'name' is an output-only field that Batch sets"),
    ]


@pytest.mark.parametrize("runnable", [None, 7, "container", []])
def test_runnable_that_is_not_an_object_is_a_violation(runnable: object) -> None:
    """A runnable written as null, a number, a string or a list is reported, once."""
    data = json.dumps(_job([runnable])).encode()

    [(rule, path, message)] = _verdict(data)

    assert (rule, path) == ("schema", "/taskGroups/0/taskSpec/runnables/0")
    assert message.startswith("item 0 of 'runnables' must be an object, found ")


def test_key_of_superscript_digits_is_ordered_not_crashed() -> None:
    """A field named '²' (a digit to str.isdigit, not to int) is an unknown field."""
    data = json.dumps({**_job([{"container": STREAMING}]), "²": 1}).encode()

    assert _verdict(data) == [("schema", "/²", "unknown field '²' in the job")]
