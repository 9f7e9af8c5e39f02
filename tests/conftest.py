"""Fixtures shared by every test: real catalogs compiled in temporary folders, the app, a live
HTTP server on loopback, and a real headless Chromium. Helpers live in ``tests/helpers.py``."""

from __future__ import annotations

from pathlib import Path

import pytest

from contentapi import create_app
from tests.helpers import LOOPBACK_HOSTS, LiveServer, copy_translations, start_chromium


def pytest_collection_modifyitems(items):
    """A test that uses the browser fixture is a browser test, marked or not (``scripts/test --quick``
    leaves browser tests out)."""
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


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
        config = {"TESTING": True, "TRANSLATIONS_DIR": str(translations_dir), "CATALOG_CHECK_INTERVAL": 0.0,
                  "TRUSTED_HOSTS": LOOPBACK_HOSTS}
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


@pytest.fixture(scope="session")
def live_server(translations_dir):
    """The shipped app behind a real HTTP server for the whole session."""
    server = LiveServer(create_app({"TRANSLATIONS_DIR": str(translations_dir), "TRUSTED_HOSTS": LOOPBACK_HOSTS}))
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


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session; tests navigate it where they need."""
    driver = start_chromium()
    yield driver
    driver.quit()


@pytest.fixture(scope="session")
def postgres():
    """A real PostgreSQL for the session (Debian's server programs), on a free loopback port."""
    from tests.helpers import PostgresCluster

    cluster = PostgresCluster()
    yield cluster
    cluster.close()
