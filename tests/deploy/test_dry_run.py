"""deploy.sh --dry-run prints the whole plan as gcloud commands and runs none."""

from __future__ import annotations

import shlex

import pytest

from tests.deploy.support import SETTINGS, FakeGcloud, run_deploy

RUNTIME = "batch-gateway-runtime@demo-project.iam.gserviceaccount.com"
TRIGGER = "batch-gateway-trigger@demo-project.iam.gserviceaccount.com"
PUBSUB_AGENT = "service-4242@gcp-sa-pubsub.iam.gserviceaccount.com"
SUBSCRIBER = "roles/pubsub.subscriber"
FUNCTIONS = (
    "submit-from-gcs",
    "submit-from-pubsub",
    "relay-job-state",
    "reconcile-jobs",
)
ENV_VARS = (
    "--set-env-vars=GOOGLE_CLOUD_PROJECT=demo-project,BATCH_REGION=europe-west4,"
    "EVENTS_TOPIC=batch-job-events,JOB_STATE_TOPIC=batch-job-state,"
    "REQUEST_PREFIX=jobs/,STATUS_PREFIX=status/,STATUS_BUCKET=demo-uploads,"
    "PREFLIGHT=true,THREADS=8"
)


def deploy_line(name: str, trigger: str) -> str:
    """Return the expected `gcloud functions deploy` line for one function."""
    return (
        f"gcloud functions deploy {name} --gen2 --region=europe-west4 "
        f"--runtime=python312 --source=. --entry-point={name.replace('-', '_')} "
        f"{trigger} --retry --service-account={RUNTIME} "
        f"--trigger-service-account={TRIGGER} {ENV_VARS} --concurrency=8 "
        "--max-instances=10 --memory=512Mi --cpu=1 --timeout=300s "
        "--project=demo-project --quiet"
    )


