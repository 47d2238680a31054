"""The one adapter for the OCI distribution API that Artifact Registry serves.

Every HTTP and transport failure is translated into ``functions.errors`` here
and nowhere else. Manifests are cached per (repository, digest): digests name
immutable content, so a cached answer can never go stale. A tag still costs
one HEAD per lookup to learn its current digest, because tags move.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import threading
from collections.abc import Mapping
from typing import Final

import google.auth
import google.auth.exceptions
import requests
from google.api_core import exceptions as api_exceptions
from google.api_core import retry as api_retry
from google.auth.transport.requests import AuthorizedSession

from functions.config import Settings, load_settings
from functions.errors import ConfigurationError, TransientError
from functions.images import ImageRef
from functions.preflight import (
    ALL_MANIFESTS,
    INDEXES,
    SCHEMA1,
    AccessDenied,
    Lookup,
    Manifest,
    NoPlatform,
    NotFound,
    platform_manifest,
)

EMULATOR_HOST: Final = "ARTIFACT_REGISTRY_EMULATOR_HOST"
CLOUD_PLATFORM_SCOPE: Final = "https://www.googleapis.com/auth/cloud-platform"
ACCEPT: Final = ", ".join(ALL_MANIFESTS)

# (connect, read) seconds for one request; the retry deadline bounds the total.
DEFAULT_TIMEOUT: Final = (3.05, 10.0)
DEFAULT_RETRY: Final = api_retry.Retry(
    predicate=api_retry.if_exception_type(TransientError),
    initial=0.5,
    maximum=4.0,
    multiplier=2.0,
    timeout=30.0,
)

_UNREACHABLE = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    google.auth.exceptions.TransportError,
)

_log = logging.getLogger(__name__)


class Registry:
    """Fetches the linux/amd64 manifest of Artifact Registry images, with a cache."""

    def __init__(
        self,
        session: requests.Session,
        *,
        emulator_host: str | None = None,
        retry: api_retry.Retry = DEFAULT_RETRY,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
    ) -> None:
        self._session = session
        self._emulator_host = emulator_host
        self._retry = retry
        self._timeout = timeout
        self._cache: dict[tuple[str, str, str], Manifest | NoPlatform] = {}
        self._locks: dict[tuple[str, str, str], threading.Lock] = {}
        self._locks_lock = threading.Lock()

    @classmethod
    def from_environment(cls, env: Mapping[str, str] | None = None) -> Registry:
        """Build the registry client: the emulator if set, else ADC with a token."""
        env = os.environ if env is None else env
        retry = _retry(load_settings(env))
        emulator_host = env.get(EMULATOR_HOST)
        if emulator_host:
            # A local registry speaks plain HTTP and wants no token.
            return cls(requests.Session(), emulator_host=emulator_host, retry=retry)

        try:
            credentials, _ = google.auth.default(scopes=[CLOUD_PLATFORM_SCOPE])
        except google.auth.exceptions.DefaultCredentialsError as exc:
            raise ConfigurationError(
                "the registry preflight found no Application Default Credentials: "
                f"run on Google Cloud, set {EMULATOR_HOST}, or set PREFLIGHT=false"
            ) from exc
        # AuthorizedSession refreshes the token before a request when it expired.
        session = AuthorizedSession(credentials)  # type: ignore[no-untyped-call]
        return cls(session, retry=retry)

    def image_manifest(self, image: ImageRef) -> Lookup:
        """Return the linux/amd64 image manifest of ``image``, or why there is none."""
        digest = image.digest
        if digest is None:
            found = self._tag_digest(image)
            if not isinstance(found, str):
                return found
            digest = found
        return self._cached(image, digest)

    def _cached(self, image: ImageRef, digest: str) -> Lookup:
        """Resolve a digest once per process; concurrent callers wait for it."""
        key = (image.host, image.name, digest)
        with self._lock_for(key):
            cached = self._cache.get(key)
            if cached is not None:
                return cached

            lookup = self._resolve(image, digest)
            # Missing or unreadable is not cached: a push or a grant changes it.
            if isinstance(lookup, Manifest | NoPlatform):
                self._cache[key] = lookup
            return lookup

    def _lock_for(self, key: tuple[str, str, str]) -> threading.Lock:
        with self._locks_lock:
            return self._locks.setdefault(key, threading.Lock())

    def _resolve(self, image: ImageRef, digest: str) -> Lookup:
        """Fetch a manifest by digest; follow an index to its linux/amd64 image."""
        lookup = self._manifest(image, digest)
        if not isinstance(lookup, Manifest) or lookup.media_type not in INDEXES:
            return lookup

        child = platform_manifest(lookup.document)
        if isinstance(child, NoPlatform):
            return child
        return self._manifest(image, child)

    def _tag_digest(self, image: ImageRef) -> str | NotFound | AccessDenied:
        """Learn the digest a tag points at now, with a HEAD (no body)."""
        response = self._request("HEAD", image, image.reference)
        absent = _absent(response)
        if absent is not None:
            return absent

        digest = str(response.headers.get("Docker-Content-Digest", ""))
        if digest:
            return digest
        # The header is only a SHOULD in the spec; hash the body instead.
        body = self._request("GET", image, image.reference).content
        return f"sha256:{hashlib.sha256(body).hexdigest()}"

    def _manifest(self, image: ImageRef, digest: str) -> Lookup:
        response = self._request("GET", image, digest)
        absent = _absent(response)
        if absent is not None:
            return absent

        document = _json_object(response, image)
        return Manifest(_media_type(response, document), digest, document)

    def _request(
        self, method: str, image: ImageRef, reference: str
    ) -> requests.Response:
        """Send one request with retries; raise TransientError once they run out."""
        url = f"{self._base_url(image)}/v2/{image.name}/manifests/{reference}"
        try:
            response: requests.Response = self._retry(self._attempt)(method, url)
        except api_exceptions.RetryError as exc:
            raise TransientError(
                f"the registry {image.host} could not be reached: {exc.cause}"
            ) from exc
        return response

    def _attempt(self, method: str, url: str) -> requests.Response:
        try:
            response = self._session.request(
                method, url, headers={"Accept": ACCEPT}, timeout=self._timeout
            )
        except _UNREACHABLE as exc:
            raise TransientError(f"{method} {url} failed: {exc}") from exc
        except google.auth.exceptions.RefreshError as exc:
            raise ConfigurationError(
                f"no access token for the registry preflight: {exc}"
            ) from exc

        _log.debug("%s %s: HTTP %s", method, url, response.status_code)
        if response.status_code == 429 or response.status_code >= 500:
            raise TransientError(f"{method} {url} answered HTTP {response.status_code}")
        return response

    def _base_url(self, image: ImageRef) -> str:
        if self._emulator_host:
            return f"http://{self._emulator_host}"
        return f"https://{image.host}"


def _retry(settings: Settings) -> api_retry.Retry:
    """The default policy, bounded by RETRY_TIMEOUT and RETRY_INITIAL like the rest."""
    return DEFAULT_RETRY.with_timeout(settings.retry_timeout).with_delay(
        initial=settings.retry_initial, maximum=max(settings.retry_initial, 4.0)
    )


@functools.cache
def shared_registry() -> Registry:
    """Return this process's registry client, built from os.environ on first use."""
    return Registry.from_environment()


