"""End-to-end throughput: N uploads at once through the local pipeline, and gcloud.

The whole stack runs as `make demo` runs it: fake-gcs-server notifies the
uploads topic, the Pub/Sub emulator pushes to one Functions Framework instance
of submit_from_gcs at the deploy's concurrency (THREADS=8), which submits to
the Batch emulator and publishes to the events topic. N objects are uploaded
under jobs/ as fast as 16 threads can; the run ends when a submitted (or
rejected) event has arrived for every upload. Latency is from the start of an
upload to the Pub/Sub publish time of its submitted event. The seed's way, one
`gcloud alpha batch jobs submit` per file, runs sequentially against the same
Batch emulator. Run with `python -m benchmarks throughput [--uploads N]`.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks import common
from devstack.stack import LocalStack, Ports, StackSettings, running_stack
from devstack.wiring import storage_client, subscription_path

# High enough that no job ends during the run; QUEUED notifications still flow.
STATE_DELAY = 600.0
UPLOAD_THREADS = 16
BATCH_QUOTA_PER_SECOND = 100.0


@dataclass(frozen=True)
class Result:
    """What one throughput run measured."""

    uploads: int
    submitted: int
    rejected: int
    jobs_in_batch: int
    elapsed: float
    latencies: list[float]
    gcloud_jobs: int
    gcloud_elapsed: float

    @property
    def rate(self) -> float:
        """Jobs submitted per second through the pipeline."""
        return self.submitted / self.elapsed

    @property
    def gcloud_rate(self) -> float:
        """Jobs submitted per second by the gcloud loop."""
        return self.gcloud_jobs / self.gcloud_elapsed


def upload_all(stack: LocalStack, count: int) -> dict[str, float]:
    """Upload ``count`` job files under jobs/ at once; return each one's start time."""
    body = common.bench_job()
    bucket = storage_client(stack.settings).bucket(stack.settings.bucket)
    run = common.fresh_id()[:8]

    def upload(index: int) -> tuple[str, float]:
        name = f"jobs/bench-{run}-{index:05d}.json"
        started = time.time()
        bucket.blob(name).upload_from_string(body, content_type="application/json")
        return name, started

    with ThreadPoolExecutor(UPLOAD_THREADS) as pool:
        return dict(pool.map(upload, range(count)))


def collect_events(
    subscriber: Any, subscription: str, started: dict[str, float], timeout: float
) -> tuple[list[float], int, float]:
    """Pull events until each upload has one; return latencies, rejections, end."""
    latencies: dict[str, float] = {}
    rejected: set[str] = set()
    last = 0.0
    deadline = time.monotonic() + timeout
    while len(latencies) + len(rejected) < len(started):
        if time.monotonic() > deadline:
            break
        response = subscriber.pull(
            subscription=subscription, max_messages=1000, timeout=10
        )
        received = response.received_messages
        if not received:
            continue
        subscriber.acknowledge(
            subscription=subscription, ack_ids=[m.ack_id for m in received]
        )
        for item in received:
            message = item.message
            name = json.loads(message.data).get("source", {}).get("object", "")
            if name not in started:
                continue
            published = message.publish_time.timestamp()
            last = max(last, published)
            if message.attributes.get("ce-type", "").endswith(".submitted"):
                latencies[name] = published - started[name]
            else:
                rejected.add(name)
    return list(latencies.values()), len(rejected), last


def count_jobs(stack: LocalStack) -> int:
    """Count the jobs the Batch emulator holds in the stack's region."""
    from functions.batch_client import batch_client

    client = batch_client(stack.batch.address)
    parent = f"projects/{stack.settings.project}/locations/{stack.settings.region}"
    return sum(
        1 for _ in client.list_jobs(request={"parent": parent, "page_size": 1000})
    )


def gcloud_loop(batch_host: str, count: int, work: Path) -> float:
    """Submit ``count`` jobs one gcloud command at a time; return the seconds taken."""
    config = work / "gcloud-config"
    (config / "configurations").mkdir(parents=True)
    (config / "active_config").write_text("default")
    # What `gcloud config set` writes for these properties (emulator README).
    (config / "configurations/config_default").write_text(
        f"[api_endpoint_overrides]\nbatch = http://{batch_host}/\n"
        f"[auth]\ndisable_credentials = true\n[core]\nproject = {common.PROJECT}\n"
    )
    job_file = work / "job.json"
    job_file.write_bytes(common.bench_job())
    env = {**os.environ, "CLOUDSDK_CONFIG": str(config)}
    started = time.perf_counter()
    for index in range(count):
        # A prefix per job: gcloud adds a timestamp, which two fast submits can share.
        argv = [
            "gcloud", "--quiet", "alpha", "batch", "jobs", "submit",
            f"--job-prefix=gcloud-bench-{index}", f"--location={common.REGION}",
            f"--project={common.PROJECT}", f"--config={job_file}",
        ]  # fmt: skip
        done = subprocess.run(
            argv, env=env, capture_output=True, text=True, timeout=120, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"gcloud failed: {done.stderr.strip()}")
    return time.perf_counter() - started


