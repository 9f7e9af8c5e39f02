"""`contentapi export` writes a tree byte-identical to the live responses, plus a sitemap."""

from __future__ import annotations

import json

from contentapi.i18n.locales import SUPPORTED_LOCALES
from tests.helpers import SLUG


def test_export_tree_equals_live_responses(runner, live_server, tmp_path):
    destination = tmp_path / "site"
    result = runner.invoke(args=["export", str(destination), "--base-url", "https://content.example.org"])
    assert result.exit_code == 0, result.output
    manifest = json.loads((destination / "manifest.json").read_text())
    urls = {entry["url"] for entry in manifest}
    for locale in SUPPORTED_LOCALES:
        assert f"/{locale}/procedures/{SLUG}" in urls
        assert f"/api/v1/procedures/{SLUG}?lang={locale}" in urls
    assert len(manifest) == 1 + len(SUPPORTED_LOCALES) * 4
    for entry in manifest:
        live = live_server.get(entry["url"])
        assert live.status == 200
        assert (destination / entry["path"]).read_bytes() == live.body, entry["url"]
        assert live.headers["ETag"] == entry["etag"]
        assert live.headers["Content-Type"] == entry["content_type"]
    sitemap = (destination / "sitemap.xml").read_text()
    assert f"<loc>https://content.example.org/ar/procedures/{SLUG}</loc>" in sitemap
    assert (destination / "static" / "contentapi.css").read_bytes() == live_server.get("/static/contentapi.css").body


def test_export_refuses_to_replace_an_unrelated_folder(runner, tmp_path):
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "notes.txt").write_text("keep me")
    result = runner.invoke(args=["export", str(precious)])
    assert result.exit_code == 1
    assert "not empty" in result.output
    assert (precious / "notes.txt").read_text() == "keep me"


def test_export_replaces_an_earlier_export_whole(runner, tmp_path):
    destination = tmp_path / "site"
    assert runner.invoke(args=["export", str(destination)]).exit_code == 0
    (destination / "stale.html").write_text("old")
    assert runner.invoke(args=["export", str(destination)]).exit_code == 0
    assert not (destination / "stale.html").exists()
    assert not list(tmp_path.glob(".site.*"))


def test_pages_link_oembed_discovery_to_the_public_url_and_relatively_without_one(make_app):
    page = f"/es/procedures/{SLUG}"
    public = make_app(PUBLIC_URL="https://content.example.org").test_client().get(page).get_data(as_text=True)
    assert ('href="https://content.example.org/oembed?url=https%3A//content.example.org/es/procedures/'
            f'{SLUG}&amp;format=json"') in public
    development = make_app().test_client().get(page).get_data(as_text=True)
    assert f'href="/oembed?url=/es/procedures/{SLUG}&amp;format=json"' in development
