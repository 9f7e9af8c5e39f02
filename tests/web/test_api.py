"""The JSON API over real HTTP: contract, problems, caching validators, HEAD and bad input."""

from __future__ import annotations

import json

import pytest

from contentapi.i18n.locales import SUPPORTED_LOCALES
from tests.helpers import SLUG

PROBLEM = "application/problem+json"


def test_procedure_list_contract(live_server):
    response = live_server.get("/api/v1/procedures?lang=es")
    assert response.status == 200
    assert response.headers["Content-Type"] == "application/json"
    document = response.json()
    assert document["locale"] == "es"
    [entry] = document["procedures"]
    assert set(entry) == {"slug", "title", "summary", "locales", "review", "updated", "codes", "links"}
    assert entry["slug"] == SLUG
    assert entry["title"] != "Kyphoplasty and vertebroplasty"  # served in Spanish
    assert set(entry["locales"]) == set(SUPPORTED_LOCALES)
    # The shipped samples are translated, not reviewed: how much is approved, reviewed and translated.
    assert entry["review"]["es"] == {"approved": 0.0, "reviewed": 0.0, "translated": 1.0}
    assert entry["review"]["en"] == {"approved": 1.0, "reviewed": 1.0, "translated": 1.0}
    assert entry["links"] == {"self": f"/api/v1/procedures/{SLUG}?lang=es", "html": f"/es/procedures/{SLUG}"}


def test_procedure_contract(live_server):
    document = live_server.get(f"/api/v1/procedures/{SLUG}?lang=ru").json()
    for key in ("slug", "locale", "title", "summary", "also_known_as", "sections", "translation", "reviewed",
                "next_review", "attribution", "links"):
        assert key in document
    assert document["locale"] == "ru"
    assert [section["id"] for section in document["sections"]] == ["overview", "how-it-works", "procedure", "aftercare", "risks"]
    blocks = [block for section in document["sections"] for block in section["blocks"]]
    assert {block["type"] for block in blocks} == {"paragraph", "list"}
    for block in blocks:
        assert block["lang"] == "ru" and block["fallback"] is False
        assert ("text" in block) == (block["type"] == "paragraph")
        assert ("items" in block) == (block["type"] == "list")
    risks_list = next(block for block in blocks if block["type"] == "list")
    assert len(risks_list["items"]) == 5 and risks_list["html"].startswith("<ul><li>")
    assert document["translation"] == {
        "complete": True, "fallback_blocks": 0, "state": "translated", "translators": [], "translated_on": "2026-11-24",
        "reviewed_by": [], "reviewed_on": None, "approved_by": [], "approved_on": None,
        "revision": document["translation"]["revision"], "source_revision": document["translation"]["source_revision"],
        "serve": "translated"}
    assert all(block["state"] == "translated" for block in blocks)
    assert document["links"]["alternates"] == {code: f"/{code}/procedures/{SLUG}" for code in SUPPORTED_LOCALES}
    assert "24" in json.dumps(document["sections"][3], ensure_ascii=False)


def test_locales_contract(live_server):
    document = live_server.get("/api/v1/locales").json()
    assert [entry["code"] for entry in document] == list(SUPPORTED_LOCALES)
    arabic = next(entry for entry in document if entry["code"] == "ar")
    assert arabic == {"code": "ar", "name": "العربية", "english_name": "Arabic", "direction": "rtl", "completeness": 1.0,
                      "review": {"approved": 0.0, "reviewed": 0.0, "translated": 1.0}, "serve": "translated"}
    assert document[0]["serve"] is None and document[0]["review"]["approved"] == 1.0
    assert all(0 <= entry["completeness"] <= 1 for entry in document)


def test_unknown_slug_is_a_problem(live_server):
    response = live_server.get("/api/v1/procedures/no-such-thing")
    assert response.status == 404
    assert response.headers["Content-Type"] == PROBLEM
    problem = response.json()
    assert problem["status"] == 404 and problem["title"] == "Unknown procedure"
    assert response.headers["Content-Language"] == "en"
    assert "/api/v1/procedures" in problem["detail"]


