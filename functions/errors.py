"""Failures, split by what happens next.

- ``RejectedInput``: the request itself is wrong; reject it and never retry.
- ``TransientError``: an upstream service may recover; raise so the platform
  redelivers.
- ``ConfigurationError``: our side is misconfigured (permission, missing topic);
  a person must act, and the delivery fails until they do.
"""

from __future__ import annotations

from collections.abc import Sequence

from functions.violations import Violation


class GatewayError(Exception):
    """Base of every error this package raises on purpose."""


class RejectedInput(GatewayError):
    """The input can never succeed as it is; carries every violation found."""

    def __init__(self, violations: Sequence[Violation]) -> None:
        super().__init__(f"{len(violations)} violation(s)")
        self.violations = list(violations)


class TransientError(GatewayError):
    """An upstream failure worth retrying later."""


class ConfigurationError(GatewayError):
    """A failure only an operator can fix; the message says what to change."""
