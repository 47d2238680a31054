"""Load: thousands of uploads and messages through the local stack, under faults.

The whole pipeline runs as `make demo` runs it (push subscriptions, a dead-letter
topic, reconcile ticks). Each input is an upload under jobs/ or a message on the
requests topic; a fraction are invalid jobs, which must be rejected. Real
duplicates are sent beside the platform's own deliveries: the same storage
CloudEvent (same bucket, object and generation) POSTed to submit_from_gcs, and
the same raw push body (same messageId) POSTed to submit_from_pubsub. Halfway
through, the Batch emulator's fault switches fail creates with UNAVAILABLE,
drop notifications and publish others twice.

At the end it checks one job per valid input, one submitted or rejected event
per input, one terminal event per job, and an empty dead-letter topic; it
prints the counts and the throughput and exits 1 when a check fails. Run with
`python -m benchmarks load [--uploads N] [--messages N] ...` (or `make load`).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
from google.api_core import exceptions
from google.cloud.pubsub_v1 import PublisherClient, SubscriberClient

from benchmarks import common
from devstack.demo import broken_sample, filled_sample
from devstack.stack import LocalStack, Ports, StackSettings, running_stack
from devstack.wiring import storage_client, subscription_path
from functions import labels
from functions.events import TYPE_PREFIX

Identity = tuple[str, ...]
SEND_THREADS = 16
VERDICTS = ("submitted", "rejected")
TERMINALS = ("succeeded", "failed", "cancelled")
FINAL_STATES = ("SUCCEEDED", "FAILED", "CANCELLED")


@dataclass(frozen=True)
class LoadPlan:
    """How much to send, how much of it to repeat, and which faults to inject."""

    uploads: int = 1500
    messages: int = 1500
    duplicate_fraction: float = 0.2
    invalid_fraction: float = 0.1
    fail_creates: int = 20
    drop_notifications: int = 40
    duplicate_notifications: int = 40
    timeout: float = 600.0
    state_delay: float = 2.0
    reconcile_every: float = 5.0
    seed: int = 7

    @property
    def settle_seconds(self) -> float:
        """Quiet time after the checks first hold, to catch late doubles."""
        return 2 * self.reconcile_every + 3


@dataclass(frozen=True)
class Input:
    """One distinct input: an upload (object, generation) or a message (id)."""

    identity: Identity
    valid: bool
    body: bytes


@dataclass
class Seen:
    """What the events and job state topics carried, gathered while the run goes."""

    verdicts: dict[Identity, dict[str, str]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    terminals: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    terminal_notifications: Counter[str] = field(default_factory=Counter)
    running: set[str] = field(default_factory=set)
    messages_by_kind: Counter[str] = field(default_factory=Counter)
    submitted_jobs: set[str] = field(default_factory=set)
    strays: list[str] = field(default_factory=list)

    def add_event(self, attributes: Mapping[str, str], data: Mapping[str, Any]) -> None:
        """Record one event message (a redelivery repeats a ``ce-id``)."""
        kind = attributes.get("ce-type", "").removeprefix(TYPE_PREFIX)
        event_id = attributes.get("ce-id", "")
        self.messages_by_kind[kind] += 1
        if kind in VERDICTS:
            self.verdicts[identity_of(data.get("source"))][event_id] = kind
            if kind == "submitted":
                self.submitted_jobs.add(str(data.get("jobName")))
        elif kind in TERMINALS:
            self.terminals[str(data.get("jobName"))].add(event_id)
        else:
            self.strays.append(f"an event of unknown type {kind!r}")


@dataclass(frozen=True)
class Sent:
    """Every distinct input and every extra delivery of one that was made."""

    inputs: dict[Identity, Input]
    duplicates: Counter[str]
    duplicate_answers: Counter[int]
    started: float
    sent_at: float


@dataclass
class Report:
    """The figures of one load run and the checks made on them."""

    plan: LoadPlan
    inputs: dict[Identity, Input]
    duplicates: Counter[str]
    duplicate_answers: Counter[int]
    seen: Seen
    jobs: list[dict[str, Any]]
    dead_letters: list[str]
    send_seconds: float
    verdict_seconds: float | None
    quiet_seconds: float | None
    faults_left: dict[str, Any]
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether every invariant held."""
        return not self.problems


