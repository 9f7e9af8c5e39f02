"""Fixture pages broken in known ways, served over loopback by two servers (two origins, for frames),
plus a page that never finishes loading; and an auditor whose browsers the whole session shares.
"""

from __future__ import annotations

import io
import itertools
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from audits.engine import Auditor
from audits.options import AuditOptions

PAGES_DIR = Path(__file__).with_name("pages").resolve()


def pixel_png() -> bytes:
    """A small opaque image for <img> fixtures."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 40), (11, 85, 184)).save(buffer, format="PNG")
    return buffer.getvalue()


class FixtureSite:
    """Serves tests/audits/pages on 127.0.0.1 and a free port; /hang never finishes its response,
    /download is an attachment and /no-content a 204."""

    def __init__(self):
        self.other: FixtureSite | None = None
        self.first: FixtureSite | None = None
        self.stopping = threading.Event()
        self.counter = itertools.count()
        self.png = pixel_png()
        site = self

        class Handler(BaseHTTPRequestHandler):
            """Fixture pages, the fixture image and the page that never finishes."""
            def log_message(self, *arguments):
                """Keep request lines out of the test output."""

            def do_GET(self):
                """Serve a fixture page, with the other origin and a fresh generated class filled in."""
                path = self.path.split("?")[0]
                if path == "/hang":
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    self.end_headers()
                    self.wfile.write(b"<!doctype html><html lang='en'><head><title>Slow</title></head><body><main><h1>Slow")
                    self.wfile.flush()
                    site.stopping.wait(120)
                    return
                if path == "/pixel.png":
                    return self.reply(200, "image/png", site.png)
                if path == "/download":
                    self.send_response(200)
                    self.send_header("Content-Disposition", "attachment; filename=leaflet.bin")
                    return self.reply(200, "application/octet-stream", b"not a page", started=True)
                if path == "/no-content":
                    self.send_response(204)
                    self.end_headers()
                    return
                file = (PAGES_DIR / path.lstrip("/")).resolve()
                if path.endswith(".html") and file.is_file() and file.is_relative_to(PAGES_DIR):
                    text = file.read_text(encoding="utf-8")
                    text = text.replace("{{OTHER_ORIGIN}}", site.other.url if site.other else site.url)
                    text = text.replace("{{FIRST_ORIGIN}}", site.first.url if site.first else site.url)
                    # A build tool's class names change on every build; baselines must not care.
                    text = text.replace("{{GENERATED}}", f"css-{next(site.counter):04d}x{int(time.time() * 1000) % 99991}")
                    return self.reply(200, "text/html; charset=utf-8", text.encode("utf-8"))
                return self.reply(404, "text/plain", b"not found")

            def reply(self, status, content_type, body, started=False):
                """Send a whole response (its status line already sent when ``started``)."""
                if not started:
                    self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def page(self, name: str) -> str:
        """The URL of a fixture page."""
        return f"{self.url}/{name}"

    def stop(self) -> None:
        """Release the hanging handler and stop serving."""
        self.stopping.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="session")
def fixture_site():
    """Two fixture servers on two ports (two origins): pages link across them for cross-origin frames."""
    first, second = FixtureSite(), FixtureSite()
    first.other, second.other = second, first
    second.first = first
    first.first = first
    yield first
    first.stop()
    second.stop()


@pytest.fixture(scope="session")
def fixture_options() -> AuditOptions:
    """Every check, a short page limit so the hanging page costs little."""
    return AuditOptions(timeout=4.0, workers=1)


@pytest.fixture(scope="session")
def fixture_auditor(fixture_options):
    """One auditor (and its browsers) for every fixture test."""
    auditor = Auditor(fixture_options)
    yield auditor
    auditor.close()