@pytest.mark.parametrize("lang", ["e", "123", "es--MX", "es-MX-" , "a" * 36, "<script>", "es%00", "es;DROP"])
def test_malformed_lang_is_400(live_server, lang):
    response = live_server.get(f"/api/v1/procedures/{SLUG}?lang={lang}")
    assert response.status == 400
    assert response.headers["Content-Type"] == PROBLEM
    assert "BCP 47" in response.json()["detail"]


@pytest.mark.parametrize("header", ["es;q=abc", "es;q=0.5;q=0.2", "!!", "es," + "x" * 1100])
def test_malformed_accept_language_is_400(live_server, header):
    response = live_server.get("/api/v1/procedures", Accept_Language=header)
    assert response.status == 400
    assert response.json()["title"] == "Malformed Accept-Language header"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/procedures/..%2f..%2fsetup.cfg",
        "/api/v1/procedures/%2e%2e%2fconfig.py",
        "/api/v1/procedures/..%5c..%5csetup.cfg",
        "/api/v1/procedures/../../setup.cfg",
        "/api/v1/procedures/%252e%252e%252fsetup.cfg",
        "/es/procedures/..%2f..%2fcontentapi%2fconfig.py",
        "/..%2f..%2fetc/procedures/x",
        "/es%2f..%2f../procedures/x",
        "/api/v1/procedures/" + "a" * 5000,
        "/" + "b" * 3000 + "/",
    ],
)
def test_traversal_and_overlong_paths_are_4xx_problems(live_server, path):
    response = live_server.get(path, Accept="application/json")
    assert 400 <= response.status < 500
    assert response.headers["Content-Type"] == PROBLEM
    assert b"[metadata]" not in response.body and b"DEFAULTS" not in response.body


def test_overlong_query_value_is_4xx(live_server):
    response = live_server.get(f"/api/v1/procedures/{SLUG}?lang=" + "es-" * 2000)
    assert response.status == 400


def test_etag_and_304_over_http(live_server):
    first = live_server.get(f"/api/v1/procedures/{SLUG}?lang=ko")
    etag = first.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith('W/')
    assert first.headers["Cache-Control"].startswith("public, max-age=")
    assert first.headers["Last-Modified"].endswith("GMT")
    again = live_server.get(f"/api/v1/procedures/{SLUG}?lang=ko", If_None_Match=etag)
    assert again.status == 304 and again.body == b""
    assert again.headers["ETag"] == etag
    other = live_server.get(f"/api/v1/procedures/{SLUG}?lang=vi", If_None_Match=etag)
    assert other.status == 200 and other.headers["ETag"] != etag
    html = live_server.get(f"/ko/procedures/{SLUG}")
    assert live_server.get(f"/ko/procedures/{SLUG}", If_None_Match=html.headers["ETag"]).status == 304


def test_etag_is_the_same_after_a_restart(live_server, make_app, serve):
    path = f"/api/v1/procedures/{SLUG}?lang=ar"
    other = serve(make_app())
    assert live_server.get(path).headers["ETag"] == other.get(path).headers["ETag"]


@pytest.mark.parametrize(
    "path",
    ["/healthz", "/api/v1/procedures", f"/api/v1/procedures/{SLUG}", "/api/v1/locales", "/api/v1/openapi.json", "/",
     "/es/", f"/es/procedures/{SLUG}", "/sitemap.xml"],
)
def test_head_on_every_get_route(live_server, path):
    get = live_server.get(path)
    head = live_server.request("HEAD", path)
    assert head.status == get.status == 200
    assert head.body == b""
    assert head.headers["Content-Length"] == str(len(get.body))


def test_healthz(live_server):
    response = live_server.get("/healthz")
    assert response.status == 200 and response.json() == {"status": "ok"}


def test_method_not_allowed_is_a_problem(live_server):
    response = live_server.request("DELETE", f"/api/v1/procedures/{SLUG}")
    assert response.status == 405 and response.headers["Content-Type"] == PROBLEM
