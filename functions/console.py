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
    job = data.get("job")
    if isinstance(job, Mapping):
        lines.append(f"    job {job.get('name', '')}")
    return "\n".join(lines)
