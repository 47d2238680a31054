"""The one retry policy every adapter uses for transient upstream failures."""

from __future__ import annotations

import logging

import requests
from google.api_core import exceptions, retry

from functions.config import Settings

logger = logging.getLogger(__name__)

# What an upstream service may recover from: unavailable, overloaded, a
# deadline or an internal error, and connections that fail outright. The HTTP
# classes are named because over REST google-api-core raises them, not their
# gRPC subclasses (TooManyRequests, not ResourceExhausted).
TRANSIENT = (
    exceptions.ServiceUnavailable,
    exceptions.GatewayTimeout,
    exceptions.TooManyRequests,
    exceptions.InternalServerError,
    exceptions.Aborted,
    requests.exceptions.ConnectionError,
    requests.exceptions.Timeout,
)


def transient_retry(settings: Settings) -> retry.Retry:
    """Exponential backoff on transient failures, bounded by RETRY_TIMEOUT."""
    return retry.Retry(
        predicate=retry.if_exception_type(*TRANSIENT),
        initial=settings.retry_initial,
        maximum=max(settings.retry_initial, 10.0),
        multiplier=2.0,
        timeout=settings.retry_timeout,
        on_error=_log_retry,
    )


def _log_retry(exc: Exception) -> None:
    logger.debug("retrying after a transient failure: %s", exc)
