"""The real gcloud CLI against the emulator: submit, describe, list, delete."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from google.cloud import batch_v1alpha

from tests.batch_emulator.conftest import (
    LOCATION,
    PARENT,
    PROJECT,
    script_job,
    wait_for_state,
)

SEED_JOB = Path(__file__).parents[2] / "examples/image_streaming_simple_job.json"
PLACEHOLDERS = {
    "${Location}": "us",
    "${ProjectID}": PROJECT,
    "${RepositoryName}": "images",
    "${Image}": "debian:12",
}
SCRIPT_JOB = {
    "taskGroups": [{"taskSpec": {"runnables": [{"script": {"text": "true"}}]}}]
}

Jobs = Callable[..., subprocess.CompletedProcess[str]]

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        shutil.which("gcloud") is None, reason="gcloud is not installed"
    ),
]


@pytest.fixture(scope="module")
def jobs(fast_batch_emulator: str, tmp_path_factory: pytest.TempPathFactory) -> Jobs:
    """Return a runner of `gcloud alpha batch jobs ...` aimed at the emulator."""
    config = tmp_path_factory.mktemp("gcloud-config")
    # What `gcloud config set` writes for these three properties, minus 3 s of startup.
    (config / "configurations").mkdir()
    (config / "active_config").write_text("default")
    (config / "configurations/config_default").write_text(
        f"[api_endpoint_overrides]\nbatch = http://{fast_batch_emulator}/\n"
        f"[auth]\ndisable_credentials = true\n[core]\nproject = {PROJECT}\n"
    )
    env = {**os.environ, "CLOUDSDK_CONFIG": str(config)}

    def gcloud(*args: str) -> subprocess.CompletedProcess[str]:
        argv = ["gcloud", "--quiet", "alpha", "batch", "jobs", *args]
        return subprocess.run(
            argv, env=env, capture_output=True, text=True, timeout=60, check=False
        )

    return gcloud


def test_the_seed_job_goes_through_submit_describe_list_and_delete(
    jobs: Jobs, client: batch_v1alpha.BatchServiceClient, tmp_path: Path
) -> None:
    """The seed's sample job submits with the seed's own command and succeeds."""
    text = SEED_JOB.read_text()
    for placeholder, value in PLACEHOLDERS.items():
        text = text.replace(placeholder, value)
    config = tmp_path / "job.json"
    config.write_text(text)

    submitted = jobs(
        "submit", "--job-prefix=seed", f"--location={LOCATION}",
        f"--project={PROJECT}", f"--config={config}", "--format=json",
    )  # fmt: skip
    name = json.loads(submitted.stdout)["name"]
    job_id = name.rsplit("/", 1)[1]
    final = wait_for_state(client, name, {"SUCCEEDED", "FAILED"})
    described = jobs("describe", job_id, f"--location={LOCATION}", "--format=json")
    listed = jobs("list", "--format=value(name,status.state)")
    deleted = jobs("delete", job_id, f"--location={LOCATION}")

    assert job_id.startswith("seed-")
    assert final.status.state.name == "SUCCEEDED"
    assert json.loads(described.stdout)["status"]["state"] == "SUCCEEDED"
    assert f"{name}\tSUCCEEDED" in listed.stdout.splitlines()
    assert deleted.stderr.strip() == f"Job {name} deletion is in progress"


def test_gcloud_prints_a_duplicate_job_as_it_prints_the_real_error(
    jobs: Jobs, client: batch_v1alpha.BatchServiceClient, tmp_path: Path
) -> None:
    """A submit with an existing job id fails the way gcloud reports ALREADY_EXISTS."""
    client.create_job(parent=PARENT, job=script_job("true"), job_id="gcloud-twice")
    config = tmp_path / "job.json"
    config.write_text(json.dumps(SCRIPT_JOB))

    submitted = jobs(
        "submit", "gcloud-twice", f"--location={LOCATION}", f"--config={config}"
    )

    assert submitted.returncode == 1
    assert submitted.stderr.strip() == (
        "ERROR: (gcloud.alpha.batch.jobs.submit) ALREADY_EXISTS: "
        f"Job {PARENT}/jobs/gcloud-twice already exists."
    )
