"""Benchmark 7: each worker's memory under traffic whose headers are all unique.

A cache keyed on every request header grows with every distinct header it is sent: 48 -> 636 MiB
per worker after ~800 requests of 760 KB headers, before the response cache keyed on Vary. Here
the recommended gunicorn serves a Spanish page while (a) 100,000 requests each carry unique
junk headers (a scanner, a client stamping ids) and (b) 800 requests each carry ~90 unique
8000-byte headers (what gunicorn's default limits admit, ~720 KB); each worker's resident memory
is read from /proc after warming up and after each phase. Target: flat (within 16 MiB).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from benchmarks.common import RECOMMENDED, SLUG, BenchmarkError, ServerSettings, request, say, start_gunicorn, table, write_result
from benchmarks.traffic import rss_mib, send_junk

PATH = f"/es/procedures/{SLUG}"
GROWTH_LIMIT_MIB = 16.0


def run(small: int = 100_000, large: int = 800, settings: ServerSettings = RECOMMENDED) -> dict:
    """Both phases; prints the table and writes results/memory.json."""
    say(f"memory: {small:,} requests with unique small junk headers, then {large:,} with ~720 KB of them")
    with tempfile.TemporaryDirectory(prefix="contentapi-bench-memory-") as temporary:
        server = start_gunicorn("contentapi:create_app()", settings, log=Path(temporary) / "server.log")
        try:
            for encoding in ("identity", "gzip", "br", "gzip, deflate, br, zstd"):
                for _ in range(50):  # every worker and thread has served (and kept) the page
                    request(server.port, PATH, headers={"Accept-Encoding": encoding})
            pids = server.worker_pids()
            rows = [["warmed up", "", *rss_mib(pids)]]
            started = time.monotonic()
            answered = send_junk(server.port, PATH, small, headers_per_request=3, value_bytes=64, host="127.0.0.1")
            rows.append([f"after {small:,} requests, 3 unique headers each", f"{time.monotonic() - started:.0f}",
                         *rss_mib(pids)])
            started = time.monotonic()
            answered_large = send_junk(server.port, PATH, large, headers_per_request=90, value_bytes=8000,
                                       host="127.0.0.1")
            rows.append([f"after {large:,} requests, 90 unique 8 KB headers each", f"{time.monotonic() - started:.0f}",
                         *rss_mib(pids)])
            if sorted(server.worker_pids()) != sorted(pids):
                raise BenchmarkError("a worker was replaced during the run; its memory cannot be compared")
        finally:
            server.stop()
    if answered != small or answered_large != large:
        raise BenchmarkError(f"only {answered}/{small} and {answered_large}/{large} junk requests were answered 200")
    growth = max(max(row[2:]) - min(rows[0][2:]) for row in rows[1:])
    targets = {f"each worker within {GROWTH_LIMIT_MIB:g} MiB of its warmed-up size": growth <= GROWTH_LIMIT_MIB}
    text = table(["moment", "seconds", *(f"worker {n + 1} RSS MiB" for n in range(len(rows[0]) - 2))], rows)
    print(f"\n### Memory per worker under unique junk headers; gunicorn {settings.label()}\n")
    print(text)
    print("\ntargets: " + ", ".join(f"{name}: {'met' if ok else 'MISSED'}" for name, ok in targets.items()))
    path = write_result("memory", {"settings": settings.label(), "small": small, "large": large, "rows": rows,
                                   "growth_mib": round(growth, 1), "targets": targets, "table": text})
    say(f"wrote {path}")
    return {"table": text, "targets": targets}
