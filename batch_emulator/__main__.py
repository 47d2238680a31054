"""``python -m batch_emulator``: serve the Batch v1alpha REST API until stopped."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from batch_emulator.app import Emulator
from batch_emulator.faults import CREATE_FAILURE_CODES, Faults
from batch_emulator.lifecycle import Timing
from batch_emulator.notifier import PUBLISH_TIMEOUT_SECONDS, PubSubPublisher


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m batch_emulator",
        description="A local emulator of the Google Cloud Batch v1alpha jobs API.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind")
    parser.add_argument("--port", type=int, default=8089, help="port to listen on")
    parser.add_argument(
        "--state-delay",
        type=float,
        default=0.5,
        metavar="SECONDS",
        help="pause before each job and task state change (default 0.5)",
    )
    parser.add_argument(
        "--publish-timeout",
        type=float,
        default=PUBLISH_TIMEOUT_SECONDS,
        metavar="SECONDS",
        help="give up publishing a notification after this long (default 5)",
    )
    faults = parser.add_argument_group("fault injection (all off by default)")
    faults.add_argument(
        "--fail-creates",
        type=int,
        default=0,
        metavar="N",
        help="fail the next N create requests",
    )
    faults.add_argument(
        "--fail-creates-code",
        choices=CREATE_FAILURE_CODES,
        default="UNAVAILABLE",
        help="status of the failed creates",
    )
    faults.add_argument(
        "--create-latency",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="delay every create request",
    )
    faults.add_argument(
        "--drop-notifications",
        type=int,
        default=0,
        metavar="N",
        help="do not publish the next N notifications",
    )
    faults.add_argument(
        "--duplicate-notifications",
        type=int,
        default=0,
        metavar="N",
        help="publish the next N notifications twice",
    )
    parser.add_argument("--log-level", default="INFO", help="logging level")
    return parser.parse_args(argv)


def faults_from(args: argparse.Namespace) -> Faults:
    """Return the fault switches the command line sets."""
    return Faults(
        fail_creates=args.fail_creates,
        fail_creates_code=args.fail_creates_code,
        create_latency_seconds=args.create_latency,
        drop_notifications=args.drop_notifications,
        duplicate_notifications=args.duplicate_notifications,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the emulator until SIGINT or SIGTERM."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(
        level=args.log_level.upper(),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    timing = Timing(state_delay=args.state_delay)
    try:
        publisher = PubSubPublisher(args.publish_timeout)
        emulator = Emulator(args.host, args.port, timing, faults_from(args), publisher)
    except OSError as exc:
        print(f"cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 2

    def stop(signum: int, frame: FrameType | None) -> None:
        threading.Thread(target=emulator.shutdown, daemon=True).start()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    print(f"Batch emulator listening on http://{emulator.address}", flush=True)
    emulator.serve_forever()
    emulator.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
