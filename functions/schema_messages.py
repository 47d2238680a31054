"""Turn JSON Schema errors into violations with our own words.

jsonschema's own messages echo instance values (a password among them) and
list every failed branch of an anyOf; these say what was found without the
value, and one thing per problem. The schema tags each subschema that needs a
particular message with `x-check`, and each streaming rule with `x-rule`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from jsonschema.exceptions import ValidationError

from functions.pointers import child, pointer, snake
from functions.violations import SCHEMA, Violation

STREAMING_FIELDS: Final = "imageUri, commands, entrypoint and volumes"
AR_FORMAT: Final = (
    "LOCATION-docker.pkg.dev/PROJECT/REPOSITORY/IMAGE[:TAG|@sha256:DIGEST]"
)
_PLACEHOLDER = re.compile(r"\$\{[^}]*\}")
_MAX_ECHO = 60


@dataclass(frozen=True)
class Finding:
    """A violation, plus what lets a later step drop a reworded duplicate."""

    violation: Violation
    wants: frozenset[str] = frozenset()  # fields a "missing field" finding asks for
    suggests: str | None = None  # the field an unknown field probably meant


def findings(error: ValidationError) -> list[Finding]:
    """Return the findings one jsonschema error stands for."""
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    check = schema.get("x-check")
    if error.validator == "additionalProperties":
        return _unknown_fields(error, schema)
    if check == "oneof-many" and not isinstance(error.instance, Mapping):
        # "required" holds for any non-object, so "not required" fails; the
        # instance's type error already reports it.
        return []
    if check in _CHECKS and error.validator != "type":
        return [_CHECKS[check](error, schema)]
    return [_wrong_value(error, schema)]


def _found(rule: str, error: ValidationError, message: str, hint: str) -> Finding:
    """Return a finding at the error's path."""
    path = pointer(error.absolute_path)
    return Finding(Violation(rule=rule, path=path, message=message, hint=hint))


def quoted(text: str) -> str:
    """Quote a value from the job for a message, cut short when long."""
    if len(text) > _MAX_ECHO:
        text = text[: _MAX_ECHO - 3] + "..."
    return repr(text)


def spelt(instance: object, name: str) -> str:
    """Return name as the object spells its fields (snake_case if it uses it)."""
    if isinstance(instance, Mapping) and any("_" in key for key in instance):
        return snake(name)
    return name


def _subject(error: ValidationError) -> str:
    """Name the value at the error's path: 'taskCount', item 2 of 'commands'."""
    path = list(error.absolute_path)
    if not path:
        return "the job"
    if isinstance(path[-1], int):
        owner = f" of {path[-2]!r}" if len(path) > 1 else ""
        return f"item {path[-1]}{owner}"
    return repr(path[-1])


def _kind_of(instance: object) -> str:
    """Describe a JSON value's type without its content."""
    if isinstance(instance, bool):
        return "true or false"
    if isinstance(instance, int | float):
        return "a number"
    if isinstance(instance, str):
        return "a string"
    if isinstance(instance, list):
        return "a list"
    if isinstance(instance, Mapping):
        return "an object"
    return "null"


# x-kind -> (what the value must be, how to write it)
_KINDS: Final = {
    "string": ("a string", "write it as a JSON string in double quotes"),
    "boolean": ("true or false", "write true or false, without quotes"),
    "int64": ("a whole number", 'write a whole number such as 1, or "1"'),
    "int32": ("a whole number", 'write a whole number such as 1, or "1"'),
    "number": ("a number", "write a number such as 1.5"),
    "duration": ("a duration", 'write seconds with an s suffix, such as "3600s"'),
    "map": ("an object of names to values", 'write {"NAME": VALUE, ...}'),
    "list": ("a list", "write a list in brackets: [...]"),
}


def _wrong_value(error: ValidationError, schema: Mapping[str, Any]) -> Finding:
    """Say a value has the wrong type, range or spelling, never echoing it."""
    kind = schema.get("x-kind", "object")
    if kind == "enum":
        return _bad_enum(error, schema)
    expected, hint = _KINDS.get(kind, ("an object", "write an object in braces: {...}"))
    found = _kind_of(error.instance)
    if error.validator == "pattern":
        found = f"a string that is not {expected}"
    elif error.validator in ("minimum", "maximum"):
        found = f"a number outside the {kind} range"
    elif isinstance(error.instance, float) and kind in ("int64", "int32"):
        found = "a number with a fraction"
    message = f"{_subject(error)} must be {expected}, found {found}"
    return _found(SCHEMA, error, message, hint)


def _bad_enum(error: ValidationError, schema: Mapping[str, Any]) -> Finding:
    """Say an enum value is not one of the names, suggesting the closest."""
    names = [name for name in schema["enum"] if isinstance(name, str)]
    shown = [name for name in names if not name.endswith("_UNSPECIFIED")]
    value = error.instance
    found = quoted(value) if isinstance(value, str) else _kind_of(value)
    message = f"{_subject(error)} must be one of {', '.join(shown)}, found {found}"
    close = difflib.get_close_matches(str(value).upper(), shown, n=1)
    hint = f"did you mean {close[0]!r}?" if close else f"use one of {', '.join(shown)}"
    return _found(SCHEMA, error, message, hint)


