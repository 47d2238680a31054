"""Bytes to a job document, with a `json` violation for anything that is not one."""

from __future__ import annotations

import json
import math
from typing import Final, NoReturn

from functions.errors import RejectedInput
from functions.violations import JSON, SCHEMA, Violation

MAX_JOB_BYTES: Final = 1_000_000

_JSON_KINDS: Final = {
    list: "a list",
    str: "a string",
    int: "a number",
    float: "a number",
    bool: "true or false",
    type(None): "null",
}


def decode_job(data: bytes) -> dict[str, object]:
    """Return the job object in data; raise RejectedInput when it is not one."""
    if len(data) > MAX_JOB_BYTES:
        _reject(
            SCHEMA,
            f"the job is {len(data):,} bytes, over Batch's limit of "
            f"{MAX_JOB_BYTES:,} bytes for a job definition",
            "make the job smaller, for example by moving long scripts into files "
            "the job reads from Cloud Storage",
        )
    text = _utf8(data)
    if not text.strip():
        _reject(JSON, "the job is empty", "write one job as a JSON object: {...}")

    document = _parse(text)
    if not isinstance(document, dict):
        kind = _JSON_KINDS.get(type(document), "not an object")
        _reject(
            JSON,
            f"the job is {kind}, not a JSON object",
            "write one job as a JSON object: {...}; submit one job per document",
        )
    return document


def _utf8(data: bytes) -> str:
    """Decode UTF-8 (a leading byte order mark is dropped) or reject the bytes."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        _reject(
            JSON,
            f"the job is not UTF-8 text: byte 0x{data[exc.start]:02x} at offset "
            f"{exc.start} is not valid UTF-8",
            "save the file as UTF-8",
        )


def _parse(text: str) -> object:
    """Parse JSON strictly: no NaN or Infinity, no key given twice in one object."""
    try:
        return json.loads(
            text,
            parse_constant=_no_constant,
            parse_float=_finite_float,
            object_pairs_hook=_unique_keys,
        )
    except json.JSONDecodeError as exc:
        _reject(JSON, _syntax_message(exc), _syntax_hint(exc))
    except RecursionError:
        _reject(
            JSON,
            "the job is nested too deeply to read",
            "a Batch job is only a few levels deep; check for runaway brackets",
        )
    except _DuplicateKeyError as exc:
        _reject(
            JSON,
            f"the key {exc.key!r} appears twice in one object",
            "keep one of them; JSON readers silently drop all but the last",
        )
    except _NotANumberError as exc:
        _reject(
            JSON,
            f"the job is not valid JSON: {exc.literal} is not a JSON number",
            "write a finite number, or leave the field out",
        )
    except ValueError:
        # Numbers past a double's range, or longer than int()'s digit limit.
        _reject(
            JSON,
            "the job holds a number too large to read",
            "Batch numbers fit in 64 bits; check for a runaway number",
        )


class _DuplicateKeyError(ValueError):
    """A key given twice in one JSON object."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    """Build an object from pairs, refusing a key given twice."""
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKeyError(key)
            seen.add(key)
    return result


class _NotANumberError(ValueError):
    """NaN, Infinity or -Infinity, which are not JSON."""

    def __init__(self, literal: str) -> None:
        super().__init__(literal)
        self.literal = literal


def _no_constant(name: str) -> NoReturn:
    """Refuse NaN, Infinity and -Infinity, which Python reads but JSON lacks."""
    raise _NotANumberError(name)


def _finite_float(literal: str) -> float:
    """Read a JSON number with a fraction or exponent, refusing overflow (1e400)."""
    value = float(literal)
    if math.isinf(value):
        raise ValueError("number too large")
    return value


def _is_trailing_comma(exc: json.JSONDecodeError) -> bool:
    """Return whether the parser stopped at a closing bracket right after a comma."""
    before = exc.doc[: exc.pos].rstrip()
    after = exc.doc[exc.pos : exc.pos + 1]
    return before.endswith(",") and after in ("}", "]")


def _syntax_message(exc: json.JSONDecodeError) -> str:
    """Describe where and why the JSON parser stopped."""
    where = f"line {exc.lineno}, column {exc.colno}"
    if _is_trailing_comma(exc):
        bracket = exc.doc[exc.pos]
        return f"the job is not valid JSON: trailing comma before {bracket!r}, {where}"
    return f"the job is not valid JSON: {exc.msg[0].lower()}{exc.msg[1:]}, {where}"


def _syntax_hint(exc: json.JSONDecodeError) -> str:
    """Say how to fix the syntax error the parser reported."""
    if _is_trailing_comma(exc):
        return "remove the comma after the last item; JSON allows no trailing comma"
    return f"fix the JSON syntax at line {exc.lineno}, column {exc.colno}"


def _reject(rule: str, message: str, hint: str) -> NoReturn:
    """Raise RejectedInput with one violation about the whole document."""
    raise RejectedInput([Violation(rule=rule, path="", message=message, hint=hint)])
