"""Helpers that run deploy.sh in a subprocess against the recording gcloud stand-in."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy.sh"
FAKE_BIN = Path(__file__).resolve().parent / "fake_bin"

SETTINGS = [
    "--project=demo-project",
    "--region=europe-west4",
    "--bucket=demo-uploads",
]


@dataclass(frozen=True)
class FakeGcloud:
    """The recording gcloud stand-in: its environment and what it was asked."""

    state: Path

    @property
    def env(self) -> dict[str, str]:
        """Return an environment that finds the stand-in first and no settings."""
        return {
            "PATH": f"{FAKE_BIN}{os.pathsep}{os.environ['PATH']}",
            "HOME": str(self.state),
            "FAKE_GCLOUD_STATE": str(self.state),
        }

    def calls(self) -> list[list[str]]:
        """Return every recorded argv, oldest first, and forget them."""
        log = self.state / "calls.log"
        if not log.exists():
            return []
        lines = log.read_text().splitlines()
        log.unlink()
        return [line.split("\x1f")[:-1] for line in lines]

    def resources(self) -> list[str]:
        """Return what the stand-in holds as existing, one name per resource."""
        return sorted(path.name for path in (self.state / "resources").iterdir())


def run_deploy(
    *args: str, env: dict[str, str], cwd: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    """Run deploy.sh with ``args`` and ``env`` only; capture its output."""
    return subprocess.run(
        [str(DEPLOY), *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
