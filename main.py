"""Cloud Functions entry points: each hands its CloudEvent to one flow.

Each imports its flow on first call, so a function's cold start loads only the
adapters that flow uses.
"""

from __future__ import annotations

from typing import Any

import functions_framework

from functions import entry


@functions_framework.cloud_event
def submit_from_gcs(cloud_event: Any) -> None:
    """Submit a job JSON uploaded to Cloud Storage (event or bucket notification)."""
    from functions.submit import submit_upload

    entry.run("submit_from_gcs", submit_upload, cloud_event)


@functions_framework.cloud_event
def submit_from_pubsub(cloud_event: Any) -> None:
    """Submit the job JSON a Pub/Sub message carries."""
    from functions.submit import submit_message

    entry.run("submit_from_pubsub", submit_message, cloud_event)


@functions_framework.cloud_event
def relay_job_state(cloud_event: Any) -> None:
    """Turn a Batch job state notification into a completion event."""
    from functions.relay import relay

    entry.run("relay_job_state", relay, cloud_event)


@functions_framework.cloud_event
def reconcile_jobs(cloud_event: Any) -> None:
    """Publish the completion events that lost notifications never triggered."""
    from functions.reconcile import reconcile

    entry.run("reconcile_jobs", reconcile, cloud_event)
