"""Benchmark 5: catalogs at library scale. For libraries of 1, 1,000 and 10,000 procedures in seven
locales (a catalog per procedure and locale: up to 60,006 catalogs), gunicorn as recommended:

- **first start**: process start to ``/healthz`` answering, on a new store: every catalog of the
  translations folder is checked, compiled and imported as a revision (once per deployment);
- **start-up**: the same on the next starts, the median of three (the figure the target is on:
  under 10 s at 10,000 procedures);
- **publish**: ``PUT /api/v1/translations/es/procedures/{slug}`` of one procedure's catalog with a
  new title, round trip through HTTP, median and slowest of ten (the target: milliseconds, the
  same at every size).
"""

from __future__ import annotations

import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from benchmarks.common import (
    VENV_BIN,
    BenchmarkError,
    ServerSettings,
    request,
    say,
    start_gunicorn,
    table,
    write_result,
)
from benchmarks.corpus import generate, slug_of
from benchmarks.publish import edition
from benchmarks.scale import RECOMMENDED

SIZES = (1, 1000, 10000)
PUBLISHES = 10
STARTS = 3
STARTUP_TIMEOUT = 3600.0  # the first start of the largest library imports 60,000 catalogs


def token_for(workdir: Path, env: dict) -> str:
    """A translator token for Spanish, made with the command operators use."""
    added = subprocess.run([str(VENV_BIN / "contentapi"), "tokens", "add", "bench", "--locales", "es"],
                           capture_output=True, text=True, env=env, timeout=120)
    if added.returncode != 0:
        raise BenchmarkError(f"contentapi tokens add failed: {added.stderr.strip()[-300:]}")
    return added.stdout.strip().splitlines()[0]


def publish_times(port: int, token: str, slug: str, count: int) -> list[float]:
    """Round-trip seconds of ``count`` publishes of one procedure's Spanish catalog."""
    url = f"/api/v1/translations/es/procedures/{slug}"
    auth = {"Authorization": f"Bearer {token}"}
    current = request(port, url, headers=auth)
    if current.status != 200:
        raise BenchmarkError(f"GET {url} answered {current.status}")
    text, etag = current.body.decode("utf-8"), current.headers["etag"]
    title = 'msgstr "Cifoplastia y vertebroplastia"'
    times = []
    for number in range(1, count + 1):
        body = text.replace(title, f'msgstr "Cifoplastia y vertebroplastia, edición {edition(number)}"', 1).encode()
        sent = time.perf_counter()
        reply = request(port, url, method="PUT", body=body, timeout=60,
                        headers={**auth, "If-Match": etag, "Content-Type": "text/x-gettext-translation"})
        times.append(time.perf_counter() - sent)
        if reply.status != 200:
            raise BenchmarkError(f"PUT {url} answered {reply.status}: {reply.body[:200]!r}")
        etag = reply.headers["etag"]
    return times


def measure(size: int, settings: ServerSettings, publishes: int) -> dict:
    """First start, start-up and publish times for one library size."""
    with tempfile.TemporaryDirectory(prefix=f"contentapi-bench-catalogs-{size}-") as temporary:
        workdir = Path(temporary)
        content, translations = generate(workdir / "corpus", size)
        env = {"CONTENTAPI_CONTENT_DIR": str(content), "CONTENTAPI_TRANSLATIONS_DIR": str(translations),
               "CONTENTAPI_TOKENS": str(workdir / "tokens.json")}
        token = token_for(workdir, env)
        catalogs = sum(1 for _ in translations.glob("*/LC_MESSAGES/*.po"))
        first = start_gunicorn("contentapi:create_app()", settings, env=env, timeout=STARTUP_TIMEOUT,
                               log=workdir / "first.log")
        first_start = first.startup_s
        first.stop()
        starts = []
        for number in range(STARTS):
            server = start_gunicorn("contentapi:create_app()", settings, env=env, timeout=STARTUP_TIMEOUT,
                                    log=workdir / f"start-{number}.log")
            starts.append(server.startup_s)
            if number < STARTS - 1:
                server.stop()
        try:
            times = publish_times(server.port, token, slug_of(size // 2), publishes)
        finally:
            server.stop()
    return {
        "procedures": size,
        "catalogs": catalogs,
        "first_start_s": round(first_start, 2),
        "startup_s": round(statistics.median(starts), 2),
        "startup_trials_s": [round(value, 2) for value in starts],
        "publish_ms": round(1000 * statistics.median(times), 1),
        "publish_max_ms": round(1000 * max(times), 1),
        "publish_trials_ms": [round(1000 * value, 1) for value in times],
    }


def run(sizes: tuple[int, ...] = SIZES, publishes: int = PUBLISHES, settings: ServerSettings = RECOMMENDED) -> dict:
    """Benchmark 5; prints the table and writes results/catalogs.json."""
    say(f"catalogs: libraries of {', '.join(map(str, sizes))} procedures; gunicorn {settings.label()}")
    rows = [measure(size, settings, publishes) for size in sizes]
    smallest = rows[0]["publish_ms"]
    headers = ["procedures", "catalogs", "first start (s)", "start-up (s)", "publish (ms)", "slowest (ms)", "x smallest"]
    body = [[row["procedures"], row["catalogs"], row["first_start_s"], row["startup_s"], row["publish_ms"],
             row["publish_max_ms"], round(row["publish_ms"] / smallest, 2) if smallest else "-"] for row in rows]
    text = table(headers, body)
    print(text)
    result = {"settings": settings.label(), "sizes": rows, "table": text}
    write_result("catalogs", result)
    return result
