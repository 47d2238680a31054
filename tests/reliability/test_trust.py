"""Secrets stay out of every output; the job's parent and allow-lists hold."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from google.api_core import exceptions

from functions.batch import BatchJobs
from functions.config import AllowLists, Settings, load_allow_lists, load_settings
from functions.errors import RejectedInput
from functions.jobs import Placement
from functions.policy import policy_violations
from functions.violations import Violation

IMAGE = "us-central1-docker.pkg.dev/local-project/images/debian:12"
REPOSITORY = "us-central1-docker.pkg.dev/local-project/images"
ACCOUNT = "jobs@local-project.iam.gserviceaccount.com"


def _job(**allocation: Any) -> dict[str, Any]:
    container = {"imageUri": IMAGE, "enableImageStreaming": True}
    job: dict[str, Any] = {
        "taskGroups": [{"taskSpec": {"runnables": [{"container": container}]}}]
    }
    if allocation:
        job["allocationPolicy"] = allocation
    return job


def test_allow_lists_are_comma_separated_and_empty_restricts_nothing() -> None:
    """Spaces and trailing slashes are dropped; unset lists are empty."""
    env = {
        "ALLOWED_LOCATIONS": "us-central1, europe-west4",
        "ALLOWED_REPOSITORIES": f"{REPOSITORY}/,",
    }

    assert load_allow_lists(env) == AllowLists(
        locations=("us-central1", "europe-west4"), repositories=(REPOSITORY,)
    )
    assert load_settings({}).allowed == AllowLists()
    assert policy_violations(_job(), "asia-east1", AllowLists()) == []


def test_a_region_outside_allowed_locations_is_a_region_mismatch() -> None:
    """The message names the setting; the hint lists the regions allowed."""
    allowed = AllowLists(locations=("us-central1", "us-east1"))

    assert policy_violations(_job(), "europe-west4", allowed) == [
        Violation(
            "region-mismatch",
            "",
            "the job's region 'europe-west4' is not in ALLOWED_LOCATIONS",
            "submit the job to one of us-central1, us-east1 (the location "
            "override), or ask the gateway's operator to allow the region",
        )
    ]


def test_an_image_outside_allowed_repositories_is_artifact_registry() -> None:
    """The repository part of the imageUri must be listed exactly."""
    allowed = AllowLists(repositories=("us-central1-docker.pkg.dev/other/images",))

    assert policy_violations(_job(), "us-central1", allowed) == [
        Violation(
            "artifact-registry",
            "/taskGroups/0/taskSpec/runnables/0/container/imageUri",
            f"the image's repository '{REPOSITORY}' is not in ALLOWED_REPOSITORIES",
            "use an image from us-central1-docker.pkg.dev/other/images, or ask the "
            "gateway's operator to allow the repository",
        )
    ]
    assert policy_violations(_job(), "us-central1", AllowLists((), (REPOSITORY,))) == []


def test_a_service_account_outside_the_list_is_not_allowed() -> None:
    """Another account, or none (Batch's default), is refused; a listed one passes."""
    allowed = AllowLists(service_accounts=(ACCOUNT,))
    hint = (
        f"run the job as {ACCOUNT} (allocationPolicy.serviceAccount.email), or ask "
        "the gateway's operator to allow the service account"
    )
    other = _job(serviceAccount={"email": "x@y.iam.gserviceaccount.com"})

    assert policy_violations(other, "us-central1", allowed) == [
        Violation(
            "not-allowed",
            "/allocationPolicy/serviceAccount/email",
            "the service account 'x@y.iam.gserviceaccount.com' is not in "
            "ALLOWED_SERVICE_ACCOUNTS",
            hint,
        )
    ]
    assert policy_violations(_job(), "us-central1", allowed) == [
        Violation(
            "not-allowed",
            "",
            "the job names no service account, and ALLOWED_SERVICE_ACCOUNTS allows "
            "only the ones it lists",
            hint,
        )
    ]
    listed = _job(service_account={"email": ACCOUNT})
    assert policy_violations(listed, "us-central1", allowed) == []


def test_the_command_line_reads_the_allow_lists_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """`validate` applies ALLOWED_LOCATIONS as the functions do."""
    from functions.cli import main

    path = tmp_path / "job.json"
    path.write_text(json.dumps(_job()))
    monkeypatch.setenv("ALLOWED_LOCATIONS", "us-east1")

    status = main(["validate", "--location", "us-central1", str(path)])

    assert status == 1
    assert capsys.readouterr().out == (
        f"{path}:: region-mismatch the job's region 'us-central1' is not in "
        "ALLOWED_LOCATIONS\n    hint: submit the job to us-east1 (the location "
        "override), or ask the gateway's operator to allow the region\n"
    )


@dataclass
class RefusingClient:
    """A Batch client whose create answers INVALID_ARGUMENT quoting the job.

    A fake, because neither the emulator nor the adapter's own parsing ever
    echoes a field's value back; real Batch's wording is not documented.
    """

    message: str

    def create_job(self, **_: Any) -> None:
        """Refuse the job, quoting it."""
        raise exceptions.BadRequest(self.message)  # type: ignore[no-untyped-call]


def test_a_batch_refusal_that_quotes_a_secret_is_scrubbed() -> None:
    """The violation keeps Batch's words but not the job's secret values."""
    job = _job()
    job["taskGroups"][0]["taskSpec"]["environment"] = {
        "secretVariables": {"DB": "projects/p/secrets/db-s3cr3t/versions/1"}
    }
    batch = BatchJobs(Settings())
    batch._client = RefusingClient(
        "secretVariables.DB: projects/p/secrets/db-s3cr3t/versions/1 is not readable"
    )
    placement = Placement("j", "r", "us-central1", "local-project")

    with pytest.raises(RejectedInput) as refused:
        batch.create_job(placement, job)

    assert [v.message for v in refused.value.violations] == [
        "Batch refused the job: secretVariables.DB: [redacted] is not readable"
    ]


def test_the_parent_never_comes_from_the_job() -> None:
    """An output-only name naming another project is a schema violation."""
    from functions.validation import check_job

    job = {
        **_job(),
        "name": f"projects/elsewhere/locations/asia-east1/jobs/{uuid.uuid4().hex[:6]}",
    }

    _, found = check_job(json.dumps(job).encode(), "us-central1")

    assert [(v.rule, v.path) for v in found] == [("schema", "/name")]
