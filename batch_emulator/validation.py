"""The checks Batch applies to a create request before it accepts a job."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from batch_emulator.errors import ApiError, invalid_argument
from batch_emulator.names import JOB_ID_PATTERN

MAX_JOB_BYTES = 1024 * 1024
MAX_LABELS = 64
RESERVED_LABEL_PREFIXES = ("goog-", "google-")


def check_job_id(job_id: str) -> None:
    """Reject a job id that Batch's pattern does not allow."""
    if not JOB_ID_PATTERN.match(job_id):
        raise invalid_argument(
            f"Job id {job_id!r} does not match the pattern "
            f"{JOB_ID_PATTERN.pattern}: use 1 to 63 lowercase letters, digits "
            "and hyphens, starting with a letter and not ending with a hyphen."
        )


def check_size(body: bytes) -> None:
    """Reject a job definition larger than Batch accepts."""
    if len(body) > MAX_JOB_BYTES:
        raise invalid_argument(
            f"The job definition is {len(body)} bytes; "
            f"the limit is {MAX_JOB_BYTES} bytes."
        )


def check_job(job: Any) -> None:
    """Reject a job (a protobuf Job message) whose structure Batch would refuse."""
    if len(job.task_groups) != 1:
        raise invalid_argument(
            f"A job must have exactly one task group; this one has "
            f"{len(job.task_groups)}."
        )
    _check_runnables(job.task_groups[0].task_spec.runnables)
    _check_secrets(job.task_groups[0])
    _check_counts(job.task_groups[0])
    _check_labels(dict(job.labels))


def _check_runnables(runnables: Sequence[Any]) -> None:
    if not runnables:
        raise invalid_argument("The task group's taskSpec must have a runnable.")
    for index, runnable in enumerate(runnables):
        kind = runnable.WhichOneof("executable")
        if kind is None:
            raise invalid_argument(
                f"Runnable {index} must set one of container, script or barrier."
            )
        if kind == "script" and runnable.background:
            # The runner waits for each script in turn; no background processes.
            raise ApiError(
                "UNIMPLEMENTED",
                f"Runnable {index}: the Batch emulator does not run background "
                "scripts.",
            )


def _check_counts(group: Any) -> None:
    if group.task_count < 0 or group.parallelism < 0:
        raise invalid_argument("taskCount and parallelism must not be negative.")


def _check_labels(labels: dict[str, str]) -> None:
    if len(labels) > MAX_LABELS:
        raise invalid_argument(
            f"A job may have at most {MAX_LABELS} labels; this one has {len(labels)}."
        )
    for key in labels:
        if key.startswith(RESERVED_LABEL_PREFIXES):
            raise invalid_argument(
                f"Label {key!r} uses a reserved prefix (goog- or google-)."
            )


def _check_secrets(group: Any) -> None:
    environments = [group.task_spec.environment, *group.task_environments]
    environments += [runnable.environment for runnable in group.task_spec.runnables]
    if any(
        e.secret_variables or e.HasField("encrypted_variables") for e in environments
    ):
        # Nothing here can read Secret Manager or Cloud KMS.
        raise ApiError(
            "UNIMPLEMENTED",
            "The Batch emulator does not support secretVariables or "
            "encryptedVariables.",
        )
