"""A real registry (Debian's docker-registry) on loopback, with the test images pushed.

Two registries share one storage directory: an open one that takes the
pushes, and one with distribution's "silly" access controller, which answers
401 to any request without an Authorization header, so a refused read and a
token that is actually sent can both be seen for real.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from devstack import processes
from devstack.images import EMPTY_TAR_GZ, Pushed, Pusher, entry
from functions import preflight
from functions.registry import EMULATOR_HOST, Registry

_SILLY_AUTH = """\
auth:
  silly:
    realm: preflight-tests
    service: preflight-tests
"""


@dataclass(frozen=True)
class PushedImages:
    """The images pushed for the session, by what makes each one interesting."""

    good: Pushed
    oci: Pushed
    multi_arch: Pushed
    multi_arch_duplicate: Pushed
    duplicate_child: Pushed
    arm64_only: Pushed
    empty: Pushed
    zero_size: Pushed
    duplicate: Pushed
    schema1: Pushed


@pytest.fixture(scope="session")
def registry_storage(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return the throwaway storage directory both test registries serve."""
    return tmp_path_factory.mktemp("registry-storage")


@pytest.fixture(scope="session")
def registry_address(registry_storage: Path, service_logs: Path) -> Iterator[str]:
    """Run an open docker-registry with schema 1 enabled; yield its HOST:PORT."""
    with _docker_registry("docker-registry", registry_storage, service_logs) as host:
        yield host


@pytest.fixture(scope="session")
def locked_registry_address(
    registry_storage: Path, service_logs: Path
) -> Iterator[str]:
    """Run a docker-registry that wants an Authorization header; yield HOST:PORT."""
    with _docker_registry(
        "locked docker-registry", registry_storage, service_logs, _SILLY_AUTH
    ) as host:
        yield host


@pytest.fixture(scope="session")
def pushed(registry_address: str) -> PushedImages:
    """Push every test image through the registry API, once per session."""
    pusher = Pusher(f"http://{registry_address}")
    arm64 = pusher.platform_image(
        "multi", [EMPTY_TAR_GZ, b"arm64 only"], tag="arm64", architecture="arm64"
    )
    attestation = pusher.platform_image(
        "multi", [b'{"_type": "in-toto"}'], oci=True, tag="attestation"
    )
    amd64 = pusher.platform_image("multi", [b"amd64 a", b"amd64 b"], oci=True, tag="x")
    duplicate_child = pusher.platform_image(
        "multi-duplicate", [b"twice", b"twice"], tag="amd64"
    )
    return PushedImages(
        good=pusher.image("good", [b"layer one", b"layer two"]),
        oci=pusher.image("oci", [b"oci layer one", b"oci layer two"], oci=True),
        multi_arch=pusher.index(
            "multi",
            [
                entry(arm64, preflight.SCHEMA2, "linux/arm64"),
                _attestation(attestation),
                entry(amd64, preflight.OCI_MANIFEST, "linux/amd64"),
            ],
            preflight.OCI_INDEX,
        ),
        multi_arch_duplicate=pusher.index(
            "multi-duplicate",
            [entry(duplicate_child, preflight.SCHEMA2, "linux/amd64")],
            preflight.MANIFEST_LIST,
        ),
        duplicate_child=duplicate_child,
        arm64_only=_arm64_only(pusher),
        empty=pusher.image("empty", [b"first", EMPTY_TAR_GZ]),
        zero_size=pusher.image("zero-size", [b"", b"not empty"], oci=True),
        duplicate=pusher.image("duplicate", [b"same", b"other", b"same"]),
        schema1=pusher.schema1("old", [b"legacy layer"]),
    )


@pytest.fixture
def registry(registry_address: str) -> Registry:
    """Return a fresh client (empty cache) for the open registry, as the env sets it."""
    return Registry.from_environment({EMULATOR_HOST: registry_address})


def _arm64_only(pusher: Pusher) -> Pushed:
    arm64 = pusher.platform_image(
        "arm64-only", [b"arm64 layer"], tag="arm64", architecture="arm64"
    )
    attestation = pusher.platform_image(
        "arm64-only", [b'{"_type": "in-toto"}'], oci=True, tag="attestation"
    )
    return pusher.index(
        "arm64-only",
        [entry(arm64, preflight.SCHEMA2, "linux/arm64"), _attestation(attestation)],
        preflight.OCI_INDEX,
    )


def _attestation(pushed: Pushed) -> dict[str, object]:
    """An index entry shaped like the provenance attestation buildx adds."""
    return {
        **entry(pushed, preflight.OCI_MANIFEST, "unknown/unknown"),
        "annotations": {
            "vnd.docker.reference.digest": pushed.digest,
            "vnd.docker.reference.type": "attestation-manifest",
        },
    }


@contextmanager
def _docker_registry(
    name: str, storage: Path, log_dir: Path, extra_config: str = ""
) -> Iterator[str]:
    """Run ``docker-registry serve`` on a free port; yield HOST:PORT."""
    port = processes.free_port()
    with processes.docker_registry(
        port, log_dir, storage, extra_config, name=name
    ) as service:
        yield service.address
