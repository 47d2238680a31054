"""Settings read from the environment."""

from __future__ import annotations

import pytest

from functions.config import Settings, load_settings
from functions.errors import ConfigurationError


def test_defaults_match_the_design() -> None:
    """An empty environment gives the local defaults DESIGN.md lists."""
    assert load_settings({}) == Settings(
        project="local-project",
        location="us-central1",
        events_topic="batch-job-events",
        job_state_topic="batch-job-state",
        request_prefix="jobs/",
        status_prefix="status/",
        batch_emulator_host=None,
        preflight=False,
        retry_timeout=60.0,
    )


def test_preflight_is_on_in_the_cloud_unless_turned_off() -> None:
    """Cloud Run sets K_SERVICE; PREFLIGHT=false still wins."""
    assert load_settings({"K_SERVICE": "f"}).preflight is True
    assert load_settings({"K_SERVICE": "f", "PREFLIGHT": "false"}).preflight is False


def test_bad_values_name_the_variable() -> None:
    """A setting that cannot be read says which one and what to set."""
    with pytest.raises(ConfigurationError) as caught:
        load_settings({"RETRY_TIMEOUT": "soon"})

    assert str(caught.value) == (
        "RETRY_TIMEOUT='soon' is not a positive number: set it to e.g. 60"
    )
