"""Clinical review over real HTTP: who may do what (translator, reviewer, admin), self-approval
refused, an English edit resetting approval, the ``approved`` policy serving English (flagged) for
what is not approved, and provenance in JSON, pages, embeds, fragments and JSON-LD, in the reader's
language; responses match openapi.yaml."""

from __future__ import annotations

import json
import re
import subprocess
import time

import pytest

from contentapi.i18n.review import today
from contentapi.i18n.tokens import TokenStore
from tests.helpers import SLUG, edited_content, validate_response, without_reviews

PO = "text/x-gettext-translation; charset=utf-8"
CATALOG = f"/api/v1/translations/es/procedures/{SLUG}"
REVIEWS = "/api/v1/translations/es/reviews"
OVERVIEW = f"{SLUG}/overview/1"
NOTICE_ES = "Esta traducción aún no ha sido revisada por un traductor médico."


class Team:
    """A server on a writable catalog copy, with a translator, two reviewers and an admin."""

    def __init__(self, server, tokens_path):
        self.server = server
        store = TokenStore(tokens_path)
        self.maria = store.add("maria", ("es",))  # translator
        self.ana = store.add("ana", ("es",), ("reviewer",))
        self.jose = store.add("jose", ("es", "ar"), ("admin",))
        self.li = store.add("li", ("zh-Hans",), ("reviewer",))

    def call(self, method, path, token=None, body=None, **headers):
        headers = {name.replace("_", "-"): value for name, value in headers.items()}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return self.server.request(method, path, headers, body)

    def fetch(self, url=CATALOG, token=None):
        response = self.call("GET", url, token or self.maria)
        assert response.status == 200
        return response.body, response.headers["ETag"]

    def review(self, token, document, etag=None, path=REVIEWS):
        etag = etag if etag is not None else self.fetch(path.replace("/reviews", ""))[1]
        return self.call("POST", path, token, json.dumps(document).encode(), Content_Type="application/json", If_Match=etag)

    def publish(self, body, token=None, url=CATALOG):
        return self.call("PUT", url, token or self.maria, body, Content_Type=PO, If_Match=self.fetch(url)[1])

    def document(self, locale="es"):
        return self.server.get(f"/api/v1/procedures/{SLUG}?lang={locale}").json()


def make_team(tmp_path, make_app, serve, translations, **settings) -> Team:
    tokens = tmp_path / "tokens.json"
    app = make_app(**{"TRANSLATIONS_DIR": str(translations), "TOKENS": str(tokens),
                      "TRANSLATION_REVISIONS_DIR": str(tmp_path / "revisions"), **settings})
    team = Team(None, tokens)
    team.server = serve(app)
    return team


@pytest.fixture
def team(own_translations, tmp_path, make_app, serve) -> Team:
    return make_team(tmp_path, make_app, serve, own_translations)


def translated_by_maria(team: Team) -> None:
    """Maria publishes the catalog with the overview heading changed: she translated that message."""
    body, _ = team.fetch()
    changed = body.replace("Información general".encode(), "Resumen".encode())
    assert team.publish(changed).status == 200


def test_who_may_do_what(team, spec):
    approve = {"action": "approve", "procedure": SLUG}
    refused = team.review(team.maria, approve)  # a translator's token
    assert refused.status == 403 and "reviewer" in refused.json()["detail"]
    validate_response(spec, "/api/v1/translations/{locale}/reviews", "post", 403, refused.json(), "application/problem+json")
    assert team.review(team.li, approve).status == 403  # a reviewer of another locale
    assert team.review(None, approve).status == 401
    body, _ = team.fetch()
    assert team.publish(body.replace("Información general".encode(), b"Resumen"), team.ana).status == 403  # reviewers do not publish
    assert team.call("GET", REVIEWS, team.maria).status == 200  # everyone of the locale reads states
    assert team.review(team.ana, approve).status == 200
    assert team.publish(body.replace("Información general".encode(), b"Resumen"), team.jose).status == 200  # admin: both


