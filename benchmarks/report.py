"""All four benchmarks in one markdown report: benchmarks/reports/latest.md."""

from __future__ import annotations

import argparse
import json
import time
from functools import partial
from pathlib import Path

from benchmarks import coldstart, common, overhead, throughput, validation

REPORT = Path(__file__).resolve().parent / "reports" / "latest.md"


def validation_section() -> str:
    """Time check_job on the seed sample and a near-1 MB job against json.loads."""
    from functions.validation import check_job, job_validator

    job_validator()
    rows = []
    for name, data in (
        ("seed sample", validation.seed_job()),
        ("near 1 MB", validation.large_job()),
    ):
        checking = validation.median_seconds(
            partial(check_job, data, validation.REGION)
        )
        parsing = validation.median_seconds(partial(json.loads, data))
        rows.append(
            [
                name,
                f"{len(data):,}",
                common.ms(checking),
                common.ms(parsing),
                f"{checking / parsing:.0f}x",
            ]
        )
    headers = ["job", "bytes", "check_job", "json.loads", "ratio"]
    return "\n\n".join(
        [
            "## 4. Validation",
            "Median time to decode and validate one job (`check_job`; the validator "
            "is compiled once per process), against `json.loads` of the same bytes.",
            common.table(headers, rows),
        ]
    )


def header() -> str:
    """Return the report's title and the machine it ran on."""
    rows = [[key, value] for key, value in common.machine().items()]
    return "\n\n".join(
        [
            "# Benchmarks",
            "Written by `python -m benchmarks` (also `make bench`). Timings on a "
            "shared machine are noisy: every figure is a median, and every ratio "
            "compares figures taken in the same run.",
            common.table(["", ""], rows),
        ]
    )


def main() -> None:
    """Run all four benchmarks, write the report and print it."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--uploads", type=int, default=2000)
    parser.add_argument("--gcloud-jobs", type=int, default=10)
    parser.add_argument("--samples", type=int, default=40)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=300.0)
    args, _ = parser.parse_known_args()
    started = time.monotonic()
    parts = [header()]
    parts.append(overhead.run(args.samples))
    parts.append(throughput.run(args.uploads, args.gcloud_jobs, args.timeout))
    parts.append(coldstart.run(args.runs))
    parts.append(validation_section())
    parts.append(f"Whole run: {time.monotonic() - started:.0f} s.")
    text = "\n\n".join(parts) + "\n"
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(text)
    print(text)
    print(f"written to {REPORT}")
