"""Importing an entry point's code loads no cloud client it does not use."""

from __future__ import annotations

import os
import subprocess
import sys

CLIENTS = (
    "google.cloud.storage",
    "google.cloud.batch_v1alpha",
    "google.cloud.pubsub_v1",
)


def _loaded_after(statement: str) -> list[str]:
    """The cloud client packages a fresh interpreter holds after ``statement``."""
    probe = (
        f"import sys\n{statement}\nprint(*[m for m in {CLIENTS!r} if m in sys.modules])"
    )
    result = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", probe],
        env={**os.environ, "PUBSUB_EMULATOR_HOST": "127.0.0.1:9"},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.split()


def test_main_and_the_flows_load_no_client_until_used() -> None:
    """Clients load on first use, so a cold start pays only for its own."""
    statement = "import main, functions.submit, functions.relay, functions.reconcile"

    assert _loaded_after(statement) == []


def test_the_message_flow_never_needs_cloud_storage() -> None:
    """submit_from_pubsub's adapters (Batch, Pub/Sub) do not pull in Storage."""
    statement = (
        "from functions.config import Settings\n"
        "from functions.services import Services\n"
        # Emulator addresses, so no credentials are needed; nothing is called.
        "s = Services(Settings(batch_emulator_host='127.0.0.1:9'))\n"
        "s.batch._batch(); s.events._publisher()"
    )

    assert _loaded_after(statement) == [
        "google.cloud.batch_v1alpha",
        "google.cloud.pubsub_v1",
    ]