def identity_of(source: Any) -> Identity:
    """The input an event's or a job's ``source`` names."""
    if not isinstance(source, Mapping):
        return ("unknown",)
    if source.get("kind") == "gcs":
        return ("gcs", str(source.get("object")), str(source.get("generation")))
    return ("pubsub", str(source.get("messageId")))


def every_nth(count: int, fraction: float) -> set[int]:
    """Indexes spread evenly over ``range(count)``, ``fraction`` of them."""
    return {i for i in range(count) if int((i + 1) * fraction) > int(i * fraction)}


# --- sending ---------------------------------------------------------------


class Sender:
    """Sends the inputs through the stack's front doors, and their duplicates."""

    def __init__(self, stack: LocalStack, plan: LoadPlan) -> None:
        self.stack = stack
        self.plan = plan
        self.run_id = common.fresh_id()[:8]
        self.bucket = storage_client(stack.settings).bucket(stack.settings.bucket)
        self.publisher = PublisherClient()
        self.requests_topic = stack.settings.topic_path(stack.settings.topics.requests)
        self.local = threading.local()

    def upload(self, index: int, valid: bool) -> Input:
        """Upload one job file; its identity is the object and its generation."""
        body = filled_sample() if valid else broken_sample()
        name = f"jobs/load-{self.run_id}-{index:05d}.json"
        blob = self.bucket.blob(name)
        blob.upload_from_string(body, content_type="application/json")
        return Input(("gcs", name, str(blob.generation)), valid, body)

    def publish(self, valid: bool) -> Input:
        """Publish one job on the requests topic; its identity is the message id."""
        body = filled_sample() if valid else broken_sample()
        message_id = self.publisher.publish(self.requests_topic, body).result(60)
        return Input(("pubsub", str(message_id)), valid, body)

    def redeliver(self, item: Input) -> int:
        """Deliver ``item`` once more straight to its function; return the status."""
        if item.identity[0] == "gcs":
            return self._storage_event(item)
        return self._push(item)

    def _storage_event(self, item: Input) -> int:
        _, name, generation = item.identity
        attributes, data = common.storage_event(
            self.stack.settings.bucket, name, int(generation), len(item.body)
        )
        # Eventarc keeps an event's id across redeliveries.
        attributes["id"] = f"load-{name}-{generation}"
        headers = {f"ce-{key}": value for key, value in attributes.items()}
        return self._post("submit_from_gcs", data, headers)

    def _push(self, item: Input) -> int:
        # The raw push body the Pub/Sub emulator sends, same messageId.
        settings = self.stack.settings
        body = {
            "message": {
                "data": base64.b64encode(item.body).decode(),
                "attributes": {},
                "messageId": item.identity[1],
                "publishTime": datetime.now(UTC).isoformat(),
            },
            "subscription": subscription_path(
                settings, f"{settings.topics.requests}-to-submit_from_pubsub"
            ),
        }
        return self._post("submit_from_pubsub", body, {})

    def _post(self, function: str, body: Any, headers: dict[str, str]) -> int:
        session = getattr(self.local, "session", None)
        if session is None:
            session = self.local.session = requests.Session()
        url = self.stack.functions[function].url + "/"
        headers = {**headers, "content-type": "application/json"}
        try:
            response = session.post(url, json=body, headers=headers, timeout=120)
        except requests.RequestException:
            return 0
        return int(response.status_code)


def set_faults(stack: LocalStack, faults: Mapping[str, Any]) -> dict[str, Any]:
    """Turn on the Batch emulator's fault switches; return them as it reads them."""
    url = f"{stack.batch.url}/emulator/v1/faults"
    response = requests.post(url, json=dict(faults), timeout=10)
    response.raise_for_status()
    answer: dict[str, Any] = requests.get(url, timeout=10).json()
    return answer


def read_faults(stack: LocalStack) -> dict[str, Any]:
    """Return the fault counters left unconsumed."""
    url = f"{stack.batch.url}/emulator/v1/faults"
    answer: dict[str, Any] = requests.get(url, timeout=10).json()
    return answer


def create_faults(plan: LoadPlan) -> dict[str, Any]:
    """Failed creates, in the emulator's JSON shape."""
    return {"failCreates": {"count": plan.fail_creates, "code": "UNAVAILABLE"}}


