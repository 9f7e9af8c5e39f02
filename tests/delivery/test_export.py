"""`contentapi export` writes what the live service sends, world-readable, with a manifest saying what
each file is and what is not exported; it agrees with PUBLIC_URL and replaces an earlier export whole.
(Real nginx serving it: test_export_nginx.py.)"""

from __future__ import annotations

import email.utils
import gzip
import json
import os
import stat

import brotli

from contentapi.delivery import export as export_module
from contentapi.i18n.locales import SUPPORTED_LOCALES
from tests.helpers import SLUG

PUBLIC_URL = "https://content.example.org"


def manifest_of(folder) -> dict:
    """The export's manifest.json."""
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


def test_every_file_and_coding_is_what_live_sends(make_app, serve, tmp_path):
    destination = tmp_path / "site"
    result = make_app(PUBLIC_URL=PUBLIC_URL).test_cli_runner().invoke(args=["export", str(destination)])
    assert result.exit_code == 0, result.output
    live = serve(make_app(PUBLIC_URL=PUBLIC_URL))
    manifest = manifest_of(destination)
    assert (manifest["format"], manifest["public_url"], manifest["base_url"]) == (2, PUBLIC_URL, PUBLIC_URL)
    urls = {entry["url"] for entry in manifest["files"]}
    for locale in SUPPORTED_LOCALES:
        assert {f"/{locale}/", f"/{locale}/procedures/{SLUG}", f"/api/v1/procedures?lang={locale}",
                f"/api/v1/procedures/{SLUG}?lang={locale}", f"/api/v1/procedures/{SLUG}/fragment?lang={locale}",
                f"/embed/{locale}/procedures/{SLUG}", f"/embed/{locale}/procedures/{SLUG}?partner=demo",
                # as embed.js writes it (URLSearchParams)
                f"/embed/{locale}/procedures/{SLUG}?partner=demo&origin=http%3A%2F%2F127.0.0.1%3A8001"} <= urls
    assert {"/embed.js", "/sitemap.xml", "/api/v1/locales", "/api/v1/openapi.json", "/embed/themes/demo.css",
            "/static/contentapi.css", "/static/embed-frame.js", "/static/favicon.svg"} <= urls
    for entry in manifest["files"]:
        identity = (destination / entry["path"]).read_bytes()
        for coding, sent in entry["codings"].items():
            answer = live.get(entry["url"], **({} if coding == "identity" else {"Accept_Encoding": coding}))
            assert answer.status == 200, entry["url"]
            body = (destination / sent["path"]).read_bytes()
            assert body == answer.body, (entry["url"], coding)
            assert answer.headers["ETag"] == sent["etag"] and answer.headers.get("Content-Encoding") == sent["content_encoding"]
            assert answer.headers["Content-Type"] == entry["content_type"]
            assert answer.headers.get("Content-Language") == entry["content_language"]
            modified = email.utils.parsedate_to_datetime(answer.headers["Last-Modified"]).timestamp()
            assert (destination / sent["path"]).stat().st_mtime == modified
            if sent["content_encoding"]:
                assert sent["path"] == entry["path"] + {"gzip": ".gz", "br": ".br"}[coding]
                assert {"gzip": gzip.decompress, "br": brotli.decompress}[coding](body) == identity
                assert sent["etag"] == entry["etag"][:-1] + f'-{coding}"'
            else:
                assert sent["path"] == entry["path"] and sent["etag"] == entry["etag"]


def test_the_tree_is_world_readable_whatever_the_umask(runner, tmp_path):
    destination = tmp_path / "site"
    previous = os.umask(0o077)
    try:
        assert runner.invoke(args=["export", str(destination)]).exit_code == 0
    finally:
        os.umask(previous)
    for path in [destination, *destination.rglob("*")]:
        assert stat.S_IMODE(path.stat().st_mode) == (0o755 if path.is_dir() else 0o644), path


def test_the_manifest_says_what_is_not_exported_and_why(runner, tmp_path):
    assert runner.invoke(args=["export", str(tmp_path / "site")]).exit_code == 0
    not_exported = manifest_of(tmp_path / "site")["not_exported"]
    assert all(set(entry) == {"url", "live", "export", "why"} and all(entry.values()) for entry in not_exported)
    said = " ".join(entry["url"] for entry in not_exported)
    for url in ("/oembed", "/procedures/{slug}", "/healthz", "/api/v1/translations", "OPTIONS", "without ?lang="):
        assert url in said
    assert any(entry["url"] == "/" for entry in not_exported)
    assert {"http.conf", "server.conf", "nginx.conf"} == {path.name for path in (tmp_path / "site" / "nginx").iterdir()}
    assert not (tmp_path / "site" / "nginx.conf.example").exists()


