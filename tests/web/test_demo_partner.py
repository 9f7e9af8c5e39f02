"""``contentapi demo-partner``: a sample partner site, served for real."""

from __future__ import annotations

import re
import subprocess
import sys
import urllib.request
from pathlib import Path


def test_demo_partner_command_serves_an_accessible_page():
    # --port 0: the system picks a free port and the command prints where it listens (no race).
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("contentapi")), "demo-partner", "--port", "0", "--service", "http://127.0.0.1:5999"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    try:
        banner = process.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+/", banner)
        assert url, banner
        with urllib.request.urlopen(url.group(0), timeout=10) as response:
            page = response.read().decode("utf-8")
            csp = response.headers["Content-Security-Policy"]
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()
    assert '<html lang="en"' in page and "<title>" in page and "<main>" in page and "<header>" in page and "<footer>" in page
    assert page.count("data-contentapi-procedure=") == 2 and 'data-lang="es"' in page and 'data-lang="ar"' in page
    assert '<script src="http://127.0.0.1:5999/embed.js" async></script>' in page
    assert "frame-src 'self' http://127.0.0.1:5999" in csp and "unsafe-inline" not in csp
