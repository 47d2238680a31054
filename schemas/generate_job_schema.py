"""Write schemas/job.schema.json from the Batch v1alpha message descriptors.

Run `python -m schemas.generate_job_schema` from the repository root after
upgrading google-cloud-batch; a test fails while the committed schema is stale.
The descriptors give every field in both spellings; this script adds what they
cannot say (output-only and required fields, Batch's limits) and the
image-streaming rules, each subschema tagged with its rule id in `x-rule`.
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path
from typing import Any, Final

from functions.images import schema_pattern
from functions.violations import (
    ARTIFACT_REGISTRY,
    STREAMING_REQUIRED,
    UNSUPPORTED_FIELD,
)

with warnings.catch_warnings():
    # google-api-core warns about Python versions at import time.
    warnings.simplefilter("ignore", FutureWarning)
    from google.cloud import batch_v1alpha
    from google.protobuf.descriptor import Descriptor, FieldDescriptor

Schema = dict[str, Any]

OUTPUT = Path(__file__).with_name("job.schema.json")
PACKAGE: Final = "google.cloud.batch.v1alpha."

# Field behaviours are stripped from the compiled descriptors; these come from
# the v1alpha REST reference.
OUTPUT_ONLY: Final = {
    "Job": {"name", "uid", "status", "create_time", "update_time"},
    "TaskGroup": {"name"},
}
REQUIRED: Final = {
    "Job": ["task_groups"],
    "TaskGroup": ["task_spec"],
    "TaskSpec": ["runnables"],
    "Runnable.Container": ["image_uri"],
}
# Proto oneofs where Batch needs a member set, not merely at most one.
EXACTLY_ONE: Final = {("Runnable", "executable"), ("Runnable.Script", "command")}

# With image streaming on, Batch honours only these container fields.
STREAMING_FIELDS: Final = {
    "image_uri",
    "commands",
    "entrypoint",
    "volumes",
    "enable_image_streaming",
}

# Names too generic to stand alone in a message.
TITLES: Final = {"JobNotification.Message": "notification message"}

INT64_RANGE: Final = (-(2**63), 2**63 - 1)
INT32_RANGE: Final = (-(2**31), 2**31 - 1)
LOCATION_ENTRY: Final = (
    r"^(regions/[a-z]+(-[a-z]+)+[0-9]+|zones/[a-z]+(-[a-z]+)+[0-9]+-[a-z])$"
)
RESERVED_LABEL: Final = "^goog(le)?-"
MAX_JOB_LABELS: Final = 64
# Google Cloud's label format, ASCII only (Google also allows lowercase
# international letters; a job using them is refused here).
LABEL_NAME: Final = "^[a-z][a-z0-9_-]{0,62}$"
LABEL_VALUE: Final = "^[a-z0-9_-]{0,63}$"


def short_name(message: Descriptor) -> str:
    """Return a message's name inside the package, e.g. Runnable.Container."""
    return str(message.full_name).removeprefix(PACKAGE)


def title(message: Descriptor) -> str:
    """Return the words messages use for a message, e.g. instance policy."""
    name = short_name(message)
    if name in TITLES:
        return TITLES[name]
    words = re.findall(r"[A-Z]+(?![a-z])|[A-Z][a-z]*", str(message.name))
    return " ".join(word if word.isupper() else word.lower() for word in words)


def spellings(field: FieldDescriptor) -> list[str]:
    """Return a field's lowerCamelCase and snake_case names (one if they agree)."""
    return list(dict.fromkeys([field.json_name, field.name]))


def has_field(field: FieldDescriptor) -> Schema:
    """Return a subschema true when the object sets field in either spelling."""
    names = spellings(field)
    if len(names) == 1:
        return {"required": names}
    return {"anyOf": [{"required": [name]} for name in names]}


def integer(kind: str, bounds: tuple[int, int]) -> Schema:
    """Return a proto integer: a JSON number or a decimal string."""
    digits = len(str(bounds[1]))
    return {
        "x-kind": kind,
        "type": ["integer", "string"],
        "pattern": f"^-?[0-9]{{1,{digits}}}$",
        "minimum": bounds[0],
        "maximum": bounds[1],
    }


