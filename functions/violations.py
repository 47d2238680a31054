"""The one shape every problem found in a job request is reported in."""

from __future__ import annotations

from dataclasses import dataclass

JSON = "json"
SCHEMA = "schema"
STREAMING_REQUIRED = "streaming-required"
ARTIFACT_REGISTRY = "artifact-registry"
UNSUPPORTED_FIELD = "unsupported-field"
REGION_MISMATCH = "region-mismatch"
MANIFEST_SCHEMA1 = "manifest-schema1"
EMPTY_LAYER = "empty-layer"
DUPLICATE_LAYER = "duplicate-layer"
IMAGE_NOT_FOUND = "image-not-found"
# An allow-list (ALLOWED_SERVICE_ACCOUNTS) refuses what no other rule covers.
NOT_ALLOWED = "not-allowed"


@dataclass(frozen=True)
class Violation:
    """A broken rule: which one, where (a JSON Pointer), what was found, the fix."""

    rule: str
    path: str
    message: str
    hint: str

    def as_dict(self) -> dict[str, str]:
        """Return the violation as the JSON object events and reports carry."""
        return {
            "rule": self.rule,
            "path": self.path,
            "message": self.message,
            "hint": self.hint,
        }
