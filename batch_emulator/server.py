"""HTTP: routes the v1alpha REST paths and the admin endpoint to the service."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from google.cloud import batch_v1alpha
from google.protobuf import json_format

from batch_emulator import names
from batch_emulator.errors import ApiError, invalid_argument
from batch_emulator.service import BatchService

_log = logging.getLogger("batch_emulator.http")

_LOCATION = r"projects/[^/:]+/locations/[^/:]+"
_JOB = rf"{_LOCATION}/jobs/[^/:]+"
# Query parameters every Google REST method accepts, besides its own.
_SYSTEM_PARAMETERS = {"$alt", "alt", "prettyPrint", "$prettyPrint", "fields", "key"}


@dataclass(frozen=True)
class Request:
    """What a handler needs from an HTTP request."""

    method: str
    path: str
    query: dict[str, str]
    body: bytes

    @property
    def integer_enums(self) -> bool:
        """Tell whether the client asked for enums as integers."""
        return "enum-encoding=int" in self.query.get("$alt", "")

    def parameter(self, camel: str, allowed: set[str]) -> str:
        """Return a query parameter given in camelCase or snake_case, or ''."""
        allowed.add(camel)
        snake = re.sub(r"([A-Z])", lambda m: "_" + m[1].lower(), camel)
        return self.query.get(camel, self.query.get(snake, ""))


Response = tuple[int, str]
Handler = Callable[[BatchService, Request, re.Match[str]], Response]


def message_json(message: Any, integer_enums: bool) -> str:
    """Print a protobuf message as proto JSON, through its API type when it has one."""
    wrapper = getattr(batch_v1alpha, type(message).__name__, None)
    if wrapper is not None and hasattr(wrapper, "wrap"):
        return str(
            wrapper.to_json(
                wrapper.wrap(message),
                use_integers_for_enums=integer_enums,
                always_print_fields_with_no_presence=False,
            )
        )
    text: str = json_format.MessageToJson(message, use_integers_for_enums=integer_enums)
    return text


def _page_size(request: Request, allowed: set[str]) -> int:
    text = request.parameter("pageSize", allowed) or "0"
    if not text.lstrip("-").isdigit():
        raise invalid_argument(f"Invalid value for pageSize: {text!r}.")
    return int(text)


def _check_parameters(request: Request, allowed: set[str]) -> None:
    snake = {re.sub(r"([A-Z])", lambda m: "_" + m[1].lower(), a) for a in allowed}
    for key in request.query:
        if key not in allowed | snake | _SYSTEM_PARAMETERS:
            raise invalid_argument(
                f'Invalid JSON payload received. Unknown name "{key}": '
                "Cannot bind query parameter."
            )


def _parent(match: re.Match[str]) -> names.Parent:
    parts = match["name"].split("/")
    return names.Parent(parts[1], parts[3])


def create_job(service: BatchService, request: Request, m: re.Match[str]) -> Response:
    """POST .../jobs?jobId=&requestId= creates a job."""
    allowed: set[str] = set()
    job_id = request.parameter("jobId", allowed)
    request_id = request.parameter("requestId", allowed)
    _check_parameters(request, allowed)
    job = service.create_job(_parent(m), job_id, request_id, request.body)
    return 200, message_json(job, request.integer_enums)


def list_jobs(service: BatchService, request: Request, m: re.Match[str]) -> Response:
    """GET .../jobs lists jobs, filtered and paged."""
    allowed: set[str] = set()
    expression = request.parameter("filter", allowed)
    page_size = _page_size(request, allowed)
    page_token = request.parameter("pageToken", allowed)
    if request.parameter("orderBy", allowed):
        raise ApiError("UNIMPLEMENTED", "The Batch emulator does not support orderBy.")
    _check_parameters(request, allowed)
    page = service.list_jobs(_parent(m), expression, page_size, page_token)
    return 200, message_json(page, request.integer_enums)


def get_job(service: BatchService, request: Request, m: re.Match[str]) -> Response:
    """GET .../jobs/ID returns a job."""
    _check_parameters(request, set())
    return 200, message_json(service.get_job(m["name"]), request.integer_enums)


def delete_job(service: BatchService, request: Request, m: re.Match[str]) -> Response:
    """DELETE .../jobs/ID starts a deletion and returns its operation."""
    allowed: set[str] = set()
    request.parameter("requestId", allowed)
    request.parameter("reason", allowed)
    _check_parameters(request, allowed)
    operation = service.delete_job(m["name"])
    return 200, message_json(operation, request.integer_enums)


def cancel_job(service: BatchService, request: Request, m: re.Match[str]) -> Response:
    """POST .../jobs/ID:cancel starts a cancellation and returns its operation."""
    _check_parameters(request, set())
    cancel = batch_v1alpha.CancelJobRequest
    try:
        cancel.from_json(request.body or b"{}", ignore_unknown_fields=False)
    except json_format.ParseError as exc:
        raise invalid_argument(f"Invalid JSON payload received. {exc}") from exc
    operation = service.cancel_job(m["name"])
    return 200, message_json(operation, request.integer_enums)


def list_tasks(service: BatchService, request: Request, m: re.Match[str]) -> Response:
    """GET .../taskGroups/G/tasks lists a job's tasks."""
    allowed: set[str] = set()
    page_size = _page_size(request, allowed)
    page_token = request.parameter("pageToken", allowed)
    if request.parameter("filter", allowed) or request.parameter("orderBy", allowed):
        raise ApiError(
            "UNIMPLEMENTED", "The Batch emulator does not filter or order tasks."
        )
    _check_parameters(request, allowed)
    page = service.list_tasks(m["name"], page_size, page_token)
    return 200, message_json(page, request.integer_enums)