def scalar(field: FieldDescriptor) -> Schema:
    """Return the schema of one value of a non-message field."""
    kind = field.type
    if kind == FieldDescriptor.TYPE_STRING:
        return {"x-kind": "string", "type": "string"}
    if kind == FieldDescriptor.TYPE_BOOL:
        return {"x-kind": "boolean", "type": "boolean"}
    if kind == FieldDescriptor.TYPE_INT64:
        return integer("int64", INT64_RANGE)
    if kind == FieldDescriptor.TYPE_INT32:
        return integer("int32", INT32_RANGE)
    if kind == FieldDescriptor.TYPE_DOUBLE:
        return {"x-kind": "number", "type": "number"}
    if kind == FieldDescriptor.TYPE_ENUM:
        values = field.enum_type.values
        return {
            "x-kind": "enum",
            "enum": [value.name for value in values]
            + [value.number for value in values],
        }
    raise NotImplementedError(f"{field.full_name}: proto type {kind}")


def value(field: FieldDescriptor, defs: dict[str, Schema]) -> Schema:
    """Return the schema of one value of field, adding message definitions."""
    if field.message_type is None:
        return scalar(field)
    name = short_name(field.message_type)
    if name == "google.protobuf.Duration":
        return {
            "x-kind": "duration",
            "type": "string",
            "pattern": r"^-?[0-9]{1,12}(\.[0-9]{1,9})?s$",
        }
    add_message(field.message_type, defs)
    return {"$ref": f"#/$defs/{name}"}


def field_schema(field: FieldDescriptor, defs: dict[str, Schema]) -> Schema:
    """Return the schema of a field: a value, a list of values, or a map."""
    message = field.message_type
    if message is not None and message.GetOptions().map_entry:
        entry = message.fields_by_name["value"]
        return {
            "x-kind": "map",
            "type": "object",
            "additionalProperties": value(entry, defs),
        }
    if field.is_repeated:
        return {"x-kind": "list", "type": "array", "items": value(field, defs)}
    return value(field, defs)


def oneof_checks(message: Descriptor) -> list[Schema]:
    """Return the at-most-one (and exactly-one) checks of the message's oneofs."""
    checks = []
    for oneof in message.oneofs:
        members = list(oneof.fields)
        if len(members) < 2:
            continue  # a proto3 `optional` field, not a real choice
        names = [member.json_name for member in members]
        # One flat list of required pairs (every spelling of every two members)
        # is far cheaper to evaluate than nested anyOf/allOf.
        pairs = [
            {"required": [first, second]}
            for index, one in enumerate(members)
            for other in members[index + 1 :]
            for first in spellings(one)
            for second in spellings(other)
        ]
        checks.append(
            {"x-check": "oneof-many", "x-oneof": names, "not": {"anyOf": pairs}}
        )
        if (short_name(message), oneof.name) in EXACTLY_ONE:
            members_set = [has_field(member) for member in members]
            checks.append(
                {"x-check": "oneof-none", "x-oneof": names, "anyOf": members_set}
            )
    return checks


def message_schema(message: Descriptor, defs: dict[str, Schema]) -> Schema:
    """Return the object schema of a message: its fields in both spellings."""
    name = short_name(message)
    output_only = OUTPUT_ONLY.get(name, set())
    properties: Schema = {}
    dependents: Schema = {}
    for field in message.fields:
        if field.name in output_only:
            schema: Schema = {"x-check": "output-only", "not": {}}
        else:
            schema = field_schema(field, defs)
        for spelling in spellings(field):
            properties[spelling] = schema
        if field.json_name != field.name:
            dependents[field.name] = {
                "x-check": "both-spellings",
                "x-field": field.json_name,
                "not": {"required": [field.json_name]},
            }
    checks = [
        {"x-check": "required", "x-field": message.fields_by_name[required].json_name}
        | has_field(message.fields_by_name[required])
        for required in REQUIRED.get(name, [])
    ]
    checks += oneof_checks(message)
    for check in [*checks, *dependents.values()]:
        check["x-owner"] = title(message)  # messages name the object at fault
    schema = {
        "title": title(message),
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
    }
    if dependents:
        schema["dependentSchemas"] = dependents
    if checks:
        schema["allOf"] = checks
    return schema