def notification_faults(plan: LoadPlan) -> dict[str, Any]:
    """Dropped, then repeated, notifications, in the emulator's JSON shape."""
    # Turned on once every job is RUNNING: the notifications left to come are
    # final states, so each drop is an end the reconciler must make up for.
    return {
        "dropNotifications": plan.drop_notifications,
        "duplicateNotifications": plan.duplicate_notifications,
    }


def send_all(stack: LocalStack, plan: LoadPlan) -> Sent:
    """Send every input with faults turned on halfway, then send the duplicates."""
    sender = Sender(stack, plan)
    invalid_uploads = every_nth(plan.uploads, plan.invalid_fraction)
    invalid_messages = every_nth(plan.messages, plan.invalid_fraction)
    calls = [
        (sender.upload, (i, i not in invalid_uploads)) for i in range(plan.uploads)
    ] + [(sender.publish, (i not in invalid_messages,)) for i in range(plan.messages)]
    random.Random(plan.seed).shuffle(calls)
    half = len(calls) // 2
    started = time.monotonic()
    with ThreadPoolExecutor(SEND_THREADS) as pool:
        sent = list(pool.map(lambda call: call[0](*call[1]), calls[:half]))
        set_faults(stack, create_faults(plan))
        sent += pool.map(lambda call: call[0](*call[1]), calls[half:])
        inputs = {item.identity: item for item in sent}
        repeats = duplicate_plan(sent, plan)
        answers = Counter(pool.map(sender.redeliver, repeats))
    duplicates = Counter(item.identity[0] for item in repeats)
    return Sent(inputs, duplicates, answers, started, time.monotonic())


def duplicate_plan(sent: Sequence[Input], plan: LoadPlan) -> list[Input]:
    """The extra deliveries: a fraction of inputs, once or twice more each."""
    chosen = sorted(every_nth(len(sent), plan.duplicate_fraction))
    repeats = []
    for rank, index in enumerate(chosen):
        repeats += [sent[index]] * (1 + rank % 2)
    random.Random(plan.seed + 1).shuffle(repeats)
    return repeats


# --- watching --------------------------------------------------------------


class Watch:
    """Pulls the events and job state topics, a thread each, into a ``Seen``."""

    def __init__(self, stack: LocalStack) -> None:
        self.settings = stack.settings
        self.subscriber = SubscriberClient()
        self.events = self._subscribe(self.settings.topics.events, "load-events")
        self.states = self._subscribe(self.settings.topics.job_state, "load-states")
        self.seen = Seen()
        self.lock = threading.Lock()
        self.stop = threading.Event()
        # One thread per subscription: a pull on an empty one waits a while.
        self.threads = [
            threading.Thread(target=self._loop, args=(self.events, self._add_event)),
            threading.Thread(target=self._loop, args=(self.states, self._add_state)),
        ]

    def _subscribe(self, topic: str, name: str) -> str:
        path = subscription_path(self.settings, name)
        self.subscriber.create_subscription(
            name=path, topic=self.settings.topic_path(topic), ack_deadline_seconds=60
        )
        return path

    def _loop(self, subscription: str, add: Callable[[Any], None]) -> None:
        while not self.stop.is_set():
            messages = pull(self.subscriber, subscription)
            with self.lock:
                for message in messages:
                    add(message)
            if not messages:
                self.stop.wait(0.2)

    def _add_event(self, message: Any) -> None:
        self.seen.add_event(message.attributes, json.loads(message.data))

    def _add_state(self, message: Any) -> None:
        attributes = message.attributes
        state, name = attributes.get("NewJobState"), attributes.get("JobName", "")
        if state in FINAL_STATES:
            self.seen.terminal_notifications[name] += 1
        elif state == "RUNNING":
            self.seen.running.add(name)

    @contextmanager
    def running(self) -> Iterator[Watch]:
        """Pull in the background while the block runs."""
        for thread in self.threads:
            thread.start()
        try:
            yield self
        finally:
            self.stop.set()
            for thread in self.threads:
                thread.join(timeout=30)


def pull(subscriber: Any, subscription: str) -> list[Any]:
    """Pull and acknowledge what is waiting on ``subscription``."""
    try:
        response = subscriber.pull(
            subscription=subscription, max_messages=1000, timeout=10
        )
    except exceptions.DeadlineExceeded:
        return []
    received = response.received_messages
    if received:
        subscriber.acknowledge(
            subscription=subscription, ack_ids=[m.ack_id for m in received]
        )
    return [m.message for m in received]


