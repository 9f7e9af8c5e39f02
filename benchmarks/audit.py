"""Benchmark 4: the audit's pages per second over the shipped matrix (every page and embed in every
locale, discovered from the API), with ``--workers 1`` and ``--workers 2``, axe only and all
checks, with the time split into navigation, axe and our own checks; and, in the same run over
the same URLs, the axe command-line tool (``@axe-core/cli``, installed from benchmarks/package.json
into benchmarks/node_modules with ``npm ci --ignore-scripts``) driving the same chromedriver and
Chromium with the same axe tags. Pages per second are whole-command wall times: browser start-up
included for both tools.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from benchmarks.common import (
    BENCH_DIR,
    RECOMMENDED,
    VENV_BIN,
    BenchmarkError,
    ServerSettings,
    say,
    start_gunicorn,
    table,
    write_result,
)

AXE_CLI = BENCH_DIR / "node_modules" / ".bin" / "axe"
CHROME_OPTIONS = "headless=new,no-sandbox,disable-gpu,disable-dev-shm-usage,no-first-run,disable-background-networking"
RUN_TIMEOUT_S = 1200


def ensure_axe_cli() -> Path:
    """Install the axe CLI from benchmarks/package.json when it is missing (no chromedriver download)."""
    if AXE_CLI.exists():
        return AXE_CLI
    npm = shutil.which("npm")
    if not npm:
        raise BenchmarkError("npm is not installed (apt-get install npm) and benchmarks/node_modules has no axe CLI")
    say("audit: installing @axe-core/cli into benchmarks/node_modules (npm, scripts skipped)")
    command = [npm, "ci" if (BENCH_DIR / "package-lock.json").exists() else "install", "--ignore-scripts",
               "--no-audit", "--no-fund"]
    completed = subprocess.run(command, cwd=BENCH_DIR, capture_output=True, text=True, timeout=600,
                               env={**os.environ, "CHROMEDRIVER_SKIP_DOWNLOAD": "true"})
    if completed.returncode != 0 or not AXE_CLI.exists():
        raise BenchmarkError(f"npm could not install @axe-core/cli: {completed.stderr.strip()[-300:]}")
    return AXE_CLI


def tool_path(name: str, *alternatives: str) -> str:
    """A browser tool on PATH (BenchmarkError naming the Debian package when missing)."""
    for candidate in (name, *alternatives):
        found = shutil.which(candidate)
        if found:
            return found
    raise BenchmarkError(f"{name} is not installed (scripts/setup installs chromium and chromium-driver)")


def run_audit(base_url: str, workers: int, axe_only: bool, workdir: Path, label: str, states: str = "light") -> dict:
    """``python -m audits --base-url`` once; wall time and the report's timings."""
    report = workdir / f"{label}.json"
    command = [str(VENV_BIN / "python"), "-m", "audits", "--base-url", base_url, "--workers", str(workers),
               "--json", str(report), "--quiet", "--states", states]
    if axe_only:
        command += ["--check", "axe"]
    started = time.monotonic()
    completed = subprocess.run(command, capture_output=True, text=True, timeout=RUN_TIMEOUT_S)
    wall = time.monotonic() - started
    if completed.returncode not in (0, 1) or not report.exists():
        raise BenchmarkError(f"audit ({label}) exited {completed.returncode}: {completed.stderr.strip()[-400:]}")
    document = json.loads(report.read_text(encoding="utf-8"))
    pages = document["pages"]
    audited = [page for page in pages if page.get("status") != "error"]
    page_states = sum(1 for page in audited for state in page.get("states", []) if state["status"] == "audited")
    return {
        "label": label, "wall_s": round(wall, 3), "report_s": document.get("seconds"), "pages": len(pages),
        "audited": len(audited), "pages_per_s": round(len(audited) / wall, 3) if wall else 0.0,
        "page_states": page_states, "page_states_per_s": round(page_states / wall, 3) if wall else 0.0,
        "per_page_ms": {part: round(sum(page["timings"].get(part, 0.0) for page in pages) / max(1, len(pages)) * 1000, 1)
                        for part in ("navigation", "axe", "checks", "states", "total")},
        "urls": [page["url"] for page in pages], "exit": completed.returncode,
        "violations": document["totals"].get("violations"),
    }


def run_axe_cli(urls: list[str], tags: list[str], workdir: Path) -> dict:
    """The axe CLI over ``urls`` in one browser (it has no parallel mode); wall time."""
    axe = ensure_axe_cli()
    command = [str(axe), *urls, "--chromedriver-path", tool_path("chromedriver"),
               "--chrome-path", tool_path("chromium", "chromium-browser"), "--chrome-options", CHROME_OPTIONS,
               "--tags", ",".join(tags), "--stdout"]
    started = time.monotonic()
    completed = subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=RUN_TIMEOUT_S)
    wall = time.monotonic() - started
    try:
        results = json.loads(completed.stdout)
    except json.JSONDecodeError:
        raise BenchmarkError(f"axe CLI gave no JSON (exit {completed.returncode}): "
                             f"{(completed.stderr or completed.stdout).strip()[-400:]}") from None
    if len(results) != len(urls):
        raise BenchmarkError(f"axe CLI answered for {len(results)} of {len(urls)} URLs")
    engine = results[0].get("testEngine", {}).get("version") if results else None
    return {"label": "axe CLI", "wall_s": round(wall, 3), "pages": len(urls), "audited": len(results),
            "pages_per_s": round(len(results) / wall, 3) if wall else 0.0, "axe_core": engine,
            "violations": sum(len(result.get("violations", [])) for result in results)}


