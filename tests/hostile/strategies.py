"""Hypothesis strategies for hostile job documents and the helpers to judge verdicts."""

from __future__ import annotations

import json
import re
from typing import Any

from hypothesis import strategies as st

from functions import violations

REGION = "us-central1"
RULE_IDS = {
    value
    for name, value in vars(violations).items()
    if name.isupper() and isinstance(value, str)
}
# Field names Batch jobs use, in both spellings, so generated documents get
# past the top-level checks and reach the deeper rules.
JOB_KEYS = (
    "taskGroups",
    "task_groups",
    "taskSpec",
    "task_spec",
    "runnables",
    "container",
    "script",
    "barrier",
    "text",
    "path",
    "imageUri",
    "image_uri",
    "enableImageStreaming",
    "enable_image_streaming",
    "commands",
    "entrypoint",
    "volumes",
    "options",
    "username",
    "password",
    "labels",
    "allocationPolicy",
    "location",
    "allowedLocations",
    "environment",
    "variables",
    "secretVariables",
    "encryptedVariables",
    "taskCount",
    "parallelism",
    "priority",
    "name",
    "uid",
    "status",
    "logsPolicy",
    "destination",
    "notifications",
    "pubsubTopic",
)
IMAGE_URIS = (
    "us-central1-docker.pkg.dev/my-project/images/debian",
    "us-docker.pkg.dev/my-project/images/tools/debian:12",
    "europe-west1-docker.pkg.dev/my-project/images/debian",
    "gcr.io/my-project/debian",
    "${Location}-docker.pkg.dev/${ProjectID}/${RepositoryName}/${Image}",
)
SECRET = st.from_regex(r"Zq9[A-Za-z0-9]{12,24}xQ", fullmatch=True)

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=2**63, max_value=2**200)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | st.sampled_from(IMAGE_URIS)
    | st.sampled_from(("regions/us-central1", "zones/us-central1-a", "regions/mars"))
)
keys = st.sampled_from(JOB_KEYS) | st.text(max_size=12)


def _nest(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=5)


json_values = st.recursive(scalars, _nest, max_leaves=25)


@st.composite
def valid_jobs(draw: st.DrawFn) -> dict[str, Any]:
    """A job that follows every image-streaming rule in REGION, in either spelling."""
    snake = draw(st.booleans())
    container: dict[str, Any] = {
        "image_uri" if snake else "imageUri": draw(st.sampled_from(IMAGE_URIS[:2])),
        "enable_image_streaming" if snake else "enableImageStreaming": True,
    }
    if draw(st.booleans()):
        container["commands"] = draw(st.lists(st.text(max_size=30), max_size=4))
    runnables = [{"container": container}]
    if draw(st.booleans()):
        runnables.append({"script": {"text": draw(st.text(max_size=40))}})
    group = {"task_spec" if snake else "taskSpec": {"runnables": runnables}}
    job: dict[str, Any] = {"task_groups" if snake else "taskGroups": [group]}
    label = st.from_regex(r"[a-z][a-z0-9_-]{0,20}", fullmatch=True)
    job["labels"] = draw(st.dictionaries(label, label, max_size=5))
    return job


@st.composite
def job_like(draw: st.DrawFn, secret: tuple[str, str] | None = None) -> dict[str, Any]:
    """A valid job (holding secret, if given) with generated values grafted in."""
    job = draw(valid_jobs())
    if secret:
        with_secret(job, *secret)
    spec = task_spec(job)
    container = spec["runnables"][0]["container"]
    for target in draw(st.lists(st.sampled_from(("job", "spec", "container")))):
        where = {"job": job, "spec": spec, "container": container}[target]
        where[draw(keys)] = draw(json_values)
    return job


def task_spec(job: dict[str, Any]) -> dict[str, Any]:
    """The task spec of a job made by valid_jobs, in whichever spelling it uses."""
    group = (job.get("taskGroups") or job["task_groups"])[0]
    spec: dict[str, Any] = group.get("taskSpec") or group["task_spec"]
    return spec


def with_secret(document: dict[str, Any], secret: str, place: str) -> dict[str, Any]:
    """The document with ``secret`` stored under a secret-bearing field at place."""
    spec = task_spec(document)
    container = spec["runnables"][0]["container"]
    if place == "container":
        container["password"] = secret
    elif place == "secretVariables":
        spec["environment"] = {"secretVariables": {"DB": secret}}
    elif place == "encryptedVariables":
        spec["environment"] = {"encryptedVariables": {"cipherText": secret}}
    else:
        spec["environment"] = {"variables": {"DB_PASSWORD": secret}}
    return document


def resolves(document: Any, pointer: str) -> bool:
    """Whether the RFC 6901 pointer names a value inside document."""
    node = document
    for raw in pointer.split("/")[1:]:
        segment = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and segment in node:
            node = node[segment]
        elif isinstance(node, list) and re.fullmatch(r"0|[1-9][0-9]*", segment):
            if int(segment) >= len(node):
                return False
            node = node[int(segment)]
        else:
            return False
    return True


def path_order(pointer: str) -> list[tuple[int, int, str]]:
    """Order pointers segment by segment, list indexes by number."""
    return [
        (0, int(segment), "") if re.fullmatch("[0-9]+", segment) else (1, 0, segment)
        for segment in pointer.split("/")[1:]
    ]


def is_sentence(text: str) -> bool:
    """One line of words: not empty, no stray whitespace around it."""
    return bool(text) and text == text.strip() and "\n" not in text and " " in text


def dumped(value: Any) -> str:
    """Everything in value as one string, for searching for a secret."""
    return json.dumps(value, default=str, ensure_ascii=False)