def _absent(response: requests.Response) -> NotFound | AccessDenied | None:
    """Return why the registry did not serve a manifest, or None when it did."""
    status = response.status_code
    if status == 200:
        return None
    if status == 404:
        return NotFound()
    if status in (401, 403):
        return AccessDenied(status)
    raise ConfigurationError(
        f"the registry answered HTTP {status} for {response.request.method} "
        f"{response.url}: {response.text[:200]}"
    )


def _json_object(response: requests.Response, image: ImageRef) -> dict[str, object]:
    try:
        document = json.loads(response.content)
    except ValueError as exc:
        raise ConfigurationError(
            f"the registry {image.host} served a manifest that is not JSON"
        ) from exc
    if not isinstance(document, dict):
        raise ConfigurationError(
            f"the registry {image.host} served a manifest that is not a JSON object"
        )
    return document


def _media_type(response: requests.Response, document: Mapping[str, object]) -> str:
    """Trust the Content-Type the registry sent; else what the manifest says."""
    content_type = str(response.headers.get("Content-Type", "")).split(";")[0].strip()
    if content_type in ALL_MANIFESTS:
        return content_type
    declared = document.get("mediaType")
    if isinstance(declared, str):
        return declared
    if document.get("schemaVersion") == 1:
        return SCHEMA1
    return content_type or "unknown"
