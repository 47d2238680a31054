"""Secrets a job carries never reach a message."""

from __future__ import annotations

from functions.secrets import scrub

JOB = {
    "taskGroups": [
        {
            "taskSpec": {
                "runnables": [{"container": {"username": "me", "password": "hunter2"}}],
                "environment": {"secretVariables": {"API": "projects/p/secrets/s"}},
            }
        }
    ]
}


def test_password_and_secret_variables_are_redacted() -> None:
    """Batch's message quoting the job loses every secret value."""
    message = 'invalid container: password "hunter2", secret projects/p/secrets/s'

    assert scrub(message, JOB) == (
        'invalid container: password "[redacted]", secret [redacted]'
    )


def test_ordinary_values_stay() -> None:
    """Only values under secret-looking keys are replaced."""
    assert scrub("username me is fine", JOB) == "username me is fine"
