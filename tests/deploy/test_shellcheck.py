"""deploy.sh and the gcloud stand-in pass shellcheck with no findings."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.deploy.support import DEPLOY, FAKE_BIN


def test_shellcheck_finds_nothing() -> None:
    """shellcheck reports no finding of any severity in either script."""
    if shutil.which("shellcheck") is None:
        pytest.fail("shellcheck is missing: apt-get install shellcheck")

    result = subprocess.run(
        ["shellcheck", str(DEPLOY), str(FAKE_BIN / "gcloud")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stdout
    assert result.stdout == ""
