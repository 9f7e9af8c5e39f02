"""Benchmark 1: the API against its floor (bare Flask, same bytes, same gunicorn settings) and its
limit (nginx serving the ``contentapi export`` tree), for the JSON procedure, the HTML page and a
304 revalidation; and a partner's embed document against the floor (the export has no embeds).

Runs are interleaved (contentapi, floor, nginx for each case, then again) and the median of the
rounds is reported, so a burst of noise on this shared machine hits all three alike.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import tempfile
from pathlib import Path
from typing import NamedTuple

from benchmarks.common import (
    HOST,
    RECOMMENDED,
    SLUG,
    VENV_BIN,
    BenchmarkError,
    LoadResult,
    Server,
    ServerSettings,
    request,
    run_wrk,
    say,
    start_gunicorn,
    start_nginx,
    table,
    write_result,
)
from benchmarks.floor import ENVIRONMENT as FLOOR_ENVIRONMENT
from benchmarks.traffic import ENGINES, browser_mix, mix_script

LOCALE = "es"
CASES = {
    "json": f"/api/v1/procedures/{SLUG}?lang={LOCALE}",
    "html": f"/{LOCALE}/procedures/{SLUG}",
}
# What a partner's page view asks for: the themed embed document, measured against the floor only.
EMBED_URL = f"/embed/{LOCALE}/procedures/{SLUG}?partner=demo"
# The browser mix: how many distinct readers' header sets, and the Accept-Encoding values among them
# (recorded for the floor, which answers by the header as sent).
MIX_SIZE = 512
MIX_ENCODINGS = ("", *sorted({encoding for _, encoding, _ in ENGINES}))
BROWSER_CASES = ("json browsers", "html browsers", "304 browsers")
HTML_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
DROPPED_HEADERS = {"date", "server", "connection", "content-length", "transfer-encoding", "keep-alive"}
# Candidates compared by --sweep to choose RECOMMENDED (two cores here).
SWEEP = [
    ServerSettings("sync", 2, 1, True),
    ServerSettings("sync", 4, 1, True),
    ServerSettings("gthread", 2, 1, True),
    ServerSettings("gthread", 2, 4, True),
    ServerSettings("gthread", 4, 2, True),
]


def export(directory: Path, env: dict | None = None) -> Path:
    """``contentapi export`` into ``directory`` (the tree nginx serves and the floor replays)."""
    completed = subprocess.run([str(VENV_BIN / "contentapi"), "export", str(directory)], capture_output=True,
                               text=True, env={**os.environ, **(env or {})}, timeout=600)
    if completed.returncode != 0:
        raise BenchmarkError(f"contentapi export failed: {completed.stderr.strip()[-400:]}")
    return directory


def record_floor(app: Server, export_dir: Path, folder: Path, urls: dict[str, str],
                 encodings: tuple[str, ...] = ("",)) -> dict[tuple[str, str], str]:
    """Record contentapi's responses for the floor, for each URL and Accept-Encoding value (``""``: the
    header left out); check the plain bodies are byte-identical to the export.

    Returns each (URL, Accept-Encoding)'s ETag.
    """
    manifest = {entry["url"]: entry for entry in json.loads((export_dir / "manifest.json").read_text())["files"]}
    bodies = folder / "bodies"
    bodies.mkdir(parents=True, exist_ok=True)
    recorded, etags = [], {}
    for url in [*urls.values(), "/healthz"]:
        for accept_encoding in encodings:
            asked = {"Accept-Encoding": accept_encoding} if accept_encoding else {}
            reply = request(app.port, url, headers=asked)
            if reply.status != 200:
                raise BenchmarkError(f"{url} answered {reply.status}")
            headers = [[k, v] for k, v in reply.headers.items() if k not in DROPPED_HEADERS]
            body_file = bodies / str(len(recorded))
            body_file.write_bytes(reply.body)
            entry = {"url": url, "accept_encoding": accept_encoding, "headers": headers,
                     "body_file": str(body_file.relative_to(folder))}
            if url in manifest and "content-encoding" not in reply.headers:
                path = manifest[url]["path"]
                if (export_dir / path).read_bytes() != reply.body:
                    raise BenchmarkError(f"{url}: live bytes differ from the export's {path}")
            if url != "/healthz":
                etag = reply.headers["etag"]
                not_modified = request(app.port, url, headers={**asked, "If-None-Match": etag})
                if not_modified.status != 304:
                    raise BenchmarkError(f"{url} with If-None-Match answered {not_modified.status}, not 304")
                entry["etag"] = etag
                entry["headers_304"] = [[k, v] for k, v in not_modified.headers.items() if k not in DROPPED_HEADERS]
                etags[(url, accept_encoding)] = etag
            recorded.append(entry)
    (folder / "floor.json").write_text(json.dumps(recorded, indent=1, ensure_ascii=False), encoding="utf-8")
    return etags


def browser_cases(etags: dict[tuple[str, str], str]) -> list[Case]:
    """The browser mix (benchmarks/traffic.py) on the JSON and HTML URLs (a fifth of readers
    revalidating) and on the JSON URL with every reader revalidating."""
    def mix(url: str, accept: str, share: float) -> str:
        readers = browser_mix(MIX_SIZE, accept, lambda encoding: etags[(url, encoding)], share)
        return mix_script(url, readers)

    return [
        Case("json browsers", CASES["json"], script=mix(CASES["json"], "application/json", 0.2)),
        Case("html browsers", CASES["html"], script=mix(CASES["html"], HTML_ACCEPT, 0.2)),
        Case("304 browsers", CASES["json"], script=mix(CASES["json"], "application/json", 1.0)),
    ]


def check_304(server: Server, url: str, etag: str) -> None:
    """The revalidation really is a 304 on this server (else the figures would measure 200s)."""
    reply = request(server.port, url, headers={"If-None-Match": etag})
    if reply.status != 304:
        raise BenchmarkError(f"{server.name}: {url} with If-None-Match {etag} answered {reply.status}")


def median_result(results: list[LoadResult]) -> LoadResult:
    """The run with the median requests per second."""
    ordered = sorted(results, key=lambda result: result.rps)
    return ordered[len(ordered) // 2]


class Case(NamedTuple):
    """One measured request shape: fixed headers per server, or a wrk script (the browser mix)."""

    name: str
    url: str
    headers_by_server: dict = {}
    only: tuple[str, ...] | None = None  # the servers it applies to (all by default)
    script: str | None = None  # a wrk script choosing each request's headers (same for every server)


def measure(servers: dict[str, Server], cases: list[Case], duration: float, rounds: int,
            connections: int) -> dict[tuple[str, str], dict]:
    """wrk every (case, server) pair, interleaved, ``rounds`` times; the median run of each."""
    runs: dict[tuple[str, str], list[LoadResult]] = {}
    for round_number in range(rounds):
        for case, url, headers_by_server, only, script in cases:
            for name, server in servers.items():
                if only and name not in only:
                    continue
                headers = headers_by_server.get(name, {})
                result = run_wrk(server.port, url, duration, connections=connections, headers=headers,
                                 script=script, server_pids=server.worker_pids())
                runs.setdefault((case, name), []).append(result)
                say(f"round {round_number + 1} {case:14} {name:10} {result.rps:9,.0f} req/s "
                    f"p50 {result.p50_ms} ms p99 {result.p99_ms} ms cpu {result.cpu_us} us/req errors {result.failed}"
                    + (f" statuses {result.statuses}" if result.statuses else ""))
    out = {}
    for key, results in runs.items():
        chosen = median_result(results)
        cpu = [r.cpu_us for r in results if r.cpu_us]
        out[key] = {**chosen.as_dict(), "rounds_rps": [round(r.rps, 1) for r in results],
                    "cpu_us_median": round(statistics.median(cpu), 1) if cpu else None}
    return out


def start_servers(workdir: Path, settings: ServerSettings, with_nginx: bool = True,
                  env: dict | None = None) -> tuple[dict[str, Server], dict[str, str], Path]:
    """contentapi, the floor and nginx, on free loopback ports, with the floor recorded from contentapi."""
    # One public URL for the export and the server, so the embed's absolute links are the same bytes.
    env = {"CONTENTAPI_PUBLIC_URL": f"http://{HOST}", **(env or {})}
    export_dir = export(workdir / "floor" / "export", env=env)
    servers: dict[str, Server] = {}
    try:
        servers["contentapi"] = start_gunicorn("contentapi:create_app()", settings, env=env,
                                               log=workdir / "contentapi.log")
        etags = record_floor(servers["contentapi"], export_dir, workdir / "floor", {**CASES, "embed": EMBED_URL},
                             MIX_ENCODINGS)
        servers["floor"] = start_gunicorn("benchmarks.floor:create_app()", settings,
                                          env={FLOOR_ENVIRONMENT: str(workdir / "floor")}, name="floor",
                                          log=workdir / "floor.log")
        if with_nginx:
            servers["nginx"] = start_nginx(export_dir, settings.workers, workdir)
    except BaseException:
        for server in servers.values():
            server.stop()
        raise
    return servers, etags, export_dir


def run(duration: float = 10.0, rounds: int = 3, connections: int = 8, settings: ServerSettings = RECOMMENDED) -> dict:
    """Benchmark 1 under ``settings``; prints the table and writes results/api.json."""
    say(f"api: {settings.label()}, {rounds} rounds of {duration:g} s per case and server")
    with tempfile.TemporaryDirectory(prefix="contentapi-bench-api-") as temporary:
        workdir = Path(temporary)
        servers, etags, _ = start_servers(workdir, settings)
        try:
            nginx_etags = {}
            for url in CASES.values():
                nginx_etags[url] = request(servers["nginx"].port, url).headers.get("etag", "")
            for name, server in servers.items():
                for url in CASES.values():
                    check_304(server, url, nginx_etags[url] if name == "nginx" else etags[(url, "")])
            json_url = CASES["json"]
            cases = [
                Case("json", CASES["json"]),
                Case("html", CASES["html"]),
                Case("304", json_url, {
                    "contentapi": {"If-None-Match": etags[(json_url, "")]},
                    "floor": {"If-None-Match": etags[(json_url, "")]},
                    "nginx": {"If-None-Match": nginx_etags[json_url]},
                }),
                Case("embed", EMBED_URL),
                *browser_cases(etags),
            ]
            figures = measure(servers, cases, duration, rounds, connections)
        finally:
            for server in servers.values():
                server.stop()

    rows, ratios = [], {}
    for case in (case.name for case in cases):
        app, floor = figures[(case, "contentapi")], figures[(case, "floor")]
        nginx = figures.get((case, "nginx"))
        ratio_floor = app["rps"] / floor["rps"] if floor["rps"] else 0.0
        ratio_nginx = app["rps"] / nginx["rps"] if nginx and nginx["rps"] else None
        ratios[case] = {"of_floor": round(ratio_floor, 3),
                        "of_nginx": round(ratio_nginx, 3) if ratio_nginx is not None else None}
        cpu_ratio = floor["cpu_us_median"] / app["cpu_us_median"] if app["cpu_us_median"] else 0.0
        ratios[case]["cpu_of_floor"] = round(cpu_ratio, 3)
        rows.append([case, app["rps"], app["p50_ms"], app["p99_ms"], app["cpu_us_median"], floor["rps"],
                     floor["p50_ms"], floor["p99_ms"], floor["cpu_us_median"], nginx["rps"] if nginx else "",
                     f"{ratio_floor:.2f}", f"{cpu_ratio:.2f}", f"{ratio_nginx:.3f}" if ratio_nginx is not None else ""])
    # The 304 also against the floor sending the whole 200 (a revalidation must cost no more).
    ratios["304"]["of_floor_200"] = round(figures[("304", "contentapi")]["rps"] / figures[("json", "floor")]["rps"], 3)
    targets = {
        "json >= 0.9 x floor": ratios["json"]["of_floor"] >= 0.9,
        "html >= 0.9 x floor": ratios["html"]["of_floor"] >= 0.9,
        "304 >= floor": ratios["304"]["of_floor"] >= 1.0,
        **{f"{name} >= floor": ratios[name]["of_floor"] >= 1.0 for name in BROWSER_CASES},
    }
    text = table(["case", "contentapi req/s", "p50 ms", "p99 ms", "CPU µs/req", "floor req/s", "floor p50",
                  "floor p99", "floor CPU µs/req", "nginx req/s", "x floor (req/s)", "x floor (CPU)", "x nginx"], rows)
    print(f"\n### API: contentapi vs bare Flask (floor) vs nginx (limit); gunicorn {settings.label()}, "
          f"wrk -t1 -c{connections} -d{duration:g}s, median of {rounds}\n")
    print(text)
    print("\ntargets: " + ", ".join(f"{name}: {'met' if ok else 'MISSED'}" for name, ok in targets.items()))
    path = write_result("api", {
        "settings": settings.label(), "duration_s": duration, "rounds": rounds, "connections": connections,
        "urls": CASES, "figures": {f"{case}/{name}": value for (case, name), value in figures.items()},
        "ratios": ratios, "targets": targets, "table": text,
    })
    say(f"wrote {path}")
    return {"table": text, "targets": targets, "ratios": ratios}


def sweep(duration: float = 5.0, connections: int = 8, candidates: list[ServerSettings] | None = None) -> dict:
    """JSON and HTML requests per second of contentapi and the floor under each candidate setting."""
    rows, results = [], {}
    with tempfile.TemporaryDirectory(prefix="contentapi-bench-sweep-") as temporary:
        for settings in candidates or SWEEP:
            workdir = Path(temporary) / settings.label().replace(" ", "-")
            workdir.mkdir()
            servers, _, _ = start_servers(workdir, settings, with_nginx=False)
            try:
                figures = measure(servers, [Case(c, u) for c, u in CASES.items()], duration, 1, connections)
            finally:
                for server in servers.values():
                    server.stop()
            app_json, floor_json = figures[("json", "contentapi")], figures[("json", "floor")]
            app_html = figures[("html", "contentapi")]
            results[settings.label()] = {f"{c}/{n}": v for (c, n), v in figures.items()}
            rows.append([settings.label(), app_json["rps"], app_json["p99_ms"], app_json["cpu_us_median"],
                         app_html["rps"], app_html["p99_ms"], app_html["cpu_us_median"], floor_json["rps"],
                         floor_json["cpu_us_median"], f"{app_json['rps'] / floor_json['rps']:.2f}"])
    text = table(["gunicorn settings", "json req/s", "json p99 ms", "json CPU µs/req", "html req/s", "html p99 ms",
                  "html CPU µs/req", "floor json req/s", "floor CPU µs/req", "x floor"], rows)
    print(f"\n### gunicorn settings sweep (wrk -t1 -c{connections} -d{duration:g}s)\n")
    print(text)
    path = write_result("sweep", {"duration_s": duration, "connections": connections, "results": results,
                                  "table": text})
    say(f"wrote {path}")
    return {"table": text}
