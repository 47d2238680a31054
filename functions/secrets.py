"""Keep the secrets a job carries out of every message we write.

Pure. Batch's own error messages may quote the job back, so before a message
from Batch reaches an event, a report or a log line, every secret value the
job holds is replaced.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

REDACTED = "[redacted]"
_SECRET_KEY = re.compile(r"password|secret|token|credential", re.IGNORECASE)
# Maps whose every value is secret, whatever the key is called.
_SECRET_MAPS = {
    "secretVariables",
    "secret_variables",
    "encryptedVariables",
    "encrypted_variables",
}


def secret_values(document: Any) -> set[str]:
    """Every string in ``document`` held under a key that names a secret."""
    return {value for value in _walk(document, secret=False) if value}


def scrub(text: str, document: Any) -> str:
    """``text`` with each of the document's secret values replaced."""
    for value in sorted(secret_values(document), key=len, reverse=True):
        text = text.replace(value, REDACTED)
    return text


def _walk(node: Any, *, secret: bool) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            inner = secret or key in _SECRET_MAPS or bool(_SECRET_KEY.search(key))
            yield from _walk(value, secret=inner)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item, secret=secret)
    elif secret and isinstance(node, str):
        yield node