def test_statuses_and_nothing_changes(team, spec):
    body, etag = team.fetch()
    document = {"action": "approve", "procedure": SLUG}
    no_if_match = team.call("POST", REVIEWS, team.ana, json.dumps(document).encode(), Content_Type="application/json")
    assert no_if_match.status == 428
    stale = team.review(team.ana, document, '"0000"')
    assert stale.status == 412 and stale.json()["current_etag"]
    validate_response(spec, "/api/v1/translations/{locale}/reviews", "post", 412, stale.json(), "application/problem+json")
    assert team.call("POST", REVIEWS, team.ana, b"approve", Content_Type="text/plain", If_Match=etag).status == 415
    for bad in ({"action": "bless", "procedure": SLUG}, {"action": "approve"}, {"procedure": SLUG},
                {"action": "approve", "procedure": "no-such"}, {"action": "approve", "messages": [f"{SLUG}/nowhere/9"]},
                {"action": "approve", "messages": "all"}, {"action": "approve", "procedure": SLUG, "extra": 1}, []):
        response = team.review(team.ana, bad, etag)
        assert response.status == 422, bad
        validate_response(spec, "/api/v1/translations/{locale}/reviews", "post", 422, response.json(), "application/problem+json")
    assert team.fetch() == (body, etag)
    assert team.document()["translation"]["state"] == "translated"


def test_approving_a_procedure_is_a_revision_and_changes_what_readers_see(team, spec):
    _, etag = team.fetch()
    response = team.review(team.ana, {"action": "approve", "procedure": SLUG}, etag)
    assert response.status == 200
    result = response.json()
    validate_response(spec, "/api/v1/translations/{locale}/reviews", "post", 200, result)
    (revision,) = result["revisions"]
    assert (revision["action"], revision["translator"], revision["previous_etag"]) == ("review", "ana", etag)
    assert result["etag"] == response.headers["ETag"] == team.fetch()[1]  # the one catalog's ETag, as sent
    assert {item["state"] for item in result["reviewed"]} == {"approved"}
    translation = team.document()["translation"]
    assert (translation["state"], translation["approved_by"], translation["approved_on"]) == ("approved", ["ana"], today())
    assert translation["reviewed_by"] == ["ana"] and translation["revision"] == revision["id"]
    history = team.call("GET", f"{CATALOG}/revisions", team.ana).json()["revisions"]
    assert history[0]["action"] == "review" and history[0]["stats"]["review"]["approved"] == history[0]["stats"]["total"]


def test_a_translator_cannot_approve_their_own_text(own_translations, tmp_path, make_app, serve):
    team = make_team(tmp_path, make_app, serve, own_translations)
    store = TokenStore(tmp_path / "tokens.json")
    both = store.add("maria-reviews", ("es",), ("translator", "reviewer"))
    body, _ = team.fetch()
    assert team.publish(body.replace("Información general".encode(), b"Resumen"), both).status == 200
    heading = f"{SLUG}/overview/heading"
    for document in ({"action": "approve", "messages": [heading]}, {"action": "review", "procedure": SLUG}):
        refused = team.review(both, document)
        assert refused.status == 403 and refused.json()["messages"] == [heading]
        assert "another reviewer" in refused.json()["detail"]
    # Someone else may; and the translator may still review the messages others translated.
    assert team.review(team.ana, {"action": "approve", "messages": [heading]}).status == 200
    assert team.review(both, {"action": "approve", "messages": [OVERVIEW]}).status == 200


def test_text_changed_by_a_translator_needs_review_again(team):
    assert team.review(team.ana, {"action": "approve", "procedure": SLUG}).status == 200
    translated_by_maria(team)
    blocks = {block["id"]: block for section in team.document()["sections"] for block in section["blocks"]}
    translation = team.document()["translation"]
    assert translation["state"] == "needs-review" and translation["translators"] == ["maria"]
    assert blocks["overview-1"]["state"] == "approved"  # untouched blocks keep their approval
    states = {item["msgctxt"]: item for item in team.call("GET", f"{REVIEWS}?procedure={SLUG}", team.ana).json()["messages"]}
    assert states[f"{SLUG}/overview/heading"]["state"] == "needs-review"
    assert states[f"{SLUG}/overview/heading"]["translated_by"] == "maria"


def test_an_english_edit_resets_approval(own_translations, tmp_path, make_app, serve):
    team = make_team(tmp_path, make_app, serve, own_translations)
    assert team.review(team.ana, {"action": "approve", "procedure": SLUG}).status == 200
    # The English of the aftercare paragraph changes; the catalog is brought up to date as 'update'
    # does, and the translator confirms the old translation (removes fuzzy) without changing it.
    content = edited_content(tmp_path)
    edited = make_team(tmp_path / "after", make_app, serve, own_translations, CONTENT_DIR=str(content),
                       TRANSLATION_REVISIONS_DIR=str(tmp_path / "revisions"))
    body, _ = edited.fetch()
    old = "Heavy lifting and any strenuous activities"
    new = "Heavy lifting, bending and any strenuous activities"
    assert edited.publish(body.replace(old.encode(), new.encode())).status == 200
    blocks = {block["id"]: block for section in edited.document()["sections"] for block in section["blocks"]}
    assert blocks["aftercare-1"]["state"] == "needs-review" and blocks["aftercare-1"]["lang"] == "es"
    assert all(block["state"] == "approved" for block_id, block in blocks.items() if block_id != "aftercare-1")
    assert edited.document()["translation"]["state"] == "needs-review"


