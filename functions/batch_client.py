"""The one place that builds a Batch v1alpha client, for Google or the emulator."""

from __future__ import annotations

import os

from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import batch_v1alpha

EMULATOR_VARIABLE = "BATCH_EMULATOR_HOST"


def batch_client(emulator_host: str | None = None) -> batch_v1alpha.BatchServiceClient:
    """Return a Batch client; with an emulator host (or BATCH_EMULATOR_HOST), for it."""
    host = os.environ.get(EMULATOR_VARIABLE) if emulator_host is None else emulator_host
    if not host:
        return batch_v1alpha.BatchServiceClient()
    # The emulator speaks plain HTTP and checks no credentials, like other emulators.
    return batch_v1alpha.BatchServiceClient(
        transport="rest",
        client_options=ClientOptions(api_endpoint=_url(host)),
        credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call]
    )


def _url(host: str) -> str:
    return host if host.startswith(("http://", "https://")) else f"http://{host}"
