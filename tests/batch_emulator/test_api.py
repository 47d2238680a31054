"""The emulator's REST API, driven by the real google-cloud-batch client."""

from __future__ import annotations

import json
import uuid

import pytest
import requests
from google.api_core import exceptions
from google.cloud import batch_v1alpha

from tests.batch_emulator.conftest import PARENT, script_job, wait_for_state

Client = batch_v1alpha.BatchServiceClient


def unique(prefix: str) -> str:
    """Return a job id no other test uses."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_a_created_job_is_queued_with_batch_output_fields(client: Client) -> None:
    """create_job answers the stored job: name, uid, times, QUEUED, task group name."""
    job_id = unique("created")

    job = client.create_job(parent=PARENT, job=script_job("true"), job_id=job_id)

    assert job.name == f"{PARENT}/jobs/{job_id}"
    assert job.uid.startswith(f"{job_id}-")
    assert job.status.state == batch_v1alpha.JobStatus.State.QUEUED
    assert job.create_time == job.update_time
    assert job.task_groups[0].name == f"{job.name}/taskGroups/group0"
    assert (job.task_groups[0].task_count, job.task_groups[0].parallelism) == (1, 1)


def test_a_script_job_runs_to_succeeded(client: Client) -> None:
    """A script job passes QUEUED, SCHEDULED and RUNNING and ends SUCCEEDED."""
    created = client.create_job(
        parent=PARENT, job=script_job("exit 0", task_count=3), job_id=unique("ok")
    )

    job = wait_for_state(client, created.name, {"SUCCEEDED", "FAILED"})

    assert job.status.state.name == "SUCCEEDED"
    assert [event.description for event in job.status.status_events] == [
        f"Job state is set from {a} to {b} for job {job.name}."
        for a, b in (("QUEUED", "SCHEDULED"), ("SCHEDULED", "RUNNING"),
                     ("RUNNING", "SUCCEEDED"))
    ]  # fmt: skip
    assert dict(job.status.task_groups["group0"].counts) == {"SUCCEEDED": 3}
    assert job.status.run_duration.total_seconds() > 0
    assert job.update_time > job.create_time


def test_a_script_that_exits_1_fails_its_task_and_job(client: Client) -> None:
    """A non-zero exit fails the task with that exit code, and the job with it."""
    created = client.create_job(
        parent=PARENT, job=script_job("exit 1"), job_id=unique("fails")
    )

    job = wait_for_state(client, created.name, {"SUCCEEDED", "FAILED"})
    task = client.get_task(name=f"{job.name}/taskGroups/group0/tasks/0")

    assert job.status.status_events[-1].description == (
        f"Job state is set from RUNNING to FAILED for job {job.name} "
        "due to task failure."
    )
    assert task.status.state.name == "FAILED"
    assert task.status.status_events[-1].description == (
        "Task state is updated from RUNNING to FAILED with exit code 1."
    )
    assert task.status.status_events[-1].task_execution.exit_code == 1


def test_ignore_exit_status_lets_a_failing_runnable_pass(client: Client) -> None:
    """ignoreExitStatus makes a non-zero exit count as success."""
    job = script_job("exit 3")
    job.task_groups[0].task_spec.runnables[0].ignore_exit_status = True

    created = client.create_job(parent=PARENT, job=job, job_id=unique("ignored"))

    assert (
        wait_for_state(client, created.name, {"SUCCEEDED", "FAILED"}).status.state.name
        == "SUCCEEDED"
    )


def test_scripts_see_batch_variables_and_the_job_environment(client: Client) -> None:
    """A task sees the BATCH_* variables and the job's own environment variables."""
    job_id = unique("env")
    check = (
        f'test "$BATCH_JOB_ID" = {job_id} && test "$BATCH_TASK_COUNT" = 2 '
        '&& test "$COLOUR" = blue && test "$BATCH_TASK_INDEX" -lt 2 '
        '&& test "$PWD" != /work/main'
    )
    spec = {"environment": batch_v1alpha.Environment(variables={"COLOUR": "blue"})}
    job = script_job(check, task_count=2, parallelism=2, task_spec=spec)

    created = client.create_job(parent=PARENT, job=job, job_id=job_id)

    final = wait_for_state(client, created.name, {"SUCCEEDED", "FAILED"})
    assert dict(final.status.task_groups["group0"].counts) == {"SUCCEEDED": 2}


def test_max_run_duration_stops_a_long_script(client: Client) -> None:
    """A task running past maxRunDuration is killed and fails with code 50005."""
    spec = {"max_run_duration": {"seconds": 0, "nanos": 300_000_000}}
    created = client.create_job(
        parent=PARENT, job=script_job("sleep 30", task_spec=spec), job_id=unique("slow")
    )

    job = wait_for_state(client, created.name, {"SUCCEEDED", "FAILED"}, timeout=10)
    task = client.get_task(name=f"{job.name}/taskGroups/group0/tasks/0")

    assert job.status.state.name == "FAILED"
    assert task.status.status_events[-1].task_execution.exit_code == 50005


