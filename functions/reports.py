"""Status reports for uploads: what a person reads to learn what became of a file.

Pure. A report sits under STATUS_PREFIX at the upload's name. Submit writes the
verdict; the relay adds the final state. Either may arrive first, so updates
are merged: a final state, once recorded, is never replaced, and a report about
a newer generation of the object is never overwritten by an older one's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from functions.config import Settings
from functions.sources import Upload
from functions.violations import Violation

_VERDICT_KEYS = ("verdict", "jobId", "jobName", "violations")
_FINAL_KEYS = ("finalState", "runDuration", "taskCounts")


def report_name(object_name: str, settings: Settings) -> str:
    """Where the report for an upload lives: its name, moved under STATUS_PREFIX."""
    relative = object_name.removeprefix(settings.request_prefix)
    return settings.status_prefix + relative


def submitted_report(upload: Upload, job_name: str, now: datetime) -> dict[str, Any]:
    """The report for an upload that became a Batch job."""
    job_id = job_name.rpartition("/jobs/")[2]
    return _report(
        upload,
        now,
        verdict="submitted",
        jobId=job_id,
        jobName=job_name,
    )


def rejected_report(
    upload: Upload, found: Sequence[Violation], now: datetime
) -> dict[str, Any]:
    """The report for an upload that was refused, with every violation."""
    return _report(
        upload,
        now,
        verdict="rejected",
        violations=[violation.as_dict() for violation in found],
    )


def final_report(
    source: Mapping[str, str], event_data: Mapping[str, Any], now: datetime
) -> dict[str, Any]:
    """The report update the relay writes when a job ends."""
    upload = Upload(source["bucket"], source["object"], source["generation"])
    return _report(
        upload,
        now,
        jobId=event_data["jobId"],
        jobName=event_data["jobName"],
        finalState=event_data["state"],
        runDuration=event_data.get("runDuration"),
        taskCounts=event_data.get("taskCounts", {}),
    )


def merge_reports(
    existing: Mapping[str, Any] | None, update: Mapping[str, Any]
) -> dict[str, Any]:
    """Fold ``update`` into the stored report without losing what is settled."""
    if not existing or _generation(existing) < _generation(update):
        return _with_summary(dict(update))
    if _generation(existing) > _generation(update):
        return dict(existing)
    merged = {**existing, **update}
    if existing.get("finalState"):
        merged.update({key: existing.get(key) for key in _FINAL_KEYS})
    if existing.get("verdict") and not update.get("verdict"):
        merged.update({key: existing[key] for key in _VERDICT_KEYS if key in existing})
    return _with_summary(merged)


def _report(upload: Upload, now: datetime, **fields: Any) -> dict[str, Any]:
    report = {
        "request": {
            "bucket": upload.bucket,
            "object": upload.name,
            "generation": upload.generation,
        },
        **fields,
        "updateTime": now.isoformat().replace("+00:00", "Z"),
    }
    return _with_summary(report)


def _with_summary(report: dict[str, Any]) -> dict[str, Any]:
    report["summary"] = _summary(report)
    return report


def _summary(report: Mapping[str, Any]) -> str:
    """One sentence a person can read without knowing the fields."""
    job_id = report.get("jobId")
    if report.get("finalState"):
        return f"Batch job {job_id} ended {report['finalState']}."
    if report.get("verdict") == "rejected":
        count = len(report.get("violations", []))
        return f"The job request was rejected: {count} problem(s) listed below."
    return f"Submitted as Batch job {job_id}; waiting for it to end."


def _generation(report: Mapping[str, Any]) -> int:
    return int(report.get("request", {}).get("generation", 0))
