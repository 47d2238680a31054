"""Fixtures for the deploy.sh tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.deploy.support import FakeGcloud


@pytest.fixture
def fake_gcloud(tmp_path: Path) -> FakeGcloud:
    """Return a gcloud stand-in whose project starts empty."""
    return FakeGcloud(tmp_path)