def add_message(message: Descriptor, defs: dict[str, Schema]) -> None:
    """Add the definitions of message and the messages it holds, once each."""
    name = short_name(message)
    if name not in defs:
        defs[name] = {}  # placeholder: stops recursion through cycles
        defs[name] = message_schema(message, defs)


def add_batch_limits(defs: dict[str, Schema]) -> None:
    """Add Batch's limits: one task group, some runnables, labels, locations."""
    job = defs["Job"]["properties"]
    job["taskGroups"] |= {"x-check": "one-task-group", "minItems": 1, "maxItems": 1}
    runnables = defs["TaskSpec"]["properties"]["runnables"]
    runnables |= {"x-check": "some-runnable", "minItems": 1}
    labels = job["labels"]
    labels |= {
        "x-check": "label-count",
        "maxProperties": MAX_JOB_LABELS,
        "propertyNames": {
            "allOf": [
                {"x-check": "label-reserved", "not": {"pattern": RESERVED_LABEL}},
                {"x-check": "label-name", "pattern": LABEL_NAME},
            ]
        },
    }
    labels["additionalProperties"] |= {"x-check": "label-value", "pattern": LABEL_VALUE}
    locations = defs["AllocationPolicy.LocationPolicy"]["properties"]
    locations["allowedLocations"]["items"]["allOf"] = [
        {"x-check": "location-entry", "pattern": LOCATION_ENTRY}
    ]


def add_streaming_rules(defs: dict[str, Schema]) -> None:
    """Add the image-streaming rules to the container runnable."""
    container = defs["Runnable.Container"]
    properties = container["properties"]
    properties["imageUri"]["allOf"] = [
        {
            "x-rule": ARTIFACT_REGISTRY,
            "x-check": ARTIFACT_REGISTRY,
            "pattern": schema_pattern(),
        }
    ]
    for field in batch_v1alpha.Runnable.Container.pb().DESCRIPTOR.fields:
        if field.name not in STREAMING_FIELDS:
            for spelling in spellings(field):
                properties[spelling] = {
                    "x-rule": UNSUPPORTED_FIELD,
                    "x-check": UNSUPPORTED_FIELD,
                    "not": {},
                }
    streaming = [
        {"required": [name], "properties": {name: {"const": True}}}
        for name in ("enableImageStreaming", "enable_image_streaming")
    ]
    container["allOf"].append(
        {
            "x-rule": STREAMING_REQUIRED,
            "x-check": STREAMING_REQUIRED,
            "x-owner": container["title"],
            "x-field": "enableImageStreaming",
            "anyOf": streaming,
        }
    )


def job_schema() -> Schema:
    """Return the whole job schema."""
    defs: dict[str, Schema] = {}
    add_message(batch_v1alpha.Job.pb().DESCRIPTOR, defs)
    add_batch_limits(defs)
    add_streaming_rules(defs)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Batch v1alpha job with image streaming",
        "description": (
            "A google.cloud.batch.v1alpha.Job as a user submits it, in proto JSON "
            "(lowerCamelCase or snake_case), restricted to Batch's image-streaming "
            "rules. Generated by schemas/generate_job_schema.py; x-rule names the "
            "rule a subschema enforces (schema when absent)."
        ),
        "$ref": "#/$defs/Job",
        "$defs": dict(sorted(defs.items())),
    }


def render() -> str:
    """Return the schema file's text."""
    return json.dumps(job_schema(), indent=2) + "\n"


def main() -> None:
    """Write the schema next to this script."""
    OUTPUT.write_text(render(), encoding="utf-8")


if __name__ == "__main__":
    main()
