"""Shared fixtures: real catalogs compiled in temporary folders, the app, a live HTTP server
on a free loopback port, and a real headless Chromium driven through chromedriver.
"""

from __future__ import annotations

import http.client
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import make_server

from contentapi import create_app
from contentapi.config import REPOSITORY_DIR
from contentapi.i18n.catalogs import atomic_write, catalog_paths, compile_po_bytes
from contentapi.i18n.locales import DEFAULT_LOCALE, SUPPORTED_LOCALES

SLUG = "kyphoplasty-and-vertebroplasty"


def copy_translations(destination: Path) -> Path:
    """Copy the repository's .po and .pot files into ``destination`` and compile them there."""
    source = REPOSITORY_DIR / "translations"
    shutil.copytree(source, destination, ignore=shutil.ignore_patterns("*.mo"))
    compile_all(destination)
    return destination


def compile_all(translations_dir: Path) -> None:
    """Compile every locale's .po in a translations folder."""
    for locale in SUPPORTED_LOCALES:
        if locale == DEFAULT_LOCALE:
            continue
        po_path, mo_path = catalog_paths(translations_dir, locale)
        if po_path.exists():
            atomic_write(mo_path, compile_po_bytes(po_path.read_bytes(), locale))


@pytest.fixture(scope="session")
def translations_dir(tmp_path_factory) -> Path:
    """The shipped catalogs, compiled in a temporary folder (treat as read-only)."""
    return copy_translations(tmp_path_factory.mktemp("catalogs") / "translations")


@pytest.fixture
def own_translations(tmp_path) -> Path:
    """A private, writable copy of the shipped catalogs for tests that change them."""
    return copy_translations(tmp_path / "translations")


@pytest.fixture
def make_app(translations_dir):
    """Build an app with test overrides on top of the shipped content and compiled catalogs."""

    def factory(**overrides):
        config = {"TESTING": True, "TRANSLATIONS_DIR": str(translations_dir), "CATALOG_CHECK_INTERVAL": 0.0}
        config.update(overrides)
        return create_app(config)

    return factory


@pytest.fixture
def app(make_app):
    """The application on the shipped content and catalogs."""
    return make_app()


@pytest.fixture
def client(app):
    """Flask's test client, for tests about the app's wiring rather than HTTP."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """Flask's CLI runner."""
    return app.test_cli_runner()


@dataclass
class HttpResponse:
    """What came back over the wire."""

    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self):
        import json

        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


class LiveServer:
    """A real HTTP server for an app, in a thread, on a free loopback port."""

    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def request(self, method: str, path: str, headers: dict | None = None, body: bytes | None = None) -> HttpResponse:
        """Send one request over a fresh connection and read the whole response."""
        parts = urlsplit(self.url)
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        try:
            connection.putrequest(method, path, skip_accept_encoding=True)
            for name, value in (headers or {}).items():
                connection.putheader(name, value)
            if body is not None:
                connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body)
            response = connection.getresponse()
            return HttpResponse(response.status, response.headers, response.read())
        finally:
            connection.close()

    def get(self, path: str, **headers) -> HttpResponse:
        """GET with headers given as keyword arguments (underscores become hyphens)."""
        return self.request("GET", path, {name.replace("_", "-"): value for name, value in headers.items()})

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, translations_dir):
    """The shipped app behind a real HTTP server for the whole session."""
    server = LiveServer(create_app({"TRANSLATIONS_DIR": str(translations_dir)}))
    yield server
    server.stop()


@pytest.fixture
def serve():
    """Start a live server for an app built by the test; stopped at the end of the test."""
    servers = []

    def start(app) -> LiveServer:
        server = LiveServer(app)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def start_chromium(width: int = 1280, height: int = 900):
    """A new headless Chromium session, with the audit's flags, through the chromedriver on PATH
    (never Selenium Manager, which would try to download one)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    from audits.browser import BrowserError, chromium_options, find_chromedriver

    try:
        driver_path = find_chromedriver(None)
    except BrowserError as error:
        pytest.fail(f"{error}: run scripts/setup")
    return webdriver.Chrome(service=Service(executable_path=driver_path), options=chromium_options(width, height))


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session; tests navigate it where they need."""
    driver = start_chromium()
    yield driver
    driver.quit()


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def http_request(port: int, method: str, path: str, headers: dict | None = None, body: bytes | None = None,
                 timeout: float = 20):
    """One request on a fresh loopback connection: (status, headers, body)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


class GunicornServer:
    """A real gunicorn serving ``contentapi:create_app()`` on a free port, configured through
    ``CONTENTAPI_*`` environment variables as a deployment would be."""

    def __init__(self, settings: dict[str, str], log: Path, workers: int = 2, worker_class: str = "sync",
                 threads: int = 1, preload: bool = False):
        self.port = free_port()
        self.workers = workers
        environment = {**os.environ, **{f"CONTENTAPI_{name}": str(value) for name, value in settings.items()}}
        command = [str(Path(sys.executable).with_name("gunicorn")), "--bind", f"127.0.0.1:{self.port}",
                   "--workers", str(workers), "--worker-class", worker_class, "--threads", str(threads),
                   "--graceful-timeout", "5", "--log-level", "warning"]
        if preload:
            command.append("--preload")
        self.log_path = log
        self.log = open(log, "wb")  # noqa: SIM115 - gunicorn writes to it until stop()
        self.process = subprocess.Popen([*command, "contentapi:create_app()"], env=environment,
                                        stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if http_request(self.port, "GET", "/healthz")[0] == 200 and len(self.worker_pids()) == workers:
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        pytest.fail(f"gunicorn did not start: {log.read_text(errors='replace')[-2000:]}")

    def worker_pids(self) -> set[int]:
        """The worker processes gunicorn runs now."""
        from audits.browser import descendants

        return set(descendants(self.process.pid))

    def stop(self) -> None:
        """Stop gracefully, then kill if it takes too long."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
