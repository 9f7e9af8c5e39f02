"""Benchmark 3: publishing under load. While wrk loads the Spanish JSON document and page, a
translator's token publishes the Spanish catalog every second (``PUT /api/v1/translations/es/procedures/<slug>``
with If-Match), each time with a new title. Pollers ask for the same document and page over fresh
connections all along; each answer names the worker that sent it (an ``X-Bench-Worker`` header
added by this benchmark's own wrapper, not by contentapi), so we know when every worker first
served each new title. Targets: zero failed or 5xx responses, every worker serving the new text
within 2 s of the publish.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from benchmarks.common import (
    RECOMMENDED,
    REPOSITORY_DIR,
    SLUG,
    VENV_BIN,
    BenchmarkError,
    LoadResult,
    ServerSettings,
    request,
    run_wrk,
    say,
    start_gunicorn,
    table,
    write_result,
)

LOCALE = "es"
JSON_URL = f"/api/v1/procedures/{SLUG}?lang={LOCALE}"
HTML_URL = f"/{LOCALE}/procedures/{SLUG}"
WORKER_HEADER = "X-Bench-Worker"
TITLE_CONTEXT = f'msgctxt "{SLUG}/title"'
CATALOG_URL = f"/api/v1/translations/{LOCALE}/procedures/{SLUG}"
# Edition marks are letters, not digits: the catalog checks refuse numbers the English lacks.
MARK = re.compile(r"edici\u00f3n ([a-z]{2})\b")
VISIBLE_WITHIN_S = 2.0
POLLERS = 3
LOAD_SCRIPT = f"""
status5xx = 0
requests = {{}}
counter = 0
init = function(args)
  requests[1] = wrk.format("GET", "{JSON_URL}")
  requests[2] = wrk.format("GET", "{HTML_URL}")
end
request = function()
  counter = counter + 1
  return requests[(counter % 2) + 1]
end
response = function(status, headers, body)
  if status >= 500 then status5xx = status5xx + 1 end
end
"""


def create_tagged_app():
    """contentapi's app, each response naming the worker process that sent it (for this benchmark)."""
    from contentapi import create_app

    app = create_app()
    inner = app.wsgi_app

    def tagged(environ, start_response):
        def start(status, headers, exc_info=None):
            return start_response(status, [*headers, (WORKER_HEADER, str(os.getpid()))], exc_info)

        return inner(environ, start)

    app.wsgi_app = tagged
    return app


