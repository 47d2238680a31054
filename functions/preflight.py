"""Registry preflight: what Batch image streaming refuses, read from the manifest.

The checks here are pure: they take a manifest the registry adapter fetched and
return violations. ``preflight_job`` walks a job for its streaming containers
and asks an injected ``ManifestSource`` (``functions.registry.Registry`` in
production) for each image, so this module never does I/O itself.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Protocol

from functions.images import ImageRef, parse_image_uri
from functions.pointers import containers, field
from functions.violations import (
    DUPLICATE_LAYER,
    EMPTY_LAYER,
    IMAGE_NOT_FOUND,
    MANIFEST_SCHEMA1,
    Violation,
)

SCHEMA1 = "application/vnd.docker.distribution.manifest.v1+json"
SCHEMA1_SIGNED = "application/vnd.docker.distribution.manifest.v1+prettyjws"
SCHEMA2 = "application/vnd.docker.distribution.manifest.v2+json"
MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"

IMAGE_MANIFESTS: Final = frozenset({SCHEMA2, OCI_MANIFEST})
INDEXES: Final = frozenset({MANIFEST_LIST, OCI_INDEX})
SCHEMA1_MANIFESTS: Final = frozenset({SCHEMA1, SCHEMA1_SIGNED})
ALL_MANIFESTS: Final = (*IMAGE_MANIFESTS, *INDEXES, *SCHEMA1_MANIFESTS)

# The gzipped empty tar that `docker build` writes for steps that add no files.
EMPTY_TAR_GZ = "sha256:a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4"

# Batch VMs are x86-64 Linux; an index is followed to this platform only.
BATCH_PLATFORM: Final = ("linux", "amd64")

READER_ROLE = "roles/artifactregistry.reader"
READ_PERMISSION = "artifactregistry.repositories.downloadArtifacts"


@dataclass(frozen=True)
class Manifest:
    """An image manifest as the registry served it: its type, digest and JSON."""

    media_type: str
    digest: str
    document: Mapping[str, object]


@dataclass(frozen=True)
class NotFound:
    """The registry has no such repository, image or tag."""


@dataclass(frozen=True)
class AccessDenied:
    """The registry refused to show the image to our credentials (401 or 403)."""

    status: int


@dataclass(frozen=True)
class NoPlatform:
    """An index without a linux/amd64 image; lists the platforms it has."""

    platforms: tuple[str, ...]


Lookup = Manifest | NotFound | AccessDenied | NoPlatform


class ManifestSource(Protocol):
    """Where manifests come from: the registry adapter, or anything shaped like it."""

    def image_manifest(self, image: ImageRef) -> Lookup:
        """Return the linux/amd64 image manifest of ``image``, or why there is none."""
        ...


def preflight_job(
    document: Mapping[str, object], registry: ManifestSource
) -> list[Violation]:
    """Check every streaming container's image in the registry; return violations."""
    violations: list[Violation] = []
    for path, uri in streaming_images(document):
        image = parse_image_uri(uri)
        if image is not None:
            violations += check_lookup(registry.image_manifest(image), uri, path)
    return violations


def streaming_images(document: Mapping[str, object]) -> Iterator[tuple[str, str]]:
    """Yield (JSON Pointer, imageUri) for each streaming container, as spelt."""
    for path, container in containers(document):
        flag = field(container, "enableImageStreaming", path)
        uri = field(container, "imageUri", path)
        if flag and flag[1] is True and uri and isinstance(uri[1], str):
            yield uri[0], uri[1]


def platform_manifest(index: Mapping[str, object]) -> str | NoPlatform:
    """Return the digest of an index's linux/amd64 image, skipping attestations."""
    platforms: list[str] = []
    for entry in _entries(index):
        platform = entry.get("platform")
        platform = platform if isinstance(platform, Mapping) else {}
        os_arch = (platform.get("os"), platform.get("architecture"))
        if os_arch == BATCH_PLATFORM and isinstance(entry.get("digest"), str):
            return str(entry["digest"])
        platforms.append("/".join(str(part) for part in os_arch))
    return NoPlatform(tuple(platforms))


def _entries(index: Mapping[str, object]) -> Iterator[Mapping[str, object]]:
    """Yield an index's image entries; attestations (buildx provenance) are not."""
    manifests = index.get("manifests")
    for entry in manifests if isinstance(manifests, list) else []:
        if not isinstance(entry, Mapping):
            continue
        annotations = entry.get("annotations")
        if isinstance(annotations, Mapping) and _ATTESTATION in annotations:
            continue
        yield entry


_ATTESTATION = "vnd.docker.reference.type"


