"""Reading uploads and messages out of the CloudEvents the functions receive."""

from __future__ import annotations

import base64
import json

import pytest

from functions.sources import (
    PUBSUB_PUBLISHED,
    STORAGE_FINALIZED,
    Delivery,
    Message,
    UnreadableEvent,
    Upload,
    message_from_delivery,
    source_key,
    upload_from_delivery,
)

BUCKET_SOURCE = "//storage.googleapis.com/projects/_/buckets/requests"


def _notification(attributes: dict[str, str], resource: object = None) -> Delivery:
    data = base64.b64encode(json.dumps(resource or {}).encode()).decode()
    message = {"data": data, "attributes": attributes, "messageId": "77"}
    return Delivery(
        PUBSUB_PUBLISHED, "//pubsub.googleapis.com/", "77", {"message": message}
    )


def test_storage_event_accepts_numbers_and_strings() -> None:
    """Generation and size may arrive as strings or numbers; both read the same."""
    as_strings = {"bucket": "b", "name": "jobs/a.json", "generation": "12", "size": "5"}
    as_numbers = {"bucket": "b", "name": "jobs/a.json", "generation": 12, "size": 5}

    read = [
        upload_from_delivery(Delivery(STORAGE_FINALIZED, BUCKET_SOURCE, "1", data))
        for data in (as_strings, as_numbers)
    ]

    assert read[0] == read[1] == Upload("b", "jobs/a.json", "12", size=5)


def test_storage_event_keeps_metadata() -> None:
    """Object metadata is kept, because it may carry jobId and location overrides."""
    data = {
        "bucket": "b",
        "name": "n.json",
        "generation": "3",
        "metadata": {"jobId": "x"},
    }

    upload = upload_from_delivery(Delivery(STORAGE_FINALIZED, BUCKET_SOURCE, "1", data))

    assert upload is not None
    assert upload.metadata == {"jobId": "x"}


def test_notification_finalize_reads_attributes_and_resource() -> None:
    """A JSON_API_V1 notification names the object in attributes, metadata in data."""
    attributes = {
        "eventType": "OBJECT_FINALIZE",
        "bucketId": "b",
        "objectId": "jobs/a.json",
        "objectGeneration": "1700",
    }
    resource = {"size": "42", "metadata": {"location": "europe-west4"}}

    upload = upload_from_delivery(_notification(attributes, resource))

    assert upload == Upload(
        "b", "jobs/a.json", "1700", size=42, metadata={"location": "europe-west4"}
    )


def test_notification_other_than_finalize_is_ignored() -> None:
    """Deletes and metadata updates through a bucket notification are not uploads."""
    attributes = {"eventType": "OBJECT_DELETE", "bucketId": "b", "objectId": "a.json"}

    assert upload_from_delivery(_notification(attributes)) is None


def test_storage_event_without_generation_is_unreadable() -> None:
    """An object event must name its generation, or the object cannot be read."""
    data = {"bucket": "b", "name": "jobs/a.json"}

    with pytest.raises(UnreadableEvent) as caught:
        upload_from_delivery(Delivery(STORAGE_FINALIZED, BUCKET_SOURCE, "1", data))

    assert str(caught.value) == "the object event lacks bucket, name or generation"


def test_message_reads_both_id_spellings() -> None:
    """messageId and message_id both name the message."""
    source = "//pubsub.googleapis.com/projects/p/topics/requests"
    encoded = base64.b64encode(b"{}").decode()
    spellings = [
        {"message": {"data": encoded, "messageId": "9"}, "subscription": "s"},
        {"message": {"data": encoded, "message_id": "9"}, "subscription": "s"},
    ]

    read = [
        message_from_delivery(Delivery(PUBSUB_PUBLISHED, source, "9", data))
        for data in spellings
    ]

    assert (
        read[0]
        == read[1]
        == Message("9", b"{}", {}, topic="projects/p/topics/requests", subscription="s")
    )


def test_unexpected_event_type_names_the_trigger() -> None:
    """A function wired to the wrong trigger says so."""
    delivery = Delivery("google.cloud.audit.log.v1.written", "//x", "1", {})

    with pytest.raises(UnreadableEvent) as caught:
        message_from_delivery(delivery)

    assert str(caught.value) == (
        "event type 'google.cloud.audit.log.v1.written' is not "
        "google.cloud.pubsub.topic.v1.messagePublished: check the function's trigger"
    )


def test_keys_differ_by_generation_and_match_the_source() -> None:
    """A new generation is a new input; the key can be rebuilt from the source."""
    first, second = Upload("b", "a.json", "1"), Upload("b", "a.json", "2")
    message = Message("5", b"", topic="projects/p/topics/t")

    assert first.key == "gs://b/a.json#1"
    assert second.key != first.key
    assert message.key == "pubsub:projects/p/topics/t#5"
    assert source_key(message.as_source()) == message.key
