"""Hostile CloudEvents: each becomes a well-formed input, a skip, or UnreadableEvent.

The contract of functions.sources: upload_from_delivery returns an Upload, or
None for a notification that is not about a finalized object (acknowledged and
skipped); message_from_delivery returns a Message; anything unreadable raises
UnreadableEvent, which the entry point logs and acknowledges. Any other
exception would answer 500, and the platform would redeliver it for a day.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from functions import labels
from functions.config import Settings
from functions.jobs import place
from functions.naming import is_job_id, job_id_for
from functions.sources import (
    PUBSUB_PUBLISHED,
    STORAGE_FINALIZED,
    Delivery,
    Message,
    UnreadableEvent,
    Upload,
    message_from_delivery,
    upload_from_delivery,
)
from functions.validation import check_job
from tests.hostile.strategies import REGION

TOPIC_SOURCE = "//pubsub.googleapis.com/projects/p/topics/requests"
BUCKET_SOURCE = "//storage.googleapis.com/projects/_/buckets/requests"
FINALIZE = {
    "eventType": "OBJECT_FINALIZE",
    "bucketId": "requests",
    "objectId": "jobs/a.json",
    "objectGeneration": "1700000000000002",
}
BOUNDED = settings(derandomize=True, database=None, deadline=None, max_examples=200)


def _published(message: Any, **data: Any) -> Delivery:
    return Delivery(PUBSUB_PUBLISHED, TOPIC_SOURCE, "1", {"message": message, **data})


def _notification(attributes: dict[str, str], data: bytes = b"") -> Delivery:
    encoded = base64.b64encode(data).decode()
    return _published({"data": encoded, "attributes": attributes, "messageId": "1"})


def _finalized(**resource: Any) -> Delivery:
    return Delivery(STORAGE_FINALIZED, BUCKET_SOURCE, "1", resource)


def _well_formed(source: Upload | Message) -> None:
    """The input names a job id, labels and placement without raising."""
    assert is_job_id(job_id_for(source))
    assert labels.source_labels(source.as_source(), source.key)
    assert place(source, Settings())[0].job_id


def _reason(delivery: Delivery, read: Any) -> str:
    with pytest.raises(UnreadableEvent) as caught:
        read(delivery)
    return str(caught.value)


def test_message_with_no_data_is_a_rejected_empty_job() -> None:
    """A message without data reads as empty bytes, which the decoder refuses."""
    message = message_from_delivery(_published({"messageId": "1"}))

    document, found = check_job(message.data, REGION)

    assert message.data == b""
    assert document is None
    assert [(v.rule, v.message) for v in found] == [("json", "the job is empty")]


@pytest.mark.parametrize("data", ["!!!not base64!!!", "e30-_w==", 5, ["e30="]])
def test_message_data_that_is_not_base64_is_unreadable(data: object) -> None:
    """Garbage, URL-safe base64 and non-strings in data are unreadable events."""
    delivery = _published({"messageId": "1", "data": data})

    assert _reason(delivery, message_from_delivery) == (
        "the Pub/Sub message data is not base64"
    )


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (None, "the event's data is not a JSON object"),
        ([1, 2], "the event's data is not a JSON object"),
        ({"message": "hi"}, "the event's message is not a JSON object"),
        ({"message": {"data": "e30="}}, "the Pub/Sub message has no messageId"),
    ],
)
def test_message_event_missing_parts_is_unreadable(data: Any, reason: str) -> None:
    """A messagePublished event without a message or messageId is unreadable."""
    delivery = Delivery(PUBSUB_PUBLISHED, TOPIC_SOURCE, "1", data)

    assert _reason(delivery, message_from_delivery) == reason


@pytest.mark.parametrize("attributes", ["jobId=x", ["jobId"], 7, None])
def test_attributes_that_are_not_a_map_are_ignored(attributes: object) -> None:
    """Attributes that are not a map give no overrides; the message still reads."""
    message = message_from_delivery(
        _published({"messageId": "1", "data": "e30=", "attributes": attributes})
    )

    assert message.attributes == {}
    _well_formed(message)


def test_huge_attribute_value_is_a_rejection_not_a_crash() -> None:
    """A 100 kB jobId attribute is reported as an invalid id; the derived id is used."""
    attributes = {"jobId": "x" * 100_000, "nested": {"a": [1]}}
    message = message_from_delivery(
        _published({"messageId": "1", "data": "e30=", "attributes": attributes})
    )

    placement, found = place(message, Settings())

    assert placement.job_id.startswith("requests-")
    assert [v.rule for v in found] == ["schema"]


@pytest.mark.parametrize("subscription", [5, {"name": "s"}, ["s"], True])
def test_subscription_of_another_type_still_gives_a_well_formed_message(
    subscription: object,
) -> None:
    """A non-string subscription does not break the labels that record the source."""
    message = message_from_delivery(
        _published({"messageId": "1", "data": "e30="}, subscription=subscription)
    )

    assert message.subscription is None or isinstance(message.subscription, str)
    _well_formed(message)


@pytest.mark.parametrize(
    "generation", ["1700000000000002", 1700000000000002, "1", 9_223_372_036_854_775_807]
)
def test_generation_as_string_or_number_reads_the_same(generation: object) -> None:
    """A generation may arrive as a string or a number; both are kept as digits."""
    upload = upload_from_delivery(
        _finalized(bucket="requests", name="jobs/a.json", generation=generation)
    )

    assert upload is not None
    assert upload.generation == str(generation)
    _well_formed(upload)


@pytest.mark.parametrize(
    "generation",
    ["-1", "0", True, 1.5, "1e3", " 12 ", "١٢", 2**64, "9" * 5000, [1], {"a": 1}, None],
)
def test_garbage_generation_is_unreadable(generation: object) -> None:
    """Only a positive int64 names a generation; anything else is not read at all."""
    delivery = _finalized(bucket="requests", name="jobs/a.json", generation=generation)

    assert _reason(delivery, upload_from_delivery) == (
        "the object event lacks bucket, name or generation"
    )


@pytest.mark.parametrize(
    "resource",
    [
        {"name": "jobs/a.json", "generation": "1"},
        {"bucket": "requests", "generation": "1"},
        {"bucket": "", "name": "jobs/a.json", "generation": "1"},
    ],
)
def test_storage_event_missing_fields_is_unreadable(resource: dict[str, Any]) -> None:
    """Without a bucket or a name there is no object to read."""
    assert _reason(_finalized(**resource), upload_from_delivery) == (
        "the object event lacks bucket, name or generation"
    )


def test_name_that_is_not_unicode_text_is_unreadable() -> None:
    """A lone surrogate (JSON escape \\ud800) cannot be a Cloud Storage object name."""
    delivery = _finalized(bucket="requests", name="jobs/\ud800.json", generation="1")

    assert _reason(delivery, upload_from_delivery) == (
        "the object event's bucket or name is not Unicode text"
    )


def test_storage_event_with_garbage_size_and_metadata_still_reads() -> None:
    """Size and metadata are optional: unreadable ones are dropped, not fatal."""
    upload = upload_from_delivery(
        _finalized(
            bucket="requests",
            name="jobs/a.json",
            generation="3",
            size="lots",
            metadata=[1],
        )
    )

    assert upload == Upload("requests", "jobs/a.json", "3")


@pytest.mark.parametrize(
    "event_type", ["OBJECT_DELETE", "OBJECT_ARCHIVE", "OBJECT_METADATA_UPDATE", None]
)
def test_notification_other_than_finalize_is_skipped(event_type: str | None) -> None:
    """Deletes, archives, metadata updates and untyped notifications are skipped."""
    attributes = {**FINALIZE, "eventType": event_type or ""}

    assert upload_from_delivery(_notification(attributes)) is None


def test_overwriting_upload_is_a_new_input_at_its_own_generation() -> None:
    """An overwrite notification names the new generation, so it is a new job."""
    first = upload_from_delivery(_notification(FINALIZE))
    second = upload_from_delivery(
        _notification(
            {
                **FINALIZE,
                "objectGeneration": "1700000000000003",
                "overwroteGeneration": "1700000000000002",
            }
        )
    )

    assert first is not None
    assert second is not None
    assert second.generation == "1700000000000003"
    assert job_id_for(second) != job_id_for(first)


@pytest.mark.parametrize(
    "data",
    [b"[" * 100_000, b"\xff\xfe", b"[1]", b'"text"', b"1" * 5000],
    ids=["deep", "not-utf8", "list", "string", "long-number"],
)
def test_notification_with_hostile_data_reads_the_attributes(data: bytes) -> None:
    """Deep, non-UTF-8 or non-object data in a notification falls back to attributes."""
    upload = upload_from_delivery(_notification(FINALIZE, data))

    assert upload == Upload("requests", "jobs/a.json", "1700000000000002")


@pytest.mark.parametrize(
    "event_type",
    ["google.cloud.storage.object.v1.deleted", "google.cloud.audit.log.v1.written", ""],
)
def test_unexpected_event_type_is_unreadable(event_type: str) -> None:
    """A function wired to the wrong trigger refuses the event by type."""
    delivery = Delivery(event_type, BUCKET_SOURCE, "1", {})

    assert _reason(delivery, upload_from_delivery) == (
        f"event type {event_type!r} is neither {STORAGE_FINALIZED} nor "
        f"{PUBSUB_PUBLISHED}: check the function's trigger"
    )


json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
resource_fields = st.fixed_dictionaries(
    {},
    optional={
        "bucket": json_like,
        "name": json_like,
        "generation": json_like | st.from_regex(r"-?[0-9]{1,20}", fullmatch=True),
        "size": json_like,
        "metadata": json_like,
        "metageneration": json_like,
    },
)


@BOUNDED
@given(
    event_type=st.sampled_from([STORAGE_FINALIZED, PUBSUB_PUBLISHED]),
    data=json_like | resource_fields,
)
def test_any_upload_event_is_an_input_a_skip_or_unreadable(
    event_type: str, data: Any
) -> None:
    """Generated event data never raises anything but UnreadableEvent."""
    try:
        upload = upload_from_delivery(Delivery(event_type, BUCKET_SOURCE, "1", data))
    except UnreadableEvent:
        return

    if upload is not None:
        _well_formed(upload)


@BOUNDED
@given(
    message=st.dictionaries(
        st.sampled_from(["data", "attributes", "messageId", "message_id"]), json_like
    ),
    subscription=json_like,
    attributes=st.dictionaries(st.text(max_size=20), st.text(max_size=200)),
    body=st.binary(max_size=200),
)
def test_any_message_event_is_an_input_or_unreadable(
    message: dict[str, Any], subscription: Any, attributes: dict[str, str], body: bytes
) -> None:
    """Generated messages, raw or as notifications, read or raise UnreadableEvent."""
    encoded = {
        **message,
        "attributes": attributes,
        "data": base64.b64encode(body).decode(),
    }
    for candidate in (message, {**encoded, "messageId": "1"}):
        delivery = _published(candidate, subscription=subscription)
        try:
            read = message_from_delivery(delivery)
            upload = upload_from_delivery(delivery)
        except UnreadableEvent:
            continue

        _well_formed(read)
        if upload is not None:
            _well_formed(upload)
