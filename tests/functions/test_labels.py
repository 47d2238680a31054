"""Labels that record a job's source, within Batch's label rules."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from functions import labels
from functions.sources import Message, Upload

LABEL = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
VALUE = re.compile(r"^[a-z0-9_-]{0,63}$")


@given(
    bucket=st.from_regex(r"[a-z0-9][a-z0-9._-]{2,62}", fullmatch=True),
    name=st.text(min_size=1, max_size=400),
    generation=st.integers(0, 2**63),
)
def test_upload_labels_follow_batch_rules_and_round_trip(
    bucket: str, name: str, generation: int
) -> None:
    """Every label is valid for Batch, and decoding gives the source back.

    An object name too long for eight escaped label values is left out, as the
    README's known gaps say; the rest of the source still comes back.
    """
    upload = Upload(bucket, name, str(generation))
    expected = upload.as_source()
    if len(labels._encode(name)) > labels._VALUE_MAX * labels._MAX_PARTS:
        del expected["object"]

    found = labels.source_labels(upload.as_source(), upload.key)

    assert all(LABEL.fullmatch(key) and VALUE.fullmatch(v) for key, v in found.items())
    assert labels.source_from_labels(found) == expected


def test_message_labels_round_trip() -> None:
    """Topic, subscription and message id come back from a message's labels."""
    message = Message("123", b"", topic="projects/p/topics/T", subscription="s/x")

    found = labels.source_labels(message.as_source(), message.key)

    assert labels.source_from_labels(found) == message.as_source()


def test_a_name_too_long_for_the_labels_is_left_out() -> None:
    """Past eight labels' worth, the object name is dropped, the rest kept."""
    upload = Upload("b", "x" * 600, "7")

    found = labels.source_labels(upload.as_source(), upload.key)

    assert labels.source_from_labels(found) == {
        "kind": "gcs",
        "bucket": "b",
        "generation": "7",
    }


def test_jobs_without_our_labels_have_no_source() -> None:
    """A job the gateway did not submit is recognised as such."""
    assert labels.source_from_labels({"team": "x"}) is None


def test_reserved_prefix_and_label_count_are_violations() -> None:
    """A user label in our namespace, or too many labels, is reported in full."""
    user = {"gateway-key": "mine"} | {f"l{i}": "v" for i in range(61)}
    ours = {"gateway-source": "gcs", "gateway-key": "k", "gateway-bucket": "b"}

    found = labels.label_violations(user, ours)

    assert [(v.rule, v.path, v.message, v.hint) for v in found] == [
        (
            "schema",
            "/labels/gateway-key",
            "the label 'gateway-key' uses the prefix 'gateway-', which is reserved "
            "for the labels that tie a job to its source",
            "rename the label so it does not start with 'gateway-'",
        ),
        (
            "schema",
            "/labels",
            "the job has 62 labels; with the 3 the gateway adds that exceeds "
            "Batch's limit of 64",
            "keep at most 61 labels of your own",
        ),
    ]