def get_task(service: BatchService, request: Request, m: re.Match[str]) -> Response:
    """GET .../tasks/N returns a task."""
    _check_parameters(request, set())
    return 200, message_json(service.get_task(m["name"]), request.integer_enums)


def get_operation(
    service: BatchService, request: Request, m: re.Match[str]
) -> Response:
    """GET .../operations/ID returns a long-running operation."""
    _check_parameters(request, set())
    return 200, message_json(service.get_operation(m["name"]), request.integer_enums)


def faults_get(service: BatchService, request: Request, m: re.Match[str]) -> Response:
    """GET /emulator/v1/faults shows the fault switches."""
    return 200, json.dumps(service.faults.to_json())


def faults_set(service: BatchService, request: Request, m: re.Match[str]) -> Response:
    """POST /emulator/v1/faults changes the switches named in the JSON body."""
    try:
        settings = json.loads(request.body or b"{}")
    except ValueError as exc:
        raise invalid_argument(f"The body is not JSON: {exc}") from exc
    if not isinstance(settings, dict):
        raise invalid_argument("The body must be a JSON object.")
    service.faults.update(settings)
    return faults_get(service, request, m)


def faults_reset(service: BatchService, request: Request, m: re.Match[str]) -> Response:
    """DELETE /emulator/v1/faults turns every fault off."""
    service.faults.reset()
    return faults_get(service, request, m)


ROUTES: list[tuple[str, re.Pattern[str], Handler]] = [
    ("POST", re.compile(rf"^/v1alpha/(?P<name>{_LOCATION})/jobs$"), create_job),
    ("GET", re.compile(rf"^/v1alpha/(?P<name>{_LOCATION})/jobs$"), list_jobs),
    ("GET", re.compile(rf"^/v1alpha/(?P<name>{_JOB})$"), get_job),
    ("DELETE", re.compile(rf"^/v1alpha/(?P<name>{_JOB})$"), delete_job),
    ("POST", re.compile(rf"^/v1alpha/(?P<name>{_JOB}):cancel$"), cancel_job),
    ("GET", re.compile(rf"^/v1alpha/(?P<name>{_JOB}/taskGroups/[^/:]+)/tasks$"),
     list_tasks),
    ("GET", re.compile(rf"^/v1alpha/(?P<name>{_JOB}/taskGroups/[^/:]+/tasks/[^/:]+)$"),
     get_task),
    ("GET", re.compile(rf"^/v1alpha/(?P<name>{_LOCATION}/operations/[^/:]+)$"),
     get_operation),
    ("GET", re.compile(r"^/emulator/v1/faults$"), faults_get),
    ("POST", re.compile(r"^/emulator/v1/faults$"), faults_set),
    ("DELETE", re.compile(r"^/emulator/v1/faults$"), faults_reset),
]  # fmt: skip


def dispatch(service: BatchService, request: Request) -> Response:
    """Answer one request: the handler's JSON, or a Google-style error body."""
    try:
        handler, match = _resolve(request)
        return handler(service, request, match)
    except ApiError as exc:
        return exc.http_status, json.dumps(exc.body(), indent=2)
    except Exception:
        # A bug in the emulator: answer as Google does, and keep the trace in the log.
        _log.exception("internal error answering %s %s", request.method, request.path)
        error = ApiError(
            "INTERNAL", "Internal error in the Batch emulator; see its log."
        )
        return error.http_status, json.dumps(error.body(), indent=2)


def _resolve(request: Request) -> tuple[Handler, re.Match[str]]:
    for method, pattern, handler in ROUTES:
        match = pattern.match(request.path)
        if match and method == request.method:
            return handler, match
    if request.path.startswith("/v1alpha/"):
        raise ApiError(
            "UNIMPLEMENTED",
            f"The Batch emulator does not implement {request.method} {request.path}.",
        )
    raise ApiError("NOT_FOUND", f"No such path: {request.method} {request.path}.")


class _Handler(BaseHTTPRequestHandler):
    server: EmulatorServer
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, the body waits for
    # the client's delayed ACK and every answer takes 40 ms longer.
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def do_DELETE(self) -> None:
        self._answer()

    def do_PATCH(self) -> None:
        self._answer()

    def _answer(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        query = {key: values[-1] for key, values in parse_qs(url.query).items()}
        request = Request(self.command, url.path, query, self.rfile.read(length))
        status, text = dispatch(self.server.service, request)
        body = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        _log.info("%s %s", self.address_string(), format % args)


class EmulatorServer(ThreadingHTTPServer):
    """A threading HTTP server bound to one BatchService."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], service: BatchService) -> None:
        super().__init__(address, _Handler)
        self.service = service
