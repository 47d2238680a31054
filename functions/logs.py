"""One JSON line per outcome, in the structured format Cloud Logging reads.

The entry points bind the request's trace and, once known, the job id and the
source; every line logged during that request carries them.
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
import re
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

LOGGER_NAME = "functions"
TRACE_KEY = "logging.googleapis.com/trace"
SPAN_KEY = "logging.googleapis.com/spanId"
LABELS_KEY = "logging.googleapis.com/labels"
_TRACEPARENT = re.compile(r"^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$")
_CLOUD_TRACE = re.compile(r"^([0-9a-fA-F]{32})(?:/(\d+))?")
# Holds the trace and labels of the request being handled; never mutated in place.
_context: contextvars.ContextVar[Mapping[str, Any]] = contextvars.ContextVar(
    "log_context", default=MappingProxyType({})
)

logger = logging.getLogger(LOGGER_NAME)


class JsonFormatter(logging.Formatter):
    """Format a record as one Cloud Logging structured JSON object."""

    def format(self, record: logging.LogRecord) -> str:
        """Return the record as a single line of JSON."""
        context = _context.get()
        entry: dict[str, Any] = {
            "severity": record.levelname,
            "message": record.getMessage(),
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "logger": record.name,
        }
        entry.update(context.get("trace", {}))
        labels = {**context.get("labels", {}), **getattr(record, "labels", {})}
        if labels:
            entry[LABELS_KEY] = labels
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["message"] += "\n" + self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure() -> None:
    """Send this package's log records to stdout as JSON lines, once per process.

    LOG_LEVEL=DEBUG also shows each retry; it is read here, not with the other
    settings, so that a setting that cannot be read is itself logged.
    """
    if any(isinstance(h.formatter, JsonFormatter) for h in logger.handlers):
        return
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter())
    logger.addHandler(handler)
    level = os.environ.get("LOG_LEVEL", "INFO").upper()
    logger.setLevel(level if level in logging.getLevelNamesMapping() else "INFO")
    logger.propagate = False


def trace_fields(headers: Mapping[str, str], project: str) -> dict[str, str]:
    """The trace keys for a request, from traceparent or X-Cloud-Trace-Context."""
    lowered = {key.lower(): value for key, value in headers.items()}
    match = _TRACEPARENT.match(lowered.get("traceparent", "").strip())
    if match:
        trace, span = match.group(1), match.group(2)
    else:
        cloud = _CLOUD_TRACE.match(lowered.get("x-cloud-trace-context", "").strip())
        if not cloud:
            return {}
        # Cloud Trace's header gives the span in decimal; the log entry wants hex.
        span_number = cloud.group(2)
        trace = cloud.group(1).lower()
        span = f"{int(span_number):016x}" if span_number else None
    fields = {TRACE_KEY: f"projects/{project}/traces/{trace}"}
    if span:
        fields[SPAN_KEY] = span
    return fields


@contextmanager
def request_context(trace: Mapping[str, str], function: str) -> Iterator[None]:
    """Bind the trace and the function name to every line of this request."""
    token = _context.set({"trace": dict(trace), "labels": {"function": function}})
    try:
        yield
    finally:
        _context.reset(token)


def bind(**labels: str) -> None:
    """Add labels (job_id, source) to every later line of this request."""
    context = _context.get()
    merged = {**context.get("labels", {}), **labels}
    _context.set({**context, "labels": merged})


def outcome(message: str, level: int = logging.INFO, **fields: Any) -> None:
    """Log the one line that says how a delivery ended."""
    logger.log(level, message, extra={"fields": fields})
