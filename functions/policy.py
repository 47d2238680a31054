"""The operator's allow-lists: regions, repositories and service accounts a job may use.

Pure. Each list is optional (empty restricts nothing). A region outside
ALLOWED_LOCATIONS is a ``region-mismatch``, an image outside
ALLOWED_REPOSITORIES an ``artifact-registry`` violation, and a service account
outside ALLOWED_SERVICE_ACCOUNTS ``not-allowed``. Each message names the
setting, so the submitter knows whom to ask.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from functions.config import AllowLists
from functions.images import parse_image_uri
from functions.pointers import field, image_uris, sort_key
from functions.schema_messages import quoted
from functions.violations import (
    ARTIFACT_REGISTRY,
    NOT_ALLOWED,
    REGION_MISMATCH,
    Violation,
)


def policy_violations(
    job: Mapping[str, object], location: str, allowed: AllowLists
) -> list[Violation]:
    """Every place the job, submitted to ``location``, leaves an allow-list."""
    found = []
    if allowed.locations and location not in allowed.locations:
        found.append(_location_violation(location, allowed.locations))
    if allowed.repositories:
        found += [
            _repository_violation(path, repository, allowed.repositories)
            for path, repository in _repositories(job)
            if repository not in allowed.repositories
        ]
    if allowed.service_accounts:
        found += _service_account_violations(job, allowed.service_accounts)
    return found


def by_path(found: list[Violation]) -> list[Violation]:
    """The violations in the order every report uses: by path, then rule."""
    return sorted(found, key=lambda each: (sort_key(each.path), each.rule))


def _location_violation(location: str, allowed: tuple[str, ...]) -> Violation:
    return Violation(
        REGION_MISMATCH,
        "",
        f"the job's region {location!r} is not in ALLOWED_LOCATIONS",
        f"submit the job to {_one_of(allowed)} (the location override), or ask "
        "the gateway's operator to allow the region",
    )


def _repository_violation(
    path: str, repository: str, allowed: tuple[str, ...]
) -> Violation:
    return Violation(
        ARTIFACT_REGISTRY,
        path,
        f"the image's repository {quoted(repository)} is not in ALLOWED_REPOSITORIES",
        f"use an image from {_one_of(allowed)}, or ask the gateway's operator to "
        "allow the repository",
    )


def _service_account_violations(
    job: Mapping[str, object], allowed: tuple[str, ...]
) -> list[Violation]:
    policy = field(job, "allocationPolicy", "")
    account = policy and field(policy[1], "serviceAccount", policy[0])
    email = account and field(account[1], "email", account[0])
    if email and email[1] in allowed:
        return []
    hint = (
        f"run the job as {_one_of(allowed)} (allocationPolicy.serviceAccount.email), "
        "or ask the gateway's operator to allow the service account"
    )
    if not email or not isinstance(email[1], str):
        message = (
            "the job names no service account, and ALLOWED_SERVICE_ACCOUNTS "
            "allows only the ones it lists"
        )
        return [Violation(NOT_ALLOWED, policy[0] if policy else "", message, hint)]
    message = (
        f"the service account {quoted(email[1])} is not in ALLOWED_SERVICE_ACCOUNTS"
    )
    return [Violation(NOT_ALLOWED, email[0], message, hint)]


def _repositories(job: Mapping[str, object]) -> Iterator[tuple[str, str]]:
    """Yield (pointer to imageUri, LOCATION-docker.pkg.dev/PROJECT/REPOSITORY)."""
    for path, uri in image_uris(job):
        image = parse_image_uri(uri)
        if image is not None:
            yield path, f"{image.host}/{image.project}/{image.repository}"


def _one_of(allowed: tuple[str, ...]) -> str:
    return allowed[0] if len(allowed) == 1 else "one of " + ", ".join(allowed)
