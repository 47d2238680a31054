"""Turn the CloudEvents the functions receive into the inputs they act on.

Pure: no cloud client. An input is either an ``Upload`` (a job JSON written to a
bucket) or a ``Message`` (a job JSON published to a topic). Both carry a stable
``key`` that every redelivery of the same input shares.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from functions.errors import GatewayError

STORAGE_FINALIZED = "google.cloud.storage.object.v1.finalized"
PUBSUB_PUBLISHED = "google.cloud.pubsub.topic.v1.messagePublished"
_PUBSUB_SOURCE_PREFIX = "//pubsub.googleapis.com/"
# A Cloud Storage generation: a positive int64, in ASCII digits.
_GENERATION = re.compile(r"[1-9][0-9]{0,18}")


class UnreadableEvent(GatewayError):
    """The delivery is not an event this function understands; retrying cannot help."""


@dataclass(frozen=True)
class Delivery:
    """The parts of a received CloudEvent the functions use."""

    type: str
    source: str
    id: str
    data: Any
    subject: str | None = None


@dataclass(frozen=True)
class Upload:
    """A finalized object in a bucket, at one generation."""

    bucket: str
    name: str
    generation: str
    metageneration: str | None = None
    size: int | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """The identity every redelivery of this upload shares."""
        return source_key(self.as_source())

    def as_source(self) -> dict[str, str]:
        """The source as events and reports carry it."""
        return {
            "kind": "gcs",
            "bucket": self.bucket,
            "object": self.name,
            "generation": self.generation,
        }


@dataclass(frozen=True)
class Message:
    """A Pub/Sub message whose data is a job JSON."""

    message_id: str
    data: bytes
    attributes: Mapping[str, str] = field(default_factory=dict)
    topic: str | None = None
    subscription: str | None = None

    @property
    def key(self) -> str:
        """The identity every redelivery of this message shares."""
        return source_key(self.as_source())

    def as_source(self) -> dict[str, str]:
        """The source as events carry it."""
        source = {"kind": "pubsub", "messageId": self.message_id}
        if self.topic:
            source["topic"] = self.topic
        if self.subscription:
            source["subscription"] = self.subscription
        return source


def source_key(source: Mapping[str, str]) -> str:
    """The key of a source as ``as_source`` gives it: gs://B/O#G or pubsub:T#ID."""
    if source.get("kind") == "gcs":
        return f"gs://{source.get('bucket')}/{source.get('object')}#{source.get('generation')}"
    origin = source.get("topic") or source.get("subscription") or ""
    return f"pubsub:{origin}#{source.get('messageId')}"


def upload_from_delivery(delivery: Delivery) -> Upload | None:
    """Read an upload from a storage event or a JSON_API_V1 notification.

    None means the event is about something other than a finalized object (a
    delete or metadata update arriving through a bucket notification).
    """
    if delivery.type == STORAGE_FINALIZED:
        return _upload_from_resource(_mapping(delivery.data, "data"))
    if delivery.type == PUBSUB_PUBLISHED:
        return _upload_from_notification(message_from_delivery(delivery))
    raise UnreadableEvent(
        f"event type {delivery.type!r} is neither {STORAGE_FINALIZED} nor "
        f"{PUBSUB_PUBLISHED}: check the function's trigger"
    )


def message_from_delivery(delivery: Delivery) -> Message:
    """Read the Pub/Sub message a messagePublished event carries."""
    if delivery.type != PUBSUB_PUBLISHED:
        raise UnreadableEvent(
            f"event type {delivery.type!r} is not {PUBSUB_PUBLISHED}: "
            "check the function's trigger"
        )
    data = _mapping(delivery.data, "data")
    message = _mapping(data.get("message"), "message")
    message_id = message.get("messageId") or message.get("message_id")
    if not message_id:
        raise UnreadableEvent("the Pub/Sub message has no messageId")
    return Message(
        message_id=str(message_id),
        data=_base64(message.get("data")),
        attributes=_strings(message.get("attributes")),
        topic=_topic(delivery.source),
        subscription=_optional_str(data.get("subscription") or None),
    )


def _upload_from_notification(message: Message) -> Upload | None:
    attributes = message.attributes
    if attributes.get("eventType") != "OBJECT_FINALIZE":
        return None
    try:
        resource = json.loads(message.data) if message.data else {}
    except (ValueError, RecursionError):
        resource = {}
    resource = dict(resource) if isinstance(resource, dict) else {}
    resource["bucket"] = attributes.get("bucketId") or resource.get("bucket")
    resource["name"] = attributes.get("objectId") or resource.get("name")
    generation = attributes.get("objectGeneration") or resource.get("generation")
    resource["generation"] = generation
    return _upload_from_resource(resource)


def _upload_from_resource(resource: Mapping[str, Any]) -> Upload:
    bucket, name = resource.get("bucket"), resource.get("name")
    generation = _generation(resource.get("generation"))
    if not bucket or not name or generation is None:
        raise UnreadableEvent("the object event lacks bucket, name or generation")
    if not _is_text(str(bucket)) or not _is_text(str(name)):
        raise UnreadableEvent("the object event's bucket or name is not Unicode text")
    return Upload(
        bucket=str(bucket),
        name=str(name),
        generation=generation,
        metageneration=_optional_str(resource.get("metageneration")),
        size=_optional_int(resource.get("size")),
        metadata=_strings(resource.get("metadata")),
    )


def _topic(source: str) -> str | None:
    """The topic from a source like //pubsub.googleapis.com/projects/P/topics/T."""
    if source.startswith(_PUBSUB_SOURCE_PREFIX):
        return source.removeprefix(_PUBSUB_SOURCE_PREFIX) or None
    return None


def _mapping(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise UnreadableEvent(f"the event's {what} is not a JSON object")
    return value


def _strings(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        return {}
    return {str(key): str(item) for key, item in value.items()}


def _base64(value: Any) -> bytes:
    if not value:
        return b""
    try:
        return base64.b64decode(str(value), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise UnreadableEvent("the Pub/Sub message data is not base64") from exc


def _generation(value: Any) -> str | None:
    """The generation's digits; None unless it is a positive int64."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    text = str(value)
    return text if _GENERATION.fullmatch(text) and int(text) < 2**63 else None


def _is_text(value: str) -> bool:
    """Whether value encodes as UTF-8 (a lone surrogate from a JSON escape does not)."""
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True


def _optional_str(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


def _optional_int(value: Any) -> int | None:
    try:
        return None if value in (None, "") else int(value)
    except (TypeError, ValueError):
        return None
