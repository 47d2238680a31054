"""Structured log lines: severity, labels and the request's trace."""

from __future__ import annotations

import json
import logging

from functions import logs

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"


def _format(message: str) -> dict[str, object]:
    record = logging.LogRecord(
        "functions", logging.INFO, __file__, 1, message, (), None
    )
    record.fields = {"verdict": "submitted"}
    return dict(json.loads(logs.JsonFormatter().format(record)))


def test_traceparent_gives_trace_and_span() -> None:
    """W3C traceparent names the trace in the project and the span."""
    headers = {"Traceparent": f"00-{TRACE}-00f067aa0ba902b7-01"}

    assert logs.trace_fields(headers, "p") == {
        "logging.googleapis.com/trace": f"projects/p/traces/{TRACE}",
        "logging.googleapis.com/spanId": "00f067aa0ba902b7",
    }


def test_cloud_trace_context_span_becomes_hex() -> None:
    """X-Cloud-Trace-Context gives the span in decimal; the entry wants hex."""
    headers = {"X-Cloud-Trace-Context": f"{TRACE}/255;o=1"}

    assert logs.trace_fields(headers, "p") == {
        "logging.googleapis.com/trace": f"projects/p/traces/{TRACE}",
        "logging.googleapis.com/spanId": "00000000000000ff",
    }


def test_no_trace_headers_no_trace() -> None:
    """Without headers the line has no trace keys."""
    assert logs.trace_fields({"Accept": "*/*"}, "p") == {}


def test_a_line_carries_bound_labels_and_trace() -> None:
    """Within a request, every line has the function, job id, source and trace."""
    trace = {"logging.googleapis.com/trace": "projects/p/traces/abc"}

    with logs.request_context(trace, "submit_from_gcs"):
        logs.bind(job_id="a-1", source="gs://b/a.json#1")
        line = _format("submitted")
    outside = _format("later")

    assert line == {
        "severity": "INFO",
        "message": "submitted",
        "time": line["time"],
        "logger": "functions",
        "logging.googleapis.com/trace": "projects/p/traces/abc",
        "logging.googleapis.com/labels": {
            "function": "submit_from_gcs",
            "job_id": "a-1",
            "source": "gs://b/a.json#1",
        },
        "verdict": "submitted",
    }
    assert "logging.googleapis.com/labels" not in outside
