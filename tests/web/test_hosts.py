"""Absolute links never come from an untrusted Host: PUBLIC_URL and TRUSTED_HOSTS, or no server."""

from __future__ import annotations

import pytest

from contentapi import create_app
from tests.helpers import SLUG

PUBLIC = "https://content.example.org"
LINKED = [
    f"/embed/es/procedures/{SLUG}?partner=demo",
    f"/api/v1/procedures/{SLUG}/fragment?lang=es",
    f"/oembed?url=/es/procedures/{SLUG}",
    "/sitemap.xml",
]


@pytest.fixture
def public_server(make_app, serve):
    return serve(make_app(PUBLIC_URL=PUBLIC, TRUSTED_HOSTS="127.0.0.1"))


@pytest.mark.parametrize("host", ["evil.example", "evil.example:80", "content.example.org.evil.example",
                                  "127.0.0.1@evil.example", "bad host"])
@pytest.mark.parametrize("path", LINKED + [f"/es/procedures/{SLUG}", "/api/v1/locales"])
def test_another_host_is_refused_with_a_problem(public_server, host, path):
    response = public_server.get(path, Host=host)
    assert response.status == 400
    assert response.headers["Content-Type"] == "application/problem+json"
    assert "evil" not in response.text
    # and a later request with a trusted host is not answered from anything the forged one left
    fine = public_server.get(path, Host="content.example.org")
    assert fine.status == 200 and "evil" not in fine.text


@pytest.mark.parametrize("path", LINKED)
def test_links_come_from_public_url_whatever_trusted_host_is_asked(public_server, path):
    for host in ("content.example.org", f"127.0.0.1:{public_server.port}"):
        text = public_server.get(path, Host=host).text
        assert PUBLIC in text.replace("\\/", "/")
        assert "127.0.0.1" not in text


def test_a_browser_asking_for_html_gets_the_error_page(public_server):
    response = public_server.get(f"/es/procedures/{SLUG}", Host="evil.example", Accept="text/html")
    assert response.status == 400 and response.headers["Content-Type"].startswith("text/html")
    assert "evil" not in response.text


def test_a_server_without_public_url_or_trusted_hosts_refuses_to_start(translations_dir):
    with pytest.raises(SystemExit) as stopped:
        create_app({"TRANSLATIONS_DIR": str(translations_dir)})
    assert "CONTENTAPI_PUBLIC_URL" in str(stopped.value.code) and "\n" not in str(stopped.value.code)
    # development and the command line may run without
    assert create_app({"TRANSLATIONS_DIR": str(translations_dir), "DEVELOPMENT": True}).config["TRUSTED_HOSTS"] is None
    assert create_app({"TRANSLATIONS_DIR": str(translations_dir), "LOAD_CONTENT_AT_START": False})


@pytest.mark.parametrize("value", ["content.example.org", "ftp://content.example.org", "https://", "https://a.example/?x=1",
                                   "https://a.example;x", "https://user@a.example", "https://a.example/#top"])
def test_an_unusable_public_url_stops_start_up_with_one_line(translations_dir, value):
    with pytest.raises(SystemExit) as stopped:
        create_app({"TRANSLATIONS_DIR": str(translations_dir), "PUBLIC_URL": value})
    assert "PUBLIC_URL" in str(stopped.value.code)


def test_public_url_and_trusted_hosts_from_the_environment(translations_dir, monkeypatch):
    monkeypatch.setenv("CONTENTAPI_PUBLIC_URL", "HTTPS://Content.Example.org/")
    monkeypatch.setenv("CONTENTAPI_TRUSTED_HOSTS", "localhost, 10.0.0.5")
    app = create_app({"TRANSLATIONS_DIR": str(translations_dir)})
    assert app.config["PUBLIC_URL"] == "https://content.example.org"
    assert app.config["TRUSTED_HOSTS"] == ["content.example.org", "localhost", "10.0.0.5"]
    client = app.test_client()
    assert client.get("/api/v1/locales", headers={"Host": "10.0.0.5:8000"}).status_code == 200
    assert client.get("/api/v1/locales", headers={"Host": "10.0.0.6"}).status_code == 400