def edition(number: int) -> str:
    """Publish number -> two letters (aa, ab, ...), readable back with MARK."""
    return chr(ord("a") + number // 26 % 26) + chr(ord("a") + number % 26)


def edition_number(mark: str) -> int:
    """Two letters -> publish number."""
    return (ord(mark[0]) - ord("a")) * 26 + ord(mark[1]) - ord("a")


def with_title(po_text: str, number: int) -> str:
    """The catalog with the procedure title's translation replaced by a numbered edition."""
    start = po_text.index(TITLE_CONTEXT)
    msgstr = po_text.index('msgstr "', start)
    end = po_text.index('"\n', msgstr + len('msgstr "'))
    return f'{po_text[:msgstr]}msgstr "Cifoplastia y vertebroplastia, edici\u00f3n {edition(number)}{po_text[end:]}'


def prepare(workdir: Path, database_url: str | None = None) -> tuple[dict, str]:
    """A writable copy of the shipped catalogs, compiled, and a token scoped to Spanish; with
    ``database_url``, the PostgreSQL store there, its tables made by ``contentapi db upgrade``."""
    translations = workdir / "translations"
    shutil.copytree(REPOSITORY_DIR / "translations", translations,
                    ignore=shutil.ignore_patterns("*.mo", ".revisions"))
    env = {
        "CONTENTAPI_TRANSLATIONS_DIR": str(translations),
        "CONTENTAPI_TOKENS": str(workdir / "tokens.json"),
        "CONTENTAPI_TRANSLATION_REVISIONS_DIR": str(workdir / "revisions"),
    }
    contentapi = str(VENV_BIN / "contentapi")
    if database_url:
        env["CONTENTAPI_DATABASE_URL"] = database_url
        upgraded = subprocess.run([contentapi, "db", "upgrade"], capture_output=True, text=True,
                                  env={**os.environ, **env}, timeout=120)
        if upgraded.returncode != 0:
            raise BenchmarkError(f"contentapi db upgrade failed: {upgraded.stderr.strip()[-300:]}")
    full_env = {**os.environ, **env}
    compiled = subprocess.run([contentapi, "i18n", "compile", "-d", str(translations)], capture_output=True,
                              text=True, env=full_env, timeout=300)
    if compiled.returncode != 0:
        raise BenchmarkError(f"contentapi i18n compile failed: {compiled.stderr.strip()[-300:]}")
    added = subprocess.run([contentapi, "tokens", "add", "benchmark", "--locales", LOCALE], capture_output=True,
                           text=True, env=full_env, timeout=60)
    if added.returncode != 0 or not added.stdout.strip():
        raise BenchmarkError(f"contentapi tokens add failed: {added.stderr.strip()[-300:]}")
    return env, added.stdout.strip().splitlines()[0]


class Poller(threading.Thread):
    """Asks for the document and the page over fresh connections until told to stop."""

    def __init__(self, port: int, stop: threading.Event, index: int):
        super().__init__(daemon=True)
        self.port, self.stop_event, self.index = port, stop, index
        self.seen: list[tuple[float, str, int]] = []  # (answered at, worker pid, edition)
        self.failures: list[str] = []

    def run(self) -> None:
        count = self.index
        while not self.stop_event.is_set():
            count += 1
            url = JSON_URL if count % 2 else HTML_URL
            try:
                reply = request(self.port, url, timeout=10)
            except OSError as error:
                self.failures.append(f"{url}: {error}")
                continue
            answered = time.monotonic()
            if reply.status != 200:
                self.failures.append(f"{url}: {reply.status}")
                continue
            match = MARK.search(reply.body.decode("utf-8", "replace"))
            self.seen.append((answered, reply.headers.get(WORKER_HEADER.lower(), "?"), 
                              edition_number(match.group(1)) if match else -1))


@contextmanager
def database(backend: str):
    """The PostgreSQL URL for ``backend`` "postgres" (a throwaway cluster on loopback), else None."""
    if backend != "postgres":
        yield None
        return
    from tests.helpers import PostgresCluster

    cluster = PostgresCluster()
    try:
        yield cluster.create_database("contentapi_bench")
    finally:
        cluster.close()


def run(duration: float = 30.0, settings: ServerSettings = RECOMMENDED, backend: str = "files") -> dict:
    """Benchmark 3 with the ``files`` or ``postgres`` store; prints the table and writes results/publish[-postgres].json."""
    publishes = max(1, int(duration))
    say(f"publish: {publishes} publishes, one a second, under wrk; gunicorn {settings.label()}; {backend} store")
    with tempfile.TemporaryDirectory(prefix="contentapi-bench-publish-") as temporary, database(backend) as url:
        workdir = Path(temporary)
        env, token = prepare(workdir, url)
        server = start_gunicorn("benchmarks.publish:create_tagged_app()", settings, env=env,
                                log=workdir / "server.log")
        auth = {"Authorization": f"Bearer {token}"}
        try:
            current = request(server.port, CATALOG_URL, headers=auth)
            if current.status != 200:
                raise BenchmarkError(f"GET {CATALOG_URL} answered {current.status}: "
                                     f"{current.body[:200]!r}")
            po_text, etag = current.body.decode("utf-8"), current.headers["etag"]
            if TITLE_CONTEXT not in po_text:
                raise BenchmarkError(f"the {LOCALE} catalog has no {TITLE_CONTEXT}")
            workers = server.worker_pids()
            load_result: list[LoadResult] = []
            load_error: list[BaseException] = []

            def load():
                try:
                    load_result.append(run_wrk(server.port, JSON_URL, duration + 4, script=LOAD_SCRIPT))
                except BaseException as error:  # reported below
                    load_error.append(error)

            loader = threading.Thread(target=load, daemon=True)
            stop = threading.Event()
            pollers = [Poller(server.port, stop, index) for index in range(POLLERS)]
            loader.start()
            for poller in pollers:
                poller.start()
            time.sleep(1.0)
            published: list[tuple[int, float, float, int]] = []  # (edition, sent, done, status)
            start = time.monotonic()
            for number in range(1, publishes + 1):
                time.sleep(max(0.0, start + number - 1 - time.monotonic()))
                body = with_title(po_text, number).encode("utf-8")
                sent = time.monotonic()
                reply = request(server.port, CATALOG_URL, method="PUT", body=body, timeout=30,
                                headers={**auth, "If-Match": etag,
                                         "Content-Type": "text/x-gettext-translation; charset=utf-8"})
                done = time.monotonic()
                published.append((number, sent, done, reply.status))
                if reply.status != 200:
                    say(f"publish {number}: {reply.status} {reply.body[:300]!r}")
                    continue
                etag = reply.headers["etag"]
            time.sleep(VISIBLE_WITHIN_S + 1.0)
            stop.set()
            for poller in pollers:
                poller.join(15)
            loader.join(duration + 60)
        finally:
            server.stop()
    if load_error:
        raise BenchmarkError(f"wrk failed: {load_error[0]}")
    wrk = load_result[0]
    seen = sorted(entry for poller in pollers for entry in poller.seen)
    poll_failures = [failure for poller in pollers for failure in poller.failures]
    lags, unobserved = [], 0
    for number, _sent, done, status in published:
        if status != 200:
            continue
        for worker in map(str, workers):
            first = next((at for at, pid, mark in seen if pid == worker and at >= done and mark >= number), None)
            if first is None:
                unobserved += 1
            else:
                lags.append(first - done)
    put_ms = [(done - sent) * 1000 for _, sent, done, _ in published]
    ok_publishes = sum(1 for *_, status in published if status == 200)
    failed = wrk.failed + (wrk.status_5xx or 0) + len(poll_failures)
    figures = {
        "publishes": len(published), "published_ok": ok_publishes, "workers": len(workers),
        "wrk": wrk.as_dict(), "polls": len(seen), "poll_failures": poll_failures[:20],
        "visible_lag_s": {"max": round(max(lags), 3) if lags else None,
                          "median": round(statistics.median(lags), 3) if lags else None,
                          "p95": round(sorted(lags)[int(len(lags) * 0.95) - 1], 3) if lags else None},
        "worker_publishes_unobserved": unobserved,
        "put_ms": {"median": round(statistics.median(put_ms), 1), "max": round(max(put_ms), 1)},
    }
    targets = {
        "zero failed or 5xx responses": failed == 0 and wrk.status_5xx == 0,
        "every publish accepted": ok_publishes == len(published),
        f"new text in every worker within {VISIBLE_WITHIN_S:g} s": bool(lags) and unobserved == 0
        and max(lags) <= VISIBLE_WITHIN_S,
    }
    rows = [[f"{len(published)} (1/s)", ok_publishes, wrk.requests, f"{wrk.rps:,.0f}", wrk.failed, wrk.status_5xx,
             len(seen), len(poll_failures), figures["visible_lag_s"]["median"], figures["visible_lag_s"]["max"],
             unobserved, figures["put_ms"]["median"]]]
    text = table(["publishes", "200", "wrk requests", "wrk req/s", "wrk errors", "5xx", "polls", "poll failures",
                  "visible in all workers: median s", "max s", "unobserved", "PUT ms (median)"], rows)
    print(f"\n### Publishing under load ({backend} store): gunicorn {settings.label()} ({len(workers)} workers), "
          f"wrk -t1 -c8 on the {LOCALE} JSON and page, {POLLERS} pollers\n")
    print(text)
    print("\ntargets: " + ", ".join(f"{name}: {'met' if ok else 'MISSED'}" for name, ok in targets.items()))
    path = write_result("publish" if backend == "files" else f"publish-{backend}",
                        {"settings": settings.label(), "backend": backend, "duration_s": duration, **figures,
                         "targets": targets, "table": text})
    say(f"wrote {path}")
    return {"table": text, "targets": targets}
