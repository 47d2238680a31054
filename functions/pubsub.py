"""Publishing events to Pub/Sub, behind one adapter.

Failures are translated here, once: a missing topic or a refused permission is
ConfigurationError (an operator must act); anything still failing after the
bounded retry is TransientError (the platform redelivers the input).
"""

from __future__ import annotations

from typing import Any

from google.api_core import exceptions

from functions.config import Settings
from functions.errors import ConfigurationError, TransientError
from functions.events import Event
from functions.retries import transient_retry

_RESULT_TIMEOUT = 90.0


class EventPublisher:
    """Publish events to EVENTS_TOPIC; one client per process, made on first use."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._topic = settings.topic_path(settings.events_topic)
        self._client: Any = None

    def publish(self, event: Event) -> str:
        """Publish one event and wait until Pub/Sub has it; return the message id."""
        future = self._publisher().publish(
            self._topic,
            event.body(),
            retry=transient_retry(self._settings),
            timeout=self._settings.retry_timeout,
            **event.attributes(),
        )
        try:
            return str(future.result(timeout=_RESULT_TIMEOUT))
        except exceptions.NotFound as exc:
            raise ConfigurationError(
                f"the events topic {self._topic} does not exist: create it, or set "
                "EVENTS_TOPIC to an existing topic"
            ) from exc
        except (exceptions.Forbidden, exceptions.Unauthorized) as exc:
            raise ConfigurationError(
                f"publishing to {self._topic} was refused: grant the function's "
                "service account roles/pubsub.publisher on the topic"
            ) from exc
        except (exceptions.GoogleAPIError, TimeoutError) as exc:
            raise TransientError(f"publishing to {self._topic} failed: {exc}") from exc

    def _publisher(self) -> Any:
        if self._client is None:
            import google.cloud.pubsub_v1

            # Every publish is awaited at once, so batching would only add its
            # 10 ms wait to each event; send each message on its own.
            self._client = google.cloud.pubsub_v1.PublisherClient(
                batch_settings=google.cloud.pubsub_v1.types.BatchSettings(
                    max_messages=1
                )
            )
        return self._client
