"""The README's runnable transcripts still print what they say they print."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MARKER = "<!-- runnable"
BLOCK = re.compile(r"^" + re.escape(MARKER) + r".*?-->\n```\n(.*?)^```", re.M | re.S)


def transcripts() -> list[str]:
    """Return every fenced block the README marks as runnable."""
    return BLOCK.findall((ROOT / "README.md").read_text())


def steps(block: str) -> list[tuple[str, str]]:
    """Split a transcript into (command, expected output) pairs."""
    pairs: list[tuple[str, str]] = []
    for line in block.splitlines(keepends=True):
        if line.startswith("$ "):
            pairs.append((line[2:].rstrip("\n"), ""))
        elif pairs:
            command, output = pairs[-1]
            pairs[-1] = (command, output + line)
    return pairs


def test_the_readme_has_runnable_transcripts() -> None:
    """The marker is in use, so the test below checks something."""
    assert len(transcripts()) >= 2


@pytest.mark.parametrize("block", transcripts())
def test_each_transcript_prints_what_it_shows(block: str) -> None:
    """Every command's standard output and exit status match the transcript."""
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    status = 0
    for command, expected in steps(block):
        if command == "echo $?":
            assert expected == f"{status}\n"
            continue

        result = subprocess.run(
            ["bash", "-c", command],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

        status = result.returncode
        assert result.stdout == expected, f"$ {command}\n{result.stderr}"