def test_a_container_runnable_succeeds_without_running(client: Client) -> None:
    """A container counts as succeeded, and a status event says it was not run."""
    image = "us-docker.pkg.dev/p/r/debian:12"
    container = batch_v1alpha.Runnable.Container(
        image_uri=image, enable_image_streaming=True
    )
    task_spec = batch_v1alpha.TaskSpec(
        runnables=[batch_v1alpha.Runnable(container=container)]
    )
    job = batch_v1alpha.Job(task_groups=[batch_v1alpha.TaskGroup(task_spec=task_spec)])

    created = client.create_job(parent=PARENT, job=job, job_id=unique("image"))

    final = wait_for_state(client, created.name, {"SUCCEEDED", "FAILED"})
    assert final.status.state.name == "SUCCEEDED"
    assert (
        f"Runnable 0 is a container ({image}); the Batch emulator did not pull or "
        "run the image and counts it as succeeded."
    ) in [event.description for event in final.status.status_events]


def test_list_filters_on_labels_and_state(client: Client) -> None:
    """list_jobs honours labels.KEY and status.state filters."""
    run = uuid.uuid4().hex[:8]
    job = script_job("true")
    job.labels = {"run": run}
    first = client.create_job(parent=PARENT, job=job, job_id=unique("listed"))
    wait_for_state(client, first.name, {"SUCCEEDED"})
    second = client.create_job(parent=PARENT, job=job, job_id=unique("listed"))

    by_label = client.list_jobs(
        request={"parent": PARENT, "filter": f'labels.run="{run}"'}
    )
    done = client.list_jobs(
        request={
            "parent": PARENT,
            "filter": f"labels.run={run} AND status.state=SUCCEEDED",
        }
    )

    assert [j.name for j in by_label] == [first.name, second.name]
    assert [j.name for j in done] == [first.name]


def test_list_pages_through_jobs(client: Client) -> None:
    """pageSize and pageToken split a listing into pages the client follows."""
    run = uuid.uuid4().hex[:8]
    job = script_job("true")
    job.labels = {"run": run}
    names = [
        client.create_job(parent=PARENT, job=job, job_id=unique("paged")).name
        for _ in range(3)
    ]

    pager = client.list_jobs(
        request={"parent": PARENT, "filter": f"labels.run={run}", "page_size": 2}
    )

    assert [len(page.jobs) for page in pager.pages] == [2, 1]
    assert [
        j.name
        for j in client.list_jobs(
            request={"parent": PARENT, "filter": f"labels.run={run}", "page_size": 2}
        )
    ] == names


def test_an_unsupported_filter_is_refused(client: Client) -> None:
    """A filter the emulator cannot evaluate fails instead of matching everything."""
    with pytest.raises(exceptions.BadRequest) as caught:
        list(client.list_jobs(request={"parent": PARENT, "filter": "priority=3"}))

    assert caught.value.message.endswith(
        "Filter field 'priority' is not supported by the Batch emulator; "
        "use status.state, name, uid or labels.KEY."
    )


def test_a_duplicate_job_id_is_already_exists(client: Client) -> None:
    """A second create with the same jobId answers 409 ALREADY_EXISTS."""
    job_id = unique("twice")
    client.create_job(parent=PARENT, job=script_job("true"), job_id=job_id)

    with pytest.raises(exceptions.Conflict) as caught:
        client.create_job(parent=PARENT, job=script_job("true"), job_id=job_id)

    assert caught.value.response.json()["error"]["status"] == "ALREADY_EXISTS"
    assert caught.value.message.endswith(f"Job {PARENT}/jobs/{job_id} already exists.")


def test_a_repeated_request_id_returns_the_original_job(client: Client) -> None:
    """A retried create with the same requestId answers the first job, not an error."""
    request = batch_v1alpha.CreateJobRequest(
        parent=PARENT, job=script_job("true"), job_id=unique("retried"),
        request_id=str(uuid.uuid4()),
    )  # fmt: skip

    first = client.create_job(request=request)
    again = client.create_job(request=request)

    assert (again.name, again.uid) == (first.name, first.uid)


def test_a_missing_job_id_gets_a_generated_one(client: Client) -> None:
    """Without jobId the emulator names the job itself, as Batch does."""
    job = client.create_job(parent=PARENT, job=script_job("true"))

    assert job.name.startswith(f"{PARENT}/jobs/job-")


def test_an_unknown_job_is_not_found(client: Client) -> None:
    """get_job on a name that does not exist raises NotFound."""
    with pytest.raises(exceptions.NotFound) as caught:
        client.get_job(name=f"{PARENT}/jobs/nothing-here")

    assert caught.value.message.endswith(
        f"Resource not found: {PARENT}/jobs/nothing-here"
    )


