"""JSON Pointers (RFC 6901) into a job as the user wrote it."""

from __future__ import annotations

from collections.abc import Iterable


def pointer(segments: Iterable[str | int]) -> str:
    """Return the JSON Pointer of a path of keys and list indexes."""
    return "".join(f"/{_escape(str(segment))}" for segment in segments)


def child(path: str, key: str | int) -> str:
    """Return the pointer of key inside the value at path."""
    return f"{path}/{_escape(str(key))}"


def parent(path: str) -> str:
    """Return the pointer of the value that holds the value at path."""
    return path.rpartition("/")[0]


def sort_key(path: str) -> tuple[tuple[int, int, str], ...]:
    """Order pointers by segment, list indexes numerically (2 before 10)."""
    segments = path.split("/")[1:]
    return tuple(
        (0, int(segment), "")
        if segment.isascii() and segment.isdigit()
        else (1, 0, segment)
        for segment in segments
    )


def _escape(segment: str) -> str:
    """Escape ~ and / as RFC 6901 asks."""
    return segment.replace("~", "~0").replace("/", "~1")
