"""Labels that tie a Batch job back to the input it came from.

Pure. Label keys and values allow only lowercase letters, digits, ``_`` and
``-``, at most 63 characters each, so a bucket, object or topic name is stored
escaped (every other character becomes ``_`` and two hex digits per UTF-8 byte)
and split over numbered labels. The relay decodes them to find the source and
the status report again; a name too long for ``_MAX_PARTS`` labels is left out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from functions import violations
from functions.naming import digest
from functions.violations import Violation

PREFIX = "gateway-"
KIND = "gateway-source"
KEY = "gateway-key"
MAX_LABELS = 64
_VALUE_MAX = 63
_MAX_PARTS = 8
_KEY_CHARS = 40
_FIELDS = {
    "gcs": ("bucket", "object", "generation"),
    "pubsub": ("topic", "subscription", "messageId"),
}
_PLAIN = re.compile(r"[a-z0-9-]")
_ESCAPES = re.compile(r"((?:_[0-9a-f]{2})+)")


def key_label(key: str) -> str:
    """The value of the label that identifies the input: a hash of its key."""
    return digest(key)[:_KEY_CHARS]


def source_labels(source: Mapping[str, str], key: str) -> dict[str, str]:
    """The labels recording ``source`` (as ``Upload.as_source`` gives it)."""
    kind = source["kind"]
    labels = {KIND: kind, KEY: key_label(key)}
    for name in _FIELDS[kind]:
        if source.get(name):
            labels.update(_field_labels(name, source[name]))
    return labels


def source_from_labels(labels: Mapping[str, str]) -> dict[str, str] | None:
    """The source recorded in a job's labels; None when the job is not ours."""
    kind = labels.get(KIND)
    if kind not in _FIELDS:
        return None
    source = {"kind": kind}
    for name in _FIELDS[kind]:
        parts = [labels.get(_part_key(name, index)) for index in range(_MAX_PARTS)]
        encoded = "".join(_leading(parts))
        if encoded:
            source[name] = _decode(encoded)
    return source


def label_violations(
    user: Mapping[str, object], ours: Mapping[str, str]
) -> list[Violation]:
    """What stops the user's labels from being kept beside ours."""
    found = [
        Violation(
            violations.SCHEMA,
            f"/labels/{name.replace('~', '~0').replace('/', '~1')}",
            f"the label {name!r} uses the prefix {PREFIX!r}, which is reserved "
            "for the labels that tie a job to its source",
            f"rename the label so it does not start with {PREFIX!r}",
        )
        for name in user
        if name.startswith(PREFIX)
    ]
    if len(user) + len(ours) > MAX_LABELS:
        found.append(
            Violation(
                violations.SCHEMA,
                "/labels",
                f"the job has {len(user)} labels; with the {len(ours)} the gateway "
                f"adds that exceeds Batch's limit of {MAX_LABELS}",
                f"keep at most {MAX_LABELS - len(ours)} labels of your own",
            )
        )
    return found


def _field_labels(name: str, value: str) -> dict[str, str]:
    encoded = _encode(value)
    chunks = [encoded[i : i + _VALUE_MAX] for i in range(0, len(encoded), _VALUE_MAX)]
    if len(chunks) > _MAX_PARTS:
        return {}
    return {_part_key(name, index): chunk for index, chunk in enumerate(chunks)}


def _part_key(name: str, index: int) -> str:
    base = PREFIX + re.sub(r"(?<!^)([A-Z])", r"-\1", name).lower()
    return base if index == 0 else f"{base}-{index + 1}"


def _leading(parts: list[str | None]) -> list[str]:
    """The parts up to the first missing one."""
    present = []
    for part in parts:
        if part is None:
            break
        present.append(part)
    return present


def _encode(text: str) -> str:
    return "".join(
        char if _PLAIN.fullmatch(char) else "".join(f"_{b:02x}" for b in char.encode())
        for char in text
    )


def _decode(encoded: str) -> str:
    pieces = _ESCAPES.split(encoded)
    return "".join(
        bytes.fromhex(piece.replace("_", "")).decode(errors="replace")
        if piece.startswith("_")
        else piece
        for piece in pieces
    )
