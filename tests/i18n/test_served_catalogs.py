"""What one worker serves from the revision store when a revision is damaged: its health says so
for as long as the damage lasts, also across the retries that try the damaged domain again."""

from __future__ import annotations

from contentapi.delivery.factory import build_publisher
from contentapi.i18n.catalogs import ServedCatalogs
from tests.helpers import SLUG


def test_a_damaged_domain_stays_in_health_across_retries_before_it_is_used_again(own_translations, tmp_path):
    publisher = build_publisher({"TRANSLATIONS_DIR": str(own_translations), "TRANSLATION_REVISIONS_DIR": str(tmp_path / "store")})
    publisher.import_repository()
    pointer = publisher.store.manifest("es").domains[SLUG]
    for kind in ("mo", "po"):
        (tmp_path / "store" / "es" / SLUG / f"{pointer.revision}.{kind}").write_bytes(b"garbage")
    catalogs = ServedCatalogs(publisher.store, ("en", "es"), check_interval=0.0)
    assert catalogs.get("es").translate(f"{SLUG}/title", "Kyphoplasty and vertebroplasty") is None  # English
    assert catalogs.health()["status"] == "degraded"
    for _ in range(3):
        catalogs._next_retry = 0.0  # the retry interval has passed; nothing asks for the domain meanwhile
        catalogs.refresh()
        (problem,) = catalogs.health()["locales"]["es"]["degraded"]
        assert problem["domain"] == SLUG and f"revision {pointer.revision}" in problem["reason"]