def median_run(runs: list[dict]) -> dict:
    """The run with the median pages per second, with every run's figure beside it."""
    ordered = sorted(runs, key=lambda run: run["pages_per_s"])
    chosen = dict(ordered[len(ordered) // 2])
    chosen["runs_pages_per_s"] = [run["pages_per_s"] for run in runs]
    return chosen


def run(quick: bool = False, repeat: int = 3, settings: ServerSettings = RECOMMENDED) -> dict:
    """Benchmark 4; prints the table and writes results/audit.json."""
    # One state (light) is what the audit checked before it had states; "default states" is the audit as
    # it runs now (six states per page, every check in the first, axe, contrast and reflow in the others).
    configurations = [("axe only, --workers 1", 1, True, "light"), ("axe only, --workers 2", 2, True, "light"),
                      ("all checks, one state, --workers 1", 1, False, "light"),
                      ("all checks, one state, --workers 2", 2, False, "light"),
                      ("all checks, default states, --workers 1", 1, False, "default"),
                      ("all checks, default states, --workers 2", 2, False, "default")]
    if quick:
        configurations = [configurations[1], configurations[3], configurations[4]]
    ensure_axe_cli()
    say(f"audit: {len(configurations)} configurations and the axe CLI, {repeat} time(s) each")
    runs: dict[str, list[dict]] = {}
    with tempfile.TemporaryDirectory(prefix="contentapi-bench-audit-") as temporary:
        workdir = Path(temporary)
        server = start_gunicorn("contentapi:create_app()", settings, log=workdir / "server.log")
        base_url = f"http://127.0.0.1:{server.port}"
        try:
            tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]

            def axe_cli(urls: list[str]) -> None:
                cli = run_axe_cli(urls, tags, workdir)
                runs.setdefault("axe CLI", []).append(cli)
                say(f"audit: axe CLI: {cli['audited']} pages in {cli['wall_s']} s ({cli['pages_per_s']} pages/s)")

            for round_number in range(repeat):
                # The axe CLI before and after our runs: the median of both faces the same moments.
                for index, (label, workers, axe_only, states) in enumerate(configurations):
                    result = run_audit(base_url, workers, axe_only, workdir, f"{round_number}-{index}", states)
                    runs.setdefault(label, []).append(result)
                    say(f"audit: {label}: {result['audited']} pages in {result['wall_s']} s "
                        f"({result['pages_per_s']} pages/s) {result['per_page_ms']}")
                    if index == 0:
                        axe_cli(result["urls"])
                axe_cli(runs[configurations[0][0]][-1]["urls"])
        finally:
            server.stop()

    figures = {label: median_run(label_runs) for label, label_runs in runs.items()}
    cli = figures["axe CLI"]
    rows = []
    for label, *_ in configurations:
        figure = figures[label]
        ratio = figure["pages_per_s"] / cli["pages_per_s"] if cli["pages_per_s"] else 0.0
        figure["x_axe_cli"] = round(ratio, 2)
        split = figure["per_page_ms"]
        rows.append([label, figure["audited"], figure["page_states"], figure["wall_s"], figure["pages_per_s"],
                     figure["page_states_per_s"], split["navigation"], split["axe"], split["checks"],
                     split.get("states", 0.0), f"{ratio:.2f}"])
    rows.append(["axe CLI " + (cli.get("axe_core") or ""), cli["audited"], cli["audited"], cli["wall_s"],
                 cli["pages_per_s"], cli["pages_per_s"], "", "", "", "", "1.00"])
    best_axe = max(figures[label]["x_axe_cli"] for label, _, axe_only, states in configurations if axe_only)
    best_all = max(figures[label]["x_axe_cli"] for label, _, axe_only, states in configurations
                   if not axe_only and states == "light")
    targets = {
        "axe only >= 2.5 x axe CLI pages/s": best_axe >= 2.5,
        "all checks (one state) faster per page than the axe CLI": best_all > 1.0,
    }
    one, default = "all checks, one state, --workers 1", "all checks, default states, --workers 1"
    if one in figures and default in figures:
        targets["default states with one browser within 2x the one-state time"] = (
            figures[default]["wall_s"] <= 2 * figures[one]["wall_s"])
    text = table(["audit", "pages", "pages x states", "wall s", "pages/s", "pages x states/s", "navigation ms/page",
                  "axe ms/page", "own checks ms/page", "later states ms/page", "x axe CLI"], rows)
    print(f"\n### Audit: shipped matrix ({cli['pages']} pages), contentapi under gunicorn {settings.label()}; "
          f"wall time of each command, browser start-up included\n")
    print(text)
    print("\ntargets: " + ", ".join(f"{name}: {'met' if ok else 'MISSED'}" for name, ok in targets.items()))
    for figure in figures.values():
        figure.pop("urls", None)
    path = write_result("audit", {"settings": settings.label(), "repeat": repeat, "figures": figures,
                                  "targets": targets, "table": text})
    say(f"wrote {path}")
    return {"table": text, "targets": targets}
