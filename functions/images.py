"""Artifact Registry Docker image URIs, taken apart."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

# One path component of a Docker repository name (distribution spec grammar).
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"

# LOCATION-docker.pkg.dev/PROJECT/REPOSITORY/IMAGE[:TAG][@sha256:DIGEST]. The
# schema embeds this same text (without group names), so both agree.
IMAGE_URI_PATTERN: Final = (
    r"^(?P<location>[a-z][a-z0-9]*(?:-[a-z0-9]+)*)-docker\.pkg\.dev"
    r"/(?P<project>[a-z][a-z0-9-]{4,28}[a-z0-9])"
    r"/(?P<repository>[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?)"
    rf"/(?P<image>{_COMPONENT}(?:/{_COMPONENT})*)"
    r"(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?"
    r"(?:@(?P<digest>sha256:[0-9a-f]{64}))?$"
)

_IMAGE_URI = re.compile(IMAGE_URI_PATTERN)


@dataclass(frozen=True)
class ImageRef:
    """The parts of an Artifact Registry Docker image URI."""

    location: str
    project: str
    repository: str
    image: str
    tag: str | None
    digest: str | None

    @property
    def host(self) -> str:
        """Return the registry host name, e.g. us-docker.pkg.dev."""
        return f"{self.location}-docker.pkg.dev"

    @property
    def name(self) -> str:
        """Return the repository path the registry API uses: PROJECT/REPO/IMAGE."""
        return f"{self.project}/{self.repository}/{self.image}"

    @property
    def reference(self) -> str:
        """Return the digest, else the tag, else latest (what a pull resolves)."""
        return self.digest or self.tag or "latest"


def parse_image_uri(uri: str) -> ImageRef | None:
    """Return the parts of an Artifact Registry Docker image URI, or None."""
    match = _IMAGE_URI.fullmatch(uri)
    if match is None:
        return None
    return ImageRef(
        location=match["location"],
        project=match["project"],
        repository=match["repository"],
        image=match["image"],
        tag=match["tag"],
        digest=match["digest"],
    )


def schema_pattern() -> str:
    """Return IMAGE_URI_PATTERN as a portable JSON Schema (ECMA 262) pattern."""
    unnamed = re.sub(r"\(\?P<[a-z]+>", "(", IMAGE_URI_PATTERN)

    # Python's $ also matches before a final newline; the look-ahead stops that.
    return unnamed + "(?!\n)"
