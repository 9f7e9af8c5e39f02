"""Benchmark 2: scale. Generated corpora of 1, 100 and 1000 procedures in the seven locales:
start-up time (process start to /healthz 200), resident memory per worker (after every page was
answered once in every worker), and requests per second over every procedure page and JSON
document picked at random.

All sizes are served at the same time and measured in interleaved rounds. The ratios to the
smallest corpus are paired: each round gives one (its sizes ran back to back, so they met the same
conditions) and the median over rounds is reported, so a burst of outside load during one round
moves one ratio, not the result.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.common import (
    HOST,
    RECOMMENDED,
    BenchmarkError,
    Server,
    ServerSettings,
    free_port,
    memory_kib,
    request,
    run_wrk,
    say,
    start_gunicorn,
    table,
    write_result,
)
from benchmarks.corpus import generate, slug_of
from benchmarks.gunicorn_warm import PLAN_ENVIRONMENT
from contentapi.i18n.locales import SUPPORTED_LOCALES

SIZES = (1, 100, 1000)
STARTUP_TRIALS = 3


def page_urls(count: int) -> list[str]:
    """Every procedure's JSON document and page in every locale (what wrk picks from)."""
    urls = []
    for index in range(count):
        slug = slug_of(index)
        for locale in SUPPORTED_LOCALES:
            urls.append(f"/api/v1/procedures/{slug}?lang={locale}")
            urls.append(f"/{locale}/procedures/{slug}")
    return urls


def list_urls() -> list[str]:
    """The lists (warmed too, not loaded: their size grows with the library by design)."""
    urls = ["/api/v1/locales"]
    for locale in SUPPORTED_LOCALES:
        urls += [f"/api/v1/procedures?lang={locale}", f"/{locale}/"]
    return urls


def random_script(urls: list[str]) -> str:
    """A wrk script sending each request to a URL picked at random (fixed seed).

    The requests are formatted once in ``init``: formatting per request would make garbage whose
    collection walks the whole table, so wrk itself would take more CPU from the server (two cores)
    the larger the corpus.
    """
    quoted = ",\n".join(json.dumps(url) for url in urls)
    return (
        f"local paths = {{\n{quoted}\n}}\n"
        "local requests = {}\n"
        "local count = 0\n"
        "init = function(args)\n"
        "  for i, path in ipairs(paths) do requests[i] = wrk.format('GET', path) end\n"
        "  count = #requests\n"
        "  math.randomseed(20261124)\n"
        "end\n"
        "request = function() return requests[math.random(count)] end\n"
    )


def workers_memory(server: Server) -> list[dict[str, int]]:
    """VmRSS and Pss of each worker, in KiB."""
    return [memory_kib(pid) for pid in server.worker_pids()]


def measure_startup(env: dict, settings: ServerSettings, workdir: Path) -> dict:
    """Median seconds from starting gunicorn to /healthz answering 200, and memory right after."""
    times, memory = [], []
    for _ in range(STARTUP_TRIALS):
        server = start_gunicorn("contentapi:create_app()", settings, env=env, log=workdir / "startup.log")
        try:
            times.append(server.startup_s)
            memory = workers_memory(server)
        finally:
            server.stop()
    return {"startup_s": round(statistics.median(times), 3), "startup_trials_s": [round(t, 3) for t in times],
            "memory_after_start_kib": memory}


