"""The application factory: settings layered from defaults, instance file, environment and overrides."""

from __future__ import annotations

from contentapi import create_app


def test_settings_layering(tmp_path, translations_dir, monkeypatch):
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "contentapi.cfg").write_text("CACHE_MAX_AGE = 60\nRESPONSE_CACHE_SIZE = 10\n")
    monkeypatch.setenv("CONTENTAPI_CACHE_MAX_AGE", "120")
    monkeypatch.setenv("CONTENTAPI_TRANSLATIONS_DIR", str(translations_dir))
    from flask import Flask

    monkeypatch.setattr(Flask, "auto_find_instance_path", lambda self: str(instance))
    app = create_app({"RESPONSE_CACHE_SIZE": 20, "TRUSTED_HOSTS": "localhost"})
    assert app.config["CACHE_MAX_AGE"] == 120  # environment over instance file
    assert app.config["RESPONSE_CACHE_SIZE"] == 20  # test override over everything
    assert app.config["TRANSLATIONS_DIR"] == str(translations_dir)
    response = app.test_client().get("/api/v1/locales")
    assert response.headers["Cache-Control"] == "public, max-age=120"


def test_missing_translations_folder_stops_start_up(tmp_path):
    import pytest

    with pytest.raises(SystemExit) as raised:
        create_app({"TRANSLATIONS_DIR": str(tmp_path / "nowhere"), "TRUSTED_HOSTS": "localhost"})
    assert "translations folder does not exist" in str(raised.value.code)


def test_uncompiled_catalogs_are_compiled_in_memory(tmp_path, make_app):
    import shutil

    from contentapi.config import REPOSITORY_DIR

    shutil.copytree(REPOSITORY_DIR / "translations", tmp_path / "t", ignore=shutil.ignore_patterns("*.mo"))
    app = make_app(TRANSLATIONS_DIR=str(tmp_path / "t"))
    document = app.test_client().get("/api/v1/procedures?lang=ko").get_json()
    assert "ko" in document["procedures"][0]["locales"]
    assert document["procedures"][0]["title"] != "Kyphoplasty and vertebroplasty"


def test_security_headers_on_pages_and_api(client):
    for path in ("/", "/api/v1/locales", "/en/procedures/kyphoplasty-and-vertebroplasty", "/nope"):
        headers = client.get(path).headers
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert "unsafe-inline" not in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert "camera=()" in headers["Permissions-Policy"]