@pytest.mark.parametrize(
    ("job", "job_id", "message"),
    [
        (script_job("true"), "Bad_Id",
         "Job id 'Bad_Id' does not match the pattern "
         "^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$: use 1 to 63 lowercase letters, "
         "digits and hyphens, starting with a letter and not ending with a hyphen."),
        (batch_v1alpha.Job(), "no-group",
         "A job must have exactly one task group; this one has 0."),
        (batch_v1alpha.Job(task_groups=[script_job("true").task_groups[0]] * 2),
         "two-groups", "A job must have exactly one task group; this one has 2."),
        (batch_v1alpha.Job(task_groups=[batch_v1alpha.TaskGroup()]), "no-runnable",
         "The task group's taskSpec must have a runnable."),
    ],
)  # fmt: skip
def test_invalid_jobs_are_invalid_argument(
    client: Client, job: batch_v1alpha.Job, job_id: str, message: str
) -> None:
    """Each structural mistake Batch refuses is a 400 INVALID_ARGUMENT."""
    with pytest.raises(exceptions.BadRequest) as caught:
        client.create_job(parent=PARENT, job=job, job_id=job_id)

    assert caught.value.response.json()["error"]["status"] == "INVALID_ARGUMENT"
    assert caught.value.message.endswith(message)


def test_delete_returns_an_operation_and_the_job_disappears(client: Client) -> None:
    """delete_job marks DELETION_IN_PROGRESS; the operation finishes once it is gone."""
    created = client.create_job(
        parent=PARENT, job=script_job("sleep 30"), job_id=unique("deleted")
    )

    operation = client.delete_job(name=created.name)
    state = client.get_job(name=created.name).status.state.name
    operation.result(timeout=10)  # type: ignore[no-untyped-call]

    assert state == "DELETION_IN_PROGRESS"
    assert operation.metadata.verb == "delete"
    assert operation.metadata.target == created.name
    with pytest.raises(exceptions.NotFound):
        client.get_job(name=created.name)


def test_cancel_stops_a_running_job(client: Client) -> None:
    """cancel_job kills the job's scripts and ends it CANCELLED."""
    created = client.create_job(
        parent=PARENT, job=script_job("sleep 30"), job_id=unique("cancelled")
    )
    wait_for_state(client, created.name, {"RUNNING"})

    operation = client.cancel_job(name=created.name)
    operation.result(timeout=10)  # type: ignore[no-untyped-call]

    assert client.get_job(name=created.name).status.state.name == "CANCELLED"


def test_tasks_are_listed_and_fetched_under_group0(client: Client) -> None:
    """list_tasks and get_task answer one task per taskCount under group0."""
    created = client.create_job(
        parent=PARENT, job=script_job("true", task_count=2), job_id=unique("tasks")
    )
    wait_for_state(client, created.name, {"SUCCEEDED"})
    group = f"{created.name}/taskGroups/group0"

    tasks = list(client.list_tasks(parent=group))
    task = client.get_task(name=f"{group}/tasks/1")

    assert [t.name for t in tasks] == [f"{group}/tasks/0", f"{group}/tasks/1"]
    assert task.status.state.name == "SUCCEEDED"
    assert [e.task_state.name for e in task.status.status_events] == [
        "ASSIGNED", "RUNNING", "SUCCEEDED"
    ]  # fmt: skip


def test_proto_json_spellings_are_all_accepted(fast_batch_emulator: str) -> None:
    """snake_case names, enum integers and int64 numbers parse like canonical JSON."""
    body = {
        "task_groups": [
            {"taskCount": 2, "task_spec": {"runnables": [{"script": {"text": "true"}}]}}
        ],
        "logsPolicy": {"destination": 1},
    }
    url = f"http://{fast_batch_emulator}/v1alpha/{PARENT}/jobs?jobId={unique('spelt')}"

    answer = requests.post(url, json=body, timeout=5).json()

    assert answer["taskGroups"][0]["taskCount"] == "2"
    assert answer["logsPolicy"] == {"destination": "CLOUD_LOGGING"}
    assert answer["status"]["state"] == "QUEUED"


def test_unknown_fields_are_refused(fast_batch_emulator: str) -> None:
    """A misspelt field is a 400 with Google's error body, as the real service does."""
    url = f"http://{fast_batch_emulator}/v1alpha/{PARENT}/jobs?jobId={unique('typo')}"

    answer = requests.post(url, json={"taskGroup": []}, timeout=5)

    assert answer.status_code == 400
    assert answer.json() == {
        "error": {
            "code": 400,
            "message": "Invalid JSON payload received. Message type "
            '"google.cloud.batch.v1alpha.Job" has no field named "taskGroup" at "Job".',
            "status": "INVALID_ARGUMENT",
        }
    }


def test_a_job_over_one_megabyte_is_refused(fast_batch_emulator: str) -> None:
    """A job definition larger than 1 MB is INVALID_ARGUMENT."""
    url = f"http://{fast_batch_emulator}/v1alpha/{PARENT}/jobs?jobId={unique('big')}"
    body = json.dumps({"labels": {"big": "x" * 1024 * 1024}}).encode()

    answer = requests.post(url, data=body, timeout=5)

    assert answer.json()["error"] == {
        "code": 400,
        "message": f"The job definition is {len(body)} bytes; "
        "the limit is 1048576 bytes.",
        "status": "INVALID_ARGUMENT",
    }
