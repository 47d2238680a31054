"""Resource names of the Batch API: parsing, building and generated ids."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

JOB_ID_PATTERN = re.compile(r"^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$")
TASK_GROUP_ID = "group0"


@dataclass(frozen=True)
class Parent:
    """A ``projects/P/locations/L`` collection; location ``-`` means every one."""

    project: str
    location: str

    def __str__(self) -> str:
        return f"projects/{self.project}/locations/{self.location}"

    def contains(self, job_name: str) -> bool:
        """Tell whether a job name lies under this parent."""
        if self.location == "-":
            return job_name.startswith(f"projects/{self.project}/locations/")
        return job_name.startswith(f"{self}/jobs/")


def job_name(parent: Parent, job_id: str) -> str:
    """Return the full name of a job."""
    return f"{parent}/jobs/{job_id}"


def task_group_name(job: str) -> str:
    """Return the name of a job's only task group."""
    return f"{job}/taskGroups/{TASK_GROUP_ID}"


def task_name(job: str, index: int) -> str:
    """Return the name of one task of a job."""
    return f"{task_group_name(job)}/tasks/{index}"


def job_id_of(name: str) -> str:
    """Return the job id at the end of a job name."""
    return name.rsplit("/", 1)[-1]


def location_of(name: str) -> str:
    """Return the location segment of a job or operation name."""
    return name.split("/")[3]


def generated_job_id() -> str:
    """Return a job id for a create request that gave none, as Batch does."""
    return f"job-{uuid.uuid4()}"


def job_uid(job_id: str) -> str:
    """Return a job uid in Batch's style: the id's start and a uuid fragment."""
    fragment = str(uuid.uuid4())[:23]
    return f"{job_id[:39].rstrip('-')}-{fragment}"


def task_uid(uid: str, index: int) -> str:
    """Return the uid of one task, derived from its job's uid."""
    return f"{uid}-{TASK_GROUP_ID}-{index}"


def operation_name(parent: Parent) -> str:
    """Return a fresh long-running operation name under a parent."""
    return f"{parent}/operations/operation-{uuid.uuid4().hex}"
