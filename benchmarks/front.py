"""Benchmark 8: the production shape as shipped, under real browser traffic.

``deploy/front.py serve`` (what ``scripts/serve --production`` runs: the nginx front of
``deploy/`` over gunicorn on a unix socket, the recommended gunicorn settings) against nginx
serving the ``contentapi export`` tree (the limit: no application at all), both given the same
browser mix (``benchmarks/traffic.py``: a fifth of the readers revalidating) on the Spanish page
and JSON document. Target: the front serves at least half of what the export does. Then, while
the mix loads the front, a translator publishes the Spanish catalog every two seconds through the
front (``PUT``, which bypasses its cache) and a reader polls the page through the front with a
browser's headers: target, every publish visible within 2 s (the front's micro-cache must not hold
pages for the app's ``max-age``).
"""

from __future__ import annotations

import json
import statistics
import tempfile
import threading
import time
from pathlib import Path

from benchmarks.api import HTML_ACCEPT, MIX_SIZE, export, median_result
from benchmarks.common import (
    RECOMMENDED,
    REPOSITORY_DIR,
    SLUG,
    VENV_BIN,
    BenchmarkError,
    LoadResult,
    Server,
    ServerSettings,
    answering_server,
    free_port,
    request,
    run_wrk,
    say,
    start_nginx,
    start_process,
    table,
    write_result,
)
from benchmarks.publish import CATALOG_URL, MARK, edition_number, prepare, with_title
from benchmarks.traffic import ENGINES, browser_headers, browser_mix, mix_script

CASES = {"html": (f"/es/procedures/{SLUG}", HTML_ACCEPT), "json": (f"/api/v1/procedures/{SLUG}?lang=es", "application/json")}
ENCODINGS = sorted({encoding for _, encoding, _ in ENGINES})
VISIBLE_WITHIN_S = 2.0
PUBLISH_EVERY_S = 2.0


def descendants(pid: int) -> list[int]:
    """Every process under ``pid`` (nginx's and gunicorn's workers), for their CPU time."""
    from audits.browser import descendants as below

    return list(below(pid))


def start_front(workdir: Path, env: dict, settings: ServerSettings) -> Server:
    """``deploy/front.py serve`` on a free loopback port, its public URL that very address."""
    port = free_port()
    bind = f"127.0.0.1:{port}"
    started = time.monotonic()
    process = start_process(
        [str(VENV_BIN / "python"), str(REPOSITORY_DIR / "deploy" / "front.py"), "serve"],
        env={**env, "CONTENTAPI_BIND": bind, "CONTENTAPI_PUBLIC_URL": f"http://{bind}",
             "CONTENTAPI_WORKERS": str(settings.workers), "CONTENTAPI_THREADS": str(settings.threads),
             "CONTENTAPI_NGINX_WORKERS": str(settings.workers)},
        log=workdir / "front.log")
    return answering_server("front", port, process, "/healthz", started, 120)


def etags_by_encoding(server: Server, url: str) -> dict[str, str]:
    """The ETag each Accept-Encoding of the mix gets from ``server`` (its revalidations use them)."""
    found = {}
    for encoding in ENCODINGS:
        reply = request(server.port, url, headers={"Accept-Encoding": encoding})
        if reply.status != 200:
            raise BenchmarkError(f"{server.name}: {url} answered {reply.status}")
        found[encoding] = reply.headers.get("etag", "")
    return found


def mix_for(server: Server, url: str, accept: str) -> str:
    """The browser mix for ``url`` with ``server``'s own ETags in its revalidations."""
    etags = etags_by_encoding(server, url)
    return mix_script(url, browser_mix(MIX_SIZE, accept, etags.__getitem__, 0.2))


class PublishWatcher(threading.Thread):
    """Publishes a new Spanish title through the front every PUBLISH_EVERY_S and times, for each,
    how long until a reader polling the page through the front with a browser's headers sees it."""

    def __init__(self, port: int, token: str, po_text: str, stop: threading.Event):
        super().__init__(daemon=True)
        self.port, self.token, self.po_text, self.stop_event = port, token, po_text, stop
        self.delays: list[float] = []
        self.failures: list[str] = []

    def run(self) -> None:
        import random

        reader = browser_headers(random.Random(7), HTML_ACCEPT)
        number = 0
        while not self.stop_event.is_set():
            number += 1
            current = request(self.port, CATALOG_URL, headers={"Authorization": f"Bearer {self.token}"})
            etag = current.headers.get("etag", "")
            published = request(self.port, CATALOG_URL, method="PUT",
                                headers={"Authorization": f"Bearer {self.token}", "If-Match": etag,
                                         "Content-Type": "text/x-gettext-translation; charset=utf-8"},
                                body=with_title(self.po_text, number).encode("utf-8"), timeout=30)
            started = time.monotonic()
            if published.status != 200:
                self.failures.append(f"publish {number}: {published.status} {published.body[:200]!r}")
                return
            while time.monotonic() - started < 10:
                page = request(self.port, CASES["html"][0], headers={**reader, "Accept-Encoding": "identity"})
                match = MARK.search(page.body.decode("utf-8", "replace"))
                if page.status == 200 and match and edition_number(match.group(1)) == number:
                    self.delays.append(time.monotonic() - started)
                    break
                time.sleep(0.02)
            else:
                self.failures.append(f"publish {number} not visible through the front within 10 s")
            self.stop_event.wait(max(0.0, PUBLISH_EVERY_S - (time.monotonic() - started)))