def check_lookup(lookup: Lookup, uri: str, path: str) -> list[Violation]:
    """Turn one registry lookup into the violations it shows."""
    match lookup:
        case Manifest():
            return check_manifest(lookup, uri, path)
        case NotFound():
            return [_not_found(uri, path)]
        case AccessDenied():
            return [_access_denied(uri, path)]
        case NoPlatform(platforms):
            return [_no_platform(uri, path, platforms)]


def check_manifest(manifest: Manifest, uri: str, path: str) -> list[Violation]:
    """Return the violations of one image manifest (schema 1, empty, duplicate)."""
    if manifest.media_type in SCHEMA1_MANIFESTS:
        return [_schema1(uri, path, manifest.media_type)]
    if manifest.media_type not in IMAGE_MANIFESTS:
        return [_not_an_image(uri, path, manifest.media_type)]

    layers = _layers(manifest.document)
    return [
        *_empty_layers(layers, uri, path),
        *_duplicate_layers(layers, uri, path),
    ]


def _layers(document: Mapping[str, object]) -> list[tuple[str, object]]:
    """Return (digest, size) of each layer; a malformed entry keeps its place."""
    layers = document.get("layers")
    if not isinstance(layers, list):
        return []
    return [
        (str(layer.get("digest")), layer.get("size"))
        if isinstance(layer, Mapping)
        else ("", None)
        for layer in layers
    ]


def _empty_layers(
    layers: Sequence[tuple[str, object]], uri: str, path: str
) -> Iterator[Violation]:
    for index, (digest, size) in enumerate(layers):
        if digest == EMPTY_TAR_GZ or size == 0:
            yield Violation(
                rule=EMPTY_LAYER,
                path=path,
                message=f"image {uri} has an empty layer: layers[{index}] is "
                f"{digest} ({size} bytes); image streaming does not support "
                "empty layers",
                hint="Rebuild the image so that every layer adds files (merge or "
                "drop build steps that change nothing), push it, and submit again.",
            )


def _duplicate_layers(
    layers: Sequence[tuple[str, object]], uri: str, path: str
) -> Iterator[Violation]:
    positions: dict[str, list[int]] = {}
    for index, (digest, _) in enumerate(layers):
        positions.setdefault(digest, []).append(index)
    for digest, indexes in positions.items():
        if len(indexes) > 1:
            where = ", ".join(f"layers[{index}]" for index in indexes)
            yield Violation(
                rule=DUPLICATE_LAYER,
                path=path,
                message=f"image {uri} has the same layer {digest} more than once "
                f"({where}); image streaming does not support duplicate layers",
                hint="Rebuild the image so that no layer repeats (a step that "
                "recreates an earlier layer's files exactly), push it, and submit "
                "again.",
            )


def _schema1(uri: str, path: str, media_type: str) -> Violation:
    return Violation(
        rule=MANIFEST_SCHEMA1,
        path=path,
        message=f"image {uri} has a Docker manifest V2 schema 1 ({media_type}), "
        "which image streaming does not support",
        hint="Push the image again with a current Docker or BuildKit, which "
        "writes a schema 2 or OCI manifest, and submit again.",
    )


def _not_found(uri: str, path: str) -> Violation:
    return Violation(
        rule=IMAGE_NOT_FOUND,
        path=path,
        message=f"image {uri} was not found: the registry has no such "
        "repository, image or tag",
        hint="Check the location, project, repository, image name and tag, and "
        "push the image before submitting the job.",
    )


def _access_denied(uri: str, path: str) -> Violation:
    return Violation(
        rule=IMAGE_NOT_FOUND,
        path=path,
        message=f"image {uri} could not be read: the service account lacks "
        f"permission {READ_PERMISSION} on its repository",
        hint=f"Grant {READ_PERMISSION} (role {READER_ROLE}) on the repository to "
        "the service account that submits the job and to the job's own service "
        "account.",
    )


def _no_platform(uri: str, path: str, platforms: Sequence[str]) -> Violation:
    found = ", ".join(platforms) or "none"
    return Violation(
        rule=IMAGE_NOT_FOUND,
        path=path,
        message=f"image {uri} has no linux/amd64 image, which Batch VMs run; "
        f"its index lists: {found}",
        hint="Build and push the image for linux/amd64 as well (for example "
        "docker buildx build --platform linux/amd64,...), and submit again.",
    )


def _not_an_image(uri: str, path: str, media_type: str) -> Violation:
    return Violation(
        rule=IMAGE_NOT_FOUND,
        path=path,
        message=f"image {uri} is not a container image: the registry serves a "
        f"manifest of type {media_type}",
        hint="Point imageUri at a container image (Docker schema 2 or OCI).",
    )