def test_the_approved_policy_serves_english_flagged_until_approved(own_translations, tmp_path, make_app, serve):
    team = make_team(tmp_path, make_app, serve, own_translations, TRANSLATION_POLICY="es=approved")
    document = team.document()
    blocks = [block for section in document["sections"] for block in section["blocks"]]
    assert all(block["lang"] == "en" and block["fallback"] and block["state"] == "translated" for block in blocks)
    assert document["title"] == "Kyphoplasty and vertebroplasty"
    assert document["translation"]["serve"] == "approved" and document["translation"]["state"] == "untranslated"
    page = team.server.get(f"/es/procedures/{SLUG}").text
    assert "Algunas partes de esta página aún no han sido revisadas por un traductor médico y se muestran en inglés." in page
    assert re.search(r'<p class="block" lang="en" dir="ltr">Kyphoplasty and vertebroplasty are', page)
    locales = {entry["code"]: entry for entry in team.server.get("/api/v1/locales").json()}
    assert locales["es"]["serve"] == "approved" and locales["ko"]["serve"] == "translated"
    listed = team.server.get("/api/v1/procedures?lang=es").json()["procedures"][0]
    assert "es" not in listed["locales"] and "ko" in listed["locales"]  # a partner offers no Spanish yet

    assert team.review(team.ana, {"action": "approve", "messages": [OVERVIEW]}).status == 200
    blocks = {block["id"]: block for section in team.document()["sections"] for block in section["blocks"]}
    assert (blocks["overview-1"]["lang"], blocks["overview-1"]["fallback"], blocks["overview-1"]["state"]) == ("es", False, "approved")
    assert blocks["aftercare-1"]["lang"] == "en" and blocks["aftercare-1"]["state"] == "translated"

    assert team.review(team.ana, {"action": "approve", "procedure": SLUG}).status == 200
    document = team.document()
    assert document["translation"]["complete"] and document["translation"]["state"] == "approved"
    assert document["title"] == "Cifoplastia y vertebroplastia"
    assert "es" in team.server.get("/api/v1/procedures?lang=es").json()["procedures"][0]["locales"]


def test_provenance_on_pages_embeds_fragments_and_json_ld(team):
    page = team.server.get(f"/es/procedures/{SLUG}").text
    assert NOTICE_ES in page and "Traducido del inglés el 24 de noviembre de 2026." in page
    assert team.review(team.ana, {"action": "approve", "procedure": SLUG}).status == 200
    date = team.document()["translation"]["approved_on"]
    from babel.dates import format_date
    import datetime as dt

    spoken = format_date(dt.date.fromisoformat(date), format="long", locale="es")
    line = f"Traducido del inglés el 24 de noviembre de 2026; revisado por un traductor médico el {spoken}."
    for path in (f"/es/procedures/{SLUG}", f"/embed/es/procedures/{SLUG}?partner=demo",
                 f"/api/v1/procedures/{SLUG}/fragment?lang=es"):
        html = team.server.get(path).text
        assert line in html and NOTICE_ES not in html, path
    fragment = team.server.get(f"/api/v1/procedures/{SLUG}/fragment?lang=es").text
    assert 'class="contentapi-embed__provenance"' in fragment
    page = team.server.get(f"/es/procedures/{SLUG}").text
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1))
    assert data["translationOfWork"]["@id"] == f"/en/procedures/{SLUG}" and data["translationOfWork"]["inLanguage"] == "en"
    assert data["reviewedBy"] == [{"@type": "Person", "name": "ana"}]
    assert data["translator"][0]["name"] == "contentapi sample translation (awaiting clinical review)"
    english = team.server.get(f"/en/procedures/{SLUG}").text
    assert "translationOfWork" not in english and "Translated from English" not in english
    # Arabic is still unreviewed: the notice, in Arabic.
    assert "لم يراجع مترجم طبي هذه الترجمة بعد." in team.server.get(f"/ar/procedures/{SLUG}").text