def _accepted(schema: Mapping[str, Any]) -> list[str]:
    """Return the lowerCamelCase fields an object accepts, for a hint."""
    properties: Mapping[str, Mapping[str, Any]] = schema.get("properties", {})
    return [
        name
        for name, field in properties.items()
        if "_" not in name and "x-check" not in field
    ]


def _unknown_fields(error: ValidationError, schema: Mapping[str, Any]) -> list[Finding]:
    """Return one finding per unknown field, with the field it likely meant."""
    properties = list(schema.get("properties", {}))
    path = pointer(error.absolute_path)
    unknown = [key for key in error.instance if key not in properties]
    return [_unknown_field(path, key, properties, schema) for key in unknown]


def _unknown_field(
    path: str, key: str, properties: list[str], schema: Mapping[str, Any]
) -> Finding:
    """Return the finding for one unknown field."""
    owner = schema.get("title", "object")
    by_lower = {name.lower(): name for name in properties}
    close = difflib.get_close_matches(key.lower(), list(by_lower), n=1, cutoff=0.6)
    suggestion = by_lower[close[0]] if close else None
    if suggestion is not None:
        hint = f"did you mean {suggestion!r}?"
    else:
        hint = f"remove it; a {owner} takes {', '.join(_accepted(schema))}"
    message = f"unknown field {quoted(key)} in the {owner}"
    violation = Violation(
        rule=SCHEMA, path=child(path, key), message=message, hint=hint
    )
    return Finding(violation, suggests=suggestion)


def _output_only(error: ValidationError, schema: Mapping[str, Any]) -> Finding:
    """Say a field is one Batch sets, not the user."""
    name = _subject(error)
    message = f"{name} is an output-only field that Batch sets"
    return _found(SCHEMA, error, message, f"remove {name}; Batch fills it in")


def _both_spellings(error: ValidationError, schema: Mapping[str, Any]) -> Finding:
    """Say an object sets one field under both of its names."""
    camel = schema["x-field"]
    message = (
        f"the {schema['x-owner']} sets both {camel!r} and {snake(camel)!r}, "
        "two spellings of one field"
    )
    finding = _found(SCHEMA, error, message, "keep one of them")
    path = child(finding.violation.path, snake(camel))
    return Finding(Violation(SCHEMA, path, message, "keep one of them"))


_REQUIRED_HINTS: Final = {
    "taskGroups": "add {name} with exactly one task group",
    "taskSpec": "add {name} with the runnables each task runs",
    "runnables": "add {name} with at least one container or script runnable",
    "imageUri": "add {name} with the Artifact Registry image to stream",
}


def _required(error: ValidationError, schema: Mapping[str, Any]) -> Finding:
    """Say a required field is missing, in the spelling the object uses."""
    camel = schema["x-field"]
    name = repr(spelt(error.instance, camel))
    message = f"the {schema['x-owner']} has no {name}"
    hint = _REQUIRED_HINTS.get(camel, "add {name}").format(name=name)
    finding = _found(SCHEMA, error, message, hint)
    return Finding(finding.violation, wants=frozenset({camel, snake(camel)}))


def _choices(schema: Mapping[str, Any], joiner: str = "or") -> str:
    """Return the members of a oneof as 'a, b or c'."""
    members = [repr(name) for name in schema["x-oneof"]]
    return ", ".join(members[:-1]) + f" {joiner} {members[-1]}"


def _oneof_many(error: ValidationError, schema: Mapping[str, Any]) -> Finding:
    """Say an object sets more than one member of a proto oneof."""
    members = set(schema["x-oneof"]) | {snake(name) for name in schema["x-oneof"]}
    present = [repr(key) for key in error.instance if key in members]
    message = f"the {schema['x-owner']} sets {' and '.join(present)}"
    hint = f"keep only one of {_choices(schema)}"
    return _found(SCHEMA, error, message, hint)


def _oneof_none(error: ValidationError, schema: Mapping[str, Any]) -> Finding:
    """Say an object sets no member of a oneof that needs one."""
    if len(schema["x-oneof"]) == 2:
        none = f"neither {_choices(schema, 'nor')}"
    else:
        none = f"none of {_choices(schema)}"
    message = f"the {schema['x-owner']} sets {none}"
    hint = f"give the {schema['x-owner']} exactly one of {_choices(schema)}"
    finding = _found(SCHEMA, error, message, hint)
    wanted = {snake(name) for name in schema["x-oneof"]} | set(schema["x-oneof"])
    return Finding(finding.violation, wants=frozenset(wanted))


def _task_groups(error: ValidationError, schema: Mapping[str, Any]) -> Finding:
    """Say the job does not have exactly one task group."""
    if error.validator == "minItems":
        message = "the job has no task group"
        hint = "add one task group with the job's task spec"
    else:
        message = (
            f"the job has {len(error.instance)} task groups; Batch runs exactly one"
        )
        hint = "put all tasks in one task group, or submit one job per task group"
    return _found(SCHEMA, error, message, hint)


