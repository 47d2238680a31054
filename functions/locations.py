"""Where Batch runs and which Artifact Registry locations can serve it."""

from __future__ import annotations

import re
from typing import Final

# Artifact Registry multi-region -> the prefix of the regions it serves. Google
# does not publish the membership; this is the safe default from FACTS.md, kept
# in this one table so that a confirmed list changes one place.
MULTI_REGIONS: Final[dict[str, str]] = {
    "us": "us-",
    "europe": "europe-",
    "asia": "asia-",
}

_REGION = re.compile(r"[a-z]+(?:-[a-z]+)+[0-9]+")
_ZONE = re.compile(r"(?P<region>[a-z]+(?:-[a-z]+)+[0-9]+)-[a-z]")


def is_region(name: str) -> bool:
    """Return whether name is spelt like a Compute Engine region (us-central1)."""
    return _REGION.fullmatch(name) is not None


def region_of_zone(zone: str) -> str | None:
    """Return the region a zone such as us-central1-a lies in, or None."""
    match = _ZONE.fullmatch(zone)
    return match["region"] if match else None


def multi_region_of(region: str) -> str | None:
    """Return the Artifact Registry multi-region that contains region, if any."""
    for multi_region, prefix in MULTI_REGIONS.items():
        if region.startswith(prefix):
            return multi_region
    return None


def registry_serves(registry_location: str, region: str) -> bool:
    """Return whether a registry in registry_location can stream to region."""
    if registry_location == region:
        return True
    return multi_region_of(region) == registry_location