def test_shares_in_the_list_and_the_locales(team):
    before = team.server.get("/api/v1/locales").json()
    assert next(e for e in before if e["code"] == "es")["review"] == {"approved": 0.0, "reviewed": 0.0, "translated": 1.0}
    assert team.review(team.ana, {"action": "review", "procedure": SLUG}).status == 200
    assert team.review(team.ana, {"action": "approve", "messages": [OVERVIEW]}).status == 200
    listing = team.server.get("/api/v1/procedures?lang=ko").json()["procedures"][0]["review"]
    assert listing["es"]["translated"] == listing["es"]["reviewed"] == 1.0 and 0 < listing["es"]["approved"] < 0.1
    assert listing["ar"] == {"approved": 0.0, "reviewed": 0.0, "translated": 1.0}
    es = next(e for e in team.server.get("/api/v1/locales").json() if e["code"] == "es")["review"]
    assert 0 < es["approved"] < es["reviewed"] < es["translated"] == 1.0  # the interface is not reviewed yet


def test_back_translations_and_the_review_page(team, spec):
    response = team.review(team.ana, {"back_translations": {OVERVIEW: "Kyphoplasty and vertebroplasty are minimally invasive."}})
    assert response.status == 200 and response.json()["reviewed"][0]["state"] == "translated"
    listing = team.call("GET", f"{REVIEWS}?procedure={SLUG}", team.maria)
    validate_response(spec, "/api/v1/translations/{locale}/reviews", "get", 200, listing.json())
    item = next(m for m in listing.json()["messages"] if m["msgctxt"] == OVERVIEW)
    assert item["back_translation"] == "Kyphoplasty and vertebroplasty are minimally invasive."
    page = team.call("GET", f"{REVIEWS}?procedure={SLUG}", team.maria, Accept="text/html")
    assert page.status == 200 and page.headers["Content-Type"].startswith("text/html")
    row = re.search(rf"<code>{re.escape(OVERVIEW)}</code>.*?</tr>", page.text, re.S).group(0)
    cells = re.findall(r'<td lang="([^"]+)"[^>]*>(.*?)</td>', row, re.S)
    assert [language for language, _ in cells] == ["en", "es", "en"]
    assert cells[0][1].startswith("Kyphoplasty and vertebroplasty are minimally-invasive procedures")
    assert cells[1][1].startswith("La cifoplastia y la vertebroplastia")
    assert cells[2][1] == "Kyphoplasty and vertebroplasty are minimally invasive."
    assert page.headers["Cache-Control"] == "no-store" and "Accept" in page.headers["Vary"]


def test_a_poedit_style_rewrap_publishes_without_touching_the_states(team, tmp_path):
    assert team.review(team.ana, {"action": "approve", "procedure": SLUG}).status == 200
    body, _ = team.fetch()
    source = tmp_path / "es.po"
    source.write_bytes(body)
    rewrapped = subprocess.run(["msgcat", "--width=40", str(source)], capture_output=True, check=True, timeout=60).stdout
    # and someone's edit of a review comment in the editor, which is never taken from an upload
    forged = rewrapped.replace(b"approved=ana", b"approved=maria")
    assert team.publish(forged).status == 200
    assert team.document()["translation"]["approved_by"] == ["ana"]
    assert team.document()["translation"]["state"] == "approved"
    published, _ = team.fetch()
    assert b"approved=maria" not in published and without_reviews(published) != without_reviews(body)  # rewrapped


def test_the_command_line_reviews_with_a_token(team, own_translations, tmp_path, make_app):
    app = make_app(TRANSLATIONS_DIR=str(own_translations), TOKENS=str(tmp_path / "tokens.json"),
                   TRANSLATION_REVISIONS_DIR=str(tmp_path / "revisions"), LOAD_CONTENT_AT_START=False)
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["i18n", "review", "es", "-p", SLUG])
    assert listed.exit_code == 0 and f"translated    {OVERVIEW}" in listed.output
    refused = runner.invoke(args=["i18n", "review", "es", "-p", SLUG, "--approve"], env={"CONTENTAPI_TOKEN": team.maria})
    assert refused.exit_code == 1 and "reviewer role" in refused.output
    done = runner.invoke(args=["i18n", "review", "es", "-p", SLUG, "--approve"], env={"CONTENTAPI_TOKEN": team.ana})
    assert done.exit_code == 0, done.output
    assert f"translated -> approved  {OVERVIEW}" in done.output and "published by ana" in done.output
    assert team.document()["translation"]["approved_by"] == ["ana"]  # the server follows the store
    listed = runner.invoke(args=["i18n", "review", "es", "-m", OVERVIEW, "--json"])
    (row,) = json.loads(listed.output)
    assert row["state"] == "approved" and row["approved"] == f"ana {today()}"


