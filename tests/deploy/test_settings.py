"""deploy.sh refuses incomplete or contradictory settings before running anything."""

from __future__ import annotations

from tests.deploy.support import SETTINGS, FakeGcloud, run_deploy

USAGE = (
    "usage: deploy.sh [--dry-run] [--teardown [--delete-bucket]] "
    "[--only STEP[,STEP...]]\n"
    "                 --project ID --region REGION --bucket NAME "
    "[--create-bucket] [OPTION...]\n"
)


def test_missing_settings_are_named(fake_gcloud: FakeGcloud) -> None:
    """Each missing setting gets a line saying how to give it, then the usage."""
    result = run_deploy("--region=us-central1", env=fake_gcloud.env)

    assert result.returncode == 2
    assert result.stderr == (
        "deploy.sh: missing setting PROJECT: pass --project or set PROJECT or "
        "GOOGLE_CLOUD_PROJECT\n"
        "deploy.sh: missing setting BUCKET: pass --bucket or set BUCKET\n" + USAGE
    )
    assert result.stdout == ""
    assert fake_gcloud.calls() == []


def test_concurrency_needs_a_whole_cpu(fake_gcloud: FakeGcloud) -> None:
    """Concurrency above one with less than one CPU is refused, as gen2 would."""
    result = run_deploy(*SETTINGS, "--concurrency=4", "--cpu=500m", env=fake_gcloud.env)

    assert result.returncode == 2
    assert result.stderr == (
        "deploy.sh: CONCURRENCY 4 needs CPU of at least 1 on 2nd gen functions, "
        "got '500m'\n" + USAGE
    )
    assert fake_gcloud.calls() == []


def test_timeout_above_the_event_limit_is_refused(fake_gcloud: FakeGcloud) -> None:
    """Event-driven functions stop at 540 seconds, so a longer timeout is refused."""
    result = run_deploy(*SETTINGS, "--timeout", "600", env=fake_gcloud.env)

    assert result.returncode == 2
    assert result.stderr == (
        "deploy.sh: TIMEOUT must be a whole number from 1 to 540, got '600'\n" + USAGE
    )


def test_unknown_option_is_refused(fake_gcloud: FakeGcloud) -> None:
    """A misspelt option stops the script instead of being ignored."""
    result = run_deploy(*SETTINGS, "--regoin=us-east1", env=fake_gcloud.env)

    assert result.returncode == 2
    assert result.stderr == "deploy.sh: unknown option: --regoin\n" + USAGE


def test_unknown_step_is_refused(fake_gcloud: FakeGcloud) -> None:
    """--only names the steps it accepts when given one it does not know."""
    result = run_deploy(*SETTINGS, "--only=topics,triggers", env=fake_gcloud.env)

    assert result.returncode == 2
    assert result.stderr == (
        "deploy.sh: --only takes steps from: apis accounts topics bucket access "
        "functions dead-letters scheduler; got 'topics,triggers'\n" + USAGE
    )
