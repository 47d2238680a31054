"""`make dev` and `make demo` as a person runs them: real processes, real emulators."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from devstack import processes
from devstack.stack import Ports

ROOT = processes.PROJECT_ROOT
SAMPLE = ROOT / "examples" / "image_streaming_simple_job.json"


def _read_until(stream: object, marker: str, lines: list[str]) -> None:
    for line in stream:  # type: ignore[attr-defined]
        lines.append(line)
        if marker in line:
            return
    raise AssertionError("the stack ended early:\n" + "".join(lines))


@pytest.fixture(scope="module")
def dev_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Run `python -m devstack dev` on free ports; yield the exports it printed."""
    free = Ports.free()  # the functions take consecutive ports from FUNCTIONS_PORT
    ports = {
        "PUBSUB_PORT": free.pubsub,
        "STORAGE_PORT": free.storage,
        "BATCH_PORT": free.batch,
        "FUNCTIONS_PORT": free.functions,
        "REGISTRY_PORT": free.registry,
    }
    env = {**os.environ, **{key: str(value) for key, value in ports.items()}}
    process = subprocess.Popen(
        [sys.executable, "-m", "devstack", "dev"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: list[str] = []
    try:
        _read_until(process.stdout, "Ctrl-C stops everything.", lines)
        exports = dict(
            re.findall(r"^export (\w+)=(\S+)$", "".join(lines), flags=re.MULTILINE)
        )
        yield exports
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
        if process.stdout is not None:
            process.stdout.close()
    # Ctrl-C must leave nothing behind: every port the stack used is free again.
    for name, port in ports.items():
        processes.ensure_port_free(port, name)


def test_dev_prints_what_a_second_shell_needs(dev_stack: dict[str, str]) -> None:
    """The exports name every emulator and topic a client has to reach."""
    assert set(dev_stack) >= {
        "GOOGLE_CLOUD_PROJECT",
        "PUBSUB_EMULATOR_HOST",
        "STORAGE_EMULATOR_HOST",
        "BATCH_EMULATOR_HOST",
        "EVENTS_TOPIC",
        "REQUESTS_TOPIC",
        "REQUESTS_BUCKET",
        "ARTIFACT_REGISTRY_EMULATOR_HOST",
    }


def _sample(image: str) -> str:
    return (
        SAMPLE.read_text()
        .replace("${Location}", "us-central1")
        .replace("${ProjectID}", "local-project")
        .replace("${RepositoryName}", "images")
        .replace("${Image}", image)
    )


def test_preflight_from_a_second_shell_reads_the_dev_registry(
    dev_stack: dict[str, str], tmp_path: Path
) -> None:
    """`validate --preflight` passes the pushed debian image and flags a missing tag."""
    good = tmp_path / "good.json"
    good.write_text(_sample("debian:bookworm"))
    missing = tmp_path / "missing.json"
    missing.write_text(_sample("debian:no-such-tag"))

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "functions",
            "validate",
            "--preflight",
            "--format",
            "json",
            str(good),
            str(missing),
        ],
        cwd=ROOT,
        env={**os.environ, **dev_stack},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 1, result.stdout + result.stderr
    verdicts = [
        (r["valid"], [(v["rule"], v["message"]) for v in r["violations"]])
        for r in json.loads(result.stdout)["results"]
    ]
    assert verdicts == [
        (True, []),
        (
            False,
            [
                (
                    "image-not-found",
                    "image us-central1-docker.pkg.dev/local-project/images/"
                    "debian:no-such-tag was not found: the registry has no such "
                    "repository, image or tag",
                )
            ],
        ),
    ]


@pytest.mark.parametrize("how", [[], ["--publish"]], ids=["upload", "publish"])
def test_cli_submits_to_dev_and_follows_the_job_to_its_end(
    dev_stack: dict[str, str], tmp_path: Path, how: list[str]
) -> None:
    """`python -m functions submit --follow` against `make dev` ends in succeeded."""
    job = tmp_path / f"sample{len(how)}.json"
    job.write_text(_sample("debian"))

    result = subprocess.run(
        [sys.executable, "-m", "functions", "submit", *how, "--follow", str(job)],
        cwd=ROOT,
        env={**os.environ, **dev_stack},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    kinds = re.findall(r"^(\w+)\s+jobs/", result.stdout, flags=re.MULTILINE)
    assert kinds == ["submitted", "succeeded"]


def test_demo_runs_the_sample_and_a_broken_job_and_exits_zero() -> None:
    """`python -m devstack demo` runs with the preflight on and shows every verdict."""
    result = subprocess.run(
        [sys.executable, "-m", "devstack", "demo"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=170,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    for expected in ("event  submitted", "event  succeeded", "event  rejected"):
        assert expected in result.stdout
    assert '"verdict": "rejected"' in result.stdout
    assert result.stdout.startswith(
        "registry preflight: on (a local docker-registry stands in for "
        "Artifact Registry and holds images/debian:bookworm)\n"
    )
    assert (
        "/taskGroups/0/taskSpec/runnables/0/container/imageUri: image-not-found "
        "image us-central1-docker.pkg.dev/local-project/images/debian:no-such-tag "
        "was not found: the registry has no such repository, image or tag\n"
    ) in result.stdout
    assert "demo passed in" in result.stdout