def _runnables(error: ValidationError, schema: Mapping[str, Any]) -> Finding:
    """Say a task spec has no runnables."""
    message = "the task spec has no runnables"
    hint = "add at least one container or script runnable"
    return _found(SCHEMA, error, message, hint)


def _label_count(error: ValidationError, schema: Mapping[str, Any]) -> Finding:
    """Say the job has more labels than Batch allows."""
    message = f"the job has {len(error.instance)} labels; Batch allows at most 64"
    return _found(SCHEMA, error, message, "remove labels until 64 or fewer remain")


def _label_reserved(error: ValidationError, schema: Mapping[str, Any]) -> Finding:
    """Say a label name uses a prefix Google reserves."""
    path = child(pointer(error.absolute_path), error.instance)
    message = f"the label name {quoted(error.instance)} starts with a reserved prefix"
    hint = "rename the label; names starting goog- or google- are Google's"
    return Finding(Violation(SCHEMA, path, message, hint))


def _label_name(error: ValidationError, schema: Mapping[str, Any]) -> Finding:
    """Say a label name breaks Google Cloud's label format."""
    path = child(pointer(error.absolute_path), error.instance)
    message = f"the label name {quoted(error.instance)} is not a valid label name"
    hint = (
        "label names are 1 to 63 lowercase letters, digits, _ or -, "
        "starting with a letter"
    )
    return Finding(Violation(SCHEMA, path, message, hint))


def _label_value(error: ValidationError, schema: Mapping[str, Any]) -> Finding:
    """Say a label value breaks Google Cloud's label format, without echoing it."""
    name = error.absolute_path[-1] if error.absolute_path else ""
    message = f"the value of label {quoted(str(name))} is not a valid label value"
    hint = "label values are at most 63 lowercase letters, digits, _ or -"
    return _found(SCHEMA, error, message, hint)


def _location_entry(error: ValidationError, schema: Mapping[str, Any]) -> Finding:
    """Say an allowedLocations entry is neither a region nor a zone."""
    message = (
        f"the allowed location {quoted(error.instance)} is neither "
        "regions/REGION nor zones/ZONE"
    )
    hint = "write it as regions/us-central1 or zones/us-central1-a"
    return _found(SCHEMA, error, message, hint)


def _artifact_registry(error: ValidationError, schema: Mapping[str, Any]) -> Finding:
    """Say an image is not in Artifact Registry, naming unsubstituted placeholders."""
    uri = error.instance
    placeholders = list(dict.fromkeys(_PLACEHOLDER.findall(uri)))
    if placeholders:
        names = ", ".join(placeholders)
        message = f"the image URI {quoted(uri)} still holds the placeholders {names}"
        hint = (
            f"the placeholders {names} were not substituted; replace them with "
            "real values, e.g. us-central1-docker.pkg.dev/my-project/images/debian"
        )
    else:
        message = f"the image {quoted(uri)} is not an Artifact Registry Docker image"
        hint = f"image streaming pulls only from Artifact Registry: use {AR_FORMAT}"
    return _found(error.schema["x-rule"], error, message, hint)


def _unsupported(error: ValidationError, schema: Mapping[str, Any]) -> Finding:
    """Say a streaming container sets a field Batch ignores (never its value)."""
    name = _subject(error)
    message = (
        f"the container sets {name}, which Batch ignores when it streams the image"
    )
    hint = f"remove {name}; a streaming container honours only {STREAMING_FIELDS}"
    return _found(schema["x-rule"], error, message, hint)


def _streaming_required(error: ValidationError, schema: Mapping[str, Any]) -> Finding:
    """Say a container runnable does not turn image streaming on."""
    name = spelt(error.instance, schema["x-field"])
    if error.instance.get(name, error.instance.get(snake(name))) is False:
        message = f"the container sets {name!r} to false"
    else:
        message = f"the container does not set {name!r}"
    hint = (
        f"set {name!r}: true; every container in the job must stream its image, "
        "since Batch does not mix streaming and plain Docker containers"
    )
    finding = _found(schema["x-rule"], error, message, hint)
    wanted = frozenset({schema["x-field"], snake(schema["x-field"])})
    return Finding(finding.violation, wants=wanted)


_Check = Callable[[ValidationError, Mapping[str, Any]], Finding]
_CHECKS: Final[dict[str, _Check]] = {
    "output-only": _output_only,
    "both-spellings": _both_spellings,
    "required": _required,
    "oneof-many": _oneof_many,
    "oneof-none": _oneof_none,
    "one-task-group": _task_groups,
    "some-runnable": _runnables,
    "label-count": _label_count,
    "label-reserved": _label_reserved,
    "label-name": _label_name,
    "label-value": _label_value,
    "location-entry": _location_entry,
    "artifact-registry": _artifact_registry,
    "unsupported-field": _unsupported,
    "streaming-required": _streaming_required,
}