def all_verdicts(seen: Seen, inputs: Mapping[Identity, Input]) -> bool:
    """Whether every input has a submitted or rejected event."""
    return all(seen.verdicts.get(identity) for identity in inputs)


def all_ended(seen: Seen) -> bool:
    """Whether every job a submitted event named has a terminal event."""
    return all(seen.terminals.get(job) for job in seen.submitted_jobs)


def wait_until_quiet(
    stack: LocalStack, watch: Watch, sent: Sent, plan: LoadPlan
) -> tuple[float | None, float | None]:
    """Wait for every verdict and every end, then a quiet spell; return both times."""
    deadline = sent.started + plan.timeout
    verdicts_at = quiet_at = None
    armed = False
    while time.monotonic() < deadline and quiet_at is None:
        time.sleep(0.2)
        with watch.lock:
            answered = all_verdicts(watch.seen, sent.inputs)
            running = watch.seen.submitted_jobs <= watch.seen.running
            ended = answered and all_ended(watch.seen)
        if verdicts_at is None and answered:
            verdicts_at = time.monotonic() - sent.started
        if not armed and answered and running:
            armed = bool(set_faults(stack, notification_faults(plan)))
        elif armed and ended:
            quiet_at = time.monotonic() - sent.started
    if quiet_at is not None:
        time.sleep(plan.settle_seconds)
    return verdicts_at, quiet_at


def list_jobs(stack: LocalStack) -> list[dict[str, Any]]:
    """Every job the Batch emulator holds, in every location, as plain dicts."""
    from google.protobuf import json_format

    from functions.batch_client import batch_client

    parent = f"projects/{stack.settings.project}/locations/-"
    pager = batch_client(stack.batch.address).list_jobs(
        request={"parent": parent, "page_size": 500}
    )
    return [json_format.MessageToDict(type(job).pb(job)) for job in pager]


def dead_letters(stack: LocalStack, subscriber: Any) -> list[str]:
    """Drain the kept dead-letter subscription; describe each message."""
    settings = stack.settings
    kept = subscription_path(settings, f"{settings.topics.dead_letters}-kept")
    found: list[str] = []
    for _ in range(3):
        messages = pull(subscriber, kept)
        found += [describe_dead_letter(message) for message in messages]
        time.sleep(0 if messages else 1)
    return found


def describe_dead_letter(message: Any) -> str:
    """Name where a dead letter came from and what it carried."""
    attributes = dict(message.attributes)
    origin = attributes.get("CloudPubSubDeadLetterSourceSubscription", "?")
    return f"{origin}: {attributes} {bytes(message.data)[:120]!r}"


# --- checking --------------------------------------------------------------


def jobs_by_input(jobs: Sequence[Mapping[str, Any]]) -> dict[Identity, list[str]]:
    """The Batch jobs grouped by the input their gateway labels name."""
    grouped: dict[Identity, list[str]] = defaultdict(list)
    for job in jobs:
        source = labels.source_from_labels(job.get("labels") or {})
        grouped[identity_of(source)].append(str(job["name"]))
    return grouped


def verdict_problems(report: Report) -> list[str]:
    """Inputs without exactly one verdict event, or with the wrong one."""
    problems = []
    for identity, item in report.inputs.items():
        ids = report.seen.verdicts.get(identity, {})
        expected = "submitted" if item.valid else "rejected"
        if not ids:
            problems.append(f"lost: no submitted or rejected event for {identity}")
        elif len(ids) > 1:
            problems.append(f"doubled: {len(ids)} verdict event ids for {identity}")
        elif set(ids.values()) != {expected}:
            problems.append(f"wrong: {identity} was {ids} but should be {expected}")
    return problems


def job_problems(report: Report) -> list[str]:
    """Valid inputs without exactly one job; jobs that no input explains."""
    grouped = jobs_by_input(report.jobs)
    problems = []
    for identity, item in report.inputs.items():
        names = grouped.get(identity, [])
        if item.valid and not names:
            problems.append(f"lost: no Batch job for {identity}")
        elif len(names) > 1:
            problems.append(f"doubled: {len(names)} Batch jobs for {identity}")
        elif names and not item.valid:
            problems.append(f"wrong: a job {names} for the invalid input {identity}")
    strays = set(grouped) - set(report.inputs)
    problems += [f"stray: jobs {grouped[i]} name no input sent" for i in strays]
    return problems