@pytest.fixture(scope="module")
def plan(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """Return the dry-run lines of a full deploy with a known project number."""
    fake_gcloud = FakeGcloud(tmp_path_factory.mktemp("fake-gcloud"))

    result = run_deploy(
        "--dry-run", *SETTINGS, "--project-number=4242", env=fake_gcloud.env
    )

    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


@pytest.mark.parametrize(
    ("name", "trigger"),
    [
        ("submit-from-gcs", "--trigger-bucket=demo-uploads"),
        ("submit-from-pubsub", "--trigger-topic=batch-job-requests"),
        ("relay-job-state", "--trigger-topic=batch-job-state"),
        ("reconcile-jobs", "--trigger-topic=batch-job-reconcile"),
    ],
)
def test_each_function_is_deployed_with_its_trigger(
    plan: list[str], name: str, trigger: str
) -> None:
    """Each of the four functions gets one gen2 deploy line with its trigger."""
    deploys = [line for line in plan if line.startswith("gcloud functions deploy")]

    assert deploy_line(name, trigger) in deploys
    assert len(deploys) == 4


def test_each_trigger_subscription_gets_the_dead_letter_topic(
    plan: list[str],
) -> None:
    """The subscription behind each trigger is looked up, then dead-lettered."""
    name = "relay-job-state"

    assert plan.index(
        f"gcloud functions describe {name} --gen2 --region=europe-west4 "
        "'--format=value(eventTrigger.trigger)' --project=demo-project"
    ) < plan.index(
        f"gcloud pubsub subscriptions update '<subscription of {name}>' "
        "--dead-letter-topic=batch-job-dead-letters --max-delivery-attempts=10 "
        "--project=demo-project"
    )
    assert (
        f"gcloud eventarc triggers describe '<trigger of {name}>' "
        "'--format=value(transport.pubsub.subscription)' --project=demo-project"
    ) in plan
    assert (
        f"gcloud pubsub subscriptions add-iam-policy-binding "
        f"'<subscription of {name}>' --member=serviceAccount:{PUBSUB_AGENT} "
        "--role=roles/pubsub.subscriber --project=demo-project --format=none"
    ) in plan
    assert sum("subscriptions update" in line for line in plan) == 4


def test_scheduler_publishes_to_the_reconcile_topic(plan: list[str]) -> None:
    """A Cloud Scheduler job feeds reconcile-jobs every ten minutes."""
    assert plan[-1] == (
        "gcloud scheduler jobs create pubsub batch-gateway-reconcile "
        "--location=europe-west4 '--schedule=*/10 * * * *' "
        "--topic=projects/demo-project/topics/batch-job-reconcile "
        "'--message-body={}' --project=demo-project"
    )


def test_apis_are_enabled_first(plan: list[str]) -> None:
    """The first command enables every API the system uses."""
    assert plan[0] == (
        "gcloud services enable batch.googleapis.com cloudfunctions.googleapis.com "
        "run.googleapis.com eventarc.googleapis.com pubsub.googleapis.com "
        "artifactregistry.googleapis.com containerfilesystem.googleapis.com "
        "cloudbuild.googleapis.com logging.googleapis.com "
        "cloudscheduler.googleapis.com --project=demo-project"
    )


def test_grants_are_exactly_the_least_privilege_set(plan: list[str]) -> None:
    """Every IAM binding the deploy adds is on the documented list, and no more."""
    compute = "4242-compute@developer.gserviceaccount.com"
    storage_agent = "service-4242@gs-project-accounts.iam.gserviceaccount.com"
    expected = {
        ("projects", "demo-project", RUNTIME, "roles/batch.jobsEditor"),
        ("projects", "demo-project", RUNTIME, "roles/artifactregistry.reader"),
        ("projects", "demo-project", RUNTIME, "roles/logging.logWriter"),
        ("projects", "demo-project", TRIGGER, "roles/eventarc.eventReceiver"),
        ("service-accounts", compute, RUNTIME, "roles/iam.serviceAccountUser"),
        ("topics", "batch-job-events", RUNTIME, "roles/pubsub.publisher"),
        ("topics", "batch-job-state", compute, "roles/pubsub.publisher"),
        ("buckets", "gs://demo-uploads", RUNTIME, "roles/storage.objectUser"),
        ("projects", "demo-project", storage_agent, "roles/pubsub.publisher"),
        ("topics", "batch-job-dead-letters", PUBSUB_AGENT, "roles/pubsub.publisher"),
    }
    for name in FUNCTIONS:
        expected.add(("functions", name, TRIGGER, "roles/run.invoker"))
        subscription = f"<subscription of {name}>"
        expected.add(("subscriptions", subscription, PUBSUB_AGENT, SUBSCRIBER))

    granted = {grant(line) for line in plan if "policy-binding" in line}

    assert granted == expected


def grant(line: str) -> tuple[str, str, str, str]:
    """Return (resource kind, resource, member, role) of one binding command."""
    words = shlex.split(line)
    verb = next(i for i, word in enumerate(words) if word.endswith("policy-binding"))
    flags = dict(word[2:].split("=", 1) for word in words if "=" in word)
    member = flags["member"].removeprefix("serviceAccount:")
    role = flags.get("role", "roles/run.invoker")
    return (words[verb - 1], words[verb + 1], member, role)


def test_dry_run_runs_nothing(fake_gcloud: FakeGcloud) -> None:
    """Without a project number the dry run shows the lookup but calls no gcloud."""
    result = run_deploy("--dry-run", *SETTINGS, env=fake_gcloud.env)

    assert result.returncode == 0, result.stderr
    assert fake_gcloud.calls() == []
    assert (
        "gcloud projects describe demo-project '--format=value(projectNumber)'"
        in result.stdout.splitlines()
    )
    assert "service-PROJECT_NUMBER@gcp-sa-pubsub.iam.gserviceaccount.com" in (
        result.stdout
    )


def test_settings_come_from_the_environment(fake_gcloud: FakeGcloud) -> None:
    """GOOGLE_CLOUD_PROJECT, BATCH_REGION and tuning variables replace the flags."""
    env = {
        **fake_gcloud.env,
        "GOOGLE_CLOUD_PROJECT": "env-project",
        "BATCH_REGION": "us-east1",
        "BUCKET": "env-bucket",
        "CONCURRENCY": "1",
        "CPU": "0.5",
        "PREFLIGHT": "false",
    }

    result = run_deploy("--dry-run", "--only=functions", env=env)

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == (
        "gcloud functions deploy submit-from-gcs --gen2 --region=us-east1 "
        "--runtime=python312 --source=. --entry-point=submit_from_gcs "
        "--trigger-bucket=env-bucket --retry "
        "--service-account=batch-gateway-runtime@env-project.iam.gserviceaccount.com "
        "--trigger-service-account="
        "batch-gateway-trigger@env-project.iam.gserviceaccount.com "
        "--set-env-vars=GOOGLE_CLOUD_PROJECT=env-project,BATCH_REGION=us-east1,"
        "EVENTS_TOPIC=batch-job-events,JOB_STATE_TOPIC=batch-job-state,"
        "REQUEST_PREFIX=jobs/,STATUS_PREFIX=status/,STATUS_BUCKET=env-bucket,"
        "PREFLIGHT=false,THREADS=1 "
        "--concurrency=1 --max-instances=10 --memory=512Mi --cpu=0.5 "
        "--timeout=300s --project=env-project --quiet"
    )


def test_teardown_plan_deletes_what_deploy_creates(fake_gcloud: FakeGcloud) -> None:
    """A dry teardown deletes the scheduler job, functions, topics and accounts."""
    result = run_deploy("--dry-run", "--teardown", *SETTINGS, env=fake_gcloud.env)

    deletes = [
        line.split(" --")[0]
        for line in result.stdout.splitlines()
        if " delete " in line or " rm " in line
    ]
    assert result.returncode == 0, result.stderr
    assert deletes == [
        "gcloud scheduler jobs delete batch-gateway-reconcile",
        "gcloud functions delete submit-from-gcs",
        "gcloud functions delete submit-from-pubsub",
        "gcloud functions delete relay-job-state",
        "gcloud functions delete reconcile-jobs",
        "gcloud pubsub subscriptions delete batch-job-dead-letters",
        "gcloud pubsub topics delete batch-job-requests",
        "gcloud pubsub topics delete batch-job-events",
        "gcloud pubsub topics delete batch-job-state",
        "gcloud pubsub topics delete batch-job-reconcile",
        "gcloud pubsub topics delete batch-job-dead-letters",
        f"gcloud iam service-accounts delete {RUNTIME}",
        f"gcloud iam service-accounts delete {TRIGGER}",
    ]