def start_warm(env: dict, settings: ServerSettings, urls: list[str], workdir: Path) -> tuple[Server, list[dict]]:
    """gunicorn whose every worker answered every URL once before serving; waits for all of them."""
    port = free_port()
    done = workdir / "warm-done"
    done.mkdir()
    plan = workdir / "warm-plan.json"
    plan.write_text(json.dumps({"host": f"{HOST}:{port}", "urls": urls, "done": str(done)}), encoding="utf-8")
    server = start_gunicorn("contentapi:create_app()", settings, env={**env, PLAN_ENVIRONMENT: str(plan)},
                            port=port, timeout=1200, log=workdir / "warm.log",
                            extra_args=("-c", "python:benchmarks.gunicorn_warm", "--timeout", "1200"))
    deadline = time.monotonic() + 1200
    while len(list(done.glob("*.json"))) < settings.workers:
        if time.monotonic() > deadline or server.process.poll() is not None:
            server.stop()
            raise BenchmarkError("workers did not finish warming")
        time.sleep(0.2)
    reports = [json.loads(path.read_text()) for path in done.glob("*.json")]
    failures = [failure for report in reports for failure in report["failures"]]
    if failures:
        server.stop()
        raise BenchmarkError(f"warming: URLs did not answer 200: {failures[:3]}")
    return server, reports


def paired_ratios(loads: list, base_loads: list) -> dict:
    """Each round's (req/s, CPU per request) relative to the same round's base run: the median over
    rounds, and the middle half of the rounds (first and third quartiles) to show how steady it is."""
    rps = [load.rps / base.rps for load, base in zip(loads, base_loads) if base.rps]
    cpu = [load.cpu_us / base.cpu_us for load, base in zip(loads, base_loads) if load.cpu_us and base.cpu_us]

    def summary(ratios: list[float]) -> tuple[float | None, list[float] | None]:
        """Median and quartiles, rounded (None when there is nothing to summarise)."""
        if not ratios:
            return None, None
        quartiles = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else [ratios[0]] * 3
        return round(statistics.median(ratios), 3), [round(quartiles[0], 3), round(quartiles[2], 3)]

    rps_median, rps_quartiles = summary(rps)
    cpu_median, cpu_quartiles = summary(cpu)
    return {"rps": rps_median or 0.0, "rps_quartiles": rps_quartiles, "cpu": cpu_median, "cpu_quartiles": cpu_quartiles}


def ratio_cell(median: float | None, quartiles: list[float] | None) -> str:
    """A ratio for the table: its median and, when there were several rounds, the middle half."""
    if median is None:
        return ""
    if not quartiles or quartiles[0] == quartiles[1]:
        return f"{median:.2f}"
    return f"{median:.2f} ({quartiles[0]:.2f}-{quartiles[1]:.2f})"


def round_order(sizes: tuple[int, ...], round_number: int) -> tuple[int, ...]:
    """The sizes in the order one round runs them: reversed every other round, so that running
    first or last in a round (after another server's load) favours no size."""
    return sizes if round_number % 2 == 0 else tuple(reversed(sizes))


