"""``python -m devstack dev|demo``: the local stack, kept running or demonstrated."""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
from pathlib import Path
from types import FrameType

from devstack import processes


def _stop_on_sigterm() -> None:
    def handler(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


def main(argv: list[str] | None = None) -> int:
    """Run ``dev`` or ``demo``; return the process exit status."""
    parser = argparse.ArgumentParser(prog="python -m devstack")
    parser.add_argument("command", choices=["dev", "demo"])
    args = parser.parse_args(argv)
    _stop_on_sigterm()
    log_dir = Path(tempfile.mkdtemp(prefix="batch-stack-logs-"))
    try:
        if args.command == "dev":
            from devstack import dev

            return dev.run(log_dir)
        from devstack import demo

        return demo.run(log_dir)
    except (
        processes.MissingPrerequisite,
        processes.PortInUse,
        processes.StartFailed,
    ) as exc:
        sys.stderr.write(f"{args.command}: {exc}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("stopped; every process the stack started has ended\n")
        return 130


if __name__ == "__main__":
    sys.exit(main())
