"""Per-block fallback: a catalog that lacks one block (or has it fuzzy) serves that block in
English, flagged in JSON and marked lang="en" in HTML, while the rest stays translated."""

from __future__ import annotations

import re

from babel.messages.pofile import read_po, write_po

from contentapi.i18n.domains import catalog_path
from tests.helpers import SLUG, put_in_store

AFTERCARE = f"{SLUG}/aftercare/1"
RISKS_LIST = f"{SLUG}/risks/2"


def edit_catalog(translations_dir, locale, remove=(), fuzzy=()):
    """Drop some messages and mark others fuzzy in a locale's .po, and serve it."""
    po_path = catalog_path(translations_dir, locale, SLUG)
    with open(po_path, "rb") as handle:
        catalog = read_po(handle)
    for message in list(catalog):
        if message.context in remove:
            catalog.delete(message.id, context=message.context)
        elif message.context in fuzzy:
            message.flags.add("fuzzy")
    with open(po_path, "wb") as handle:
        write_po(handle, catalog)
    put_in_store(translations_dir, locale, SLUG)


def test_missing_and_fuzzy_blocks_fall_back_to_english(own_translations, make_app, serve):
    edit_catalog(own_translations, "es", remove={AFTERCARE}, fuzzy={RISKS_LIST})
    server = serve(make_app(TRANSLATIONS_DIR=str(own_translations)))
    document = server.get(f"/api/v1/procedures/{SLUG}?lang=es").json()
    blocks = {f"{section['id']}/{block['id']}": block for section in document["sections"] for block in section["blocks"]}
    aftercare = blocks["aftercare/aftercare-1"]
    risks_list = blocks["risks/risks-2"]
    assert aftercare["lang"] == "en" and aftercare["fallback"] is True
    assert aftercare["text"].startswith("Following vertebroplasty and kyphoplasty")
    assert risks_list["lang"] == "en" and risks_list["items"][0] == "bleeding"
    translated = [block for key, block in blocks.items() if key not in ("aftercare/aftercare-1", "risks/risks-2")]
    assert translated and all(block["lang"] == "es" and not block["fallback"] for block in translated)
    assert (document["translation"]["complete"], document["translation"]["fallback_blocks"]) == (False, 2)
    assert (aftercare["state"], risks_list["state"]) == ("untranslated", "untranslated")
    assert server.get(f"/api/v1/procedures/{SLUG}?lang=vi").json()["translation"]["complete"] is True

    page = server.get(f"/es/procedures/{SLUG}").text
    assert re.search(r'<p class="block" lang="en" dir="ltr">Following vertebroplasty', page)
    assert re.search(r'<div class="block block--list" lang="en" dir="ltr"><ul><li>bleeding', page)
    assert len(re.findall(r'class="block[^"]*" lang=', page)) == 2
    assert "<html lang=\"es\"" in page

    listing = server.get("/api/v1/procedures?lang=es").json()["procedures"][0]
    assert "es" not in listing["locales"] and "vi" in listing["locales"]
    locales = {entry["code"]: entry["completeness"] for entry in server.get("/api/v1/locales").json()}
    assert locales["es"] < 1.0 and locales["vi"] == 1.0


def test_a_translation_that_breaks_a_list_is_not_served(own_translations, make_app, serve):
    po_path = catalog_path(own_translations, "ru", SLUG)
    with open(po_path, "rb") as handle:
        catalog = read_po(handle)
    message = next(m for m in catalog if m.context == RISKS_LIST)
    message.string = "кровотечение, инфекция"  # no longer a list (the checks refuse it: served regardless)
    with open(po_path, "wb") as handle:
        write_po(handle, catalog)
    put_in_store(own_translations, "ru", SLUG)
    server = serve(make_app(TRANSLATIONS_DIR=str(own_translations)))
    document = server.get(f"/api/v1/procedures/{SLUG}?lang=ru").json()
    risks = next(section for section in document["sections"] if section["id"] == "risks")
    assert risks["blocks"][1]["lang"] == "en" and risks["blocks"][1]["items"][0] == "bleeding"
