"""A real run against the recording gcloud stand-in, twice, then a teardown."""

from __future__ import annotations

from tests.deploy.support import SETTINGS, FakeGcloud, run_deploy

FULL = [*SETTINGS, "--create-bucket"]


def verbs(calls: list[list[str]], verb: str) -> list[str]:
    """Return the calls that use ``verb``, as the words before their first flag."""
    found = []
    for argv in calls:
        words = [word for word in argv if not word.startswith("-")]
        if verb in words:
            found.append(" ".join(words))
    return found


def test_first_run_creates_every_resource(fake_gcloud: FakeGcloud) -> None:
    """On an empty project each resource is looked up, then created once."""
    result = run_deploy(*FULL, env=fake_gcloud.env)

    calls = fake_gcloud.calls()
    assert result.returncode == 0, result.stderr
    assert verbs(calls, "create") == [
        "iam service-accounts create batch-gateway-runtime",
        "iam service-accounts create batch-gateway-trigger",
        "pubsub topics create batch-job-requests",
        "pubsub topics create batch-job-events",
        "pubsub topics create batch-job-state",
        "pubsub topics create batch-job-reconcile",
        "pubsub topics create batch-job-dead-letters",
        "pubsub subscriptions create batch-job-dead-letters",
        "storage buckets create gs://demo-uploads",
        "scheduler jobs create pubsub batch-gateway-reconcile",
    ]
    assert verbs(calls, "update") == [
        f"pubsub subscriptions update projects/p/subscriptions/eventarc-{name}-sub"
        for name in (
            "submit-from-gcs",
            "submit-from-pubsub",
            "relay-job-state",
            "reconcile-jobs",
        )
    ]


def test_second_run_creates_nothing(fake_gcloud: FakeGcloud) -> None:
    """A second run succeeds, creates nothing, and only redeploys the source."""
    run_deploy(*FULL, env=fake_gcloud.env)
    first = fake_gcloud.calls()

    result = run_deploy(*FULL, env=fake_gcloud.env)

    second = fake_gcloud.calls()
    assert result.returncode == 0, result.stderr
    assert verbs(second, "create") == []
    assert verbs(second, "deploy") == verbs(first, "deploy")
    assert verbs(second, "update")[-1] == (
        "scheduler jobs update pubsub batch-gateway-reconcile"
    )


def test_teardown_deletes_what_deploy_created(fake_gcloud: FakeGcloud) -> None:
    """Teardown leaves nothing behind, and a second teardown deletes nothing."""
    run_deploy(*FULL, env=fake_gcloud.env)
    fake_gcloud.calls()

    first = run_deploy("--teardown", "--delete-bucket", *FULL, env=fake_gcloud.env)
    deleted = verbs(fake_gcloud.calls(), "delete")
    again = run_deploy("--teardown", "--delete-bucket", *FULL, env=fake_gcloud.env)

    assert first.returncode == 0, first.stderr
    assert again.returncode == 0, again.stderr
    assert len(deleted) == 13
    assert fake_gcloud.resources() == []
    assert verbs(fake_gcloud.calls(), "delete") == []
