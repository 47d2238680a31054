"""What every entry point does around its flow: settings, logging, failures.

Failures end a delivery in one of three ways: an event we cannot read is
logged and acknowledged (redelivering it cannot help); a configuration problem
is logged at ERROR with what to fix and raised; a transient failure is logged
and raised, so Functions Framework answers 500 and the platform redelivers.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from functions import logs
from functions.config import load_settings
from functions.errors import ConfigurationError, TransientError
from functions.services import Services
from functions.sources import Delivery, UnreadableEvent

T = TypeVar("T")


@functools.cache
def services() -> Services:
    """The process's settings and adapters, read and made once."""
    return Services(load_settings())


def run(
    function: str,
    flow: Callable[[Delivery, Services], T],
    cloud_event: Any,
) -> T | None:
    """Run ``flow`` for one CloudEvent with the request's trace bound to its logs."""
    logs.configure()
    try:
        shared = services()
    except ConfigurationError as exc:
        logs.outcome(f"configuration problem: {exc}", logging.ERROR)
        raise
    trace = logs.trace_fields(_headers(cloud_event), shared.settings.project)
    with logs.request_context(trace, function):
        try:
            return flow(delivery_from(cloud_event), shared)
        except UnreadableEvent as exc:
            logs.outcome(f"acknowledged an unreadable event: {exc}", logging.ERROR)
            return None
        except ConfigurationError as exc:
            logs.outcome(f"configuration problem: {exc}", logging.ERROR)
            raise
        except TransientError as exc:
            logs.outcome(f"will be redelivered: {exc}", logging.WARNING)
            raise


def delivery_from(cloud_event: Any) -> Delivery:
    """The parts of a cloudevents CloudEvent the flows use."""
    attributes = cloud_event.get_attributes()
    return Delivery(
        type=str(attributes.get("type", "")),
        source=str(attributes.get("source", "")),
        id=str(attributes.get("id", "")),
        subject=attributes.get("subject"),
        data=cloud_event.get_data(),
    )


def _headers(cloud_event: Any) -> Mapping[str, str]:
    """Trace headers: the HTTP request's, else the CloudEvent's traceparent."""
    import flask

    headers: dict[str, str] = {}
    traceparent = cloud_event.get_attributes().get("traceparent")
    if traceparent:
        headers["traceparent"] = str(traceparent)
    if flask.has_request_context():
        headers.update(flask.request.headers)
    return headers
