"""The shipped catalogs translate every message of the template, and pages show no English UI."""

from __future__ import annotations

import pytest
from babel.messages.pofile import read_po

from contentapi.config import REPOSITORY_DIR
from contentapi.i18n.domains import catalog_path, template_domains, template_path
from contentapi.i18n.locales import DEFAULT_LOCALE, SUPPORTED_LOCALES
from tests.helpers import SLUG

TRANSLATED = [locale for locale in SUPPORTED_LOCALES if locale != DEFAULT_LOCALE]


def read(path):
    with open(path, "rb") as handle:
        return read_po(handle)


DOMAINS = template_domains(REPOSITORY_DIR / "translations")


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("locale", TRANSLATED)
def test_every_template_message_is_translated(locale, domain):
    template = read(template_path(REPOSITORY_DIR / "translations", domain))
    catalog = read(catalog_path(REPOSITORY_DIR / "translations", locale, domain))
    missing = []
    for message in template:
        if not message.id:
            continue
        translated = catalog.get(message.id, context=message.context)
        strings = translated.string if translated else None
        if isinstance(strings, tuple):
            strings = all(strings)
        if not translated or not strings or translated.fuzzy:
            missing.append((message.context, message.id))
    assert missing == []


@pytest.mark.parametrize("locale", TRANSLATED)
def test_pages_show_no_english_interface_text(live_server, locale):
    page = live_server.get(f"/{locale}/procedures/{SLUG}").text
    for english in ("Also known as", "Last reviewed", "On this page", "Skip to main content", "Reading options"):
        assert english not in page


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("locale", TRANSLATED)
def test_the_shipped_samples_are_marked_translated_not_reviewed(locale, domain):
    """Every shipped translation says in its catalog that it is a sample nobody has reviewed: a
    ``review=translated`` comment for its English as it is (no translator, reviewer or approver named)."""
    from contentapi.i18n.po import read_po as read_ours
    from contentapi.i18n.review import TRANSLATED as STATE
    from contentapi.i18n.review import Review, entry_source, review_of, state_of

    po = read_ours(catalog_path(REPOSITORY_DIR / "translations", locale, domain).read_bytes())
    wrong = [(entry.context or entry.msgid, review_of(entry)) for entry in po.messages
             if review_of(entry) != Review(STATE, entry_source(entry)) or state_of(entry) != STATE]
    assert wrong == []