def measure(uploads: int, gcloud_jobs: int, timeout: float, log_dir: Path) -> Result:
    """Run the stack, the uploads, then the gcloud loop against the same emulator."""
    settings = StackSettings(
        log_dir=log_dir,
        ports=Ports.free(),
        batch_emulator_args=("--state-delay", str(STATE_DELAY)),
    )
    with running_stack(settings) as stack:
        from google.cloud import pubsub_v1

        subscriber = pubsub_v1.SubscriberClient()
        subscription = subscription_path(settings, "bench-events")
        subscriber.create_subscription(
            name=subscription, topic=settings.topic_path(settings.topics.events)
        )
        first = time.time()
        started = upload_all(stack, uploads)
        latencies, rejected, last = collect_events(
            subscriber, subscription, started, timeout
        )
        jobs = count_jobs(stack)
        gcloud_elapsed = gcloud_loop(stack.batch.address, gcloud_jobs, log_dir)
    return Result(
        uploads,
        len(latencies),
        rejected,
        jobs,
        last - first,
        latencies,
        gcloud_jobs,
        gcloud_elapsed,
    )


def section(result: Result) -> str:
    """Return the markdown for one throughput run."""
    ratio = result.rate / result.gcloud_rate
    instances = math.ceil(BATCH_QUOTA_PER_SECOND / result.rate)
    rows = [
        [
            f"pipeline: {result.uploads} uploads, one submit_from_gcs instance, "
            f"THREADS={common.DEPLOY_THREADS}",
            f"{result.submitted}",
            f"{result.elapsed:.1f} s",
            f"{result.rate:.1f}",
            common.ms(common.percentile(result.latencies, 0.5)),
            common.ms(common.percentile(result.latencies, 0.99)),
        ],
        [
            f"gcloud loop: {result.gcloud_jobs} sequential "
            "`gcloud alpha batch jobs submit`",
            f"{result.gcloud_jobs}",
            f"{result.gcloud_elapsed:.1f} s",
            f"{result.gcloud_rate:.2f}",
            common.ms(result.gcloud_elapsed / result.gcloud_jobs),
            "",
        ],
    ]
    headers = ["how", "jobs", "wall time", "jobs/s", "p50 latency", "p99 latency"]
    return "\n\n".join(
        [
            "## 2. End-to-end throughput",
            f"Batch emulator `--state-delay {STATE_DELAY:.0f}`; the whole stack, the "
            "uploads and the event reader share the machine. Latency: upload start to "
            "the submitted event's publish time; wall time: first upload start to the "
            "last event. Jobs in the Batch emulator after the run: "
            f"{result.jobs_in_batch} (before the gcloud loop); rejected events: "
            f"{result.rejected}.",
            common.table(headers, rows),
            f"Ratio pipeline / gcloud loop: **{ratio:.0f}x**. Target at least 50x: "
            f"{common.verdict(ratio, 50, at_most=False)}.",
            "Batch's regional quota is 100 creates per second; at "
            f"{result.rate:.1f} jobs/s per instance, reaching it takes about "
            f"**{instances} instances** (from this "
            "machine's rate; a Cloud Run instance has its own vCPU and no emulators "
            "beside it, but pays real Batch latency).",
        ]
    )


def run(uploads: int = 2000, gcloud_jobs: int = 10, timeout: float = 300.0) -> str:
    """Measure and return the markdown section."""
    with tempfile.TemporaryDirectory(prefix="bench-throughput-") as log_dir:
        return section(measure(uploads, gcloud_jobs, timeout, Path(log_dir)))


def main() -> None:
    """Print the throughput section."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks throughput")
    parser.add_argument("--uploads", type=int, default=2000)
    parser.add_argument("--gcloud-jobs", type=int, default=10)
    parser.add_argument("--timeout", type=float, default=300.0)
    args, _ = parser.parse_known_args()
    print(run(args.uploads, args.gcloud_jobs, args.timeout))


if __name__ == "__main__":
    main()
