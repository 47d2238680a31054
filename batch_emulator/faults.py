"""Fault switches that reliability tests turn on; all off by default."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from batch_emulator.errors import ApiError, invalid_argument

CREATE_FAILURE_CODES = ("UNAVAILABLE", "RESOURCE_EXHAUSTED")
_KEYS = {"failCreates", "createLatencySeconds", "dropNotifications",
         "duplicateNotifications"}  # fmt: skip


@dataclass
class Faults:
    """Failures to inject: counters are consumed, one per affected request."""

    fail_creates: int = 0
    fail_creates_code: str = "UNAVAILABLE"
    create_latency_seconds: float = 0.0
    drop_notifications: int = 0
    duplicate_notifications: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def create_failure(self) -> ApiError | None:
        """Consume one injected create failure, if any is left."""
        with self._lock:
            if self.fail_creates <= 0:
                return None
            self.fail_creates -= 1
        return ApiError(
            self.fail_creates_code,
            f"Injected by the Batch emulator: {self.fail_creates_code}.",
        )

    def notification_copies(self) -> int:
        """Return how many copies of the next notification to publish (0, 1 or 2)."""
        with self._lock:
            if self.drop_notifications > 0:
                self.drop_notifications -= 1
                return 0
            if self.duplicate_notifications > 0:
                self.duplicate_notifications -= 1
                return 2
            return 1

    def update(self, settings: dict[str, Any]) -> None:
        """Apply the settings an admin request sent; unknown keys are refused."""
        unknown = sorted(set(settings) - _KEYS)
        if unknown:
            raise invalid_argument(
                f"Unknown fault setting(s) {unknown}; known: {sorted(_KEYS)}."
            )
        with self._lock:
            if "failCreates" in settings:
                self._set_fail_creates(settings["failCreates"])
            self.create_latency_seconds = _number(
                settings, "createLatencySeconds", self.create_latency_seconds
            )
            self.drop_notifications = int(
                _number(settings, "dropNotifications", self.drop_notifications)
            )
            self.duplicate_notifications = int(
                _number(
                    settings, "duplicateNotifications", self.duplicate_notifications
                )
            )

    def reset(self) -> None:
        """Turn every fault off."""
        self.update(Faults().to_json())

    def to_json(self) -> dict[str, Any]:
        """Return the settings in the admin endpoint's JSON shape."""
        return {
            "failCreates": {"count": self.fail_creates, "code": self.fail_creates_code},
            "createLatencySeconds": self.create_latency_seconds,
            "dropNotifications": self.drop_notifications,
            "duplicateNotifications": self.duplicate_notifications,
        }

    def _set_fail_creates(self, value: Any) -> None:
        if not isinstance(value, dict) or set(value) - {"count", "code"}:
            raise invalid_argument(
                'failCreates must look like {"count": N, "code": C}.'
            )
        code = value.get("code", "UNAVAILABLE")
        if code not in CREATE_FAILURE_CODES:
            raise invalid_argument(
                f"failCreates.code must be one of {list(CREATE_FAILURE_CODES)}, "
                f"not {code!r}."
            )
        self.fail_creates = int(_number(value, "count", 0))
        self.fail_creates_code = code


def _number(settings: dict[str, Any], key: str, default: float) -> float:
    value = settings.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise invalid_argument(f"{key} must be a number of at least 0, not {value!r}.")
    return float(value)
