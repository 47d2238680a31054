"""`python -m benchmarks [NAME...]`: run the named benchmarks, or all of them.

A benchmark is a module in this package with a `main() -> None`; add its name
to BENCHMARKS.
"""

from __future__ import annotations

import argparse
import importlib

BENCHMARKS = ["validation"]


def main() -> None:
    """Run the benchmarks named on the command line, or every one."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("names", nargs="*", metavar="NAME", help=", ".join(BENCHMARKS))
    names = parser.parse_args().names or BENCHMARKS
    unknown = sorted(set(names) - set(BENCHMARKS))
    if unknown:
        parser.error(f"no benchmark named {', '.join(unknown)}; try {BENCHMARKS}")
    for name in names:
        importlib.import_module(f"benchmarks.{name}").main()


if __name__ == "__main__":
    main()