def ending_problems(report: Report) -> list[str]:
    """Jobs without exactly one terminal event id, or not ended at all."""
    problems = []
    for job in report.jobs:
        name = str(job["name"])
        ids = report.seen.terminals.get(name, set())
        state = job.get("status", {}).get("state")
        if state not in FINAL_STATES:
            problems.append(f"unfinished: {name} is still {state}")
        if not ids:
            problems.append(f"lost: no terminal event for {name}")
        elif len(ids) > 1:
            problems.append(f"doubled: {len(ids)} terminal event ids for {name}")
    known = {str(job["name"]) for job in report.jobs}
    problems += [
        f"stray: a terminal event for {name}, which Batch does not hold"
        for name in set(report.seen.terminals) - known
    ]
    return problems


def check(report: Report) -> list[str]:
    """Every broken invariant, one line each; empty when the run is clean."""
    problems = verdict_problems(report) + job_problems(report)
    problems += ending_problems(report) + report.seen.strays
    problems += [f"dead letter: {letter}" for letter in report.dead_letters]
    if report.quiet_seconds is None:
        problems.append(f"timeout: not quiescent within {report.plan.timeout:.0f} s")
    return problems


def count_lines(problems: Sequence[str]) -> Counter[str]:
    """How many problems of each kind (the word before the colon)."""
    return Counter(problem.split(":", 1)[0] for problem in problems)


# --- running and reporting -------------------------------------------------


@contextmanager
def preserved_environment() -> Iterator[None]:
    """Put back the emulator variables ``running_stack`` sets in ``os.environ``."""
    saved = dict(os.environ)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def run(plan: LoadPlan, log_dir: Path) -> Report:
    """Run one load test on a fresh local stack; return its figures and checks."""
    settings = StackSettings(
        log_dir=log_dir,
        ports=Ports.free(),
        batch_emulator_args=("--state-delay", str(plan.state_delay)),
        reconcile_every_seconds=plan.reconcile_every,
    )
    with preserved_environment(), running_stack(settings) as stack:
        watch = Watch(stack)
        with watch.running():
            sent = send_all(stack, plan)
            verdicts_at, quiet_at = wait_until_quiet(stack, watch, sent, plan)
        report = Report(
            plan=plan,
            inputs=sent.inputs,
            duplicates=sent.duplicates,
            duplicate_answers=sent.duplicate_answers,
            seen=watch.seen,
            jobs=list_jobs(stack),
            dead_letters=dead_letters(stack, watch.subscriber),
            send_seconds=sent.sent_at - sent.started,
            verdict_seconds=verdicts_at,
            quiet_seconds=quiet_at,
            faults_left=read_faults(stack),
        )
    report.problems = check(report)
    return report


@dataclass(frozen=True)
class Figures:
    """The counts a report prints and the README's table holds."""

    inputs: int
    valid: int
    duplicates: int
    relay_duplicates: int
    failed_creates: int
    dropped: int
    jobs: int
    verdict_ids: int
    terminal_ids: int
    messages: int
    lost: int
    doubled: int


def figures(report: Report) -> Figures:
    """Count what the report holds."""
    left = report.faults_left
    plan = report.plan
    kinds = count_lines(report.problems)
    return Figures(
        inputs=len(report.inputs),
        valid=sum(item.valid for item in report.inputs.values()),
        duplicates=sum(report.duplicates.values()),
        relay_duplicates=plan.duplicate_notifications
        - int(left.get("duplicateNotifications", 0)),
        failed_creates=plan.fail_creates - int(left["failCreates"]["count"]),
        dropped=plan.drop_notifications - int(left.get("dropNotifications", 0)),
        jobs=len(report.jobs),
        verdict_ids=sum(len(ids) for ids in report.seen.verdicts.values()),
        terminal_ids=sum(len(ids) for ids in report.seen.terminals.values()),
        messages=sum(report.seen.messages_by_kind.values()),
        lost=kinds["lost"],
        doubled=kinds["doubled"],
    )


