"""`python -m functions validate`: output formats, exit statuses, stdin, defaults."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from functions import cli
from tests.test_validation_cases import SAMPLE, sample

IMAGE_PATH = "/taskGroups/0/taskSpec/runnables/0/container/imageUri"


@pytest.fixture
def filled(tmp_path: Path) -> Path:
    """Write the seed sample with its placeholders filled in; return its path."""
    path = tmp_path / "job.json"
    path.write_text(json.dumps(sample(filled=True)), encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run the command line in-process; return status, stdout and stderr."""
    status = cli.main(argv)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_valid_file_exits_zero(
    capsys: pytest.CaptureFixture[str], filled: Path
) -> None:
    """A valid job prints that it is valid and exits 0."""
    status, out, err = run(capsys, "validate", str(filled))

    assert (status, out, err) == (0, f"{filled}: valid\n", "")


def test_invalid_file_prints_linter_lines(capsys: pytest.CaptureFixture[str]) -> None:
    """The seed sample as shipped gets FILE:PATH: RULE message, then the hint."""
    status, out, _ = run(capsys, "validate", str(SAMPLE))

    assert status == 1
    assert out == (
        f"{SAMPLE}:{IMAGE_PATH}: artifact-registry the image URI "
        "'${Location}-docker.pkg.dev/${ProjectID}/${RepositoryName}...' still holds "
        "the placeholders ${Location}, ${ProjectID}, ${RepositoryName}, ${Image}\n"
        "    hint: the placeholders ${Location}, ${ProjectID}, ${RepositoryName}, "
        "${Image} were not substituted; replace them with real values, e.g. "
        "us-central1-docker.pkg.dev/my-project/images/debian\n"
    )


def test_json_format_for_several_files(
    capsys: pytest.CaptureFixture[str], filled: Path
) -> None:
    """--format json prints one results object covering every file, in order."""
    status, out, _ = run(
        capsys, "validate", "--format", "json", "--location", "europe-west1",
        str(filled), str(filled),
    )  # fmt: skip

    violation = {
        "rule": "region-mismatch",
        "path": IMAGE_PATH,
        "message": "the image's registry location 'us-central1' does not serve "
        "the job's region 'europe-west1'",
        "hint": "use a repository in europe-west1 or the europe multi-region, "
        "or submit the job to us-central1",
    }
    result = {"file": str(filled), "valid": False, "violations": [violation]}
    assert status == 1
    assert json.loads(out) == {"results": [result, result]}


def test_location_defaults_to_batch_region(
    capsys: pytest.CaptureFixture[str], filled: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without --location, BATCH_REGION is the job's region."""
    monkeypatch.setenv("BATCH_REGION", "asia-east1")

    status, out, _ = run(capsys, "validate", str(filled))

    assert status == 1
    assert "does not serve the job's region 'asia-east1'" in out


def test_location_defaults_to_us_central1(
    capsys: pytest.CaptureFixture[str], filled: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without --location or BATCH_REGION, the region is us-central1."""
    monkeypatch.delenv("BATCH_REGION", raising=False)

    assert run(capsys, "validate", str(filled))[0] == 0


def test_dash_reads_standard_input(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """'-' validates the bytes on standard input, even when they are not UTF-8."""
    stdin = io.TextIOWrapper(io.BytesIO(b"\xff\xfe{}"))
    monkeypatch.setattr(sys, "stdin", stdin)

    status, out, _ = run(capsys, "validate", "-")

    assert status == 1
    assert out == (
        "-:: json the job is not UTF-8 text: byte 0xff at offset 0 is not valid "
        "UTF-8\n    hint: save the file as UTF-8\n"
    )


def test_unreadable_file_exits_two(
    capsys: pytest.CaptureFixture[str], filled: Path, tmp_path: Path
) -> None:
    """A missing file is an I/O error (exit 2); the other files are still checked."""
    missing = tmp_path / "missing.json"

    status, out, err = run(capsys, "validate", str(missing), str(filled))

    assert status == 2
    assert out == f"{filled}: valid\n"
    assert err == f"validate: cannot read {missing}: No such file or directory\n"


@pytest.mark.parametrize(
    "argv",
    [
        ["validate"],
        ["validate", "--format", "yaml", "job.json"],
        ["validate", "--location", "us", "job.json"],
        ["lint", "job.json"],
    ],
)
def test_usage_errors_exit_two(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    """Missing files, unknown formats, non-regions and unknown verbs exit 2."""
    with pytest.raises(SystemExit) as raised:
        cli.main(argv)

    assert raised.value.code == 2
    assert "usage: python -m functions" in capsys.readouterr().err


def test_non_region_location_is_explained(capsys: pytest.CaptureFixture[str]) -> None:
    """--location us says that a region such as us-central1 is wanted."""
    with pytest.raises(SystemExit):
        cli.main(["validate", "--location", "us", "job.json"])

    assert capsys.readouterr().err.endswith(
        "error: argument --location: 'us' is not a region such as us-central1\n"
    )


def test_module_entry_point(filled: Path) -> None:
    """`python -m functions validate` runs as a program and sets the exit status."""
    done = subprocess.run(
        [sys.executable, "-m", "functions", "validate", "--location", "us-central1",
         str(filled), str(SAMPLE)],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip

    assert done.returncode == 1
    assert done.stdout.startswith(f"{filled}: valid\n{SAMPLE}:{IMAGE_PATH}: ")