def test_the_base_url_is_public_url_and_may_not_contradict_it(make_app, tmp_path):
    runner = make_app(PUBLIC_URL=PUBLIC_URL).test_cli_runner()
    refused = runner.invoke(args=["export", str(tmp_path / "a"), "--base-url", "https://elsewhere.example"])
    assert refused.exit_code == 1 and not (tmp_path / "a").exists()
    assert refused.output.strip().splitlines() == [
        "contentapi: --base-url https://elsewhere.example is not PUBLIC_URL https://content.example.org: the export "
        "must link where the live service does (leave --base-url out to use PUBLIC_URL)"]
    assert runner.invoke(args=["export", str(tmp_path / "b"), "--base-url", "HTTPS://Content.Example.org/"]).exit_code == 0
    assert runner.invoke(args=["export", str(tmp_path / "c")]).exit_code == 0
    assert (tmp_path / "b" / "sitemap.xml").read_bytes() == (tmp_path / "c" / "sitemap.xml").read_bytes()
    assert f"<loc>{PUBLIC_URL}/ar/procedures/{SLUG}</loc>" in (tmp_path / "c" / "sitemap.xml").read_text()
    page = (tmp_path / "c" / "es" / "procedures" / f"{SLUG}.html").read_text()
    assert f'href="{PUBLIC_URL}/oembed?url=' in page
    bad = runner.invoke(args=["export", str(tmp_path / "d"), "--base-url", "content.example.org"])
    assert bad.exit_code == 1 and "--base-url must be an absolute http(s) URL" in bad.output


def test_without_public_url_the_base_url_makes_the_links(runner, tmp_path):
    result = runner.invoke(args=["export", str(tmp_path / "site"), "--base-url", "http://localhost:8080"])
    assert result.exit_code == 0, result.output
    assert "PUBLIC_URL is not set" in result.output
    site = tmp_path / "site"
    assert "<loc>http://localhost:8080/en/</loc>" in (site / "sitemap.xml").read_text()
    assert f'href="http://localhost:8080/es/procedures/{SLUG}"' in (site / "api/v1/es/fragments" / f"{SLUG}.html").read_text()
    assert f'href="/oembed?url=/es/procedures/{SLUG}' in (site / "es" / "procedures" / f"{SLUG}.html").read_text()
    untrusted = runner.invoke(args=["export", str(tmp_path / "other"), "--base-url", "https://staging.example"])
    assert untrusted.exit_code == 1
    assert untrusted.output.strip().splitlines()[-1] == (
        "contentapi: staging.example is not among the trusted hosts (127.0.0.1, localhost): the live service "
        "would refuse requests for it (set PUBLIC_URL or TRUSTED_HOSTS)")


def test_partners_with_a_key_get_their_theme_but_no_embed(make_app, tmp_path):
    registry = tmp_path / "partners.toml"
    registry.write_text(
        'default_partner = "open"\n'
        '[partners.open]\nname = "Open"\norigins = ["https://open.example"]\n'
        f'[partners.vault]\nname = "Vault"\norigins = ["https://vault.example"]\nkey_sha256 = "{"ab" * 32}"\n',
        encoding="utf-8")
    result = make_app(PARTNERS=str(registry)).test_cli_runner().invoke(args=["export", str(tmp_path / "site")])
    assert result.exit_code == 0, result.output
    urls = {entry["url"] for entry in manifest_of(tmp_path / "site")["files"]}
    assert "/embed/themes/vault.css" in urls and "/embed/themes/open.css" in urls
    assert not any("partner=vault" in url for url in urls)
    assert f"/embed/es/procedures/{SLUG}?partner=open&origin=https%3A%2F%2Fopen.example" in urls
    http_conf = (tmp_path / "site" / "nginx" / "http.conf").read_text()
    assert "vault" not in http_conf.split("$contentapi_refused {")[1].split("}")[0]


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


def test_a_failed_export_leaves_the_earlier_one_whole_and_no_half_tree(runner, tmp_path, monkeypatch):
    destination = tmp_path / "site"
    assert runner.invoke(args=["export", str(destination)]).exit_code == 0
    before = {path.relative_to(destination): path.read_bytes() for path in destination.rglob("*") if path.is_file()}
    write_tree = export_module.write_tree

    def write_half_then_fail(export, root, final_root):
        write_tree(export, root, final_root)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export_module, "write_tree", write_half_then_fail)
    result = runner.invoke(args=["export", str(destination)])
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1] == "contentapi: cannot write the export: No space left on device"
    after = {path.relative_to(destination): path.read_bytes() for path in destination.rglob("*") if path.is_file()}
    assert after == before
    assert [path.name for path in tmp_path.iterdir()] == ["site"]


def test_a_publish_during_the_export_stops_it(app, tmp_path, monkeypatch):
    from contentapi.delivery.factory import EXTENSION

    service = app.extensions[EXTENSION].service
    states = iter(range(1000))
    monkeypatch.setattr(service, "state", lambda: next(states))
    result = app.test_cli_runner().invoke(args=["export", str(tmp_path / "site")])
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1] == "contentapi: a catalog was published while the export ran; run it again"
    assert not (tmp_path / "site").exists()


def test_pages_link_oembed_discovery_to_the_public_url_and_relatively_without_one(make_app):
    page = f"/es/procedures/{SLUG}"
    public = make_app(PUBLIC_URL=PUBLIC_URL).test_client().get(page).get_data(as_text=True)
    assert ('href="https://content.example.org/oembed?url=https%3A//content.example.org/es/procedures/'
            f'{SLUG}&amp;format=json"') in public
    development = make_app().test_client().get(page).get_data(as_text=True)
    assert f'href="/oembed?url=/es/procedures/{SLUG}&amp;format=json"' in development
