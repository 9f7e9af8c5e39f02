"""Benchmarks of contentapi: ``python -m benchmarks {api,sweep,scale,publish,audit,catalogs,checks,memory,front,all}``.

Each prints a Markdown table and writes benchmarks/results/<name>.json. Every server listens on
127.0.0.1 only, every load run has a fixed length, and every process started is stopped at the
end (also on Ctrl-C). ``--quick`` makes every run short, for trying the benchmarks out.
"""

from __future__ import annotations

import argparse
import math
import sys
import time

from benchmarks.common import BenchmarkError, install_signal_handlers, say, stop_all


def parse_sizes(text: str) -> tuple[int, ...]:
    """``1,100,1000`` -> (1, 100, 1000)."""
    try:
        sizes = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError("sizes are numbers separated by commas, such as 1,100,1000") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("sizes are whole numbers of at least 1")
    return sizes


def _positive(convert, unit: str, minimum: str):
    """An argparse type: ``convert(text)`` that must be above zero (and finite)."""

    def parse(text: str):
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a {unit}") from None
        if not 0 < value < math.inf:
            raise argparse.ArgumentTypeError(f"must be {minimum}")
        return value

    return parse


positive_int = _positive(int, "whole number", "at least 1")  # rounds, repeats
positive_seconds = _positive(float, "number of seconds", "more than 0 seconds")  # durations


def build_parser() -> argparse.ArgumentParser:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="short runs (figures are rough)")
    sub = parser.add_subparsers(dest="command", required=True)
    api = sub.add_parser("api", help="1: the API vs bare Flask (floor) vs nginx (limit)")
    api.add_argument("--duration", type=positive_seconds, default=10.0, help="seconds per wrk run (default 10)")
    api.add_argument("--rounds", type=positive_int, default=3, help="interleaved rounds, median reported (default 3)")
    sweep = sub.add_parser("sweep", help="gunicorn worker classes and counts, for the recommended settings")
    sweep.add_argument("--duration", type=positive_seconds, default=5.0, help="seconds per wrk run (default 5)")
    scale = sub.add_parser("scale", help="2: 1, 100 and 1000 procedures: start-up, memory, requests per second")
    scale.add_argument("--sizes", type=parse_sizes, default=(1, 100, 1000), help="corpus sizes (default 1,100,1000)")
    scale.add_argument("--duration", type=positive_seconds, default=2.0, help="seconds per wrk run (default 2)")
    scale.add_argument("--rounds", type=positive_int, default=24,
                       help="interleaved rounds, order reversed every other round; median reported (default 24)")
    publish = sub.add_parser("publish", help="3: a catalog published every second under wrk load")
    publish.add_argument("--duration", type=positive_seconds, default=30.0, help="seconds of publishing under load (default 30)")
    publish.add_argument("--backend", choices=("files", "postgres", "both"), default="both",
                         help="the revision store: files, PostgreSQL (a throwaway cluster on loopback), or both (default)")
    audit = sub.add_parser("audit", help="4: the audit's pages per second vs the axe command-line tool")
    audit.add_argument("--repeat", type=positive_int, default=3, help="runs of each configuration, median reported (default 3)")
    catalogs = sub.add_parser("catalogs", help="5: 1, 1000 and 10000 procedures: first start, start-up, publishing one catalog")
    catalogs.add_argument("--sizes", type=parse_sizes, default=(1, 1000, 10000), help="library sizes (default 1,1000,10000)")
    catalogs.add_argument("--publishes", type=positive_int, default=10, help="publishes timed per size (default 10)")
    checks = sub.add_parser("checks", help="6: contentapi i18n check on 1 MiB catalogs of adversarial strings (target: 2 s)")
    checks.add_argument("--repeat", type=positive_int, default=3, help="runs of each catalog, median reported (default 3)")
    memory = sub.add_parser("memory", help="7: memory per worker after 100,000 requests with unique junk headers")
    memory.add_argument("--requests", type=positive_int, default=100_000, help="small junk requests (default 100000)")
    front = sub.add_parser("front", help="8: the nginx front over gunicorn vs nginx serving the export, browser mix; publishing through the front")
    front.add_argument("--duration", type=positive_seconds, default=10.0, help="seconds per wrk run (default 10)")
    front.add_argument("--rounds", type=positive_int, default=3, help="interleaved rounds, median reported (default 3)")
    everything = sub.add_parser("all", help="sweep, api, scale, publish, audit, catalogs, checks, memory and front, one after the other; "
                                             "writes results/summary.md for the README")
    everything.add_argument("--skip", default="", help="comma-separated benchmarks to leave out")
    return parser