def run(sizes: tuple[int, ...] = SIZES, duration: float = 2.0, rounds: int = 24, connections: int = 8,
        settings: ServerSettings = RECOMMENDED) -> dict:
    """Benchmark 2; prints the table and writes results/scale.json."""
    say(f"scale: sizes {', '.join(map(str, sizes))}; gunicorn {settings.label()}; {rounds} rounds of {duration:g} s")
    results: dict[int, dict] = {}
    servers: dict[int, Server] = {}
    with tempfile.TemporaryDirectory(prefix="contentapi-bench-scale-") as temporary:
        try:
            for size in sizes:
                workdir = Path(temporary) / str(size)
                started = time.monotonic()
                content_dir, translations_dir = generate(workdir / "corpus", size)
                say(f"scale: generated {size} procedures in {time.monotonic() - started:.1f} s")
                env = {"CONTENTAPI_CONTENT_DIR": str(content_dir), "CONTENTAPI_TRANSLATIONS_DIR": str(translations_dir)}
                result = measure_startup(env, settings, workdir)
                say(f"scale: {size}: start-up {result['startup_s']} s")
                urls = page_urls(size)
                server, reports = start_warm(env, settings, urls + list_urls(), workdir)
                servers[size] = server
                result["warm_s"] = [report["seconds"] for report in reports]
                result["memory_warm_kib"] = workers_memory(server)
                result["urls"] = len(urls)
                check = request(server.port, urls[-1])
                if check.status != 200:
                    raise BenchmarkError(f"{urls[-1]} answered {check.status}")
                results[size] = result
                say(f"scale: {size}: warmed in {result['warm_s']} s; memory {result['memory_warm_kib']}")
            runs: dict[int, list] = {size: [] for size in sizes}
            for round_number in range(rounds):
                for size in round_order(sizes, round_number):
                    load = run_wrk(servers[size].port, "/", duration, connections=connections,
                                   script=random_script(page_urls(size)), server_pids=servers[size].worker_pids())
                    runs[size].append(load)
                    say(f"round {round_number + 1} {size:5} procedures {load.rps:9,.0f} req/s p99 {load.p99_ms} ms "
                        f"cpu {load.cpu_us} us/req errors {load.failed}")
            for size in sizes:
                results[size]["memory_after_load_kib"] = workers_memory(servers[size])
        finally:
            for server in servers.values():
                server.stop()

    for size in sizes:
        ordered = sorted(runs[size], key=lambda load: load.rps)
        chosen = ordered[len(ordered) // 2]
        cpu = [load.cpu_us for load in runs[size] if load.cpu_us]
        results[size]["load"] = {**chosen.as_dict(), "rounds_rps": [round(load.rps, 1) for load in runs[size]],
                                 "cpu_us_median": round(statistics.median(cpu), 1) if cpu else None}
    smallest, largest = min(sizes), max(sizes)
    rows = []
    for size in sizes:
        result = results[size]
        rss = max(m.get("rss", 0) for m in result["memory_after_load_kib"] + result["memory_warm_kib"]) / 1024
        pss = max(m.get("pss", 0) for m in result["memory_after_load_kib"] + result["memory_warm_kib"]) / 1024
        result["max_rss_mib"], result["max_pss_mib"] = round(rss, 1), round(pss, 1)
        ratios = paired_ratios(runs[size], runs[smallest])
        result["rps_vs_smallest"], result["cpu_vs_smallest"] = ratios["rps"], ratios["cpu"]
        result["rps_vs_smallest_quartiles"], result["cpu_vs_smallest_quartiles"] = (ratios["rps_quartiles"],
                                                                                     ratios["cpu_quartiles"])
        cpu = result["load"]["cpu_us_median"]
        rows.append([size, result["urls"], result["startup_s"], f"{max(result['warm_s']):.1f}", f"{rss:.0f}",
                     f"{pss:.0f}", result["load"]["rps"], result["load"]["p50_ms"], result["load"]["p99_ms"],
                     cpu, ratio_cell(ratios["rps"], ratios["rps_quartiles"]),
                     ratio_cell(ratios["cpu"], ratios["cpu_quartiles"])])
    top = results[largest]
    targets = {
        f"req/s at {largest} within 10% of {smallest}": top["rps_vs_smallest"] >= 0.9,
        f"CPU per request at {largest} within 10% of {smallest}": (top["cpu_vs_smallest"] or 9) <= 1.1,
        f"start-up at {largest} < 5 s": top["startup_s"] < 5.0,
        f"memory per worker at {largest} < 400 MB": top["max_rss_mib"] < 400,
    }
    text = table(["procedures", "pages (x7 locales x2)", "start-up s", "warm-up s", "RSS MiB/worker",
                  "PSS MiB/worker", "req/s", "p50 ms", "p99 ms", "CPU µs/req", "req/s vs 1", "CPU vs 1"], rows)
    print(f"\n### Scale: gunicorn {settings.label()}, wrk -t1 -c{connections} -d{duration:g}s over random pages, "
          f"median of {rounds} rounds (ratios: median of each round's ratio, middle half of the rounds in "
          f"parentheses)\n")
    print(text)
    print("\ntargets: " + ", ".join(f"{name}: {'met' if ok else 'MISSED'}" for name, ok in targets.items()))
    path = write_result("scale", {"settings": settings.label(), "duration_s": duration, "rounds": rounds,
                                  "results": {str(size): value for size, value in results.items()},
                                  "targets": targets, "table": text})
    say(f"wrote {path}")
    return {"table": text, "targets": targets}