def test_the_review_page_passes_the_audit(team, tmp_path):
    """The reviewers' page is a page like the others: the accessibility audit finds nothing on it."""
    import sys

    from contentapi.config import REPOSITORY_DIR

    team.review(team.ana, {"back_translations": {OVERVIEW: "Kyphoplasty and vertebroplasty are minimally invasive."}})
    page = team.call("GET", f"{REVIEWS}?procedure={SLUG}", team.maria, Accept="text/html").text
    # Saved as a reviewer would save it (its URL needs a token the browser cannot send), styles from the server.
    saved = tmp_path / "review.html"
    saved.write_text(page.replace('href="/static/', f'href="{team.server.url}/static/'), encoding="utf-8")
    report = tmp_path / "audit.json"
    completed = subprocess.run([sys.executable, "-m", "audits", "--quiet", "--url", saved.as_uri(), "--json", str(report),
                                "--states", "light,dark", "--skip-check", "readability", "--workers", "1"],
                               cwd=REPOSITORY_DIR, capture_output=True, text=True, timeout=300, check=False)
    findings = [(check, finding["rule"], finding["target"], finding["message"][:200]) for page_report in json.loads(report.read_text())["pages"]
                for check, result in page_report["checks"].items() for finding in result["violations"]]
    assert completed.returncode == 0, (findings, completed.stdout[-2000:], completed.stderr[-2000:])


test_the_review_page_passes_the_audit = pytest.mark.browser(test_the_review_page_passes_the_audit)


def test_bad_review_requests_are_problems_never_500(team, spec):
    _, etag = team.fetch(CATALOG.rsplit("/procedures/", 1)[0])
    for body in (b"[" * 100_000, b"{" * 50_000, b"\xff\xfe", b'{"action": "approve", "messages": [' + b"[" * 5000 + b"]}"):
        response = team.call("POST", REVIEWS, team.ana, body, Content_Type="application/json", If_Match=etag)
        assert response.status == 422, (body[:20], response.status)
        assert response.headers["Content-Type"].startswith("application/problem+json")
        validate_response(spec, "/api/v1/translations/{locale}/reviews", "post", 422, response.json(), "application/problem+json")
    assert team.fetch(CATALOG.rsplit("/procedures/", 1)[0])[1] == etag


def test_interface_messages_are_named_by_msgid(team):
    response = team.review(team.ana, {"action": "approve", "messages": ["Patient education"],
                                      "back_translations": {"Page not found": "Page not found"}}, path=REVIEWS)
    assert response.status == 200, response.json()
    assert {(item["msgid"], item["state"]) for item in response.json()["reviewed"]} == {
        ("Patient education", "approved"), ("Page not found", "translated")}
    states = {item["msgid"]: item for item in team.call("GET", f"{REVIEWS}?interface=true", team.ana).json()["messages"]}
    assert states["Patient education"]["approved_by"] == "ana"
    assert states["Page not found"]["back_translation"] == "Page not found"
    unknown = team.review(team.ana, {"action": "approve", "messages": ["and/or"]})
    assert unknown.status == 422 and unknown.json()["messages"] == ["and/or"]


def test_the_notice_shows_without_a_known_translation_date(team):
    """A catalog that records no date (no review marks, no PO-Revision-Date) still carries the notice."""
    body, _ = team.fetch()
    undated = re.sub(rb'"PO-Revision-Date: [^"]*"\n', b"", body)
    assert undated != body and team.publish(undated).status == 200
    assert team.document()["translation"]["translated_on"] is None
    for path in (f"/es/procedures/{SLUG}", f"/embed/es/procedures/{SLUG}?partner=demo"):
        html = team.server.get(path).text
        assert NOTICE_ES in html and "Traducido del inglés" not in html, path


