"""The files .gcloudignore lets gcloud upload are enough to serve every function."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.deploy.support import ROOT

ENTRY_POINTS = (
    "submit_from_gcs",
    "submit_from_pubsub",
    "relay_job_state",
    "reconcile_jobs",
)

# Runs in a fresh interpreter that sees only the uploaded tree and site-packages.
SERVE_CHECK = """
import importlib, pkgutil, sys
source = sys.argv[1]
sys.path.insert(0, source)
import functions_framework, main, functions
for target in sys.argv[2:]:
    assert callable(getattr(main, target, None)), f"main.py has no {target}"
    functions_framework.create_app(target, f"{source}/main.py", "cloudevent")
for module in pkgutil.iter_modules(functions.__path__, "functions."):
    if not module.name.endswith("__main__"):
        importlib.import_module(module.name)
outside = [m.__file__ for m in list(sys.modules.values())
           if getattr(m, "__file__", None)
           and m.__name__.split(".")[0] in {"main", "functions"}
           and not m.__file__.startswith(source)]
assert not outside, f"imported from outside the upload: {outside}"
print("served", *sys.argv[2:])
"""


def uploaded_files(tmp_path: Path) -> list[str]:
    """Return what `gcloud functions deploy --source .` would upload from ROOT."""
    result = subprocess.run(
        ["gcloud", "meta", "list-files-for-upload", "."],
        cwd=ROOT,
        env={**os.environ, "CLOUDSDK_CONFIG": str(tmp_path / "gcloud-config")},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return sorted(result.stdout.split())


@pytest.fixture(scope="module")
def upload(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """Return the sorted list of files gcloud would upload."""
    if shutil.which("gcloud") is None:
        pytest.fail("gcloud is missing: install the Google Cloud CLI")
    return uploaded_files(tmp_path_factory.mktemp("upload-list"))


def test_upload_holds_only_what_the_functions_need(upload: list[str]) -> None:
    """Only main.py, requirements.txt, functions/ and schemas/ are uploaded."""
    tops = {name.split("/")[0] for name in upload}

    assert tops <= {"main.py", "requirements.txt", "functions", "schemas"}
    assert {"main.py", "requirements.txt", "functions/__init__.py"} <= set(upload)
    assert not [name for name in upload if "__pycache__" in name]


def test_uploaded_tree_serves_every_entry_point(
    upload: list[str], tmp_path: Path
) -> None:
    """A copy of the upload imports main and builds an app for each entry point."""
    if not (ROOT / "main.py").exists():
        pytest.skip("main.py is not written yet; nothing to serve")
    for name in upload:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, tmp_path / name)

    result = subprocess.run(
        [sys.executable, "-I", "-c", SERVE_CHECK, str(tmp_path), *ENTRY_POINTS],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout == "served " + " ".join(ENTRY_POINTS) + "\n"
