"""Damaged catalog files never take a locale down, let alone the service, over real HTTP against
gunicorn with the recommended settings (gthread, 2 workers x 4 threads, --preload).

The current revision's files are damaged in every way a disk or a hand can damage them (emptied,
cut to the header, cut in half, replaced by garbage, given a byte-order mark), the .mo alone or
the .mo and the .po, both while serving (a worker killed and started again must load them) and
at start-up. What must hold: every request is answered (no 5xx, /healthz included); a damaged .mo
is compiled again from its .po and the right text is served; when both are damaged, the newest
readable earlier revision is served, /healthz says degraded and names the file, and one log line
names the file and the reason; once the files are restored, every worker serves the current
revision again by itself. A damaged manifest makes its locale English, never the others.
"""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest

from contentapi.i18n.domains import catalog_path
from contentapi.i18n.tokens import TokenStore
from tests.helpers import SLUG, GunicornServer, copy_translations, http_request, wait_until

pytestmark = pytest.mark.slow

OLD_TITLE = "Cifoplastia y vertebroplastia"
NEW_TITLE = "Cifoplastia y vertebroplastia (revisado)"
MO_HEADER = 28  # magic, revision, count, two table offsets, hash size and offset


def damaged(data: bytes, how: str, kind: str = "mo") -> bytes:
    """``data`` (a .mo, .po or manifest) damaged the way ``how`` names."""
    if how == "empty":
        return b""
    if how == "header-only":  # a .mo's fixed header; a .po's header entry
        return data[:MO_HEADER] if kind == "mo" else data[: data.index(b"\n\n") + 2]
    if how == "half":
        return data[: len(data) // 2]
    if how == "garbage":
        return os.urandom(len(data))
    if how == "bom":
        return b"\xef\xbb\xbf" + data
    raise ValueError(how)


DAMAGE = ["empty", "header-only", "half", "garbage", "bom"]


def title(port: int) -> tuple[int, str | None]:
    status, _, body = http_request(port, "GET", f"/api/v1/procedures/{SLUG}?lang=es")
    return status, json.loads(body)["title"] if status == 200 else None


def health(port: int) -> dict:
    status, _, body = http_request(port, "GET", "/healthz?verbose")
    assert status == 200
    return json.loads(body)


def server_for(tmp_path: Path, translations: Path, store: Path, log: str) -> GunicornServer:
    tokens = tmp_path / "tokens.json"
    settings = {"TRANSLATIONS_DIR": translations, "TRANSLATION_REVISIONS_DIR": store, "TOKENS": tokens,
                "CATALOG_CHECK_INTERVAL": "0.2"}
    return GunicornServer(settings, tmp_path / log, workers=2, worker_class="gthread", threads=4, preload=True)


@pytest.fixture
def published(tmp_path):
    """A store whose current Spanish procedure catalog is revision 3 (NEW_TITLE), over revision 2 (the import)."""
    translations = copy_translations(tmp_path / "translations")
    store = tmp_path / "store"
    token = TokenStore(tmp_path / "tokens.json").add("maria", ("es",))
    server = server_for(tmp_path, translations, store, "first.log")
    url = f"/api/v1/translations/es/procedures/{SLUG}"
    try:
        _, headers, body = http_request(server.port, "GET", url, {"Authorization": f"Bearer {token}"})
        upload = body.replace(f'msgstr "{OLD_TITLE}"'.encode(), f'msgstr "{NEW_TITLE}"'.encode(), 1)
        status, _, answer = http_request(server.port, "PUT", url, {"Authorization": f"Bearer {token}", "If-Match": headers["ETag"],
                                                                  "Content-Type": "text/x-gettext-translation"}, upload)
        assert status == 200, answer
        assert json.loads(answer)["revision"]["id"] == 3
    finally:
        server.stop()
    return translations, store, store / "es" / SLUG / "3"


def damage(revision: Path, files: str, how: str) -> dict[Path, bytes]:
    """Damage a revision's .mo (files "mo") or .mo and .po ("mo+po"); return the originals."""
    originals = {}
    for suffix in ("mo",) if files == "mo" else ("mo", "po"):
        path = revision.with_suffix(f".{suffix}")
        originals[path] = path.read_bytes()
        path.write_bytes(damaged(originals[path], how, suffix))
    return originals


@pytest.mark.parametrize("files", ["mo", "mo+po"])
def test_damage_while_serving_never_fails_a_request(published, tmp_path, files):
    translations, store, revision = published
    server = server_for(tmp_path, translations, store, f"serving-{files}.log")
    try:
        wait_until(lambda: {title(server.port) for _ in range(8)} == {(200, NEW_TITLE)}, message="revision 3 everywhere")
        for how in DAMAGE:
            originals = damage(revision, files, how)
            victim = next(iter(server.worker_pids()))
            os.kill(victim, signal.SIGKILL)  # its replacement must load the damaged files
            wait_until(lambda: len(server.worker_pids() - {victim}) == 2, message="a new worker")
            answers = [title(server.port) for _ in range(16)] + [http_request(server.port, "GET", path)[0:1]
                                                                 for path in ("/healthz", "/es/", f"/es/procedures/{SLUG}")]
            assert all(answer[0] == 200 for answer in answers), (how, answers)
            titles = {answer[1] for answer in answers[:16]}
            if files == "mo":
                assert titles == {NEW_TITLE}, how  # compiled again from the revision's .po
            else:
                # The running worker keeps revision 3; the new one serves revision 2, the newest readable.
                # Requests spread over the workers unevenly: ask until the new worker answers.
                assert titles <= {NEW_TITLE, OLD_TITLE}, how
                wait_until(lambda: OLD_TITLE in {title(server.port)[1] for _ in range(12)}, message="the new worker answering")
                report = wait_until(lambda: next((r for r in [health(server.port)] if r["status"] == "degraded"), None),
                                    message="the new worker's health")
                (item,) = report["locales"]["es"]["degraded"]
                assert item["domain"] == SLUG and item["serving"] == 2 and "revision 3" in item["reason"], how
            for path, data in originals.items():
                path.write_bytes(data)
            # Restored: every worker takes revision 3 again on its own (it tries damaged domains again).
            wait_until(lambda: all(health(server.port)["status"] == "ok" for _ in range(8))
                       and {title(server.port) for _ in range(8)} == {(200, NEW_TITLE)},
                       timeout=40, message="every worker back on revision 3")
        log = server.log_path.read_text(errors="replace")
        if files == "mo+po":
            assert f"revision 3 of es/{SLUG}.mo" in log and "serving revision 2 instead" in log
    finally:
        server.stop()


@pytest.mark.parametrize("how", DAMAGE)
def test_damage_at_start_up_serves_the_newest_readable_revision(published, tmp_path, how):
    translations, store, revision = published
    damage(revision, "mo+po", how)
    server = server_for(tmp_path, translations, store, f"start-{how}.log")
    try:
        assert {title(server.port) for _ in range(8)} == {(200, OLD_TITLE)}
        # Every answer is 200; a worker that has not needed the catalog yet has not met the damage,
        # so ask until one that has answers.
        wait_until(lambda: http_request(server.port, "GET", "/healthz")[0:3:2] == (200, b'{"status":"degraded"}\n'),
                   message="a worker that met the damage")
        status, _, body = http_request(server.port, "GET", "/api/v1/procedures?lang=ru")
        assert status == 200 and json.loads(body)["procedures"][0]["title"] != "Kyphoplasty and vertebroplasty"
    finally:
        server.stop()
    log = server.log_path.read_text(errors="replace")
    assert f"catalog revision 3 of es/{SLUG}.mo" in log and "serving revision 2 instead" in log


@pytest.mark.parametrize("how", ["empty", "half", "garbage"])
def test_a_damaged_manifest_makes_only_its_locale_english(published, tmp_path, how):
    translations, store, _ = published
    manifest = store / "es" / "current.json"
    manifest.write_bytes(damaged(manifest.read_bytes(), how, "json"))
    # The repository's catalogs were imported already: a start-up must not take them for new ones.
    server = server_for(tmp_path, translations, store, f"manifest-{how}.log")
    try:
        assert title(server.port) == (200, "Kyphoplasty and vertebroplasty")
        document = json.loads(http_request(server.port, "GET", f"/api/v1/procedures/{SLUG}?lang=es")[2])
        assert document["translation"]["complete"] is False and document["sections"][0]["blocks"][0]["fallback"]
        status, _, body = http_request(server.port, "GET", f"/api/v1/procedures/{SLUG}?lang=ko")
        assert status == 200 and json.loads(body)["title"] != "Kyphoplasty and vertebroplasty"
        report = health(server.port)
        assert report["status"] == "degraded" and "current.json" in report["locales"]["es"]["degraded"][0]["reason"]
    finally:
        server.stop()
    assert "current.json" in server.log_path.read_text(errors="replace")


def test_a_catalog_with_a_byte_order_mark_in_the_repository_is_refused_like_any_failing_one(tmp_path, make_app, serve):
    """msgfmt refuses a byte-order mark, so the checks do (tests/i18n/test_byte_order_mark.py): the
    catalog is not imported and its procedure is served in English; the service is unharmed."""
    translations = copy_translations(tmp_path / "translations")
    po = catalog_path(translations, "es", SLUG)
    po.write_bytes(b"\xef\xbb\xbf" + po.read_bytes())
    server = serve(make_app(TRANSLATIONS_DIR=str(translations)))
    assert server.get(f"/api/v1/procedures/{SLUG}?lang=es").json()["title"] == "Kyphoplasty and vertebroplasty"
    assert server.get("/healthz").json() == {"status": "ok"}
