"""Settings the functions read from the environment once, at startup."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from functions.errors import ConfigurationError

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class AllowLists:
    """What jobs may use; an empty list restricts nothing."""

    locations: tuple[str, ...] = ()
    repositories: tuple[str, ...] = ()
    service_accounts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Settings:
    """What the functions need to know about where they run."""

    project: str = "local-project"
    location: str = "us-central1"
    events_topic: str = "batch-job-events"
    job_state_topic: str = "batch-job-state"
    request_prefix: str = "jobs/"
    status_prefix: str = "status/"
    batch_emulator_host: str | None = None
    preflight: bool = False
    retry_timeout: float = 60.0
    retry_initial: float = 1.0
    reconcile_window_minutes: float = 30.0
    status_bucket: str | None = None
    batch_call_timeout: float = 30.0
    allowed: AllowLists = AllowLists()

    @property
    def parent(self) -> str:
        """The Batch parent every job is created under: project and location."""
        return f"projects/{self.project}/locations/{self.location}"

    def topic_path(self, topic: str) -> str:
        """The full resource name of one of this project's topics."""
        return f"projects/{self.project}/topics/{topic}"


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read the settings from the environment (os.environ unless given)."""
    env = os.environ if env is None else env
    defaults = Settings()
    return Settings(
        project=env.get("GOOGLE_CLOUD_PROJECT") or defaults.project,
        location=env.get("BATCH_REGION") or defaults.location,
        events_topic=env.get("EVENTS_TOPIC") or defaults.events_topic,
        job_state_topic=env.get("JOB_STATE_TOPIC") or defaults.job_state_topic,
        request_prefix=env.get("REQUEST_PREFIX", defaults.request_prefix),
        status_prefix=env.get("STATUS_PREFIX") or defaults.status_prefix,
        batch_emulator_host=env.get("BATCH_EMULATOR_HOST") or None,
        preflight=_flag(env, "PREFLIGHT", default=_is_cloud(env)),
        retry_timeout=_seconds(env, "RETRY_TIMEOUT", defaults.retry_timeout),
        retry_initial=_seconds(env, "RETRY_INITIAL", defaults.retry_initial),
        reconcile_window_minutes=_seconds(
            env, "RECONCILE_WINDOW_MINUTES", defaults.reconcile_window_minutes
        ),
        status_bucket=env.get("STATUS_BUCKET") or None,
        batch_call_timeout=_seconds(
            env, "BATCH_CALL_TIMEOUT", defaults.batch_call_timeout
        ),
        allowed=load_allow_lists(env),
    )


def load_allow_lists(env: Mapping[str, str] | None = None) -> AllowLists:
    """The optional allow-lists: comma-separated, empty meaning no restriction."""
    env = os.environ if env is None else env
    return AllowLists(
        locations=_list(env, "ALLOWED_LOCATIONS"),
        repositories=_list(env, "ALLOWED_REPOSITORIES"),
        service_accounts=_list(env, "ALLOWED_SERVICE_ACCOUNTS"),
    )


def _list(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    items = (item.strip() for item in env.get(name, "").split(","))
    return tuple(item.rstrip("/") for item in items if item)


def _is_cloud(env: Mapping[str, str]) -> bool:
    """Cloud Run sets K_SERVICE; locally it is absent."""
    return bool(env.get("K_SERVICE"))


def _flag(env: Mapping[str, str], name: str, *, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in _TRUE | _FALSE:
        return raw in _TRUE
    raise ConfigurationError(f"{name}={raw!r} is not a flag: set it to true or false")


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    """A positive number from the environment (seconds, or minutes where named)."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if value <= 0:
        raise ConfigurationError(
            f"{name}={raw!r} is not a positive number: set it to e.g. 60"
        )
    return value
