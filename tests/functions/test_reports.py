"""Status reports: where they live and how submit and relay updates merge."""

from __future__ import annotations

from datetime import UTC, datetime

from functions.config import Settings
from functions.reports import (
    final_report,
    merge_reports,
    rejected_report,
    report_name,
    submitted_report,
)
from functions.sources import Upload
from functions.violations import Violation

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
UPLOAD = Upload("b", "jobs/team/a.json", "5")
JOB_NAME = "projects/p/locations/us-central1/jobs/a-1"
ENDED = {"jobId": "a-1", "jobName": JOB_NAME, "state": "SUCCEEDED", "runDuration": "3s"}


def test_report_mirrors_the_request_name_under_the_status_prefix() -> None:
    """jobs/team/a.json reports at status/team/a.json."""
    assert report_name(UPLOAD.name, Settings()) == "status/team/a.json"


def test_submitted_then_final_state() -> None:
    """A submitted report gains the final state when the relay learns it."""
    submitted = submitted_report(UPLOAD, JOB_NAME, NOW)

    merged = merge_reports(submitted, final_report(UPLOAD.as_source(), ENDED, NOW))

    assert merged == {
        "request": {"bucket": "b", "object": "jobs/team/a.json", "generation": "5"},
        "verdict": "submitted",
        "jobId": "a-1",
        "jobName": JOB_NAME,
        "finalState": "SUCCEEDED",
        "runDuration": "3s",
        "taskCounts": {},
        "updateTime": "2026-01-02T03:04:05Z",
        "summary": "Batch job a-1 ended SUCCEEDED.",
    }


def test_a_final_state_survives_a_later_submitted_update() -> None:
    """When the relay wins the race, submit's report does not erase the end."""
    ended = merge_reports(None, final_report(UPLOAD.as_source(), ENDED, NOW))

    merged = merge_reports(ended, submitted_report(UPLOAD, JOB_NAME, NOW))

    assert merged["verdict"] == "submitted"
    assert merged["finalState"] == "SUCCEEDED"
    assert merged["summary"] == "Batch job a-1 ended SUCCEEDED."


def test_a_final_state_is_never_replaced() -> None:
    """A second, different final state (a stale notification) changes nothing."""
    ended = merge_reports(None, final_report(UPLOAD.as_source(), ENDED, NOW))
    other = final_report(UPLOAD.as_source(), {**ENDED, "state": "FAILED"}, NOW)

    assert merge_reports(ended, other)["finalState"] == "SUCCEEDED"


def test_an_older_generation_never_overwrites_a_newer_report() -> None:
    """The report belongs to the newest upload of the object."""
    newer = submitted_report(Upload("b", UPLOAD.name, "6"), JOB_NAME, NOW)

    merged = merge_reports(newer, final_report(UPLOAD.as_source(), ENDED, NOW))

    assert merged == newer


def test_rejected_report_reads_as_a_sentence() -> None:
    """A person sees how many problems there are, and each one."""
    found = [Violation("json", "", "the bytes are not JSON", "save it as JSON")]

    report = rejected_report(UPLOAD, found, NOW)

    assert (
        report["summary"] == "The job request was rejected: 1 problem(s) listed below."
    )
    assert report["violations"] == [v.as_dict() for v in found]
