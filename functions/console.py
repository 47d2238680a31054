"""Render events for a person reading a terminal; no I/O here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def event_kind(attributes: Mapping[str, str]) -> str:
    """Return the last part of the event's type: ``submitted``, ``rejected``, ..."""
    return attributes.get("ce-type", "").rsplit(".", 1)[-1]


def describe_event(attributes: Mapping[str, str], data: Mapping[str, Any]) -> str:
    """Return one headline line for an event, then one indented line per detail."""
    kind = event_kind(attributes)
    subject = attributes.get("ce-subject", "")
    lines = [f"{kind:<9} {subject}  (event {attributes.get('ce-id', '')[:16]})"]
    if kind == "rejected":
        lines += [
            f"    {v.get('path') or '/'}: {v.get('rule')} {v.get('message')}"
            for v in data.get("violations", [])
        ]
    if data.get("jobName"):
        lines.append(f"    job {data['jobName']}")
    source = data.get("source")
    if isinstance(source, Mapping) and source:
        where = ", ".join(f"{key}={value}" for key, value in sorted(source.items()))
        lines.append(f"    from {where}")
    counts = data.get("taskCounts")
    if isinstance(counts, Mapping) and counts:
        tasks = ", ".join(f"{count} {state}" for state, count in sorted(counts.items()))
        lines.append(f"    tasks {tasks}; ran {data.get('runDuration') or '0s'}")
    return "\n".join(lines)