def readme_row(report: Report, scenario: str) -> str:
    """The report as one row of the README's "What was tried" table."""
    f = figures(report)
    cells = [
        scenario,
        f"{f.inputs:,} ({f.inputs - f.valid:,} invalid)",
        f"{f.duplicates:,} direct + {f.relay_duplicates} notifications",
        f"{f.failed_creates} creates UNAVAILABLE, {f.dropped} notifications dropped",
        f"{f.jobs:,}",
        f"{f.verdict_ids + f.terminal_ids:,} distinct ids in {f.messages:,} messages",
        str(f.lost),
        str(f.doubled),
    ]
    return "| " + " | ".join(cells) + " |"


def notification_counts(report: Report) -> tuple[int, int]:
    """Jobs whose terminal notification never arrived, and those it reached twice."""
    counts = report.seen.terminal_notifications
    names = [str(job["name"]) for job in report.jobs]
    return (
        sum(1 for name in names if counts[name] == 0),
        sum(1 for name in names if counts[name] > 1),
    )


def render(report: Report) -> str:
    """The figures as a markdown table, then each broken invariant."""
    f = figures(report)
    seen = report.seen
    missing, twice = notification_counts(report)
    answers = ", ".join(
        f"{code}: {n}" for code, n in sorted(report.duplicate_answers.items())
    )
    kinds = ", ".join(
        f"{kind} {n:,}" for kind, n in sorted(seen.messages_by_kind.items())
    )
    rate = f.inputs / report.verdict_seconds if report.verdict_seconds else 0.0
    rows = [
        ["inputs sent", f"{len(report.inputs):,}: {report.plan.uploads:,} uploads, "
         f"{report.plan.messages:,} messages; {f.valid:,} valid"],
        ["duplicates delivered", f"{report.duplicates['gcs']:,} storage events, "
         f"{report.duplicates['pubsub']:,} push bodies (answers {answers}); "
         f"{f.relay_duplicates} notifications published twice"],
        ["faults injected", f"{f.failed_creates} creates failed UNAVAILABLE; "
         f"{f.dropped} notifications dropped ({missing} jobs never got a terminal "
         f"one, {twice} got it twice)"],
        ["jobs created", f"{f.jobs:,} (one per valid input: {f.valid:,})"],
        ["events published", f"{f.verdict_ids:,} submitted/rejected ids, "
         f"{f.terminal_ids:,} terminal ids; messages received: {kinds}"],
        ["dead letters", str(len(report.dead_letters))],
        ["lost", str(f.lost)],
        ["doubled", str(f.doubled)],
        ["sending took", f"{report.send_seconds:.1f} s"],
        ["every input answered after", _seconds(report.verdict_seconds)],
        ["throughput", f"{rate:.1f} inputs/s to their submitted or rejected event"],
        ["quiescent after", _seconds(report.quiet_seconds)],
    ]  # fmt: skip
    machine = [[key, value] for key, value in common.machine().items()]
    text = (
        common.table(["", ""], machine)
        + "\n\n"
        + common.table(["figure", "value"], rows)
    )
    verdict = (
        "all invariants held" if report.ok else f"{len(report.problems)} problem(s)"
    )
    shown = report.problems[:50]
    return "\n".join([text, "", verdict, *shown, "", readme_row(report, "load")])


def _seconds(value: float | None) -> str:
    return "never (timeout)" if value is None else f"{value:.1f} s"


def parse(argv: Sequence[str]) -> LoadPlan:
    """Read the plan from the command line (unknown words are the dispatcher's)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks load")
    defaults = LoadPlan()
    for name in ("uploads", "messages", "fail_creates", "drop_notifications",
                 "duplicate_notifications"):  # fmt: skip
        parser.add_argument("--" + name.replace("_", "-"), type=int,
                            default=getattr(defaults, name))  # fmt: skip
    for name in ("duplicate_fraction", "invalid_fraction", "timeout",
                 "state_delay", "reconcile_every"):  # fmt: skip
        parser.add_argument("--" + name.replace("_", "-"), type=float,
                            default=getattr(defaults, name))  # fmt: skip
    args, _ = parser.parse_known_args(argv)
    return LoadPlan(**vars(args))


def main() -> None:
    """Run the load test, print its figures, exit 1 when an invariant broke."""
    plan = parse(sys.argv[1:])
    log_dir = Path(tempfile.mkdtemp(prefix="load-"))
    print(f"load: {plan}; service logs in {log_dir}", flush=True)
    report = run(plan, log_dir)
    print(render(report))
    sys.exit(0 if report.ok else 1)


if __name__ == "__main__":
    main()
