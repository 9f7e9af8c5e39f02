"""The delivery pipeline below HTTP: localise, document, page and representation, on the shipped
content and real compiled catalogs, with no Flask in the way."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from contentapi.config import DEFAULTS
from contentapi.delivery.factory import build_service, ui_messages
from contentapi.delivery.representations import VersionedCache
from contentapi.i18n.domains import catalog_path
from contentapi.i18n.locales import SUPPORTED_LOCALES
from tests.helpers import SLUG, put_in_store


def service_for(translations: Path, **settings):
    return build_service({**DEFAULTS, "TRANSLATIONS_DIR": str(translations), "CATALOG_CHECK_INTERVAL": 0.0, **settings})


@pytest.fixture(scope="module")
def service(translations_dir):
    return service_for(translations_dir)


def test_each_representation_is_built_once_per_catalog_version(service):
    first = service.procedure_json(SLUG, "es")
    assert service.procedure_json(SLUG, "es") is first
    assert first.etag == f'"{hashlib.sha256(first.body).hexdigest()[:32]}"'
    assert first.content_language == "es" and first.media_type == "application/json"


def test_the_json_document_and_the_page_come_from_one_localised_procedure(service):
    document = json.loads(service.procedure_json(SLUG, "ko").body)
    page = service.procedure_html(SLUG, "ko").body.decode("utf-8")
    localized = service.localized(SLUG, "ko")
    assert document["title"] == localized.title.text and f">{localized.title.html}</h1>" in page
    assert [section["id"] for section in document["sections"]] == [section.id for section in localized.sections]
    assert '<html lang="ko" dir="ltr">' in page


def test_unknown_slugs_give_nothing_to_send(service):
    assert service.procedure_json("no-such-procedure", "es") is None
    assert service.procedure_html("no-such-procedure", "es") is None
    assert service.localized("no-such-procedure", "es") is None


def test_a_published_catalog_changes_the_state_and_only_what_it_translates(own_translations):
    service = service_for(own_translations)
    state, before = service.state(), service.procedure_json(SLUG, "es")
    page, interface_only = service.procedure_html(SLUG, "es"), service.procedure_json(SLUG, "ru")
    text = catalog_path(own_translations, "es", SLUG).read_text(encoding="utf-8")
    put_in_store(own_translations, "es", SLUG, text.replace('msgstr "Cifoplastia y vertebroplastia"',
                                                            'msgstr "Cifoplastia y vertebroplastia (nuevo)"').encode())
    assert service.state() != state
    after = service.procedure_json(SLUG, "es")
    assert after.etag != before.etag and json.loads(after.body)["title"].endswith("(nuevo)")
    assert service.procedure_html(SLUG, "es") is not page
    assert service.procedure_json(SLUG, "ru") is interface_only  # another locale: kept as it was


def test_embed_pages_make_every_link_absolute_to_the_given_origin(service):
    page = service.localized(SLUG, "es")
    fragment = service.embed_page(page, "https://content.example.org/", "embed_fragment.html", None).body.decode()
    assert 'href="/' not in fragment
    assert f'href="https://content.example.org/es/procedures/{SLUG}"' in fragment


def test_the_oembed_snippet_names_the_partner_and_the_canonical_page(service):
    document = service.oembed_document(service.localized(SLUG, "ar"), "https://c.example", "demo", 600, 700, 300)
    assert document["type"] == "rich" and (document["width"], document["height"]) == (600, 700)
    assert f'href="https://c.example/ar/procedures/{SLUG}" hreflang="ar" lang="ar" dir="rtl"' in document["html"]
    assert 'data-partner="demo"' in document["html"] and document["html"].endswith('<script src="https://c.example/embed.js" async></script>')


def test_completeness_counts_content_and_interface_strings(service):
    assert service.completeness("en") == 1.0
    assert 0 < service.completeness("es") <= 1.0
    assert set(service.complete_locales(service.procedure(SLUG))) == set(SUPPORTED_LOCALES)


def test_interface_strings_are_read_from_the_template_without_content_messages(translations_dir):
    messages = ui_messages(translations_dir / "messages.pot")
    assert (None, "Skip to main content") in messages
    assert not any(context and "/" in context for context, _ in messages)


def test_error_pages_are_in_the_readers_language(service):
    page = service.error_page("es", 404)
    assert '<html lang="es" dir="ltr">' in page and "<h1>Página no encontrada</h1>" in page
    assert "<h1>Something went wrong</h1>" in service.error_page("en", 500)


def test_the_versioned_cache_rebuilds_on_a_new_version_and_evicts_the_oldest():
    cache = VersionedCache(size=2)
    builds = []

    def build(value):
        return lambda: builds.append(value) or value

    assert cache.get("a", 1, build("a1")) == "a1" and cache.get("a", 1, build("a1 again")) == "a1"
    assert cache.get("a", 2, build("a2")) == "a2"
    cache.get("b", 1, build("b1"))
    cache.get("c", 1, build("c1"))  # "a" is the oldest: evicted
    assert cache.get("a", 2, build("a2 rebuilt")) == "a2 rebuilt"
    assert builds == ["a1", "a2", "b1", "c1", "a2 rebuilt"]
