"""JSON Pointers (RFC 6901) into a job as the user wrote it, and walks that make them.

The walks accept either spelling of a field (lowerCamelCase or snake_case) and
yield each value with the pointer to it as spelt, skipping anything of the
wrong shape: they serve the rules that run after, or beside, the schema.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping

Found = tuple[str, object]


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


def snake(name: str) -> str:
    """Return the snake_case spelling of a lowerCamelCase field name."""
    return re.sub(r"([A-Z])", lambda match: "_" + match[1].lower(), name)


def field(value: object, camel: str, path: str) -> Found | None:
    """Return (pointer, value) of a field in either spelling, or None."""
    if not isinstance(value, Mapping):
        return None
    for name in (camel, snake(camel)):
        if name in value:
            return child(path, name), value[name]
    return None


def items(found: Found | None) -> Iterator[Found]:
    """Yield (pointer, item) for each item of a list field."""
    if found is not None and isinstance(found[1], list):
        for index, item in enumerate(found[1]):
            yield child(found[0], index), item


def task_groups(job: Mapping[str, object]) -> Iterator[Found]:
    """Yield (pointer, task group) for each task group."""
    yield from items(field(job, "taskGroups", ""))


def containers(job: Mapping[str, object]) -> Iterator[Found]:
    """Yield (pointer, container) for every container runnable."""
    for group_path, group in task_groups(job):
        spec = field(group, "taskSpec", group_path)
        for path, runnable in items(spec and field(spec[1], "runnables", spec[0])):
            container = field(runnable, "container", path)
            if container is not None:
                yield container


def image_uris(job: Mapping[str, object]) -> Iterator[tuple[str, str]]:
    """Yield (pointer, imageUri) for every container that names an image."""
    for path, container in containers(job):
        uri = field(container, "imageUri", path)
        if uri is not None and isinstance(uri[1], str):
            yield uri[0], uri[1]
