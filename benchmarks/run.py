"""Command line of the benchmarks: ``python -m benchmarks {api,sweep,scale,publish,audit,all}``."""

from __future__ import annotations

import argparse
import sys

from benchmarks.common import BenchmarkError, install_signal_handlers, stop_all


def main(argv: list[str] | None = None) -> None:
    """Parse the subcommand and run it; one line on stderr and exit 1 when a benchmark cannot run."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    api = sub.add_parser("api", help="API vs bare Flask (floor) vs nginx (limit)")
    api.add_argument("--duration", type=float, default=10.0, help="seconds per wrk run")
    api.add_argument("--rounds", type=int, default=3, help="interleaved rounds; the median is reported")
    sweep = sub.add_parser("sweep", help="gunicorn worker class and count candidates")
    sweep.add_argument("--duration", type=float, default=5.0)
    args = parser.parse_args(argv)
    install_signal_handlers()
    try:
        if args.command == "api":
            from benchmarks import api as module

            module.run(duration=args.duration, rounds=args.rounds)
        elif args.command == "sweep":
            from benchmarks import api as module

            module.sweep(duration=args.duration)
    except BenchmarkError as error:
        print(f"benchmarks: {error}", file=sys.stderr)
        sys.exit(1)
    finally:
        stop_all()
