"""FAKE gcloud, started by fake_bin/gcloud; a stand-in for Google Cloud in tests.

Google Cloud cannot be reached from the test machines. This records every call
as one JSON array per line in ``$FAKE_GCLOUD_STATE/calls.jsonl`` and keeps the
names of the resources it was asked to create in ``resources.json``, so that
``describe`` fails until the matching ``create`` (or ``functions deploy``) ran,
``create`` fails on a resource that exists, and ``delete`` removes it.
Every other command succeeds silently.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

PROJECT_NUMBER = "123456789012"
VERBS = {
    "describe",
    "create",
    "delete",
    "deploy",
    "update",
    "enable",
    "rm",
    "add-iam-policy-binding",
    "remove-iam-policy-binding",
    "add-invoker-policy-binding",
}


def resource_key(group: list[str], name: str) -> str:
    """Return the one name a resource has across describe, create and delete."""
    if group == ["iam", "service-accounts"]:
        name = name.split("@", maxsplit=1)[0]
    if group == ["storage"]:
        group = ["storage", "buckets"]
    return " ".join([*group, name])


def parse(argv: list[str]) -> tuple[list[str], str, str]:
    """Split a command into its group, verb and resource name."""
    words = [word for word in argv if not word.startswith("-")]
    index = next(i for i, word in enumerate(words) if word in VERBS)
    rest = words[index + 1 :]
    if rest[:1] == ["pubsub"]:
        rest = rest[1:]
    return words[:index], words[index], rest[0] if rest else ""


def describe(group: list[str], name: str, exists: bool) -> int:
    """Answer a describe: a project number, a trigger, a subscription or a name."""
    if group == ["projects"]:
        print(PROJECT_NUMBER)
        return 0
    if group == ["eventarc", "triggers"]:
        function = name.rsplit("/", 1)[-1].removesuffix("-trigger")
        exists = resource_key(["functions"], function) in load_resources()
        print(f"projects/p/subscriptions/eventarc-{function}-sub")
    elif exists and group == ["functions"]:
        print(f"projects/p/locations/r/triggers/{name}-trigger")
    elif exists:
        print(f"name: {name}")
    if not exists:
        print(f"ERROR: NOT_FOUND: {name}", file=sys.stderr)
    return 0 if exists else 1


def state_dir() -> Path:
    """Return the folder this fake keeps its log and resources in."""
    return Path(os.environ["FAKE_GCLOUD_STATE"])


def load_resources() -> set[str]:
    """Return the keys of the resources that exist now."""
    path = state_dir() / "resources.json"
    return set(json.loads(path.read_text())) if path.exists() else set()


def save_resources(resources: set[str]) -> None:
    """Store the keys of the resources that exist now."""
    path = state_dir() / "resources.json"
    path.write_text(json.dumps(sorted(resources)))


def main(argv: list[str]) -> int:
    """Record the call, then answer it the way gcloud would."""
    with (state_dir() / "calls.jsonl").open("a") as log:
        log.write(json.dumps(argv) + "\n")
    group, verb, name = parse(argv)
    key = resource_key(["functions"] if verb == "deploy" else group, name)
    resources = load_resources()
    if verb == "describe":
        return describe(group, name, key in resources)
    if verb in {"create", "deploy"}:
        if verb == "create" and key in resources:
            print(f"ERROR: ALREADY_EXISTS: {name}", file=sys.stderr)
            return 1
        save_resources(resources | {key})
    if verb in {"delete", "rm"}:
        if key not in resources:
            print(f"ERROR: NOT_FOUND: {name}", file=sys.stderr)
            return 1
        save_resources(resources - {key})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
