"""The translators' HTTP API over real HTTP: tokens and scopes, every status the issue names,
publish, revisions, restore and preview, and responses that match openapi.yaml."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import threading

import jsonschema
import pytest

from contentapi.i18n.catalogs import catalog_paths
from contentapi.i18n.tokens import TokenStore
from tests.helpers import SLUG

PO = "text/x-gettext-translation; charset=utf-8"
HEADING_ES = "Información general"


class Translators:
    """A server on a writable catalog copy with a tokens file, and helpers to call it."""

    def __init__(self, server, translations, tokens_path):
        self.server = server
        self.translations = translations
        self.store = TokenStore(tokens_path)
        self.maria = self.store.add("maria", ("es", "ar"))
        self.li = self.store.add("li", ("zh-Hans",))

    def call(self, method, path, token=None, body=None, **headers):
        headers = {name.replace("_", "-"): value for name, value in headers.items()}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return self.server.request(method, path, headers, body)

    def fetch(self, locale="es"):
        response = self.call("GET", f"/api/v1/translations/{locale}", self.maria)
        assert response.status == 200
        return response.body, response.headers["ETag"]

    def put(self, body, etag, locale="es", token=None, content_type=PO):
        headers = {"Content-Type": content_type}
        if etag is not None:
            headers["If-Match"] = etag
        return self.call("PUT", f"/api/v1/translations/{locale}", token or self.maria, body, **headers)

    def heading(self, locale="es"):
        document = self.server.get(f"/api/v1/procedures/{SLUG}?lang={locale}").json()
        return document["sections"][0]["heading"]


@pytest.fixture
def translators(own_translations, tmp_path, make_app, serve):
    tokens = tmp_path / "tokens.json"
    app = make_app(
        TRANSLATIONS_DIR=str(own_translations),
        TOKENS=str(tokens),
        TRANSLATION_MAX_BYTES=64 * 1024,
        TRANSLATION_REVISIONS_DIR=str(tmp_path / "revisions"),  # never a history copied from the repository
    )
    helper = Translators(None, own_translations, tokens)
    helper.server = serve(app)
    return helper


@pytest.fixture(scope="module")
def spec(live_server):
    return live_server.get("/api/v1/openapi.json").json()


def validate(spec, path, method, status, document, media="application/json"):
    response = spec["paths"][path][method]["responses"][str(status)]
    if "$ref" in response:
        response = spec["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    jsonschema.validate(document, {**response["content"][media]["schema"], "components": spec["components"]})


def renamed(body: bytes, new_heading: str = "Resumen") -> bytes:
    assert HEADING_ES.encode() in body
    return body.replace(f'msgstr "{HEADING_ES}"'.encode(), f'msgstr "{new_heading}"'.encode())


def test_get_returns_the_po_with_a_strong_etag(translators):
    body, etag = translators.fetch()
    po_path, _ = catalog_paths(translators.translations, "es")
    assert body == po_path.read_bytes()
    assert etag == '"' + hashlib.sha256(body).hexdigest()[:40] + '"'
    again = translators.call("GET", "/api/v1/translations/es", translators.maria, If_None_Match=etag)
    assert again.status == 304


@pytest.mark.parametrize("path, method", [
    ("/api/v1/translations/es", "GET"),
    ("/api/v1/translations/es", "PUT"),
    ("/api/v1/translations/es/revisions", "GET"),
    ("/api/v1/translations/es/revisions/1/restore", "POST"),
    (f"/api/v1/translations/es/preview?procedure={SLUG}", "POST"),
])
def test_every_route_needs_a_token_for_its_locale(translators, spec, path, method):
    missing = translators.call(method, path)
    assert missing.status == 401 and missing.headers["WWW-Authenticate"].startswith("Bearer")
    assert translators.call(method, path, "ctr_" + "x" * 43).status == 401
    assert translators.call(method, path, translators.maria[:-1]).status == 401
    forbidden = translators.call(method, path, translators.li)
    assert forbidden.status == 403 and "zh-Hans" in forbidden.json()["detail"]
    validate(spec, "/api/v1/translations/{locale}", "get", 401, missing.json(), "application/problem+json")
    translators.store.revoke("maria")
    assert translators.call(method, path, translators.maria).status == 401


def test_tokens_never_appear_in_responses_or_logs(translators, caplog):
    body, etag = translators.fetch()
    with caplog.at_level("DEBUG"):
        response = translators.put(renamed(body), etag)
        rejected = translators.call("GET", "/api/v1/translations/ru", translators.maria)
    assert response.status == 200 and rejected.status == 403
    for text in (response.text, rejected.text, caplog.text):
        assert translators.maria not in text


def test_publishing_not_configured_is_503_with_a_clear_problem(own_translations, make_app, serve):
    server = serve(make_app(TRANSLATIONS_DIR=str(own_translations), TOKENS=""))
    response = server.request("PUT", "/api/v1/translations/es", {"Authorization": "Bearer x", "If-Match": "*"}, b"x")
    assert response.status == 503
    assert "CONTENTAPI_TOKENS" in response.json()["detail"]
    assert server.get("/api/v1/translations/es").status == 503


def test_unknown_locale_is_404(translators):
    assert translators.call("GET", "/api/v1/translations/fr", translators.maria).status == 404
    assert translators.call("GET", "/api/v1/translations/en", translators.maria).status == 404


def test_put_statuses_and_nothing_changes(translators, spec):
    body, etag = translators.fetch()
    no_if_match = translators.put(renamed(body), None)
    assert no_if_match.status == 428
    validate(spec, "/api/v1/translations/{locale}", "put", 428, no_if_match.json(), "application/problem+json")
    assert translators.put(renamed(body), etag, content_type="application/json").status == 415
    assert translators.put(renamed(body), etag, content_type="text/x-po; charset=latin-1").status == 415
    too_large = translators.put(body + b"#" * (70 * 1024), etag)
    assert too_large.status == 413
    stale = translators.put(renamed(body), '"0000"')
    assert stale.status == 412 and stale.headers["ETag"] == etag
    validate(spec, "/api/v1/translations/{locale}", "put", 412, stale.json(), "application/problem+json")
    weak = translators.put(renamed(body), "W/" + etag)
    assert weak.status == 412
    po_path, _ = catalog_paths(translators.translations, "es")
    assert po_path.read_bytes() == body
    assert translators.heading() == HEADING_ES


def test_put_with_check_errors_is_422_with_every_finding_and_line(translators, spec):
    body, etag = translators.fetch()
    bad = body.replace(b"24 horas", b"48 horas").replace(
        f'msgstr "{HEADING_ES}"'.encode(), b'msgstr "<script>alert(1)</script>"'
    )
    response = translators.put(bad, etag)
    assert response.status == 422
    problem = response.json()
    validate(spec, "/api/v1/translations/{locale}", "put", 422, problem, "application/problem+json")
    found = {(f["check"], f["msgctxt"]) for f in problem["findings"]}
    assert ("numbers", f"{SLUG}/aftercare/1") in found
    assert ("unsafe-markup", f"{SLUG}/overview/heading") in found
    lines = bad.decode().splitlines()
    for finding in problem["findings"]:
        assert lines[finding["line"] - 1].startswith(("msgctxt", "msgid")), finding
    assert problem["errors"] >= 2 and "line" in problem["detail"]
    assert catalog_paths(translators.translations, "es")[0].read_bytes() == body
    assert translators.heading() == HEADING_ES
    assert translators.call("GET", "/api/v1/translations/es/revisions", translators.maria).json()["revisions"] == []


def test_publish_serves_the_new_text_and_records_a_revision(translators, spec):
    body, etag = translators.fetch()
    response = translators.put(renamed(body), etag)
    assert response.status == 200
    result = response.json()
    validate(spec, "/api/v1/translations/{locale}", "put", 200, result)
    assert translators.heading() == "Resumen"
    new_body, new_etag = translators.fetch()
    assert new_body == renamed(body) and new_etag == result["etag"] == response.headers["ETag"]
    assert catalog_paths(translators.translations, "es")[1].exists()
    history = translators.call("GET", "/api/v1/translations/es/revisions", translators.maria).json()
    validate(spec, "/api/v1/translations/{locale}/revisions", "get", 200, history)
    latest, baseline = history["revisions"]
    assert (latest["action"], latest["translator"], latest["previous_etag"], latest["etag"]) == ("publish", "maria", etag, new_etag)
    assert latest["stats"]["translated"] == latest["stats"]["total"]
    assert (baseline["action"], baseline["etag"], baseline["translator"]) == ("baseline", etag, None)


def test_publish_warns_about_translations_the_upload_would_lose(translators):
    body, etag = translators.fetch()
    emptied = body.replace(f'msgstr "{HEADING_ES}"'.encode(), b'msgstr ""')
    response = translators.put(emptied, etag)
    assert response.status == 200
    removed = [w for w in response.json()["warnings"] if w["check"] == "translation-removed"]
    assert [w["msgctxt"] for w in removed] == [f"{SLUG}/overview/heading"]
    assert emptied.decode().splitlines()[removed[0]["line"] - 1].startswith("msgctxt")
    assert translators.heading() == "Overview"


def test_two_puts_with_the_same_if_match_give_one_200_and_one_412(translators):
    body, etag = translators.fetch()
    barrier = threading.Barrier(2)
    statuses = []

    def publish(heading):
        barrier.wait()
        statuses.append(translators.put(renamed(body, heading), etag).status)

    threads = [threading.Thread(target=publish, args=(name,)) for name in ("Resumen A", "Resumen B")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 412]
    assert translators.heading() in ("Resumen A", "Resumen B")


def test_restore_rolls_back_as_a_new_revision(translators, spec):
    body, etag = translators.fetch()
    assert translators.put(renamed(body), etag).status == 200
    assert translators.heading() == "Resumen"
    response = translators.call("POST", "/api/v1/translations/es/revisions/1/restore", translators.maria)
    assert response.status == 200
    validate(spec, "/api/v1/translations/{locale}/revisions/{revision_id}/restore", "post", 200, response.json())
    assert translators.heading() == HEADING_ES
    assert translators.fetch() == (body, etag)
    history = translators.call("GET", "/api/v1/translations/es/revisions", translators.maria).json()["revisions"]
    assert [(r["id"], r["action"], r["restored_from"]) for r in history] == [(3, "restore", 1), (2, "publish", None), (1, "baseline", None)]
    assert translators.call("POST", "/api/v1/translations/es/revisions/99/restore", translators.maria).status == 404
    assert translators.call("POST", "/api/v1/translations/es/revisions/abc/restore", translators.maria).status == 404
    stale = translators.call("POST", "/api/v1/translations/es/revisions/2/restore", translators.maria, If_Match='"old"')
    assert stale.status == 412


def test_preview_renders_the_uploaded_catalog_and_publishes_nothing(translators):
    body, etag = translators.fetch()
    path = f"/api/v1/translations/es/preview?procedure={SLUG}"
    response = translators.call("POST", path, translators.maria, renamed(body, "Vista previa"), Content_Type=PO)
    assert response.status == 200 and response.headers["Content-Type"].startswith("text/html")
    assert ">Vista previa</h2>" in response.text and '<html lang="es"' in response.text
    assert response.headers["Cache-Control"] == "no-store"
    assert translators.fetch() == (body, etag)
    assert translators.heading() == HEADING_ES
    bad = translators.call("POST", path, translators.maria, body.replace(b"24 horas", b"48 horas"), Content_Type=PO)
    assert bad.status == 422
    assert translators.call("POST", "/api/v1/translations/es/preview", translators.maria, body, Content_Type=PO).status == 400
    assert translators.call("POST", "/api/v1/translations/es/preview?procedure=nope", translators.maria, body, Content_Type=PO).status == 404


@pytest.mark.parametrize("code, status", [(errno.ENOSPC, 507), (errno.EROFS, 503)])
def test_a_full_or_read_only_folder_is_a_clear_problem_and_the_old_catalog_stays(translators, monkeypatch, code, status):
    body, etag = translators.fetch()
    real_replace = os.replace

    def failing_replace(source, target):
        # Fails the rename of the compiled catalog: after the .po was replaced, before the switch.
        if str(target).endswith("messages.mo"):
            raise OSError(code, os.strerror(code))
        return real_replace(source, target)

    monkeypatch.setattr(os, "replace", failing_replace)
    response = translators.put(renamed(body), etag)
    monkeypatch.undo()
    assert response.status == status
    assert "still served" in response.json()["detail"]
    assert translators.fetch() == (body, etag)
    assert translators.heading() == HEADING_ES
    assert translators.call("GET", "/api/v1/translations/es/revisions", translators.maria).json()["revisions"] == []
    folder = catalog_paths(translators.translations, "es")[0].parent
    assert not [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]
    assert translators.put(renamed(body), etag).status == 200


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through read-only permissions")
def test_a_read_only_translations_folder_is_503(translators):
    body, etag = translators.fetch()
    folder = catalog_paths(translators.translations, "es")[0].parent
    os.chmod(folder, 0o555)
    try:
        response = translators.put(renamed(body), etag)
    finally:
        os.chmod(folder, 0o755)
    assert response.status == 503
    assert translators.heading() == HEADING_ES


def test_problem_documents_are_json(translators):
    response = translators.call("PUT", "/api/v1/translations/es", translators.maria, b"x", If_Match='"a"', Content_Type=PO)
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert json.loads(response.body)["status"] == 422
