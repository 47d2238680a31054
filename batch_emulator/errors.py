"""Errors the emulator answers with, shaped as Google's JSON error bodies."""

from __future__ import annotations

from typing import Any

# The HTTP status Google's REST front end pairs with each canonical code.
HTTP_STATUS = {
    "INVALID_ARGUMENT": 400,
    "FAILED_PRECONDITION": 400,
    "NOT_FOUND": 404,
    "ALREADY_EXISTS": 409,
    "ABORTED": 409,
    "RESOURCE_EXHAUSTED": 429,
    "INTERNAL": 500,
    "UNIMPLEMENTED": 501,
    "UNAVAILABLE": 503,
    "DEADLINE_EXCEEDED": 504,
}


class ApiError(Exception):
    """A request the emulator refuses, with a canonical status and a message."""

    def __init__(self, status: str, message: str) -> None:
        if status not in HTTP_STATUS:
            raise ValueError(f"unknown status {status!r}; known: {sorted(HTTP_STATUS)}")
        super().__init__(message)
        self.status = status
        self.message = message

    @property
    def http_status(self) -> int:
        """Return the HTTP status code for this error."""
        return HTTP_STATUS[self.status]

    def body(self) -> dict[str, Any]:
        """Return the JSON error body Google APIs answer with."""
        return {
            "error": {
                "code": self.http_status,
                "message": self.message,
                "status": self.status,
            }
        }


def invalid_argument(message: str) -> ApiError:
    """Return an INVALID_ARGUMENT error."""
    return ApiError("INVALID_ARGUMENT", message)


def not_found(name: str) -> ApiError:
    """Return the NOT_FOUND error for a resource name."""
    return ApiError("NOT_FOUND", f"Resource not found: {name}")
