"""The change feed over real HTTP, on both revision stores: every publish and every change of the
English content, in order, naming procedure, locale, revision, the sections and blocks that changed
and the ETag the procedure's JSON then has; cursors are opaque and still valid after a restart."""

from __future__ import annotations

import base64
import itertools
from xml.etree import ElementTree

import pytest

from contentapi import create_app
from contentapi.i18n.postgres import upgrade
from tests.helpers import LOOPBACK_HOSTS, SLUG, LiveServer, copy_translations, edited_content
from tests.publishing import publish_change, translator_token

_databases = itertools.count(1)


@pytest.fixture(params=["files", "postgres"])
def settings(request, tmp_path):
    """Settings of an instance on private catalogs, with a translator token, on each store."""
    tokens, token = translator_token(tmp_path)
    settings = {"TRANSLATIONS_DIR": str(copy_translations(tmp_path / "translations")), "TOKENS": str(tokens),
                "CATALOG_CHECK_INTERVAL": 0.0, "WEBHOOKS_IN_PROCESS": False, "TRUSTED_HOSTS": LOOPBACK_HOSTS}
    if request.param == "postgres":
        url = request.getfixturevalue("postgres").create_database(f"contentapi_changes_{next(_databases)}")
        upgrade(url)
        settings["DATABASE_URL"] = url
    settings["_token"] = token
    return settings


@pytest.fixture
def serve_settings(serve):
    def start(settings, **overrides):
        config = {key: value for key, value in {**settings, **overrides}.items() if not key.startswith("_")}
        return serve(create_app(config))

    return start


def every_entry(server, since: str | None = None, limit: int = 3) -> tuple[list[dict], str]:
    """All entries after ``since``, read page by page (small pages, so paging is exercised)."""
    entries = []
    while True:
        query = f"?limit={limit}" + (f"&since={since}" if since else "")
        response = server.get(f"/api/v1/changes{query}")
        assert response.status == 200 and response.headers["Content-Type"] == "application/json"
        document = response.json()
        entries += document["entries"]
        since = document["next"]
        if not document["more"]:
            return entries, since


def test_the_history_starts_with_the_imports_and_the_content(settings, serve_settings):
    server = serve_settings(settings)
    entries, _ = every_entry(server)
    kinds = [(entry["type"], entry["locale"]) for entry in entries]
    assert ("procedure.added", "en") in kinds
    assert {locale for kind, locale in kinds if kind == "translation.imported"} == {"es", "zh-Hans", "vi", "ko", "ar", "ru"}
    for locale in {entry["locale"] for entry in entries}:
        revisions = [entry["revision"] for entry in entries if entry["locale"] == locale and entry["revision"]]
        assert revisions == sorted(revisions)  # in order, per locale
    assert len({entry["id"] for entry in entries}) == len(entries)


def test_a_publish_names_its_block_section_revision_and_new_etag(settings, serve_settings):
    server = serve_settings(settings)
    _, cursor = every_entry(server)
    result = publish_change(server.port, settings["_token"], "es", "cemento óseo", "cemento óseo especial")
    entries, cursor_after = every_entry(server, cursor)
    [entry] = entries
    assert entry["type"] == "translation.published" and entry["procedure"] == SLUG and entry["locale"] == "es"
    assert entry["revision"] == result["revision"]["id"]
    assert entry["changed"]["blocks"] and set(entry["changed"]["sections"]) <= {"overview", "how-it-works", "procedure"}
    live = server.get(f"/api/v1/procedures/{SLUG}?lang=es")
    assert entry["etag"] == live.headers["ETag"]
    changed = {block["id"]: block["text"] for section in live.json()["sections"] for block in section["blocks"]
               if "especial" in block.get("text", "")}
    assert set(entry["changed"]["blocks"]) >= set(changed) and changed
    assert every_entry(server, cursor_after)[0] == []


