"""Push test images into a registry through the distribution API: blobs, then manifests.

No Docker is involved: each image is a config blob, some layer blobs and a
manifest document, built here byte by byte. The registry preflight tests push
their odd images with it, and the local stack pushes the demo's image.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from dataclasses import dataclass, field

import requests

from functions import preflight

PROJECT = "local-project"
REPOSITORY = "images"
HOST = "us-central1-docker.pkg.dev"

# docker build's gzipped empty tar (1024 zero bytes, compressed by Go's gzip);
# Python's gzip writes other bytes, so the 32 bytes are spelt out.
EMPTY_TAR_GZ = bytes.fromhex(
    "1f8b080000096e8800ff621805a360148c5800080000ffff2eafb5ef00040000"
)

LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"


DEMO_IMAGE = "debian"
DEMO_TAGS = ("bookworm", "latest")


def uri(image: str, tag: str = "v1") -> str:
    """Return the Artifact Registry URI of an image, as a job would name it."""
    return f"{HOST}/{PROJECT}/{REPOSITORY}/{image}:{tag}"


class PushFailed(RuntimeError):
    """The registry refused a manifest; the message has its answer."""


@dataclass
class Pushed:
    """What a caller needs to know about one pushed image."""

    uri: str
    digest: str
    size: int
    layers: list[str] = field(default_factory=list)


class Pusher:
    """Pushes blobs and manifests to one plain-HTTP registry."""

    def __init__(self, base_url: str) -> None:
        self._base = base_url
        self._session = requests.Session()

    def blob(
        self, image: str, data: bytes, media_type: str = LAYER
    ) -> dict[str, object]:
        """Upload a blob (POST, then PUT with its digest); return its descriptor."""
        digest = f"sha256:{hashlib.sha256(data).hexdigest()}"
        started = self._session.post(self._url(image, "blobs/uploads/"), timeout=10)
        started.raise_for_status()

        finished = self._session.put(
            started.headers["Location"],
            params={"digest": digest},
            data=data,
            headers={"Content-Type": "application/octet-stream"},
            timeout=10,
        )
        finished.raise_for_status()
        return {"mediaType": media_type, "digest": digest, "size": len(data)}

    def manifest(self, image: str, tag: str, body: bytes, media_type: str) -> str:
        """Put a manifest under a tag; return the digest the registry gave it."""
        response = self._session.put(
            self._url(image, f"manifests/{tag}"),
            data=body,
            headers={"Content-Type": media_type},
            timeout=10,
        )
        if response.status_code != 201:
            raise PushFailed(f"push of {image}:{tag} failed: {response.text}")
        return str(response.headers["Docker-Content-Digest"])

    def image(
        self, image: str, layers: list[bytes], *, oci: bool = False, tag: str = "v1"
    ) -> Pushed:
        """Push a single-platform linux/amd64 image with these layers, in order."""
        return self.platform_image(image, layers, oci=oci, tag=tag)

    def platform_image(
        self,
        image: str,
        layers: list[bytes],
        *,
        oci: bool = False,
        tag: str = "v1",
        architecture: str = "amd64",
    ) -> Pushed:
        """Push an image for linux/ARCHITECTURE; return its URI, digest and layers."""
        layer_type, config_type, manifest_type = (
            (OCI_LAYER, OCI_CONFIG, preflight.OCI_MANIFEST)
            if oci
            else (LAYER, DOCKER_CONFIG, preflight.SCHEMA2)
        )
        config = self.blob(image, _config(architecture, len(layers)), config_type)
        descriptors = [self.blob(image, data, layer_type) for data in layers]

        document = {
            "schemaVersion": 2,
            "mediaType": manifest_type,
            "config": config,
            "layers": descriptors,
        }
        body = json.dumps(document).encode()
        digest = self.manifest(image, tag, body, manifest_type)
        layer_digests = [str(d["digest"]) for d in descriptors]
        return Pushed(uri(image, tag), digest, len(body), layer_digests)

    def index(
        self, image: str, entries: list[dict[str, object]], media_type: str
    ) -> Pushed:
        """Push an index (or Docker manifest list) of already pushed manifests."""
        document = {"schemaVersion": 2, "mediaType": media_type, "manifests": entries}
        body = json.dumps(document).encode()
        digest = self.manifest(image, "v1", body, media_type)
        return Pushed(uri(image), digest, len(body))

    def schema1(self, image: str, layers: list[bytes]) -> Pushed:
        """Push a signed schema 1 manifest, signed by the registry itself.

        distribution 2.8 refuses unsigned schema 1 manifests, and signing one
        means writing libtrust's JWS by hand. Instead, with schema 1
        compatibility on, the registry converts a schema 2 image for a client
        that accepts only schema 1 and signs the result; that genuine signed
        manifest is then pushed back under its own tag.
        """
        self.image(image, layers, tag="schema2-source")
        converted = self._session.get(
            self._url(image, "manifests/schema2-source"),
            headers={"Accept": preflight.SCHEMA1_SIGNED},
            timeout=10,
        )
        converted.raise_for_status()

        body = converted.content
        digest = self.manifest(image, "v1", body, preflight.SCHEMA1_SIGNED)
        return Pushed(uri(image), digest, len(body))

    def _url(self, image: str, rest: str) -> str:
        return f"{self._base}/v2/{PROJECT}/{REPOSITORY}/{image}/{rest}"


def entry(pushed: Pushed, media_type: str, os_arch: str) -> dict[str, object]:
    """Return an index entry for a pushed manifest on the platform OS/ARCH."""
    os_name, architecture = os_arch.split("/")
    return {
        "mediaType": media_type,
        "digest": pushed.digest,
        "size": pushed.size,
        "platform": {"os": os_name, "architecture": architecture},
    }


def _config(architecture: str, layer_count: int) -> bytes:
    """An image config whose history matches its layers (schema 1 needs that)."""
    config = {
        "architecture": architecture,
        "os": "linux",
        "config": {},
        "rootfs": {
            "type": "layers",
            "diff_ids": [f"sha256:{n:064x}" for n in range(layer_count)],
        },
        "history": [{"created_by": f"step {n}"} for n in range(layer_count)],
    }
    return json.dumps(config).encode()


def layer_tar_gz(files: dict[str, bytes]) -> bytes:
    """Return a gzipped tar of ``files``, with fixed times so the digest is stable."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in sorted(files.items()):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
    return gzip.compress(raw.getvalue(), mtime=0)


def push_demo_image(base_url: str) -> Pushed:
    """Push the demo's small linux/amd64 schema 2 image as debian:bookworm and :latest.

    One real gzip layer, so the registry preflight finds nothing wrong with it:
    no empty layer, no duplicate, schema 2.
    """
    layer = layer_tar_gz({"etc/debian_version": b"12.0\n"})
    pusher = Pusher(base_url)
    # Without a tag a job's image means :latest, as `docker pull` reads it; the
    # same bytes make the same manifest, so both tags name one digest.
    pushed = [pusher.image(DEMO_IMAGE, [layer], tag=tag) for tag in DEMO_TAGS]
    return pushed[0]
