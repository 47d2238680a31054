"""The subset of the AIP-160 list filter that the emulator understands.

Supported: terms ``FIELD = VALUE``, ``FIELD != VALUE`` and ``FIELD : VALUE``
joined by ``AND``, where FIELD is ``status.state``, ``name``, ``uid`` or
``labels.KEY``. Anything else is refused with INVALID_ARGUMENT rather than
silently matching everything.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from batch_emulator.errors import invalid_argument

Fields = Mapping[str, str]
Predicate = Callable[[Fields], bool]

_TERM = re.compile(
    r"""^\s*(?P<field>[A-Za-z_][\w.-]*)\s*(?P<op>!=|=|:)\s*
        (?:"(?P<quoted>[^"]*)"|(?P<bare>[^\s"]+))\s*$""",
    re.VERBOSE,
)
_AND = re.compile(r"\s+AND\s+")
_PLAIN_FIELDS = ("status.state", "name", "uid")


def parse(expression: str) -> Predicate:
    """Return a predicate over a job's filterable fields for a filter string."""
    if not expression.strip():
        return lambda fields: True
    if re.search(r"\s(OR|NOT)\s|[()]", expression):
        raise invalid_argument(
            f"Filter {expression!r}: the Batch emulator supports only terms "
            "joined by AND."
        )
    terms = [_term(text) for text in _AND.split(expression.strip())]
    return lambda fields: all(term(fields) for term in terms)


def _term(text: str) -> Predicate:
    match = _TERM.match(text)
    if match is None:
        raise invalid_argument(f"Filter term {text!r} is not FIELD=VALUE.")
    field, op = match["field"], match["op"]
    value = match["quoted"] if match["quoted"] is not None else match["bare"]
    if field not in _PLAIN_FIELDS and not field.startswith("labels."):
        raise invalid_argument(
            f"Filter field {field!r} is not supported by the Batch emulator; "
            "use status.state, name, uid or labels.KEY."
        )
    if op == "!=":
        return lambda fields: fields.get(field) != value
    if op == ":" and value == "*":
        return lambda fields: field in fields
    return lambda fields: fields.get(field) == value


def job_fields(name: str, uid: str, state: str, labels: Mapping[str, str]) -> Fields:
    """Return the values a filter can test for one job."""
    fields = {"name": name, "uid": uid, "status.state": state}
    fields.update({f"labels.{key}": value for key, value in labels.items()})
    return fields