def test_cursors_survive_a_restart_and_content_changes_are_found_at_start_up(settings, serve_settings, tmp_path):
    first = serve_settings(settings)
    _, cursor = every_entry(first)
    first.stop()
    # The same instance starts again on edited English: one change, with its block and the new ETag.
    second = serve_settings(settings, CONTENT_DIR=str(edited_content(tmp_path)))
    [entry] = every_entry(second, cursor)[0]
    assert entry["type"] == "procedure.changed" and entry["procedure"] == SLUG and entry["locale"] == "en"
    assert entry["changed"] == {"sections": ["aftercare"], "blocks": ["aftercare-1"], "interface": False}
    assert entry["etag"] == second.get(f"/api/v1/procedures/{SLUG}?lang=en").headers["ETag"]
    # A third start on the same content records nothing more.
    third = serve_settings(settings, CONTENT_DIR=str(edited_content(tmp_path / "again")))
    assert every_entry(third, cursor)[0] == [entry]


def test_the_atom_feed_carries_the_same_page(settings, serve_settings):
    server = serve_settings(settings)
    entries, _ = every_entry(server, limit=500)
    response = server.get("/api/v1/changes.atom?limit=500")
    assert response.status == 200 and response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    atom = "{http://www.w3.org/2005/Atom}"
    feed = ElementTree.fromstring(response.body)
    ids = [node.find(f"{atom}id").text.rsplit("#", 1)[1] for node in feed.findall(f"{atom}entry")]
    assert ids == [entry["id"] for entry in entries]
    assert feed.find(f"{atom}link[@rel='next']") is not None


def cursor_of(document: bytes) -> str:
    """A cursor-shaped value we never hand out."""
    return base64.urlsafe_b64encode(document).decode().rstrip("=")


@pytest.mark.parametrize("query", ["since=bm90LWEtY3Vyc29y", "since=%%%", "limit=0", "limit=x", "limit=%C2%B3", "since=" + "a" * 3000,
                                   "since=" + cursor_of(b'{"c":1e400,"r":{}}'),  # infinity
                                   "since=" + cursor_of(b'{"c":0,"r":{"es":1.5}}'),
                                   "since=" + cursor_of(b'{"c":true,"r":{}}'),
                                   "since=" + cursor_of(b'{"c":99999999999999999999999,"r":{}}')])
def test_a_cursor_we_did_not_hand_out_is_a_400_problem(settings, serve_settings, query):
    response = serve_settings(settings).get(f"/api/v1/changes?{query}")
    assert response.status == 400 and response.headers["Content-Type"] == "application/problem+json"


def test_a_clinical_review_is_an_entry_naming_what_readers_now_get(settings, serve_settings, tmp_path):
    """Under serve = approved, an approval changes what readers get: a translation.reviewed entry names
    the approved blocks and the ETag the procedure's JSON then has (the one a worker serves)."""
    import json

    from contentapi.i18n.tokens import TokenStore
    from tests.helpers import http_request

    ana = TokenStore(settings["TOKENS"]).add("ana", ("es",), ("reviewer",))
    server = serve_settings(settings, TRANSLATION_POLICY="es=approved")
    _, cursor = every_entry(server)
    headers = {"Authorization": f"Bearer {ana}"}
    etag = http_request(server.port, "GET", f"/api/v1/translations/es/procedures/{SLUG}", headers)[1]["ETag"]
    overview = f"{SLUG}/overview/1"
    status, _, body = http_request(server.port, "POST", "/api/v1/translations/es/reviews",
                                   {**headers, "Content-Type": "application/json", "If-Match": etag},
                                   json.dumps({"action": "approve", "messages": [overview]}).encode())
    assert status == 200, body
    [entry] = every_entry(server, cursor)[0]
    assert entry["type"] == "translation.reviewed" and entry["procedure"] == SLUG and entry["locale"] == "es"
    assert entry["changed"] == {"sections": ["overview"], "blocks": ["overview-1"], "interface": False}
    live = server.get(f"/api/v1/procedures/{SLUG}?lang=es")
    assert entry["etag"] == live.headers["ETag"]
    block = next(block for section in live.json()["sections"] for block in section["blocks"] if block["id"] == "overview-1")
    assert (block["lang"], block["state"]) == ("es", "approved")
