"""The translators' HTTP API over real HTTP: tokens and scopes, every status the API documents,
publish, revisions, restore and preview, for a procedure's catalog, the interface's and the whole
locale, and responses that match openapi.yaml."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import threading

import pytest

from contentapi.i18n.domains import catalog_path
from contentapi.i18n.po import read_po
from contentapi.i18n.tokens import TokenStore
from tests.helpers import SLUG, validate_response, without_reviews

PO = "text/x-gettext-translation; charset=utf-8"
HEADING_ES = "Información general"
WHOLE = "/api/v1/translations/es"
PROCEDURE = f"/api/v1/translations/es/procedures/{SLUG}"
# The catalogs that hold the overview heading: the whole locale's and the procedure's.
CATALOGS = [WHOLE, PROCEDURE]


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

    def fetch(self, url=WHOLE):
        response = self.call("GET", url, self.maria)
        assert response.status == 200
        return response.body, response.headers["ETag"]

    def put(self, body, etag, url=WHOLE, token=None, content_type=PO):
        headers = {"Content-Type": content_type}
        if etag is not None:
            headers["If-Match"] = etag
        return self.call("PUT", url, token or self.maria, body, **headers)

    def history(self, url=WHOLE):
        return self.call("GET", f"{url}/revisions", self.maria).json()["revisions"]

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


def renamed(body: bytes, new_heading: str = "Resumen") -> bytes:
    assert HEADING_ES.encode() in body
    return body.replace(f'msgstr "{HEADING_ES}"'.encode(), f'msgstr "{new_heading}"'.encode())


def test_get_returns_the_po_with_a_strong_etag(translators):
    body, etag = translators.fetch(PROCEDURE)
    assert body == catalog_path(translators.translations, "es", SLUG).read_bytes()  # imported as it was
    assert etag == '"' + hashlib.sha256(body).hexdigest()[:40] + '"'
    interface, _ = translators.fetch("/api/v1/translations/es/interface")
    assert interface == catalog_path(translators.translations, "es").read_bytes()
    whole, whole_etag = translators.fetch()
    keys = read_po(whole).keys()
    assert keys == read_po(body).keys() | read_po(interface).keys()
    for url, tag in ((WHOLE, whole_etag), (PROCEDURE, etag)):
        assert translators.call("GET", url, translators.maria, If_None_Match=tag).status == 304


@pytest.mark.parametrize("path, method", [
    ("/api/v1/translations/es", "GET"),
    ("/api/v1/translations/es", "PUT"),
    ("/api/v1/translations/es/revisions", "GET"),
    ("/api/v1/translations/es/revisions/1/restore", "POST"),
    (f"/api/v1/translations/es/preview?procedure={SLUG}", "POST"),
    (PROCEDURE, "GET"),
    (PROCEDURE, "PUT"),
    (f"{PROCEDURE}/revisions", "GET"),
    (f"{PROCEDURE}/revisions/2/restore", "POST"),
    (f"{PROCEDURE}/preview", "POST"),
    ("/api/v1/translations/es/interface", "GET"),
    ("/api/v1/translations/es/interface/revisions", "GET"),
])
def test_every_route_needs_a_token_for_its_locale(translators, spec, path, method):
    missing = translators.call(method, path)
    assert missing.status == 401 and missing.headers["WWW-Authenticate"].startswith("Bearer")
    assert translators.call(method, path, "ctr_" + "x" * 43).status == 401
    assert translators.call(method, path, translators.maria[:-1]).status == 401
    forbidden = translators.call(method, path, translators.li)
    assert forbidden.status == 403 and "zh-Hans" in forbidden.json()["detail"]
    validate_response(spec, "/api/v1/translations/{locale}", "get", 401, missing.json(), "application/problem+json")
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


def test_unknown_locale_or_procedure_is_404(translators):
    assert translators.call("GET", "/api/v1/translations/fr", translators.maria).status == 404
    assert translators.call("GET", "/api/v1/translations/en", translators.maria).status == 404
    assert translators.call("GET", "/api/v1/translations/es/procedures/no-such", translators.maria).status == 404


@pytest.mark.parametrize("url", CATALOGS)
def test_put_statuses_and_nothing_changes(translators, spec, url):
    body, etag = translators.fetch(url)
    history = translators.history()
    no_if_match = translators.put(renamed(body), None, url)
    assert no_if_match.status == 428
    validate_response(spec, "/api/v1/translations/{locale}", "put", 428, no_if_match.json(), "application/problem+json")
    assert translators.put(renamed(body), etag, url, content_type="application/json").status == 415
    assert translators.put(renamed(body), etag, url, content_type="text/x-po; charset=latin-1").status == 415
    too_large = translators.put(body + b"#" * (70 * 1024), etag, url)
    assert too_large.status == 413
    stale = translators.put(renamed(body), '"0000"', url)
    assert stale.status == 412 and stale.headers["ETag"] == etag
    validate_response(spec, "/api/v1/translations/{locale}", "put", 412, stale.json(), "application/problem+json")
    for malformed in ("W/" + etag, etag.strip('"'), f"{etag}, W/{etag}"):
        refused = translators.put(renamed(body), malformed, url)
        assert refused.status == 400 and "exactly as the GET answered it" in refused.json()["detail"], malformed
    assert translators.fetch(url) == (body, etag)
    assert translators.history() == history
    assert translators.heading() == HEADING_ES


@pytest.mark.parametrize("url", CATALOGS)
def test_put_with_check_errors_is_422_with_every_finding_and_line(translators, spec, url):
    body, etag = translators.fetch(url)
    history = translators.history()
    bad = body.replace(b"24 horas", b"48 horas").replace(
        f'msgstr "{HEADING_ES}"'.encode(), b'msgstr "<script>alert(1)</script>"'
    )
    response = translators.put(bad, etag, url)
    assert response.status == 422
    problem = response.json()
    validate_response(spec, "/api/v1/translations/{locale}", "put", 422, problem, "application/problem+json")
    found = {(f["check"], f["msgctxt"]) for f in problem["findings"]}
    assert ("numbers", f"{SLUG}/aftercare/1") in found
    assert ("unsafe-markup", f"{SLUG}/overview/heading") in found
    lines = bad.decode().splitlines()
    for finding in problem["findings"]:
        assert lines[finding["line"] - 1].startswith(("msgctxt", "msgid")), finding
    assert problem["errors"] >= 2 and "line" in problem["detail"]
    assert translators.fetch(url) == (body, etag)
    assert translators.heading() == HEADING_ES
    assert translators.history() == history


def test_the_repositorys_catalogs_are_the_first_revisions(translators):
    history = translators.history()
    assert [(r["id"], r["domain"], r["action"], r["translator"]) for r in history] == [
        (2, SLUG, "import", None), (1, "messages", "import", None)]
    assert history[0]["source"].endswith(f"es/LC_MESSAGES/{SLUG}.po")
    assert translators.history(PROCEDURE) == history[:1]


@pytest.mark.parametrize("url", CATALOGS)
def test_publish_serves_the_new_text_and_records_a_revision(translators, spec, url):
    body, etag = translators.fetch(url)
    _, procedure_etag = translators.fetch(PROCEDURE)
    response = translators.put(renamed(body), etag, url)
    assert response.status == 200
    result = response.json()
    validate_response(spec, "/api/v1/translations/{locale}", "put", 200, result)
    assert translators.heading() == "Resumen"
    new_body, new_etag = translators.fetch(url)
    # Stored as sent, with who translated the changed message (never trusted from the upload).
    assert without_reviews(new_body) == without_reviews(renamed(body)) and new_etag == result["etag"] == response.headers["ETag"]
    assert b"# contentapi: review=translated; translated=maria " in new_body
    history = translators.call("GET", "/api/v1/translations/es/revisions", translators.maria).json()
    validate_response(spec, "/api/v1/translations/{locale}/revisions", "get", 200, history)
    latest, *imports = history["revisions"]
    assert (latest["id"], latest["domain"], latest["action"], latest["translator"]) == (3, SLUG, "publish", "maria")
    assert (latest["previous"], latest["previous_etag"]) == (2, procedure_etag)  # only the procedure changed
    assert latest["stats"]["translated"] == latest["stats"]["total"]
    assert [revision["action"] for revision in imports] == ["import", "import"]


@pytest.mark.parametrize("url", CATALOGS)
def test_an_upload_that_would_lose_translations_is_refused_unless_allowed(translators, spec, url):
    body, etag = translators.fetch(url)
    history = translators.history()
    emptied = body.replace(f'msgstr "{HEADING_ES}"'.encode(), b'msgstr ""')
    refused = translators.put(emptied, etag, url)
    assert refused.status == 409
    problem = refused.json()
    validate_response(spec, "/api/v1/translations/{locale}", "put", 409, problem, "application/problem+json")
    assert f"{SLUG}/overview/heading" in problem["detail"] and "allow-removals=true" in problem["detail"]
    assert [f["msgctxt"] for f in problem["findings"]] == [f"{SLUG}/overview/heading"]
    assert translators.fetch(url) == (body, etag) and translators.history() == history
    # A file cut off before its last two sections: the six entries it lost are named.
    cut = body[: body.index(f'msgctxt "{SLUG}/aftercare/heading"'.encode())]
    truncated = translators.put(cut, etag, url)
    assert truncated.status == 409 and len(truncated.json()["findings"]) == 6
    allowed = translators.call("PUT", f"{url}?allow-removals=true", translators.maria, emptied,
                               Content_Type=PO, If_Match=etag)
    assert allowed.status == 200
    removed = [w for w in allowed.json()["warnings"] if w["check"] == "translation-removed"]
    assert [w["msgctxt"] for w in removed] == [f"{SLUG}/overview/heading"]
    assert emptied.decode().splitlines()[removed[0]["line"] - 1].startswith("msgctxt")
    assert translators.heading() == "Overview"
    with_header = translators.call("PUT", url, translators.maria, cut, Content_Type=PO,
                                   If_Match=translators.fetch(url)[1], X_Allow_Removals="true")
    assert with_header.status == 200


def test_what_a_person_sent_wrong_gets_a_message_for_a_person(translators):
    body, etag = translators.fetch(PROCEDURE)
    mo = catalog_path(translators.translations, "es", SLUG).with_suffix(".mo").read_bytes()
    compiled = translators.put(mo, etag, PROCEDURE)
    assert compiled.status == 415 and "send the .po" in compiled.json()["detail"]
    empty = translators.put(b"", etag, PROCEDURE)
    assert empty.status == 400 and "--data-binary" in empty.json()["detail"]
    one_line = translators.put(body.replace(b"\n", b" "), etag, PROCEDURE)
    assert one_line.status == 400 and "one line" in one_line.json()["title"] and "--data-binary" in one_line.json()["detail"]
    assert translators.fetch(PROCEDURE) == (body, etag)


@pytest.mark.parametrize("url", CATALOGS)
def test_two_puts_with_the_same_if_match_give_one_200_and_one_412(translators, url):
    body, etag = translators.fetch(url)
    barrier = threading.Barrier(2)
    statuses = []

    def publish(heading):
        barrier.wait()
        statuses.append(translators.put(renamed(body, heading), etag, url).status)

    threads = [threading.Thread(target=publish, args=(name,)) for name in ("Resumen A", "Resumen B")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 412]
    assert translators.heading() in ("Resumen A", "Resumen B")


@pytest.mark.parametrize("url", CATALOGS)
def test_restore_rolls_back_as_a_new_revision(translators, spec, url):
    body, etag = translators.fetch(url)
    assert translators.put(renamed(body), etag, url).status == 200
    assert translators.heading() == "Resumen"
    _, published_etag = translators.fetch(url)
    assert translators.call("POST", f"{url}/revisions/2/restore", translators.maria).status == 428
    stale = translators.call("POST", f"{url}/revisions/2/restore", translators.maria, If_Match=etag)
    assert stale.status == 412  # the catalog changed since that ETag: a colleague's publish is never undone
    response = translators.call("POST", f"{url}/revisions/2/restore", translators.maria, If_Match=published_etag)
    assert response.status == 200
    validate_response(spec, "/api/v1/translations/{locale}/revisions/{revision_id}/restore", "post", 200, response.json())
    assert translators.heading() == HEADING_ES
    assert translators.fetch(url) == (body, etag)
    history = translators.history()
    assert [(r["id"], r["action"], r["restored_from"]) for r in history] == [
        (4, "restore", 2), (3, "publish", None), (2, "import", None), (1, "import", None)]
    current = translators.fetch(url)[1]
    assert translators.call("POST", f"{url}/revisions/99/restore", translators.maria, If_Match=current).status == 404
    assert translators.call("POST", f"{url}/revisions/abc/restore", translators.maria).status == 404
    # A procedure's route knows only its own revisions: the interface's revision 1 is not one of them.
    assert translators.call("POST", f"{PROCEDURE}/revisions/1/restore", translators.maria, If_Match=current).status == 404


@pytest.mark.parametrize("url", CATALOGS)
def test_preview_renders_the_uploaded_catalog_and_publishes_nothing(translators, url):
    body, etag = translators.fetch(url)
    path = f"{url}/preview" + (f"?procedure={SLUG}" if url == WHOLE else "")
    response = translators.call("POST", path, translators.maria, renamed(body, "Vista previa"), Content_Type=PO)
    assert response.status == 200 and response.headers["Content-Type"].startswith("text/html")
    assert ">Vista previa</h2>" in response.text and '<html lang="es"' in response.text
    assert response.headers["Cache-Control"] == "no-store"
    assert translators.fetch(url) == (body, etag)
    assert translators.heading() == HEADING_ES
    bad = translators.call("POST", path, translators.maria, body.replace(b"24 horas", b"48 horas"), Content_Type=PO)
    assert bad.status == 422
    assert translators.call("POST", f"{WHOLE}/preview", translators.maria, body, Content_Type=PO).status == 400
    assert translators.call("POST", f"{WHOLE}/preview?procedure=nope", translators.maria, body, Content_Type=PO).status == 404


@pytest.mark.parametrize("code, status", [(errno.ENOSPC, 507), (errno.EROFS, 503)])
def test_a_full_or_read_only_store_is_a_clear_problem_and_the_old_catalog_stays(translators, monkeypatch, tmp_path, code, status):
    body, etag = translators.fetch(PROCEDURE)
    history = translators.history()
    real_replace = os.replace

    def failing_replace(source, target):
        # Fails the commit point itself: the revision's files are written, the manifest is not replaced.
        if str(target).endswith("current.json"):
            raise OSError(code, os.strerror(code))
        return real_replace(source, target)

    monkeypatch.setattr(os, "replace", failing_replace)
    response = translators.put(renamed(body), etag, PROCEDURE)
    monkeypatch.undo()
    assert response.status == status
    assert "still served" in response.json()["detail"]
    assert translators.fetch(PROCEDURE) == (body, etag)
    assert translators.heading() == HEADING_ES
    assert translators.history() == history
    staging = tmp_path / "revisions" / ".staging"
    assert not list(staging.iterdir())
    assert translators.put(renamed(body), etag, PROCEDURE).status == 200


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through read-only permissions")
def test_a_read_only_store_is_503(translators, tmp_path):
    body, etag = translators.fetch()
    folder = tmp_path / "revisions" / "es"
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
    assert json.loads(response.body)["status"] == 400
