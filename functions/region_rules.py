"""The `region-mismatch` rule, which needs the job's region and so no schema can hold.

The walk is defensive: it runs on documents the schema may have rejected, and
looks only where a well-formed job keeps images and allowed locations.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from functions.images import parse_image_uri
from functions.locations import (
    MULTI_REGIONS,
    multi_region_of,
    region_of_zone,
    registry_serves,
)
from functions.pointers import field, image_uris, items, task_groups
from functions.schema_messages import quoted
from functions.violations import REGION_MISMATCH, Violation


def region_violations(job: Mapping[str, object], region: str) -> list[Violation]:
    """Return where the job's images or allowed locations leave region."""
    found = [
        _image_violation(path, uri, region)
        for path, uri in image_uris(job)
        if not _serves(uri, region)
    ]
    found += [
        _location_violation(path, entry, region)
        for path, entry in _allowed_locations(job)
        if _entry_region(entry) not in (None, region)
    ]
    return found


def _allowed_locations(job: Mapping[str, object]) -> Iterator[tuple[str, str]]:
    """Yield (pointer, entry) for allowedLocations of the job and its task groups."""
    owners: list[tuple[str, object]] = [("", job), *task_groups(job)]
    for owner_path, owner in owners:
        policy = field(owner, "allocationPolicy", owner_path)
        location = policy and field(policy[1], "location", policy[0])
        allowed = location and field(location[1], "allowedLocations", location[0])
        for path, entry in items(allowed or None):
            if isinstance(entry, str):
                yield path, entry


def _serves(uri: str, region: str) -> bool:
    """Return whether the image's registry serves region (other URIs pass here)."""
    image = parse_image_uri(uri)
    return image is None or registry_serves(image.location, region)


def _entry_region(entry: str) -> str | None:
    """Return the region of regions/R or zones/R-x, or None if malformed."""
    kind, _, name = entry.partition("/")
    if kind == "regions":
        return name
    if kind == "zones":
        return region_of_zone(name)
    return None


def _where_images_may_live(region: str) -> str:
    """Return the registry locations that serve region, for a hint."""
    multi_region = multi_region_of(region)
    if multi_region is None:
        return f"{region} (no multi-region serves {region})"
    return f"{region} or the {multi_region} multi-region"


def _image_violation(path: str, uri: str, region: str) -> Violation:
    """Return the violation for an image whose registry does not serve region."""
    image = parse_image_uri(uri)
    assert image is not None  # only served-or-not-AR URIs are filtered out
    message = (
        f"the image's registry location {image.location!r} does not serve the "
        f"job's region {region!r}"
    )
    elsewhere = (
        f"a region in the {image.location} multi-region"
        if image.location in MULTI_REGIONS
        else image.location
    )
    hint = (
        f"use a repository in {_where_images_may_live(region)}, "
        f"or submit the job to {elsewhere}"
    )
    return Violation(REGION_MISMATCH, path, message, hint)


def _location_violation(path: str, entry: str, region: str) -> Violation:
    """Return the violation for an allowed location outside the job's region."""
    message = (
        f"the allowed location {quoted(entry)} is outside the job's region {region!r}"
    )
    hint = (
        f"list only regions/{region} or zones in it, such as zones/{region}-a, "
        "or submit the job to that location's region"
    )
    return Violation(REGION_MISMATCH, path, message, hint)
