"""Names derived from an input: the job id, the request id, the source labels.

Pure. Every name depends only on the input's key, so each redelivery of an
upload or a message derives the same job id and request id, and Batch's
ALREADY_EXISTS tells us an earlier delivery already created the job.
"""

from __future__ import annotations

import hashlib
import re
import uuid

from functions.sources import Message, Upload

JOB_ID_PATTERN = re.compile(r"^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$")
JOB_ID_MAX = 63
_HASH_CHARS = 10
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
# A fixed namespace, so request ids stay the same across releases.
_REQUEST_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "batch-image-streaming-gateway")


def digest(*parts: str) -> str:
    """A hex SHA-256 of the parts, separated so ("ab", "c") differs from ("a", "bc")."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def job_id_for(source: Upload | Message) -> str:
    """The Batch job id for an input: a readable stem, then a short hash of its key."""
    stem = _slug(_stem(source))[: JOB_ID_MAX - _HASH_CHARS - 1].rstrip("-")
    return f"{stem}-{digest(source.key)[:_HASH_CHARS]}"


def request_id_for(source: Upload | Message) -> str:
    """The requestId for creating the job, derived from the same key as the job id."""
    return str(uuid.uuid5(_REQUEST_NAMESPACE, source.key))


def is_job_id(value: str) -> bool:
    """Whether ``value`` is a job id Batch accepts."""
    return bool(JOB_ID_PATTERN.fullmatch(value))


def _stem(source: Upload | Message) -> str:
    if isinstance(source, Upload):
        return source.name.rsplit("/", 1)[-1].removesuffix(".json")
    return (source.topic or "").rsplit("/", 1)[-1] or "message"


def _slug(text: str) -> str:
    slug = _NOT_SLUG.sub("-", text.lower()).strip("-")
    return slug if slug[:1].isalpha() else f"job-{slug}".rstrip("-")
