"""The registry adapter: tokens, refusals, unreachable registries, the digest cache."""

from __future__ import annotations

import datetime
import socket
import threading
from collections.abc import Sequence
from typing import Any

import pytest
import requests
from google.api_core import retry as api_retry
from google.auth.transport.requests import AuthorizedSession
from google.oauth2.credentials import Credentials

from devstack import processes
from functions.errors import ConfigurationError, TransientError
from functions.images import ImageRef, parse_image_uri
from functions.preflight import Manifest, preflight_job
from functions.registry import Registry
from functions.violations import Violation
from tests.preflight.conftest import PushedImages
from tests.preflight.test_registry_checks import PATH, job

# Short enough that a test of an unreachable registry takes about a second.
QUICK_RETRY = api_retry.Retry(
    predicate=api_retry.if_exception_type(TransientError),
    initial=0.05,
    maximum=0.2,
    timeout=1.0,
)


class CountingSession(requests.Session):  # type: ignore[misc]
    """A real session that also records each request it sends, to count them.

    The registry's access log would do too, but it is written after the
    response, so a test reading it could race the server.
    """

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[tuple[str, str]] = []

    def request(
        self, method: str, url: str, *args: Any, **kwargs: Any
    ) -> requests.Response:
        """Record the method and URL, then send the request."""
        self.sent.append((method, url))
        return super().request(method, url, *args, **kwargs)

    def manifest_gets(self) -> int:
        """Return how many manifest GETs were sent."""
        return sum(1 for method, url in self.sent if method == "GET")


class TokenIssuer:
    """A refresh handler for real OAuth2 credentials: hands out numbered tokens."""

    def __init__(self) -> None:
        self.issued: list[str] = []

    def __call__(
        self, request: object, scopes: Sequence[str] | None = None
    ) -> tuple[str, datetime.datetime]:
        """Return a new token that is good for an hour."""
        self.issued.append(f"token-{len(self.issued) + 1}")
        return self.issued[-1], _utc_naive() + datetime.timedelta(hours=1)


def _utc_naive() -> datetime.datetime:
    """google-auth compares expiries as naive UTC datetimes."""
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


def _credentials(
    token: str, expires_in: datetime.timedelta, issuer: TokenIssuer
) -> Credentials:
    """Real OAuth2 user credentials whose refresh asks ``issuer``, not Google."""
    return Credentials(  # type: ignore[no-untyped-call]
        token=token, expiry=_utc_naive() + expires_in, refresh_handler=issuer
    )


def _authorized_registry(credentials: Credentials, address: str) -> Registry:
    """A registry client that sends tokens, as in the cloud, to a local registry."""
    session = AuthorizedSession(credentials)  # type: ignore[no-untyped-call]
    return Registry(session, emulator_host=address)


def _image(uri: str) -> ImageRef:
    image = parse_image_uri(uri)
    assert image is not None
    return image


def test_unreadable_image_names_the_missing_permission(
    locked_registry_address: str, pushed: PushedImages
) -> None:
    """A registry that refuses us (401) gives a violation naming role and permission."""
    registry = Registry(requests.Session(), emulator_host=locked_registry_address)

    violations = preflight_job(job(pushed.good.uri), registry)

    assert violations == [
        Violation(
            rule="image-not-found",
            path=PATH,
            message=f"image {pushed.good.uri} could not be read: the service account "
            "lacks permission artifactregistry.repositories.downloadArtifacts on its "
            "repository",
            hint="Grant artifactregistry.repositories.downloadArtifacts (role "
            "roles/artifactregistry.reader) on the repository to the service account "
            "that submits the job and to the job's own service account.",
        )
    ]


def test_expired_token_is_refreshed_then_sent(
    locked_registry_address: str, pushed: PushedImages
) -> None:
    """An expired access token is refreshed before the request, and the new one sent."""
    issuer = TokenIssuer()
    credentials = _credentials("expired", datetime.timedelta(minutes=-5), issuer)
    registry = _authorized_registry(credentials, locked_registry_address)

    lookup = registry.image_manifest(_image(pushed.good.uri))

    assert isinstance(lookup, Manifest)
    assert issuer.issued == ["token-1"]
    assert credentials.token == "token-1"


