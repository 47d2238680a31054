"""Check a job against the image-streaming rules: the schema, then the code rules."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from functions.decoding import decode_job
from functions.errors import RejectedInput
from functions.pointers import child, parent, sort_key
from functions.region_rules import region_violations
from functions.schema_messages import Finding, findings
from functions.violations import Violation

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schemas" / "job.schema.json"


@functools.cache
def job_validator() -> Any:
    """Return the job schema's validator, compiled once per process."""
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return Draft202012Validator(schema)


def validate_job(document: Mapping[str, object], location: str) -> list[Violation]:
    """Return every violation in a job submitted to region location, by path."""
    found = [
        finding
        for error in job_validator().iter_errors(document)
        for finding in findings(error)
    ]
    found += [Finding(violation) for violation in region_violations(document, location)]
    return _tidy(found)


def check_job(
    data: bytes, location: str
) -> tuple[dict[str, object] | None, list[Violation]]:
    """Decode and validate a job; return the document (if it decoded) and violations."""
    try:
        document = decode_job(data)
    except RejectedInput as rejected:
        return None, rejected.violations
    return document, validate_job(document, location)


def _tidy(found: Iterable[Finding]) -> list[Violation]:
    """Drop rewordings of another finding and duplicates; order by path."""
    found = list(found)
    kept = {finding.violation for finding in found if not _said_already(finding, found)}
    return sorted(kept, key=lambda each: (sort_key(each.path), each.rule, each.message))


def _said_already(finding: Finding, found: list[Finding]) -> bool:
    """Return whether a missing-field finding restates another one.

    A field reported as misspelt (taskGroup: did you mean taskGroups?) or as
    holding a wrong value is not also reported as missing.
    """
    if not finding.wants:
        return False
    path = finding.violation.path
    wanted_paths = {child(path, name) for name in finding.wants}
    return any(
        other.violation.path in wanted_paths
        or (other.suggests in finding.wants and parent(other.violation.path) == path)
        for other in found
    )