def test_the_command_line_refuses_what_it_cannot_do_in_one_line(team, own_translations, tmp_path, make_app):
    app = make_app(TRANSLATIONS_DIR=str(own_translations), TOKENS=str(tmp_path / "tokens.json"),
                   TRANSLATION_REVISIONS_DIR=str(tmp_path / "revisions"), LOAD_CONTENT_AT_START=False)
    runner = app.test_cli_runner()
    env = {"CONTENTAPI_TOKEN": team.ana}
    before = team.fetch()
    both = runner.invoke(args=["i18n", "review", "es", "-p", SLUG, "--review", "--reject"], env=env)
    assert both.exit_code == 2 and "not --review and --reject" in both.output
    for args in (["-p", "no-such"], ["-p", "no-such", "--approve"], ["-m", f"{SLUG}/nowhere/1"]):
        result = runner.invoke(args=["i18n", "review", "es", *args], env=env)
        assert result.exit_code == 1 and result.output.startswith("contentapi: ") and len(result.output.splitlines()) == 1, args
    listed = runner.invoke(args=["i18n", "review", "es", "-m", "Patient education", "--json"])
    assert [row["msgid"] for row in json.loads(listed.output)] == ["Patient education"]
    assert team.fetch() == before  # nothing was published


def test_a_review_through_gunicorn_reaches_every_worker(own_translations, tmp_path):
    """The production shape: gunicorn with two worker processes and serve = approved for Spanish. A
    translator's token cannot approve; a reviewer's approval is one revision, and every worker then
    serves the approved Spanish with the provenance line instead of English with the notice."""
    from tests.helpers import GunicornServer, http_request, wait_until

    store = TokenStore(tmp_path / "tokens.json")
    maria, ana = store.add("maria", ("es",)), store.add("ana", ("es",), ("reviewer",))
    settings = {"TRANSLATIONS_DIR": own_translations, "TOKENS": tmp_path / "tokens.json", "CATALOG_CHECK_INTERVAL": "0.5",
                "TRANSLATION_REVISIONS_DIR": tmp_path / "revisions", "TRANSLATION_POLICY": "es=approved"}
    server = GunicornServer(settings, tmp_path / "gunicorn.log", workers=2)
    try:
        def get(path, token=None):
            status, headers, body = http_request(server.port, "GET", path, {"Authorization": f"Bearer {token}"} if token else {})
            return status, headers, body

        def title() -> str:
            status, _, body = get(f"/api/v1/procedures/{SLUG}?lang=es")
            assert status == 200
            return json.loads(body)["title"]

        assert {title() for _ in range(6)} == {"Kyphoplasty and vertebroplasty"}  # nothing approved: English
        page = get(f"/es/procedures/{SLUG}")[2].decode()
        assert "se muestran en inglés" in page and "revisado por un traductor médico el" not in page
        _, headers, _ = get(CATALOG, ana)
        approve = json.dumps({"action": "approve", "procedure": SLUG}).encode()
        post = {"Content-Type": "application/json", "If-Match": headers["ETag"]}
        status, _, body = http_request(server.port, "POST", REVIEWS, {**post, "Authorization": f"Bearer {maria}"}, approve)
        assert status == 403 and b"reviewer" in body
        status, _, body = http_request(server.port, "POST", REVIEWS, {**post, "Authorization": f"Bearer {ana}"}, approve)
        assert status == 200, body
        wait_until(lambda: {title() for _ in range(8)} == {"Cifoplastia y vertebroplastia"}, timeout=60,
                   message="every worker serving the approved Spanish")
        # Eight answers may all come from one worker: ask until the document and the page agree too.
        document = wait_until(lambda: next((d for d in [json.loads(get(f"/api/v1/procedures/{SLUG}?lang=es")[2])]
                                            if d["translation"]["state"] == "approved"), None),
                              timeout=60, message="the approved state")
        assert document["translation"]["approved_by"] == ["ana"]
        page = wait_until(lambda: next((text for text in [get(f"/es/procedures/{SLUG}")[2].decode()]
                                        if "revisado por un traductor médico el" in text), None),
                          timeout=60, message="the page with the reviewer's line")
        # A worker checks the store at a request at most every CATALOG_CHECK_INTERVAL (0.5 s): one
        # that last answered (in English) just before the waits above ended may still do so for that
        # long. Past it, every answer, whichever worker gives it, is the approved Spanish.
        time.sleep(1.0)
        for _ in range(8):
            document = json.loads(get(f"/api/v1/procedures/{SLUG}?lang=es")[2])
            assert document["translation"]["state"] == "approved" and document["translation"]["approved_by"] == ["ana"]
        assert "revisado por un traductor médico el" in page and NOTICE_ES not in page and "se muestran en inglés" not in page
    finally:
        server.stop()


test_a_review_through_gunicorn_reaches_every_worker = pytest.mark.slow(test_a_review_through_gunicorn_reaches_every_worker)
