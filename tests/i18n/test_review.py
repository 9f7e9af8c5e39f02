"""Review states as catalog data: written as translator comments that GNU gettext's own tools keep
(msgcat rewrapping at 40 columns, msgmerge against the template), never taken from an upload,
reset when the text or the English changes, refused for one's own text, and published as revisions
of either store (files, PostgreSQL) with history and restore unchanged."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from contentapi.delivery.factory import build_publisher
from contentapi.i18n.catalogs import LocaleCatalog, compile_po
from contentapi.i18n.domains import catalog_path, template_path
from contentapi.i18n.po import read_po
from contentapi.i18n.publishing import PreconditionFailed, Publisher, ReviewRefused
from contentapi.i18n.review import (
    APPROVED,
    NEEDS_REVIEW,
    REVIEWED,
    TRANSLATED,
    UNTRANSLATED,
    Mark,
    PolicyError,
    Review,
    ReviewError,
    ReviewRequest,
    carry,
    entry_source,
    parse_policy_setting,
    policies,
    review_of,
    reviewed,
    state_of,
)
from contentapi.i18n.revisions import FileRevisionStore
from tests.helpers import SLUG, po_catalog, po_entry

OVERVIEW = f"{SLUG}/overview/1"
HEADING = f"{SLUG}/overview/heading"


def states(data: bytes) -> dict:
    return {entry.context or entry.msgid: state_of(entry) for entry in read_po(data).messages}


def reviews(data: bytes) -> dict:
    return {entry.context or entry.msgid: review_of(entry) for entry in read_po(data).messages}


@pytest.fixture
def approved(own_translations) -> bytes:
    """The Spanish procedure catalog, translated by maria and approved by ana."""
    data = catalog_path(own_translations, "es", SLUG).read_bytes()
    data = carry(None, read_po(data), "maria", "2026-11-20")
    data, _ = reviewed(read_po(data), ReviewRequest("approve", everything=True), "ana", "2026-11-22")
    return data


def test_a_review_is_one_translator_comment_and_nothing_else_changes(approved, own_translations):
    original = catalog_path(own_translations, "es", SLUG).read_bytes()
    added = [line for line in approved.decode().splitlines() if line not in original.decode().splitlines()]
    assert added and all(line.startswith("# contentapi: review=approved; translated=maria 2026-11-20; "
                                         "reviewed=ana 2026-11-22; approved=ana 2026-11-22; source=") for line in added)
    assert len(added) == len(read_po(original).messages)
    assert set(states(approved).values()) == {APPROVED}


def test_msgcat_rewrap_and_msgmerge_keep_the_states(approved, own_translations, tmp_path):
    """Poedit, Weblate and GNU gettext keep translator comments (and drop unknown #, flags)."""
    source = tmp_path / "es.po"
    source.write_bytes(approved)
    rewrapped = subprocess.run(["msgcat", "--width=40", str(source)], capture_output=True, check=True, timeout=60).stdout
    assert rewrapped != approved and max(len(line) for line in rewrapped.decode().splitlines() if line.startswith(('"', "msg"))) <= 40
    assert reviews(rewrapped) == reviews(approved)
    assert states(rewrapped) == states(approved)
    merged = subprocess.run(["msgmerge", "--quiet", "--width=40", str(source), str(template_path(own_translations, SLUG))],
                            capture_output=True, check=True, timeout=60).stdout
    assert reviews(merged) == reviews(approved)
    # Why comments and not flags: msgcat drops a flag it does not know.
    flagged = tmp_path / "flagged.po"
    flagged.write_bytes(po_catalog(po_entry("Rest.", "Descanse.", flags="approved")))
    assert b"approved" not in subprocess.run(["msgcat", str(flagged)], capture_output=True, check=True, timeout=60).stdout


def test_the_compiled_catalog_carries_the_states(approved):
    catalog = LocaleCatalog.from_mo_bytes("es", compile_po(read_po(approved), "es"), SLUG)
    entry = next(e for e in read_po(approved).messages if e.context == OVERVIEW)
    review = catalog.review(OVERVIEW, entry.msgid)
    assert (review.state, review.translated, review.approved) == (APPROVED, Mark("maria", "2026-11-20"), Mark("ana", "2026-11-22"))
    assert catalog.review(OVERVIEW, "another English").state == UNTRANSLATED
    plain = LocaleCatalog.from_mo_bytes("es", compile_po(read_po(carry(None, read_po(approved), None)), "es"), SLUG)
    assert plain.review(OVERVIEW, entry.msgid).state == TRANSLATED  # a first publish takes no state from its upload
    # A catalog without review comments compiles as it always did: every translated message is "translated".
    bare = read_po(po_catalog(po_entry("Rest.", "Descanse.")))
    assert LocaleCatalog.from_mo_bytes("es", compile_po(bare, "es"), "proc").review("proc/overview/1", "Rest.").state == TRANSLATED


def test_publishing_keeps_reviews_of_unchanged_text_and_resets_changed_text(approved):
    upload = approved.replace("Información general".encode(), "Resumen".encode())
    # The upload claims its own approval of the new heading: never taken from an upload.
    upload = upload.replace(b'msgctxt "' + HEADING.encode() + b'"',
                            b"# contentapi: review=approved; approved=maria 2026-11-23; source=000000000000\n"
                            b'msgctxt "' + HEADING.encode() + b'"')
    published = carry(read_po(approved), read_po(upload), "maria", "2026-11-24")
    after = reviews(published)
    assert after[HEADING] == Review(NEEDS_REVIEW, after[HEADING].source, translated=Mark("maria", "2026-11-24"))
    assert states(published)[HEADING] == NEEDS_REVIEW
    assert after[OVERVIEW] == reviews(approved)[OVERVIEW]
    # A message that was never reviewed is simply translated by whoever changed it.
    fresh = carry(None, read_po(approved.replace(b"# contentapi: review=", b"# was: ")), "li", "2026-11-24")
    assert set(states(fresh).values()) == {TRANSLATED}


def test_an_english_change_resets_approval(approved):
    entry = next(e for e in read_po(approved).messages if e.context == OVERVIEW)
    changed = approved.replace(entry.msgid.encode(), entry.msgid.replace("bending", "bending, lifting").encode())
    assert states(changed)[OVERVIEW] == NEEDS_REVIEW
    assert states(changed)[HEADING] == APPROVED
    fuzzy = approved.replace(f'msgctxt "{OVERVIEW}"'.encode(), f'#, fuzzy\nmsgctxt "{OVERVIEW}"'.encode())
    assert states(fuzzy)[OVERVIEW] == UNTRANSLATED


def test_nobody_reviews_or_approves_their_own_text(approved):
    translated = carry(None, read_po(approved.replace(b"# contentapi: review=", b"# was: ")), "maria", "2026-11-20")
    for action in ("review", "approve"):
        with pytest.raises(ReviewError) as raised:
            reviewed(read_po(translated), ReviewRequest(action, {OVERVIEW}), "maria")
        assert raised.value.kind == "own-text" and raised.value.contexts == (OVERVIEW,)
    data, changed = reviewed(read_po(translated), ReviewRequest("review", {OVERVIEW}), "ana", "2026-11-21")
    assert [(item.msgctxt, item.previous_state, item.state) for item in changed] == [(OVERVIEW, TRANSLATED, REVIEWED)]
    data, changed = reviewed(read_po(data), ReviewRequest("approve", {OVERVIEW}), "jose", "2026-11-22")
    review = reviews(data)[OVERVIEW]
    assert (review.state, review.reviewed, review.approved) == (APPROVED, Mark("ana", "2026-11-21"), Mark("jose", "2026-11-22"))
    data, _ = reviewed(read_po(data), ReviewRequest("reject", {OVERVIEW}), "maria", "2026-11-23")
    assert (reviews(data)[OVERVIEW].state, reviews(data)[OVERVIEW].approved) == (NEEDS_REVIEW, None)


def test_back_translations_are_attached_and_kept_with_their_text(approved):
    data, _ = reviewed(read_po(approved), ReviewRequest(None, back_translations={OVERVIEW: "Line one.\nLine two."}),
                       "pedro", "2026-11-21")
    review = reviews(data)[OVERVIEW]
    assert review.back_translation == "Line one.\nLine two." and review.back_translated == Mark("pedro", "2026-11-21")
    assert review.state == APPROVED  # attaching one changes no state
    assert b"# contentapi: back-translation=Line two.\n" in data
    changed = data.replace("La cifoplastia y la vertebroplastia son".encode(), "La cifoplastia y la vertebroplastia son hoy".encode())
    assert reviews(carry(read_po(data), read_po(changed), "maria"))[OVERVIEW].back_translation is None


@pytest.mark.parametrize("request_, kind", [
    (ReviewRequest("approve", {f"{SLUG}/nowhere/1"}), "unknown"),
    (ReviewRequest("approve", {OVERVIEW}), "untranslated"),
])
def test_impossible_reviews_are_refused(approved, request_, kind):
    emptied = approved.replace("La cifoplastia y la vertebroplastia son".encode(), b"").split(b"\n")
    data = approved.replace(f'msgctxt "{OVERVIEW}"'.encode(), f'#, fuzzy\nmsgctxt "{OVERVIEW}"'.encode())
    with pytest.raises(ReviewError) as raised:
        reviewed(read_po(data), request_, "ana")
    assert raised.value.kind == kind and emptied


def test_a_comment_that_cannot_be_read_counts_as_translated():
    entry = read_po(po_catalog(po_entry("Rest.", "Descanse.", comment="contentapi: review=approved; source=nonsense"))).messages[0]
    assert review_of(entry) is None and state_of(entry) == TRANSLATED
    good = f"contentapi: review=approved; approved=ana 2026-11-22; source={entry_source(entry)}"
    assert state_of(read_po(po_catalog(po_entry("Rest.", "Descanse.", comment=good))).messages[0]) == APPROVED


def test_policies_come_from_the_setting_then_each_locales_file_then_approved(tmp_path):
    (tmp_path / "es").mkdir()
    (tmp_path / "es" / "locale.toml").write_text('serve = "translated"\n', encoding="utf-8")
    assert policies(tmp_path, ("es", "ko")) == {"es": "translated", "ko": "approved"}
    assert policies(tmp_path, ("es", "ko"), "approved") == {"es": "approved", "ko": "approved"}
    assert policies(tmp_path, ("es", "ko"), "ko=translated") == {"es": "translated", "ko": "translated"}
    (tmp_path / "es" / "locale.toml").write_text('serve = "everything"\n', encoding="utf-8")
    with pytest.raises(PolicyError, match="locale.toml"):
        policies(tmp_path, ("es",))
    with pytest.raises(PolicyError, match="TRANSLATION_POLICY"):
        parse_policy_setting("es=maybe", ("es",))


# -- published as revisions, in either store ----------------------------------------------------------


@pytest.fixture(params=["files", "postgres"])
def publisher(request, own_translations, tmp_path) -> Publisher:
    if request.param == "files":
        store = FileRevisionStore(tmp_path / "revisions")
    else:
        from contentapi.i18n.postgres import PostgresRevisionStore

        url = request.getfixturevalue("postgres").create_database(f"review_{abs(hash(str(tmp_path))) % 10**8}")
        request.getfixturevalue("make_app")(DATABASE_URL=url, LOAD_CONTENT_AT_START=False).test_cli_runner().invoke(
            args=["db", "upgrade"])
        store = PostgresRevisionStore(url)
    opened = build_publisher({"TRANSLATIONS_DIR": str(own_translations)}, store)
    opened.import_repository()
    yield opened
    store.close()


def test_a_review_is_a_revision_with_history_and_restore(publisher):
    _, etag = publisher.current("es", SLUG)
    with pytest.raises(PreconditionFailed):
        publisher.review("es", {SLUG: ReviewRequest("approve", everything=True)}, "ana", '"stale"')
    revisions, changed, _, new_etag = publisher.review("es", {SLUG: ReviewRequest("approve", everything=True)}, "ana", etag)
    (revision,) = revisions
    assert (revision.action, revision.translator, revision.domain) == ("review", "ana", SLUG)
    assert revision.stats["review"]["approved"] == len(changed) == revision.stats["translated"]
    assert new_etag == publisher.current("es", SLUG)[1] == revision.etag
    assert set(states(publisher.current("es", SLUG)[0]).values()) == {APPROVED}
    # The same request again changes nothing and makes no revision.
    assert publisher.review("es", {SLUG: ReviewRequest("approve", everything=True)}, "ana", new_etag)[0] == []
    # Restoring the import brings back its (unreviewed) text: states are what that revision recorded.
    imported = next(item for item in publisher.revisions("es", SLUG) if item.action == "import")
    restored = publisher.restore("es", imported.id, "maria", new_etag, SLUG)
    assert set(states(publisher.current("es", SLUG)[0]).values()) == {APPROVED}  # same text: the newer review stays
    assert restored.action == "restore"
    with pytest.raises(ReviewRefused):
        publisher.review("es", {SLUG: ReviewRequest("approve", {f"{SLUG}/nowhere/1"})}, "ana", None)


def test_the_whole_locale_etag_also_answers_for_a_review(publisher):
    from contentapi.i18n.publishing import locale_etag

    etag = locale_etag(publisher.store.manifest("es"))
    _, _, _, new_etag = publisher.review("es", {SLUG: ReviewRequest("review", everything=True)}, "ana", etag)
    assert new_etag == locale_etag(publisher.store.manifest("es")) != etag


def test_pull_writes_the_states_into_the_repository(publisher, own_translations):
    publisher.review("es", {SLUG: ReviewRequest("approve", everything=True)}, "ana", None)
    written, _ = publisher.pull(("es",))
    path = catalog_path(own_translations, "es", SLUG)
    assert written == [path] and set(states(path.read_bytes()).values()) == {APPROVED}
    assert Path(path).read_bytes() == publisher.current("es", SLUG)[0]


def test_a_back_translation_is_kept_exactly_as_a_comment_can_hold_it(approved):
    text = "C:\\ is not a path here\\\n  - an indented item\nthe end"
    data, _ = reviewed(read_po(approved), ReviewRequest(None, back_translations={OVERVIEW: text}), "pedro")
    assert reviews(data)[OVERVIEW].back_translation == "C:\\ is not a path here\\\n- an indented item\nthe end"
    assert [entry.msgstr for entry in read_po(data).messages] == [entry.msgstr for entry in read_po(approved).messages]


def test_approving_a_procedure_again_keeps_who_approved_it(approved):
    data, changed = reviewed(read_po(approved), ReviewRequest("approve", everything=True), "jose", "2026-12-01")
    assert changed == [] and data == approved
    data, changed = reviewed(read_po(approved), ReviewRequest("approve", {OVERVIEW}), "jose", "2026-12-01")
    assert [item.msgctxt for item in changed] == [OVERVIEW] and reviews(data)[OVERVIEW].approved == Mark("jose", "2026-12-01")


def test_babel_wrapping_comments_at_76_columns_keeps_the_states(approved):
    """Babel's write_po (``pybabel update``) wraps every comment at 76 columns whatever its width: the
    review line and a long back-translation come back in pieces, and are read as one again."""
    import io

    from babel.messages.pofile import read_po as babel_read_po
    from babel.messages.pofile import write_po as babel_write_po

    long = ("Kyphoplasty and vertebroplasty are procedures done through small cuts in the skin "
            "that relieve the pain of broken bones in the spine.\nA second line.")
    data, _ = reviewed(read_po(approved), ReviewRequest(None, back_translations={OVERVIEW: long}), "pedro", "2026-11-21")
    out = io.BytesIO()
    babel_write_po(out, babel_read_po(io.BytesIO(data)), width=76)
    wrapped = out.getvalue()
    assert max(len(line) for line in wrapped.decode().splitlines() if line.startswith("# ")) <= 78
    assert b"\n# 2026-11-22; approved=ana 2026-11-22;" in wrapped or b"\n# approved=ana" in wrapped  # really wrapped
    assert reviews(wrapped) == reviews(data) and states(wrapped) == states(data)
    assert reviews(wrapped)[OVERVIEW].back_translation == long
    # Published again, the server's comments replace the wrapped ones whole: no piece is left behind.
    published = carry(read_po(data), read_po(wrapped), "maria")
    assert reviews(published) == reviews(data)
    assert not [line for line in published.decode().splitlines()
                if line.startswith("# ") and not line.startswith("# contentapi:") and ("=" in line or "2026-" in line)]
    # A comment of the translator's own right after ours is not taken for a piece of it.
    own = wrapped.replace(f'msgctxt "{HEADING}"'.encode(), f'# Check with Dr. Ruiz\nmsgctxt "{HEADING}"'.encode())
    assert reviews(own) == reviews(data)
    assert b"# Check with Dr. Ruiz" in carry(read_po(data), read_po(own), "maria")


def test_interface_messages_are_named_by_their_msgid(own_translations):
    data = carry(None, read_po(catalog_path(own_translations, "es").read_bytes()), "maria", "2026-11-20")
    new, changed = reviewed(read_po(data), ReviewRequest("approve", {"Patient education"},
                                                         back_translations={"Page not found": "Page not found"}), "ana")
    assert [(item.msgid, item.state) for item in changed] == [("Patient education", APPROVED), ("Page not found", TRANSLATED)]
    assert reviews(new)["Page not found"].back_translation == "Page not found"
    with pytest.raises(ReviewError) as raised:
        reviewed(read_po(data), ReviewRequest("approve", {"No such words"}), "ana")
    assert raised.value.kind == "unknown"


def test_a_back_translation_is_cleaned_of_control_characters_and_odd_line_breaks(approved):
    text = "\u2028First\u0085second\x0cthird\x00\x1b[31m\r\nfourth\ttab\v"
    data, _ = reviewed(read_po(approved), ReviewRequest(None, back_translations={OVERVIEW: text}), "pedro")
    assert reviews(data)[OVERVIEW].back_translation == "First\nsecond\nthird[31m\nfourth tab"
    assert all(ord(char) >= 32 for line in data.decode().splitlines() for char in line)
