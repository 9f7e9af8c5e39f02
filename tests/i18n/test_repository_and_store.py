"""The repository's catalogs and the published ones: a deploy never replaces a newer publish, a
catalog equal to a known revision is never imported twice, and ``pull`` brings published work back
into the folder (never over work that was never published)."""

from __future__ import annotations

import logging

from contentapi.delivery.factory import build_publisher
from contentapi.i18n.domains import catalog_path
from contentapi.i18n.revisions import content_hash
from tests.helpers import SLUG, without_reviews

TITLE = 'msgstr "Cifoplastia y vertebroplastia"'


def publisher_for(translations):
    return build_publisher({"TRANSLATIONS_DIR": str(translations)})


def retitled(data: bytes, title: str) -> bytes:
    assert TITLE.encode() in data
    return data.replace(TITLE.encode(), f'msgstr "{title}"'.encode(), 1)


def test_a_deploy_of_older_catalogs_never_replaces_a_newer_publish(own_translations, caplog):
    publisher = publisher_for(own_translations)
    assert len(publisher.import_repository()) == 12  # 6 locales x (interface + procedure)
    repository_file = catalog_path(own_translations, "es", SLUG)
    original = repository_file.read_bytes()
    published, _ = publisher.publish("es", SLUG, retitled(original, "Publicado por HTTP"), None, "maria")

    # A deploy brings the old file again: it equals a known revision, so nothing happens.
    repository_file.write_bytes(original)
    assert publisher_for(own_translations).import_repository() == []
    assert without_reviews(publisher.current("es", SLUG)[0]) == without_reviews(retitled(original, "Publicado por HTTP"))

    # A deploy brings a catalog edited in git from the old one: kept aside, listed, not served.
    repository_file.write_bytes(retitled(original, "Editado en git"))
    with caplog.at_level(logging.WARNING, logger="contentapi"):
        (kept,) = publisher_for(own_translations).import_repository()
    assert (kept.action, kept.domain, kept.source) == ("import", SLUG, f"translations/es/LC_MESSAGES/{SLUG}.po")
    assert publisher.store.manifest("es").domains[SLUG].revision == published.id
    assert f"kept as revision {kept.id}, not served" in caplog.text and str(repository_file) in caplog.text
    assert kept in publisher.revisions("es", SLUG)


def test_an_imported_catalog_becomes_current_over_an_earlier_import(own_translations):
    publisher_for(own_translations).import_repository()
    repository_file = catalog_path(own_translations, "es", SLUG)
    repository_file.write_bytes(retitled(repository_file.read_bytes(), "Editado en git"))
    (imported,) = publisher_for(own_translations).import_repository()
    manifest = publisher_for(own_translations).store.manifest("es")
    assert manifest.domains[SLUG].revision == imported.id and manifest.domains[SLUG].hash == imported.hash


def test_an_import_that_fails_its_checks_is_refused_with_one_line(own_translations, caplog):
    publisher_for(own_translations).import_repository()
    repository_file = catalog_path(own_translations, "es", SLUG)
    repository_file.write_bytes(repository_file.read_bytes().replace(b"24 horas", b"48 horas"))
    with caplog.at_level(logging.ERROR, logger="contentapi"):
        assert publisher_for(own_translations).import_repository() == []
    (line,) = [record.getMessage() for record in caplog.records if "not imported" in record.getMessage()]
    assert str(repository_file) in line and "[numbers]" in line


def test_pull_writes_published_work_back_and_keeps_unpublished_work(own_translations):
    publisher = publisher_for(own_translations)
    publisher.import_repository()
    es = catalog_path(own_translations, "es", SLUG)
    ru = catalog_path(own_translations, "ru", SLUG)
    new = retitled(es.read_bytes(), "Publicado por HTTP")
    publisher.publish("es", SLUG, new, None, "maria")
    ru_work = ru.read_bytes().replace("Кифопластика".encode(), "Кифопластика (черновик)".encode(), 1)
    ru.write_bytes(ru_work)  # a translator's work in git, never published
    written, kept = publisher.pull()
    # What is pulled is what was published: the upload with who translated the changed title.
    assert written == [es] and without_reviews(es.read_bytes()) == without_reviews(new)
    assert b"# contentapi: review=translated; translated=maria " in es.read_bytes()
    assert kept == [ru] and ru.read_bytes() == ru_work
    assert content_hash(es.read_bytes()) == publisher.store.manifest("es").domains[SLUG].hash
    written, kept = publisher.pull(force=True)
    assert written == [ru] and kept == []
