"""The command line: `python -m functions validate ...`; one subcommand per verb.

A new subcommand is one `add_NAME(subcommands)` function that registers its
arguments and sets `handler`, listed in SUBCOMMANDS. Handlers return the exit
status: 0 all valid, 1 something invalid, 2 usage or I/O error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TextIO, TypeAlias

from functions.config import load_allow_lists
from functions.errors import ConfigurationError, TransientError
from functions.locations import is_region
from functions.policy import by_path, policy_violations
from functions.stack_commands import add_follow, add_submit
from functions.validation import check_job
from functions.violations import Violation

EXIT_VALID = 0
EXIT_INVALID = 1
EXIT_USAGE = 2
DEFAULT_REGION = "us-central1"

# What argparse's add_subparsers returns (a private class, so only in annotations).
Subcommands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
Subcommand = Callable[[Subcommands], None]


@dataclass(frozen=True)
class FileResult:
    """The verdict on one file."""

    file: str
    violations: list[Violation]

    @property
    def valid(self) -> bool:
        """Return whether the file holds a valid job."""
        return not self.violations


def render_text(results: Sequence[FileResult]) -> str:
    """Return linter-style lines: FILE:PATH: RULE message, then the hint."""
    lines = []
    for result in results:
        if result.valid:
            lines.append(f"{result.file}: valid")
        for violation in result.violations:
            where = f"{result.file}:{violation.path}"
            lines.append(f"{where}: {violation.rule} {violation.message}")
            lines.append(f"    hint: {violation.hint}")
    return "".join(f"{line}\n" for line in lines)


def render_json(results: Sequence[FileResult]) -> str:
    """Return the one JSON object DESIGN.md gives for --format json."""
    body = {
        "results": [
            {
                "file": result.file,
                "valid": result.valid,
                "violations": [each.as_dict() for each in result.violations],
            }
            for result in results
        ]
    }
    return json.dumps(body, indent=2) + "\n"


def _read(name: str) -> bytes:
    """Return the bytes of a file, or of standard input for '-'."""
    if name == "-":
        return sys.stdin.buffer.read()
    with open(name, "rb") as file:
        return file.read()


def _preflight(document: Mapping[str, object]) -> list[Violation]:
    """Check each streaming image's manifest in the registry; return violations."""
    from functions.preflight import preflight_job
    from functions.registry import shared_registry

    return preflight_job(document, shared_registry())


def _region(text: str) -> str:
    """Parse --location: a region such as us-central1."""
    if not is_region(text):
        message = f"{text!r} is not a region such as us-central1"
        raise argparse.ArgumentTypeError(message)
    return text


def run_validate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Validate each file for the region; print the verdicts; return the status."""
    results = []
    failed_reads = False
    allowed = load_allow_lists()
    for name in args.files:
        try:
            data = _read(name)
        except OSError as exc:
            err.write(f"validate: cannot read {name}: {exc.strerror or exc}\n")
            failed_reads = True
            continue
        document, violations = check_job(data, args.location)
        if document is not None:
            violations = by_path(
                violations + policy_violations(document, args.location, allowed)
            )
        if args.preflight and document is not None:
            try:
                violations += _preflight(document)
            except (TransientError, ConfigurationError) as exc:
                err.write(f"validate: the registry preflight could not run: {exc}\n")
                return EXIT_USAGE
        results.append(FileResult(name, violations))

    render = render_json if args.format == "json" else render_text
    out.write(render(results))
    if failed_reads:
        return EXIT_USAGE
    return EXIT_VALID if all(result.valid for result in results) else EXIT_INVALID


def add_validate(
    subcommands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    """Register `validate [--location REGION] [--format text|json] FILE...`."""
    parser = subcommands.add_parser(
        "validate",
        help="check job files against the image-streaming rules",
        description="Check Batch job files against the image-streaming rules.",
    )
    parser.add_argument(
        "--location",
        type=_region,
        metavar="REGION",
        default=os.environ.get("BATCH_REGION") or DEFAULT_REGION,
        help="region the job is for (default: $BATCH_REGION or us-central1)",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument(
        "--preflight",
        action="store_true",
        help="also read each image's manifest from the registry (schema 1, empty "
        "or duplicate layers, missing or unreadable images)",
    )
    parser.add_argument(
        "files", nargs="+", metavar="FILE", help="job JSON file; - reads stdin"
    )
    parser.set_defaults(handler=run_validate)


SUBCOMMANDS: list[Subcommand] = [add_validate, add_submit, add_follow]


def build_parser() -> argparse.ArgumentParser:
    """Return the parser with every subcommand registered."""
    parser = argparse.ArgumentParser(prog="python -m functions")
    subcommands = parser.add_subparsers(dest="command", required=True)
    for add in SUBCOMMANDS:
        add(subcommands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = build_parser().parse_args(argv)
    status: int = args.handler(args, sys.stdout, sys.stderr)
    return status
