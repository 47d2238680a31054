"""A secret in a rejected job never reaches its event, report, log line or echo."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from functions import logs
from functions.events import rejected_event
from functions.reports import rejected_report
from functions.secrets import scrub
from functions.sources import Upload
from functions.validation import check_job
from tests.hostile.strategies import REGION

SECRET = "Zq9hunter2-DB-pass-7xQ"
NOW = datetime(2026, 1, 1, tzinfo=UTC)
UPLOAD = Upload("requests", "jobs/with-secret.json", "1700000000000001")
JOB_NAME = "projects/local-project/locations/us-central1/jobs/with-secret-0123456789"


def _job(snake: bool, where: str) -> dict[str, Any]:
    """A job holding SECRET in one secret-bearing field, in either spelling."""
    container = {
        "image_uri" if snake else "imageUri": "gcr.io/my-project/debian",
        "password": SECRET if where == "password" else "x",
    }
    environments = {
        "secretVariables": {
            "secret_variables" if snake else "secretVariables": {"DB": SECRET}
        },
        "encryptedVariables": {
            "encrypted_variables" if snake else "encryptedVariables": {
                "cipher_text" if snake else "cipherText": SECRET
            }
        },
        "variables": {"variables": {"DB_PASSWORD": SECRET}},
    }
    spec: dict[str, Any] = {"runnables": [{"container": container}]}
    if where in environments:
        spec["environment"] = environments[where]
    group = {"task_spec" if snake else "taskSpec": spec}
    return {"task_groups" if snake else "taskGroups": [group]}


PLACES = ["password", "secretVariables", "encryptedVariables", "variables"]
CASES = [(snake, where) for snake in (False, True) for where in PLACES]


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """Capture the package's log lines as Cloud Logging JSON."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    level = logs.logger.level
    logs.logger.addHandler(handler)
    logs.logger.setLevel(logging.DEBUG)
    yield stream
    logs.logger.removeHandler(handler)
    logs.logger.setLevel(level)


@pytest.mark.parametrize(("snake", "where"), CASES)
def test_rejected_job_outputs_never_hold_the_secret(
    snake: bool, where: str, log_lines: io.StringIO
) -> None:
    """The event, the report and the log line of a rejection leave the secret out."""
    _, found = check_job(json.dumps(_job(snake, where)).encode(), REGION)

    event = rejected_event(UPLOAD.key, JOB_NAME, UPLOAD.as_source(), found, NOW)
    report = rejected_report(UPLOAD, found, NOW)
    with logs.request_context({}, "submit_from_gcs"):
        logs.bind(source=UPLOAD.key)
        logs.outcome(
            f"rejected {UPLOAD.key}: {len(found)} violation(s)",
            verdict="rejected",
            violations=[violation.as_dict() for violation in found],
        )

    assert found
    written = [event.body().decode(), json.dumps(event.attributes())]
    written += [json.dumps(report), log_lines.getvalue()]
    assert all(SECRET not in text for text in written)
    assert '"verdict": "rejected"' in log_lines.getvalue()


@pytest.mark.parametrize(("snake", "where"), CASES)
def test_batch_message_quoting_the_secret_is_scrubbed(snake: bool, where: str) -> None:
    """A Batch error that quotes the job back loses the secret, in either spelling."""
    batch_message = f'field {where}: invalid value "{SECRET}" in the job'

    assert scrub(batch_message, _job(snake, where)) == (
        f'field {where}: invalid value "[redacted]" in the job'
    )
