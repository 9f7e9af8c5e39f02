"""Audit runs survive faults: chromedriver or the browser killed mid-run, and an unreachable URL.
The page being audited when the fault hit is reported as an error, the browser is replaced, and
every other page is audited and reported."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from audits.browser import descendants

pytestmark = pytest.mark.browser

CLEAN = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Clean page {n}</title>'
    '<meta name="viewport" content="width=device-width, initial-scale=1"></head>'
    "<body><main><h1>Clean page {n}</h1><p>A short page.</p></main></body></html>"
)


class Site:
    """Clean pages, and /slow which keeps loading for a while (the moment the fault is injected)."""

    def __init__(self):
        self.slow_requested = threading.Event()
        self.release = threading.Event()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *arguments):
                pass

            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                if self.path == "/slow":
                    self.wfile.write(b'<!doctype html><html lang="en"><head><title>Slow</title></head><body>')
                    self.wfile.flush()
                    site.slow_requested.set()
                    site.release.wait(20)
                    self.wfile.write(b"<main><h1>Slow</h1></main></body></html>")
                    return
                self.wfile.write(CLEAN.format(n=self.path.strip("/")).encode())

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def processes_below(pid: int) -> list[tuple[int, str, str]]:
    """(pid, name, command line) of every process below ``pid``."""
    found = []
    for child in descendants(pid):
        try:
            stat = Path(f"/proc/{child}/stat").read_text()
            command = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        found.append((child, stat[stat.index("(") + 1 : stat.rindex(")")], command))
    return found


@pytest.mark.parametrize("victim", ["chromedriver", "browser"])
def test_audit_survives_a_killed_process_and_an_unreachable_url(tmp_path, victim):
    site = Site()
    report = tmp_path / "report.json"
    urls = [f"{site.url}/one", f"{site.url}/slow", f"{site.url}/two", "http://127.0.0.1:9/unreachable", f"{site.url}/three"]
    command = [sys.executable, "-m", "audits", "--workers", "1", "--timeout", "30", "--check", "axe", "--check", "title",
               "--json", str(report), "--quiet"]
    for url in urls:
        command += ["--url", url]
    audit = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert site.slow_requested.wait(60), "the audit never reached the slow page"
        processes = processes_below(audit.pid)
        if victim == "chromedriver":
            targets = [pid for pid, name, _ in processes if name == "chromedriver"]
        else:
            targets = [pid for pid, name, command_line in processes
                       if name.startswith("chrom") and name != "chromedriver" and "--type=" not in command_line]
        assert targets, processes
        for pid in targets:
            os.kill(pid, signal.SIGKILL)
        time.sleep(1)
        site.release.set()
        stdout, stderr = audit.communicate(timeout=240)
    finally:
        if audit.poll() is None:
            audit.kill()
            audit.communicate()
        site.stop()
    assert audit.returncode == 1, stderr[-2000:]
    pages = {page["url"]: page for page in json.loads(report.read_text())["pages"]}
    assert list(pages) == urls
    assert pages[f"{site.url}/slow"]["status"] == "error"
    assert "replaced" in pages[f"{site.url}/slow"]["error"] or "stopped" in pages[f"{site.url}/slow"]["error"]
    assert pages["http://127.0.0.1:9/unreachable"]["status"] == "error"
    for name in ("one", "two", "three"):
        page = pages[f"{site.url}/{name}"]
        assert page["status"] == "passed", page
        assert page["checks"]["axe"]["status"] == "passed" and page["title"] == f"Clean page {name}"
