"""Table-driven validation cases from tests/validation/*.json.

A case has a description, one way of giving the job (`document`; `sample`
with optional `remove`, `rename` and `set` edits by JSON Pointer; `text`; or
`hex` bytes), a `location` (default us-central1), the expected verdict
`valid`, and the expected violations in order: each either a [rule, path]
pair or a whole {rule, path, message, hint} object.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from functions.validation import check_job

CASES_DIR = Path(__file__).parent / "validation"
SAMPLE = Path(__file__).parent.parent / "examples" / "image_streaming_simple_job.json"
FILLED = {
    "${Location}": "us-central1",
    "${ProjectID}": "local-project",
    "${RepositoryName}": "images",
    "${Image}": "debian",
}


def load_cases() -> list[Any]:
    """Return every case, each as a pytest param named by its file and description."""
    return [
        pytest.param(case, id=f"{path.stem}: {case['description']}")
        for path in sorted(CASES_DIR.glob("*.json"))
        for case in json.loads(path.read_text(encoding="utf-8"))
    ]


def sample(filled: bool) -> dict[str, Any]:
    """Return the seed sample, with its placeholders filled in when asked."""
    text = SAMPLE.read_text(encoding="utf-8")
    if filled:
        for placeholder, value in FILLED.items():
            text = text.replace(placeholder, value)
    document: dict[str, Any] = json.loads(text)
    return document


def _locate(document: Any, pointer: str) -> tuple[Any, str | int]:
    """Return the container of the value at pointer and its key there."""
    *parents, last = pointer.split("/")[1:]
    for key in parents:
        document = document[int(key)] if isinstance(document, list) else document[key]
    return document, int(last) if isinstance(document, list) else last


def edited(case: dict[str, Any]) -> dict[str, Any]:
    """Return the case's sample with its removals, renames and settings applied."""
    document = sample(case["sample"] == "filled")
    for pointer in case.get("remove", []):
        owner, key = _locate(document, pointer)
        del owner[key]
    for pointer, new_name in case.get("rename", {}).items():
        owner, key = _locate(document, pointer)
        owner[new_name] = owner.pop(key)
    for pointer, value in case.get("set", {}).items():
        owner, key = _locate(document, pointer)
        owner[key] = value
    return document


def case_bytes(case: dict[str, Any]) -> bytes:
    """Return the job bytes a case describes."""
    if "text" in case:
        return str(case["text"]).encode()
    if "hex" in case:
        return bytes.fromhex(case["hex"])
    document = case["document"] if "document" in case else edited(case)
    return json.dumps(document).encode()


def as_expected(found: dict[str, str], expected: list[str] | dict[str, str]) -> Any:
    """Cut a found violation down to what the case spells out."""
    if isinstance(expected, list):
        return [found["rule"], found["path"]]
    return found


@pytest.mark.parametrize("case", load_cases())
def test_case(case: dict[str, Any]) -> None:
    """The job gets the case's verdict and exactly its violations, in order."""
    data = case_bytes(case)

    _, violations = check_job(data, case.get("location", "us-central1"))

    found = [violation.as_dict() for violation in violations]
    expected = case["violations"]
    assert (not violations) is case["valid"]
    assert len(found) == len(expected), found
    assert [as_expected(f, e) for f, e in zip(found, expected, strict=True)] == expected
    if "hints" in case:
        assert [each["hint"] for each in found] == case["hints"]


def test_every_rule_has_a_case() -> None:
    """Every rule a job can break without a registry appears in some case."""
    rules = set()
    for param in load_cases():
        for expected in param.values[0]["violations"]:
            rules.add(expected[0] if isinstance(expected, list) else expected["rule"])

    assert rules == {
        "json",
        "schema",
        "streaming-required",
        "artifact-registry",
        "unsupported-field",
        "region-mismatch",
    }
