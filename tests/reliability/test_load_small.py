"""A small run of the load test (`python -m benchmarks load`) on the local stack."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import load

pytestmark = pytest.mark.integration

PLAN = load.LoadPlan(
    uploads=24,
    messages=24,
    duplicate_fraction=0.25,
    invalid_fraction=0.125,
    fail_creates=4,
    drop_notifications=4,
    duplicate_notifications=4,
    timeout=90.0,
    state_delay=1.0,
    reconcile_every=1.0,
)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> load.Report:
    """Run the small plan once on a fresh stack; every test reads its report."""
    log_dir: Path = tmp_path_factory.mktemp("load-small")
    return load.run(PLAN, log_dir)


def test_every_invariant_holds_under_duplicates_and_faults(
    report: load.Report,
) -> None:
    """One job, one verdict and one end per input, and no dead letters."""
    problems = report.problems

    assert problems == []


def test_the_faults_and_duplicates_really_happened(report: load.Report) -> None:
    """Creates failed, final notifications were lost and repeated, inputs repeated."""
    figures = load.figures(report)
    missing, twice = load.notification_counts(report)

    assert (figures.failed_creates, figures.dropped) == (4, 4)
    assert (missing, twice) == (4, 4)
    assert figures.duplicates == 18


def test_each_valid_input_made_one_job_and_every_event_was_counted(
    report: load.Report,
) -> None:
    """42 valid inputs: 42 jobs, 48 verdict ids, 42 terminal ids."""
    figures = load.figures(report)

    assert (figures.inputs, figures.valid, figures.jobs) == (48, 42, 42)
    assert (figures.verdict_ids, figures.terminal_ids) == (48, 42)
    assert (figures.lost, figures.doubled) == (0, 0)


def test_the_printed_report_names_the_figures(report: load.Report) -> None:
    """The command's output carries the README row with the same counts."""
    row = load.readme_row(report, "load (small)")

    assert row.startswith(
        "| load (small) | 48 (6 invalid) | 18 direct + 4 notifications | "
        "4 creates UNAVAILABLE, 4 notifications dropped | 42 | 90 distinct ids in "
    )
    assert row.endswith(" messages | 0 | 0 |")