def test_valid_token_is_not_refreshed(
    locked_registry_address: str, pushed: PushedImages
) -> None:
    """A token that has not expired is sent as it is, without a refresh."""
    issuer = TokenIssuer()
    credentials = _credentials("still-good", datetime.timedelta(minutes=30), issuer)
    registry = _authorized_registry(credentials, locked_registry_address)

    lookup = registry.image_manifest(_image(pushed.good.uri))

    assert isinstance(lookup, Manifest)
    assert issuer.issued == []


def test_refused_connection_is_transient(pushed: PushedImages) -> None:
    """A registry nobody listens on is retried, then a TransientError, no verdict."""
    address = f"127.0.0.1:{processes.free_port()}"
    registry = Registry(requests.Session(), emulator_host=address, retry=QUICK_RETRY)

    with pytest.raises(TransientError) as caught:
        preflight_job(job(pushed.good.uri), registry)

    assert str(caught.value).startswith(
        "the registry us-central1-docker.pkg.dev could not be reached: HEAD "
        f"http://{address}/v2/local-project/images/good/manifests/v1 failed: "
    )
    assert "Connection refused" in str(caught.value)


def test_silent_registry_times_out_as_transient(pushed: PushedImages) -> None:
    """A registry that accepts the connection but never answers is transient too."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        address = f"127.0.0.1:{silent.getsockname()[1]}"
        registry = Registry(
            requests.Session(),
            emulator_host=address,
            retry=QUICK_RETRY,
            timeout=(0.2, 0.2),
        )

        with pytest.raises(TransientError) as caught:
            preflight_job(job(pushed.good.uri), registry)

    assert "Read timed out" in str(caught.value)


def test_missing_credentials_are_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    """Without the emulator and without ADC, the message says what to set."""
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "none.json"))

    with pytest.raises(ConfigurationError) as caught:
        Registry.from_environment({})

    assert str(caught.value) == (
        "the registry preflight found no Application Default Credentials: run on "
        "Google Cloud, set ARTIFACT_REGISTRY_EMULATOR_HOST, or set PREFLIGHT=false"
    )


def test_second_lookup_of_a_tag_costs_one_head(
    registry_address: str, pushed: PushedImages
) -> None:
    """Asked again, a tag is re-resolved with a HEAD; its manifests are not fetched."""
    session = CountingSession()
    registry = Registry(session, emulator_host=registry_address)
    preflight_job(job(pushed.multi_arch.uri), registry)
    first = list(session.sent)

    preflight_job(job(pushed.multi_arch.uri), registry)

    assert [method for method, _ in first] == ["HEAD", "GET", "GET"]
    assert [method for method, _ in session.sent[len(first) :]] == ["HEAD"]


def test_digest_lookup_is_served_from_the_cache(
    registry_address: str, pushed: PushedImages
) -> None:
    """An image named by digest, once checked, costs no request at all."""
    session = CountingSession()
    registry = Registry(session, emulator_host=registry_address)
    by_digest = pushed.duplicate.uri.replace(":v1", f"@{pushed.duplicate.digest}")
    first = preflight_job(job(by_digest), registry)
    sent_before = len(session.sent)

    second = preflight_job(job(by_digest), registry)

    assert second == first
    assert len(session.sent) == sent_before == 1


def test_burst_of_jobs_fetches_the_manifest_once(
    registry_address: str, pushed: PushedImages
) -> None:
    """Eight jobs checked at once on one image fetch its manifest once between them."""
    session = CountingSession()
    registry = Registry(session, emulator_host=registry_address)
    results: list[list[Violation]] = []

    def check() -> None:
        results.append(preflight_job(job(pushed.empty.uri), registry))

    threads = [threading.Thread(target=check) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert session.manifest_gets() == 1
    assert len(results) == 8
    assert all(result == results[0] and len(result) == 1 for result in results)
