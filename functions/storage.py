"""Cloud Storage behind one adapter: read an upload, update its status report.

Failures are translated here, once: a refused permission is ConfigurationError,
anything still failing after the bounded retry is TransientError.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from google.api_core import exceptions

from functions.config import Settings
from functions.errors import ConfigurationError, TransientError
from functions.retries import TRANSIENT, transient_retry

Merge = Callable[[Mapping[str, Any] | None, Mapping[str, Any]], dict[str, Any]]
# Concurrent writers of one report (submit and relay) are few; a handful of
# compare-and-swap rounds always suffices.
_REPORT_ATTEMPTS = 5


class ObjectStore:
    """Read uploads and write reports; one client per process, made on first use."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._retry = transient_retry(settings)
        self._client: Any = None

    def read_object(
        self, bucket: str, name: str, generation: str, limit: int
    ) -> bytes | None:
        """Up to ``limit`` bytes of the object at ``generation``; None if gone."""
        blob = self._bucket(bucket).blob(name, generation=int(generation))
        with self._translated(f"read gs://{bucket}/{name}"):
            try:
                data: bytes = blob.download_as_bytes(end=limit - 1, retry=self._retry)
            except exceptions.NotFound:
                return None
        return data

    def update_report(
        self, bucket: str, name: str, update: Mapping[str, Any], merge: Merge
    ) -> dict[str, Any]:
        """Merge ``update`` into the JSON report at ``name``, guarding against races."""
        for _ in range(_REPORT_ATTEMPTS):
            current, generation = self._read_report(bucket, name)
            merged = merge(current, update)
            if merged == current:
                return merged
            if self._write_report(bucket, name, merged, generation):
                return merged
        raise TransientError(f"gs://{bucket}/{name} kept changing while being updated")

    def read_report(self, bucket: str, name: str) -> dict[str, Any] | None:
        """The JSON report at ``name``; None when there is none."""
        return self._read_report(bucket, name)[0]

    def create_report(self, bucket: str, name: str, report: Mapping[str, Any]) -> bool:
        """Write ``report`` only if nothing is at ``name``; False if something was."""
        return self._write_report(bucket, name, report, generation=0)

    def _read_report(self, bucket: str, name: str) -> tuple[dict[str, Any] | None, int]:
        blob = self._bucket(bucket).blob(name)
        with self._translated(f"read gs://{bucket}/{name}"):
            try:
                data = blob.download_as_bytes(retry=self._retry)
            except exceptions.NotFound:
                return None, 0
        try:
            report = json.loads(data)
        except ValueError:
            report = None
        return (report if isinstance(report, dict) else None), int(blob.generation or 0)

    def _write_report(
        self, bucket: str, name: str, report: Mapping[str, Any], generation: int
    ) -> bool:
        """Write only if the report is still at ``generation`` (0: absent)."""
        blob = self._bucket(bucket).blob(name)
        blob.cache_control = "no-cache"
        with self._translated(f"write gs://{bucket}/{name}"):
            try:
                blob.upload_from_string(
                    json.dumps(report, indent=2, sort_keys=True) + "\n",
                    content_type="application/json",
                    if_generation_match=generation,
                    retry=self._retry,
                )
            except exceptions.PreconditionFailed:
                return False
            except exceptions.NotFound as exc:
                raise ConfigurationError(
                    f"could not write gs://{bucket}/{name}: the bucket does not "
                    "exist. Create it, or set STATUS_BUCKET to an existing bucket"
                ) from exc
        return True

    def _bucket(self, name: str) -> Any:
        if self._client is None:
            import google.cloud.storage

            self._client = google.cloud.storage.Client(project=self._settings.project)
        return self._client.bucket(name)

    @contextmanager
    def _translated(self, what: str) -> Iterator[None]:
        try:
            yield
        except exceptions.RetryError as exc:
            raise TransientError(f"could not {what}: {exc.cause}") from exc
        except TRANSIENT as exc:
            raise TransientError(f"could not {what}: {exc}") from exc
        except (exceptions.Forbidden, exceptions.Unauthorized) as exc:
            raise ConfigurationError(
                f"could not {what}: {exc.message}. Grant the function's service "
                "account object read and write on the bucket "
                "(roles/storage.objectUser)"
            ) from exc
