"""Meaning checks, with a failing and a passing example in every shipped locale: a number keeps its
unit (CLDR's unit names through Babel), a negative sentence stays negative, and a translation reads
as the catalog's language."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contentapi.config import REPOSITORY_DIR
from contentapi.i18n.checks import CHECKS, ERROR, WARNING, check_po_bytes
from contentapi.i18n.domains import catalog_path
from contentapi.i18n.locales import SUPPORTED_LOCALES, to_babel_id
from contentapi.i18n.meaning import unit_vocabulary
from contentapi.i18n.po import read_po
from tests.helpers import SLUG, po_catalog, po_entry
from tests.i18n.corpus import PORTUGUESE

LOCALES = SUPPORTED_LOCALES[1:]


def checks(locale: str, source: str, translation: str) -> dict[str, str]:
    """check id -> hint for one entry of a catalog of ``locale``."""
    path = f"{to_babel_id(locale)}/LC_MESSAGES/messages.po"
    return {f.check: f.hint for f in check_po_bytes(po_catalog(po_entry(source, translation), locale), path)}


def test_severities():
    assert CHECKS["units"][0] == ERROR and CHECKS["negation"][0] == WARNING and CHECKS["language"][0] == WARNING


# locale -> (English, a translation whose number changed unit, the right translation)
UNITS = {
    "es": [("Rest for 24 hours.", "Descanse 24 días.", "Descanse 24 horas."),
           ("Take 10 mg.", "Tome 10 ml.", "Tome 10 mg.")],
    "zh-Hans": [("Rest for 24 hours.", "休息 24 天。", "休息 24 小时。"),
                ("Take 10 mg.", "服用 10 毫升。", "服用 10 毫克。")],
    "vi": [("Rest for 24 hours.", "Nghỉ ngơi 24 ngày.", "Nghỉ ngơi 24 giờ."),
           ("Take 10 mg.", "Uống 10 ml.", "Uống 10 mg.")],
    "ko": [("Rest for 24 hours.", "24일 동안 쉬세요.", "24시간 동안 쉬세요."),
           ("Take 10 mg.", "10밀리리터를 복용하세요.", "10밀리그램을 복용하세요.")],
    "ar": [("Rest for 24 hours.", "استرح لمدة 24 يومًا.", "استرح لمدة 24 ساعة."),
           ("Take 10 mg.", "تناول 10 مليلتر.", "تناول 10 مليغرام.")],
    "ru": [("Rest for 24 hours.", "Отдыхайте 24 дня.", "Отдыхайте 24 часа."),
           ("Avoid lifting for 2 weeks.", "Не поднимайте тяжести 2 месяца.", "Не поднимайте тяжести 2 недели.")],
}


@pytest.mark.parametrize("locale, source, wrong, right", [(locale, *case) for locale, cases in UNITS.items() for case in cases])
def test_a_number_keeps_its_unit(locale, source, wrong, right):
    found = checks(locale, source, wrong)
    assert "units" in found and "numbers" not in found
    assert "units" not in checks(locale, source, right)


def test_the_issues_example_names_both_units():
    hint = checks("es", "Do not resume your activities for 24 hours.", "No retome sus actividades durante 24 días.")["units"]
    assert "24 hours -> 24 días" in hint


@pytest.mark.parametrize("locale", LOCALES)
def test_unit_words_come_from_cldr_in_every_plural_form(locale):
    """Russian has час, часа, часов; Arabic the dual ساعتان; Vietnamese giờ only in CLDR's "per" form."""
    vocabulary = unit_vocabulary(locale)
    hours = {word for word, units in vocabulary.items() if "duration-hour" in units}
    expected = {"es": {"hora", "horas"}, "zh-Hans": {"小时"}, "vi": {"giờ", "tiếng"}, "ko": {"시간"},
                "ar": {"ساعة", "ساعات", "ساعتان"}, "ru": {"час", "часа", "часов"}}[locale]
    assert expected <= hours
    lone = {word for word in vocabulary if len(word) == 1}  # a lone "h", "ч" or "س" is too often a word of its own
    assert all(unicodedata.name(word).startswith(("CJK", "HANGUL")) for word in lone)


NEGATIVE = "Do not resume your activities for 24 hours."
# locale -> (a translation that lost the negation, the right one)
NEGATION = {
    "es": ("Retome sus actividades durante 24 horas.", "No retome sus actividades durante 24 horas."),
    "zh-Hans": ("24 小时内恢复日常活动。", "24 小时内不要恢复日常活动。"),
    "vi": ("Trở lại các hoạt động trong 24 giờ.", "Đừng trở lại các hoạt động trong 24 giờ."),
    "ko": ("24시간 동안 활동을 다시 시작하세요.", "24시간 동안 활동을 다시 시작하지 마세요."),
    "ar": ("عد إلى أنشطتك خلال 24 ساعة.", "لا تعد إلى أنشطتك خلال 24 ساعة."),
    "ru": ("Возвращайтесь к обычной активности через 24 часа.", "Не возвращайтесь к обычной активности 24 часа."),
}


@pytest.mark.parametrize("locale", LOCALES)
def test_a_negative_sentence_stays_negative(locale):
    dropped, kept = NEGATION[locale]
    assert "is negative (not, no, never) and this is not" in checks(locale, NEGATIVE, dropped)["negation"]
    assert "negation" not in checks(locale, NEGATIVE, kept)
    assert "this is negative and the English is not" in checks(locale, "Resume your activities after 24 hours.", kept)["negation"]


def test_negation_is_a_warning_a_translator_can_silence():
    data = po_catalog(po_entry(NEGATIVE, NEGATION["es"][0], comment="contentapi: ignore=negation"), "es")
    assert "negation" not in {f.check for f in check_po_bytes(data, "es/LC_MESSAGES/messages.po")}


def shipped_paragraph(locale: str) -> str:
    po = read_po(catalog_path(REPOSITORY_DIR / "translations", locale, SLUG).read_bytes())
    return next(entry.msgstr[0] for entry in po.messages if entry.context and entry.context.endswith("/aftercare/1"))


AFTERCARE = read_po(catalog_path(REPOSITORY_DIR / "translations", "es", SLUG).read_bytes())
ENGLISH = next(entry.msgid for entry in AFTERCARE.messages if entry.context and entry.context.endswith("/aftercare/1"))
# locale -> (a paragraph in another language, that language's name)
OTHER_LANGUAGE = {
    "es": (PORTUGUESE, "Portuguese"),
    "zh-Hans": (shipped_paragraph("ko"), "Korean"),
    "vi": (shipped_paragraph("es"), "Spanish"),
    "ko": (shipped_paragraph("zh-Hans"), "Chinese"),
    "ar": (shipped_paragraph("ru"), "Russian"),
    "ru": (ENGLISH, "English"),
}


@pytest.mark.parametrize("locale", LOCALES)
def test_a_paragraph_in_another_language_is_named(locale):
    other, name = OTHER_LANGUAGE[locale]
    assert f"reads as {name}" in checks(locale, ENGLISH, other)["language"]
    assert "language" not in checks(locale, ENGLISH, shipped_paragraph(locale))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(LOCALES), st.text(max_size=60), st.text(max_size=60))
def test_any_text_in_any_locale_is_checked_without_a_crash(locale, source, translation):
    path = f"{to_babel_id(locale)}/LC_MESSAGES/messages.po"
    findings = check_po_bytes(po_catalog(po_entry(source or "x", translation), locale), path)
    assert not any("could not be checked" in finding.hint for finding in findings)
