"""`python -m benchmarks [NAME...]`: run the named benchmarks, or all of them.

A benchmark is a module in this package with a `main() -> None`; add its name
to BENCHMARKS. With no name, all of them run and the markdown report is written
to benchmarks/reports/latest.md. Flags (`--uploads N`, `--gcloud-jobs N`,
`--samples N`, `--runs N`, `--timeout S`) pass through to the benchmarks.
"""

from __future__ import annotations

import argparse
import importlib
import warnings

# "load" runs only when named: a pass/fail load test, not part of the report.
BENCHMARKS = ["overhead", "throughput", "coldstart", "validation", "load"]


def main() -> None:
    """Run the benchmarks named on the command line, or every one into the report."""
    # google-api-core announces its Python support schedule on import; not ours.
    warnings.filterwarnings("ignore", "You are using a Python version", FutureWarning)
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("names", nargs="*", metavar="NAME", help=", ".join(BENCHMARKS))
    names = parser.parse_known_args()[0].names
    unknown = sorted(set(names) - set(BENCHMARKS))
    if unknown:
        parser.error(f"no benchmark named {', '.join(unknown)}; try {BENCHMARKS}")
    if not names:
        importlib.import_module("benchmarks.report").main()
    for name in names:
        importlib.import_module(f"benchmarks.{name}").main()


if __name__ == "__main__":
    main()
