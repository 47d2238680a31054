"""`python -m functions validate --preflight` against the real registry."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from devstack import processes
from tests.preflight.conftest import PushedImages

# The project's own copy of the seed's sample job.
SEED_JOB = processes.PROJECT_ROOT / "examples/image_streaming_simple_job.json"


def validate(
    job_file: Path, registry_address: str, **env: str
) -> subprocess.CompletedProcess[str]:
    """Run the command line with --preflight against the registry at the address."""
    return subprocess.run(
        [sys.executable, "-m", "functions", "validate", "--preflight", str(job_file)],
        cwd=processes.PROJECT_ROOT,
        env={**os.environ, "ARTIFACT_REGISTRY_EMULATOR_HOST": registry_address, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def seed_job(tmp_path: Path, image_uri: str) -> Path:
    """Write the seed's sample job, with its placeholders replaced by image_uri."""
    job = json.loads(SEED_JOB.read_text())
    job["taskGroups"][0]["taskSpec"]["runnables"][0]["container"]["imageUri"] = (
        image_uri
    )
    path = tmp_path / "job.json"
    path.write_text(json.dumps(job))
    return path


def test_good_image_is_valid(
    tmp_path: Path, registry_address: str, pushed: PushedImages
) -> None:
    """The seed job on a good image passes the rules and the preflight: exit 0."""
    job_file = seed_job(tmp_path, pushed.good.uri)

    result = validate(job_file, registry_address)

    assert (result.returncode, result.stdout) == (0, f"{job_file}: valid\n")


def test_schema1_image_is_invalid(
    tmp_path: Path, registry_address: str, pushed: PushedImages
) -> None:
    """The seed job on a schema 1 image is reported like any rule: exit 1."""
    job_file = seed_job(tmp_path, pushed.schema1.uri)

    result = validate(job_file, registry_address)

    assert (result.returncode, result.stdout) == (
        1,
        f"{job_file}:/taskGroups/0/taskSpec/runnables/0/container/imageUri: "
        f"manifest-schema1 image {pushed.schema1.uri} has a Docker manifest V2 "
        "schema 1 (application/vnd.docker.distribution.manifest.v1+prettyjws), "
        "which image streaming does not support\n"
        "    hint: Push the image again with a current Docker or BuildKit, which "
        "writes a schema 2 or OCI manifest, and submit again.\n",
    )


def test_unreachable_registry_means_the_check_could_not_run(
    tmp_path: Path, pushed: PushedImages
) -> None:
    """With no registry listening, the command says the check could not run: exit 2."""
    job_file = seed_job(tmp_path, pushed.good.uri)
    address = f"127.0.0.1:{processes.free_port()}"

    result = validate(job_file, address, RETRY_TIMEOUT="0.5", RETRY_INITIAL="0.1")

    # google.api_core may also warn on stderr about this Python's end of life.
    said = [line for line in result.stderr.splitlines() if line.startswith("validate")]
    assert (result.returncode, result.stdout, len(said)) == (2, "", 1)
    assert "Connection refused" in said[0]
    assert said[0].startswith(
        "validate: the registry preflight could not run: the registry "
        "us-central1-docker.pkg.dev could not be reached: HEAD "
        f"http://{address}/v2/local-project/images/good/manifests/v1 failed: "
    )
