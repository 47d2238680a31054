"""Job ids and request ids derived from an input."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from functions.naming import is_job_id, job_id_for, request_id_for
from functions.sources import Message, Upload


def test_job_id_starts_from_the_file_name() -> None:
    """The job id is the file's stem, slugged, then a hash of the input."""
    job_id = job_id_for(Upload("b", "jobs/Image_Streaming Job.json", "12"))

    assert job_id.startswith("image-streaming-job-")
    assert len(job_id) == len("image-streaming-job-") + 10


def test_job_id_is_stable_and_tracks_the_generation() -> None:
    """Redeliveries share a job id; a new generation gets a new one."""
    first = Upload("b", "jobs/a.json", "1")

    assert job_id_for(first) == job_id_for(Upload("b", "jobs/a.json", "1"))
    assert job_id_for(first) != job_id_for(Upload("b", "jobs/a.json", "2"))


def test_message_job_id_starts_from_the_topic() -> None:
    """A message's job id is readable from its topic, or says message."""
    with_topic = Message("1", b"", topic="projects/p/topics/batch-requests")
    without = Message("1", b"")

    assert job_id_for(with_topic).startswith("batch-requests-")
    assert job_id_for(without).startswith("message-")


def test_file_name_starting_with_a_digit_gets_a_letter() -> None:
    """Batch ids must start with a letter."""
    assert job_id_for(Upload("b", "2024/07.json", "1")).startswith("job-07-")


def test_request_id_is_a_uuid_derived_from_the_input() -> None:
    """The same input gives the same requestId, a different one another."""
    upload = Upload("b", "a.json", "1")

    assert uuid.UUID(request_id_for(upload)).version == 5
    assert request_id_for(upload) == request_id_for(Upload("b", "a.json", "1"))
    assert request_id_for(upload) != request_id_for(Upload("b", "a.json", "2"))


@given(name=st.text(min_size=1, max_size=300), generation=st.integers(0, 2**63))
def test_job_id_is_always_valid_for_batch(name: str, generation: int) -> None:
    """Whatever the object is called, the derived id is one Batch accepts."""
    job_id = job_id_for(Upload("bucket", name, str(generation)))

    assert is_job_id(job_id), job_id
