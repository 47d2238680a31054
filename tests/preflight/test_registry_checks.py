"""Each preflight rule fires on its image in a real registry, and not on good ones."""

from __future__ import annotations

from devstack.images import uri
from functions.preflight import preflight_job
from functions.registry import Registry
from functions.violations import Violation
from tests.preflight.conftest import PushedImages

PATH = "/taskGroups/0/taskSpec/runnables/0/container/imageUri"
EMPTY_TAR_GZ = "sha256:a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4"
ZERO_BYTES = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
REBUILD_EMPTY = (
    "Rebuild the image so that every layer adds files (merge or drop build steps "
    "that change nothing), push it, and submit again."
)
REBUILD_DUPLICATE = (
    "Rebuild the image so that no layer repeats (a step that recreates an earlier "
    "layer's files exactly), push it, and submit again."
)
NOT_FOUND_HINT = (
    "Check the location, project, repository, image name and tag, and push the "
    "image before submitting the job."
)


def job(image_uri: str) -> dict[str, object]:
    """Return the seed's sample job, streaming ``image_uri``."""
    container = {
        "imageUri": image_uri,
        "commands": ["10m"],
        "entrypoint": "sleep",
        "enableImageStreaming": True,
    }
    return {"taskGroups": [{"taskSpec": {"runnables": [{"container": container}]}}]}


def test_good_schema2_image_passes(registry: Registry, pushed: PushedImages) -> None:
    """A schema 2 image with distinct, non-empty layers has no violations."""
    violations = preflight_job(job(pushed.good.uri), registry)

    assert violations == []


def test_good_oci_image_passes(registry: Registry, pushed: PushedImages) -> None:
    """An OCI image manifest with distinct, non-empty layers has no violations."""
    violations = preflight_job(job(pushed.oci.uri), registry)

    assert violations == []


def test_image_by_digest_passes(registry: Registry, pushed: PushedImages) -> None:
    """An image named by digest instead of tag is fetched and checked the same way."""
    by_digest = pushed.good.uri.replace(":v1", f"@{pushed.good.digest}")

    violations = preflight_job(job(by_digest), registry)

    assert violations == []


def test_index_is_followed_to_linux_amd64(
    registry: Registry, pushed: PushedImages
) -> None:
    """Only the index's linux/amd64 image counts, not the arm64 one's empty layer."""
    violations = preflight_job(job(pushed.multi_arch.uri), registry)

    assert violations == []


def test_manifest_list_child_is_checked(
    registry: Registry, pushed: PushedImages
) -> None:
    """A Docker manifest list whose linux/amd64 image repeats a layer is reported."""
    layer = pushed.duplicate_child.layers[0]

    violations = preflight_job(job(pushed.multi_arch_duplicate.uri), registry)

    assert violations == [
        Violation(
            rule="duplicate-layer",
            path=PATH,
            message=f"image {uri('multi-duplicate')} has the same layer {layer} more "
            "than once (layers[0], layers[1]); image streaming does not support "
            "duplicate layers",
            hint=REBUILD_DUPLICATE,
        )
    ]


def test_index_without_linux_amd64(registry: Registry, pushed: PushedImages) -> None:
    """An index with no linux/amd64 image names the platforms it does have."""
    violations = preflight_job(job(pushed.arm64_only.uri), registry)

    assert violations == [
        Violation(
            rule="image-not-found",
            path=PATH,
            message=f"image {uri('arm64-only')} has no linux/amd64 image, which "
            "Batch VMs run; its index lists: linux/arm64",
            hint="Build and push the image for linux/amd64 as well (for example "
            "docker buildx build --platform linux/amd64,...), and submit again.",
        )
    ]


def test_gzipped_empty_tar_layer(registry: Registry, pushed: PushedImages) -> None:
    """The gzipped empty tar as a layer is an empty-layer violation."""
    violations = preflight_job(job(pushed.empty.uri), registry)

    assert violations == [
        Violation(
            rule="empty-layer",
            path=PATH,
            message=f"image {uri('empty')} has an empty layer: layers[1] is "
            f"{EMPTY_TAR_GZ} (32 bytes); image streaming does not support empty "
            "layers",
            hint=REBUILD_EMPTY,
        )
    ]


def test_zero_size_layer(registry: Registry, pushed: PushedImages) -> None:
    """A layer of zero bytes is an empty-layer violation too."""
    violations = preflight_job(job(pushed.zero_size.uri), registry)

    assert violations == [
        Violation(
            rule="empty-layer",
            path=PATH,
            message=f"image {uri('zero-size')} has an empty layer: layers[0] is "
            f"{ZERO_BYTES} (0 bytes); image streaming does not support empty layers",
            hint=REBUILD_EMPTY,
        )
    ]


def test_duplicate_layer(registry: Registry, pushed: PushedImages) -> None:
    """The same layer digest twice is one duplicate-layer violation naming both."""
    layer = pushed.duplicate.layers[0]

    violations = preflight_job(job(pushed.duplicate.uri), registry)

    assert violations == [
        Violation(
            rule="duplicate-layer",
            path=PATH,
            message=f"image {uri('duplicate')} has the same layer {layer} more than "
            "once (layers[0], layers[2]); image streaming does not support "
            "duplicate layers",
            hint=REBUILD_DUPLICATE,
        )
    ]


def test_schema1_manifest(registry: Registry, pushed: PushedImages) -> None:
    """A signed schema 1 manifest is a manifest-schema1 violation."""
    violations = preflight_job(job(pushed.schema1.uri), registry)

    assert violations == [
        Violation(
            rule="manifest-schema1",
            path=PATH,
            message=f"image {uri('old')} has a Docker manifest V2 schema 1 "
            "(application/vnd.docker.distribution.manifest.v1+prettyjws), which "
            "image streaming does not support",
            hint="Push the image again with a current Docker or BuildKit, which "
            "writes a schema 2 or OCI manifest, and submit again.",
        )
    ]


def test_unknown_tag(registry: Registry, pushed: PushedImages) -> None:
    """A tag the repository does not have is image-not-found."""
    missing = uri("good", tag="no-such-tag")

    violations = preflight_job(job(missing), registry)

    assert violations == [
        Violation(
            rule="image-not-found",
            path=PATH,
            message=f"image {missing} was not found: the registry has no such "
            "repository, image or tag",
            hint=NOT_FOUND_HINT,
        )
    ]


def test_unknown_image(registry: Registry, pushed: PushedImages) -> None:
    """An image nobody pushed is image-not-found."""
    missing = uri("never-pushed")

    violations = preflight_job(job(missing), registry)

    assert violations == [
        Violation(
            rule="image-not-found",
            path=PATH,
            message=f"image {missing} was not found: the registry has no such "
            "repository, image or tag",
            hint=NOT_FOUND_HINT,
        )
    ]


def test_snake_case_job_reports_its_own_spelling(
    registry: Registry, pushed: PushedImages
) -> None:
    """The path points at the field as the job spelt it, here in proto field names."""
    container = {"image_uri": pushed.schema1.uri, "enable_image_streaming": True}
    document = {
        "task_groups": [{"task_spec": {"runnables": [{"container": container}]}}]
    }

    violations = preflight_job(document, registry)

    assert [(v.rule, v.path) for v in violations] == [
        ("manifest-schema1", "/task_groups/0/task_spec/runnables/0/container/image_uri")
    ]
