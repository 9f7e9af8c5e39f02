"""When the English changes: on the seed page, editing one English paragraph and running
extract + update makes only that block fuzzy; the API serves English for it, flagged, the page
marks it lang="en", and stats counts it as stale - until a translator confirms it."""

from __future__ import annotations

import pytest

from contentapi.delivery.factory import build_publisher
from contentapi.i18n.domains import catalog_path
from contentapi.i18n.workflow import compile_catalogs, extract, stats, update
from tests.helpers import NEW_SENTENCE, SLUG, edited_content

CHANGED_BLOCK = "aftercare-1"


@pytest.fixture
def changed(own_translations, tmp_path, make_app, serve):
    """A server on a content copy whose aftercare paragraph changed, with updated, compiled catalogs."""
    content = edited_content(tmp_path)
    extract(own_translations, content_dir=content)
    update(own_translations)
    report = compile_catalogs(own_translations)
    assert not report.refused
    app = make_app(CONTENT_DIR=str(content), TRANSLATIONS_DIR=str(own_translations))
    return serve(app), own_translations


@pytest.mark.parametrize("locale", ["es", "zh-Hans", "vi", "ko", "ar", "ru"])
def test_api_serves_english_flagged_for_the_changed_block_only(changed, locale):
    server, _ = changed
    document = server.get(f"/api/v1/procedures/{SLUG}?lang={locale}").json()
    blocks = {block["id"]: block for section in document["sections"] for block in section["blocks"]}
    assert blocks[CHANGED_BLOCK]["fallback"] is True and blocks[CHANGED_BLOCK]["lang"] == "en"
    assert "bending" in blocks[CHANGED_BLOCK]["text"]
    others = [block for block_id, block in blocks.items() if block_id != CHANGED_BLOCK]
    assert others and all(block["lang"] == locale and not block["fallback"] for block in others)
    assert (document["translation"]["complete"], document["translation"]["fallback_blocks"]) == (False, 1)
    assert blocks[CHANGED_BLOCK]["state"] == "untranslated"  # fuzzy: not served, whatever its review said


def test_stats_count_the_changed_block_as_stale(changed):
    _, translations = changed
    for figures in stats(translations):
        assert (figures.fuzzy, figures.stale) == (1, 1), figures
        assert figures.translated == figures.total - 1


def test_confirming_the_translation_serves_it_again(changed, own_translations):
    server, translations = changed
    po_path = catalog_path(translations, "es", SLUG)
    text = po_path.read_text(encoding="utf-8")
    marker = f'msgctxt "{SLUG}/aftercare/1"'
    start = text.index(marker)
    head, entry = text[:start], text[start:]
    # The translator revises the text and removes the fuzzy flag and the previous msgid.
    head_lines = head.rstrip("\n").split("\n")
    head = "\n".join(line for line in head_lines[-6:] if not line.startswith(("#,", "#|")))
    text = "\n".join(head_lines[:-6]) + "\n" + head + "\n" + entry.replace("evitar levantar", "evitar agacharse, levantar", 1)
    po_path.write_text(text, encoding="utf-8")
    assert not compile_catalogs(translations, ["es"]).refused
    # Deployed from git: the running server takes the confirmed catalog as a new revision.
    assert build_publisher({"TRANSLATIONS_DIR": str(translations)}).import_repository()
    document = server.get(f"/api/v1/procedures/{SLUG}?lang=es").json()
    blocks = {block["id"]: block for section in document["sections"] for block in section["blocks"]}
    assert blocks[CHANGED_BLOCK]["lang"] == "es" and not blocks[CHANGED_BLOCK]["fallback"]
    assert "agacharse" in blocks[CHANGED_BLOCK]["text"]
    assert [f.stale for f in stats(translations) if f.locale == "es"] == [0]


@pytest.mark.browser
def test_page_marks_the_changed_block_lang_en(changed, browser):
    from selenium.webdriver.common.by import By

    server, _ = changed
    browser.get(f"{server.url}/es/procedures/{SLUG}")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "es"
    english = [
        element for element in browser.find_elements(By.CSS_SELECTOR, "main .block")
        if element.get_attribute("lang") == "en"
    ]
    assert len(english) == 1
    assert NEW_SENTENCE.split()[-1] in english[0].text and "bending" in english[0].text
    assert english[0].get_attribute("dir") == "ltr"