def run(duration: float = 10.0, rounds: int = 3, connections: int = 8, settings: ServerSettings = RECOMMENDED) -> dict:
    """The front vs the export under the browser mix, then publishing through the front under it."""
    say(f"front: deploy/front.py over gunicorn {settings.label()} vs nginx serving the export, "
        f"{rounds} rounds of {duration:g} s")
    with tempfile.TemporaryDirectory(prefix="contentapi-bench-front-") as temporary:
        workdir = Path(temporary)
        env, token = prepare(workdir)
        po_text = (REPOSITORY_DIR / "translations" / "es" / "LC_MESSAGES" / f"{SLUG}.po").read_text(encoding="utf-8")
        servers: dict[str, Server] = {}
        try:
            servers["front"] = start_front(workdir, env, settings)
            export_dir = export(workdir / "export", env={**env, "CONTENTAPI_PUBLIC_URL": f"http://127.0.0.1:{servers['front'].port}"})
            servers["nginx export"] = start_nginx(export_dir, settings.workers, workdir)
            scripts = {(case, name): mix_for(server, url, accept)
                       for case, (url, accept) in CASES.items() for name, server in servers.items()}
            runs: dict[tuple[str, str], list[LoadResult]] = {}
            for round_number in range(rounds):
                for case, (url, _) in CASES.items():
                    for name, server in servers.items():
                        result = run_wrk(server.port, url, duration, connections=connections,
                                         script=scripts[(case, name)], server_pids=descendants(server.process.pid))
                        runs.setdefault((case, name), []).append(result)
                        say(f"round {round_number + 1} {case:5} {name:12} {result.rps:9,.0f} req/s "
                            f"p99 {result.p99_ms} ms errors {result.failed} statuses {result.statuses}")
            # Publishing through the front while the mix loads it.
            stop = threading.Event()
            watcher = PublishWatcher(servers["front"].port, token, po_text, stop)
            watcher.start()
            load = run_wrk(servers["front"].port, CASES["html"][0], max(duration * 2, 20.0), connections=connections,
                           script=scripts[("html", "front")])
            stop.set()
            watcher.join(timeout=30)
        finally:
            for server in servers.values():
                server.stop()

    figures = {key: median_result(results) for key, results in runs.items()}
    rows, ratios = [], {}
    for case in CASES:
        front, limit = figures[(case, "front")], figures[(case, "nginx export")]
        ratio = front.rps / limit.rps if limit.rps else 0.0
        ratios[case] = round(ratio, 3)
        rows.append([f"{case} (browser mix)", front.rps, front.p50_ms, front.p99_ms, limit.rps, limit.p50_ms,
                     limit.p99_ms, f"{ratio:.2f}"])
    delays = watcher.delays
    slowest = max(delays) if delays else float("inf")
    failures = watcher.failures + ([f"{load.failed} failed requests under the publishing load"] if load.failed else [])
    targets = {
        **{f"{case}: front >= 0.5 x nginx export": ratios[case] >= 0.5 for case in CASES},
        f"every publish visible through the front within {VISIBLE_WITHIN_S:g} s": bool(delays) and slowest <= VISIBLE_WITHIN_S
        and not failures,
    }
    text = table(["case", "front req/s", "p50 ms", "p99 ms", "nginx export req/s", "p50 ms", "p99 ms", "x export"], rows)
    publish_line = (f"{len(delays)} publishes through the front under the mix ({load.rps:,.0f} req/s, "
                    f"{load.failed} failed): visible after median {statistics.median(delays):.2f} s, slowest "
                    f"{slowest:.2f} s" if delays else "no publish was timed")
    print(f"\n### Production shape: nginx front over gunicorn {settings.label()} vs nginx serving the export; "
          f"browser mix, wrk -t1 -c{connections} -d{duration:g}s, median of {rounds}\n")
    print(text)
    print(f"\n{publish_line}" + (f"; failures: {failures}" if failures else ""))
    print("\ntargets: " + ", ".join(f"{name}: {'met' if ok else 'MISSED'}" for name, ok in targets.items()))
    path = write_result("front", {
        "settings": settings.label(), "duration_s": duration, "rounds": rounds, "connections": connections,
        "figures": {f"{case}/{name}": result.as_dict() for (case, name), result in figures.items()},
        "ratios": ratios, "publish_delays_s": [round(delay, 3) for delay in delays], "failures": failures,
        "targets": targets, "table": text + "\n\n" + publish_line,
    })
    say(f"wrote {path}")
    return {"table": text + "\n\n" + publish_line, "targets": targets}


if __name__ == "__main__":  # pragma: no cover - python -m benchmarks front is the documented way
    print(json.dumps(run(duration=2.0, rounds=1)["targets"]))
