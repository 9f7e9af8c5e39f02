"""Shared fixtures: real catalogs compiled in temporary folders, the app, a live HTTP server
on a free loopback port, and a real headless Chromium driven through chromedriver.
"""

from __future__ import annotations

import http.client
import shutil
import threading
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


def chromium_options(width: int = 1280, height: int = 900):
    """Headless Chromium options that work on these machines (no network, root, no GPU)."""
    from selenium.webdriver.chrome.options import Options

    options = Options()
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        f"--window-size={width},{height}",
    ):
        options.add_argument(flag)
    binary = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if binary:
        options.binary_location = binary
    return options


def start_chromium(width: int = 1280, height: int = 900):
    """A new headless Chromium session through the chromedriver on PATH (never Selenium Manager)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    driver_path = shutil.which("chromedriver")
    if not driver_path:
        pytest.fail("chromedriver is not on PATH: run scripts/setup")
    return webdriver.Chrome(service=Service(executable_path=driver_path), options=chromium_options(width, height))


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session; tests navigate it where they need."""
    driver = start_chromium()
    yield driver
    driver.quit()