def run_one(name: str, args: argparse.Namespace) -> dict:
    """Run one benchmark by name with the parsed options (or the quick ones)."""
    quick = args.quick
    if name == "api":
        from benchmarks import api

        return api.run(duration=2.0 if quick else getattr(args, "duration", 10.0),
                       rounds=1 if quick else getattr(args, "rounds", 3))
    if name == "sweep":
        from benchmarks import api

        return api.sweep(duration=2.0 if quick else getattr(args, "duration", 5.0))
    if name == "scale":
        from benchmarks import scale

        return scale.run(sizes=(1, 100) if quick else getattr(args, "sizes", (1, 100, 1000)),
                         duration=2.0 if quick else getattr(args, "duration", 2.0),
                         rounds=2 if quick else getattr(args, "rounds", 24))
    if name == "publish":
        from benchmarks import publish

        backend = getattr(args, "backend", "both")
        duration = 8.0 if quick else getattr(args, "duration", 30.0)
        results = [publish.run(duration=duration, backend=name) for name in
                   (("files", "postgres") if backend == "both" else (backend,))]
        return {"table": "\n\n".join(result["table"] for result in results),
                "targets": {f"{name} ({store})": ok for result, store in zip(results, ("files", "postgres") if backend == "both" else (backend,))
                            for name, ok in result["targets"].items()}}
    if name == "audit":
        from benchmarks import audit

        return audit.run(quick=quick, repeat=1 if quick else getattr(args, "repeat", 3))
    if name == "catalogs":
        from benchmarks import catalogs

        return catalogs.run(sizes=(1, 100) if quick else getattr(args, "sizes", catalogs.SIZES),
                            publishes=3 if quick else getattr(args, "publishes", catalogs.PUBLISHES))
    if name == "checks":
        from benchmarks import checks

        return checks.run(quick=quick, repeat=getattr(args, "repeat", 3))
    if name == "memory":
        from benchmarks import memory

        return memory.run(small=5_000 if quick else getattr(args, "requests", 100_000), large=50 if quick else 800)
    if name == "front":
        from benchmarks import front

        return front.run(duration=2.0 if quick else getattr(args, "duration", 10.0),
                         rounds=1 if quick else getattr(args, "rounds", 3))
    raise BenchmarkError(f"unknown benchmark {name!r}")


TITLES = {
    "sweep": "gunicorn settings",
    "api": "1. API against its floor (bare Flask, same bytes) and its limit (nginx, the export)",
    "scale": "2. Scale",
    "publish": "3. Publishing under load",
    "audit": "4. Audit against the axe CLI",
    "catalogs": "5. Catalogs at library scale",
    "checks": "6. Catalog checks on hostile input",
    "memory": "7. Memory under unique junk headers",
    "front": "8. The production shape: nginx front over gunicorn vs nginx serving the export",
}


def write_summary(outcomes: dict[str, dict], failed: list[str]) -> str:
    """results/summary.md: the machine, then each benchmark's table and targets (pasted into the README)."""
    from benchmarks.common import RESULTS_DIR, machine

    info = machine()
    lines = [
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {info['nproc']} CPUs ({info['cpu']}), "
        f"{info['memory']} memory; Linux {info['kernel']}; Python {info['python']}, gunicorn {info['gunicorn']}, "
        f"{info['nginx']}, {info['wrk']}, Chromium {info['chromium']}, Node.js {info['node']}.",
        "",
    ]
    for name, outcome in outcomes.items():
        lines += [f"#### {TITLES[name]}", "", outcome["table"], ""]
        if outcome.get("targets"):
            lines += ["Targets: " + "; ".join(f"{target}: **{'met' if ok else 'missed'}**"
                                              for target, ok in outcome["targets"].items()) + ".", ""]
    for name in failed:
        lines += [f"#### {TITLES[name]}", "", "(could not run: see the log)", ""]
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / "summary.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return str(path)


def main(argv: list[str] | None = None) -> None:
    """Run the chosen benchmark(s); one line on stderr and exit 1 when one cannot run."""
    args = build_parser().parse_args(argv)
    install_signal_handlers()
    failed = []
    try:
        if args.command == "all":
            skip = {name.strip() for name in args.skip.split(",") if name.strip()}
            outcomes = {}
            for name in ("sweep", "api", "scale", "publish", "audit", "catalogs", "checks", "memory", "front"):
                if name in skip:
                    continue
                started = time.monotonic()
                try:
                    outcomes[name] = run_one(name, args)
                except BenchmarkError as error:
                    print(f"benchmarks: {name}: {error}", file=sys.stderr)
                    failed.append(name)
                say(f"{name} took {time.monotonic() - started:.0f} s")
            say(f"wrote {write_summary(outcomes, failed)}")
        else:
            run_one(args.command, args)
    except BenchmarkError as error:
        print(f"benchmarks: {error}", file=sys.stderr)
        sys.exit(1)
    finally:
        stop_all()
    if failed:
        sys.exit(1)
