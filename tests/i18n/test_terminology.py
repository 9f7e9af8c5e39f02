"""The terminology check in every shipped locale: a message whose English uses a termbase term must
use its preferred (or admitted) translation, inflected as the language inflects it, and none of its
deprecated ones; Chinese and Korean text without spaces between words still matches; the shipped
catalogs pass against the shipped termbases, and the Spanish review's findings are caught."""

from __future__ import annotations

import pytest

from contentapi.config import REPOSITORY_DIR
from contentapi.i18n.checks import check_po_bytes
from contentapi.i18n.domains import catalog_domains, catalog_path
from contentapi.i18n.locales import DEFAULT_LOCALE, SUPPORTED_LOCALES
from contentapi.i18n.terms import (
    DEPRECATED,
    PREFERRED,
    Concept,
    Term,
    Termbase,
    load_termbase,
    matcher,
    stem,
    term_problems,
)
from tests.helpers import SLUG, po_catalog, po_entry

SHIPPED = REPOSITORY_DIR / "translations"
LOCALES = [code for code in SUPPORTED_LOCALES if code != DEFAULT_LOCALE]

# Per locale: (English, a translation that uses the term as the language inflects it, one that misses
# it, one that uses a deprecated translation). Each is checked against the shipped termbase.
EXAMPLES = {
    "es": [
        ("A small balloon is inflated.", "Se infla un pequeño balón.", "Se infla una pequeña bolsa.", "Se infla un pequeño globo."),
        ("The balloons are removed.", "Se retiran los balones.", "Se retiran las bolsas.", "Se retiran los globos."),
        ("Bone cement is injected.", "Se inyectan cementos óseos.", "Se inyecta un material.", "Se inyecta cemento de hueso."),
        ("Vertebral augmentation", "Aumentos vertebrales", "Refuerzo", "Augmentación vertebral"),
        ("You may have some soreness.", "Puede tener algunas molestias.", "Puede tener algo de dolor.", None),
        ("Kyphoplasty is safe.", "La cifoplastia es segura.", "El procedimiento es seguro.", "La kifoplastia es segura."),
    ],
    "ru": [
        ("Bone cement is injected.", "Вводят костный цемент.", "Вводят материал.", "Вводят клей для костей."),
        ("It is made of bone cement.", "Он состоит из костного цемента.", "Он состоит из материала.", None),
        ("With bone cement.", "Костным цементом.", "Материалом.", None),
        ("Spinal compression fractures", "Компрессионные переломы позвоночника", "Переломы позвоночника", None),
        ("A balloon is inflated.", "Раздувают баллон.", "Раздувают его.", "Раздувают шарик."),
        ("Under moderate sedation.", "Под умеренной седацией.", "Под наркозом.", None),
        ("Vertebral augmentation", "Вертебральной аугментации", "Укрепление", "Увеличение позвонков"),
    ],
    "zh-Hans": [
        ("Bone cement is injected.", "将骨水泥注入椎骨。", "将材料注入椎骨。", "将骨胶注入椎骨。"),
        ("A balloon is inflated.", "医生将球囊扩张。", "医生将袋子扩张。", "医生将气球扩张。"),
        ("Vertebral augmentation", "椎体强化术", "椎体治疗", "椎体增大术"),
        ("Kyphoplasty is safe.", "椎体后凸成形术是安全的。", "这种手术是安全的。", "驼背成形术是安全的。"),
    ],
    "ko": [
        ("Bone cement is injected.", "골 시멘트를 주입합니다.", "재료를 주입합니다.", "뼈 시멘트를 주입합니다."),
        ("A balloon is inflated.", "풍선을 부풀립니다.", "주머니를 부풀립니다.", "벌룬을 부풀립니다."),
        ("Vertebral augmentation", "척추체보강술", "척추 치료", "척추 증강술"),
        ("Osteoporosis weakens bones.", "골다공증은 뼈를 약하게 합니다.", "이 병은 뼈를 약하게 합니다.", None),
    ],
    "ar": [
        ("Bone cement is injected.", "يُحقن الإسمنت العظمي.", "تُحقن مادة.", "يُحقن غراء العظام."),
        ("A specialized bone cement.", "إسمنتًا عظميًا خاصًا.", "مادة خاصة.", None),
        ("Balloon kyphoplasty", "رأب الحدبة بالبالون", "رأب الحدبة بكيس", "رأب الحدبة بمنطاد"),
        ("Vertebral augmentation", "تدعيم الفقرات", "علاج الفقرات", "تكبير الفقرات"),
    ],
    "vi": [
        ("Bone cement is injected.", "Bác sĩ bơm xi măng sinh học.", "Bác sĩ bơm một chất.", None),
        ("Osteoporosis weakens bones.", "Loãng xương làm xương yếu đi.", "Bệnh này làm xương yếu đi.", None),
        ("Kyphoplasty is safe.", "Tạo hình thân đốt sống bằng bóng là an toàn.", "Thủ thuật này an toàn.",
         "Kyphoplasty là an toàn."),
    ],
}
CASES = [(locale, *example) for locale, examples in EXAMPLES.items() for example in examples]


@pytest.fixture(scope="module")
def termbases():
    return {locale: load_termbase(SHIPPED, locale) for locale in LOCALES}


def terminology(termbase, locale: str, english: str, translation: str, comment: str = "") -> list:
    data = po_catalog(po_entry(english, translation, comment=comment), locale)
    return [f for f in check_po_bytes(data, f"{locale}/LC_MESSAGES/messages.po", locale, termbase) if f.check == "terminology"]


def test_every_shipped_locale_has_a_termbase_with_the_seeds_key_terms(termbases):
    for locale, termbase in termbases.items():
        ids = {concept.id for concept in termbase.concepts}
        assert {"kyphoplasty", "vertebroplasty", "vertebral-augmentation", "balloon", "bone-cement"} <= ids, locale
        for concept in termbase.concepts:
            assert any(term.status == PREFERRED for term in concept.of(locale)), (locale, concept.id)


@pytest.mark.parametrize("locale, english, good, missing, deprecated", CASES)
def test_terminology_passes_and_fails_in_every_locale(termbases, locale, english, good, missing, deprecated):
    termbase = termbases[locale]
    assert terminology(termbase, locale, english, good) == []
    (finding,) = terminology(termbase, locale, english, missing)
    assert finding.severity == "warning" and "use the termbase's" in finding.hint
    if deprecated is not None:
        hints = [finding.hint for finding in terminology(termbase, locale, english, deprecated)]
        assert any("deprecated" in hint for hint in hints), hints


def test_vertebral_augmentation_is_settled_in_every_locale(termbases):
    settled = {"es": "aumento vertebral", "zh-Hans": "椎体强化术", "ko": "척추체 보강술", "ar": "تدعيم الفقرات",
               "ru": "вертебральная аугментация", "vi": "gia cố thân đốt sống"}
    for locale, preferred in settled.items():
        concept = next(c for c in termbases[locale].concepts if c.id == "vertebral-augmentation")
        assert [term.text for term in concept.of(locale) if term.status == PREFERRED] == [preferred]


def test_cjk_text_without_spaces_matches_where_a_word_glossary_would_not():
    # Weblate's glossary check looks for space-separated words: "骨水泥" is no word of "将骨水泥注入椎骨。".
    assert "骨水泥" not in "将骨水泥注入椎骨。".split()
    term = Term("骨水泥")
    assert [(f.start, f.end) for f in matcher("zh-Hans").find((term,), "将骨水泥注入椎骨。")] == [(1, 4)]
    # Korean attaches particles and spaces compounds either way.
    for text in ("골시멘트를", "골 시멘트를", "특수한 골시멘트가"):
        assert matcher("ko").find((Term("골시멘트"),), text), text
    assert matcher("ja").find((Term("骨セメント"),), "骨セメントを注入します。")


def test_inflection_does_not_cause_false_alarms():
    assert stem("balones", "es") == stem("balón", "es") == stem("balon", "es")
    assert stem("fracturas", "es") == stem("fractura", "es")
    assert stem("fractures", "en") == stem("fracture", "en") == stem("fractured", "en")
    ru = matcher("ru")
    for text in ("костный цемент", "костного цемента", "костным цементом", "костном цементе"):
        assert ru.find((Term("костный цемент"),), text), text
    assert ru.find((Term("перелом"),), "переломов") and ru.find((Term("седация"),), "седацией")
    ar = matcher("ar")
    for text in ("الإسمنت العظمي", "إسمنتًا عظميًا", "والإسمنت العظمي"):
        assert ar.find((Term("إسمنت عظمي"),), text), text
    assert not matcher("es").find((Term("globo"),), "un problema global")


def test_a_deprecated_term_inside_a_preferred_one_is_not_a_use_of_it():
    termbase = Termbase((Concept("cement", {"en": (Term("cement"),),
                                            "es": (Term("cemento óseo"), Term("cemento", DEPRECATED))}),))
    assert term_problems(termbase, "es", "Bone cement and cement.", "El cemento óseo.") == []
    problems = term_problems(termbase, "es", "The cement.", "El cemento.")
    assert [problem.kind for problem in problems] == ["deprecated", "missing"]


def test_a_terminology_warning_can_be_silenced_on_its_entry(termbases):
    found = terminology(termbases["es"], "es", "A balloon.", "Un globo.")
    assert found
    assert terminology(termbases["es"], "es", "A balloon.", "Un globo.", comment="contentapi: ignore=terminology") == []


@pytest.mark.parametrize("locale", LOCALES)
def test_the_shipped_catalogs_use_the_shipped_terms(termbases, locale):
    for domain in catalog_domains(SHIPPED, locale):
        path = catalog_path(SHIPPED, locale, domain)
        findings = check_po_bytes(path.read_bytes(), str(path), locale, termbases[locale])
        assert [f.format() for f in findings if f.check == "terminology"] == []


def test_the_spanish_reviews_findings_are_caught(termbases):
    fixed = catalog_path(SHIPPED, "es", SLUG).read_bytes().decode("utf-8")
    before = fixed.replace("pequeño balón", "pequeño globo").replace("algunas molestias", "algo de dolor")
    findings = check_po_bytes(before.encode(), "es.po", "es", termbases["es"])
    hints = {(f.msgctxt, f.hint.split(";")[0]) for f in findings if f.check == "terminology"}
    assert (f"{SLUG}/how-it-works/1", "'globo' is a deprecated translation of 'balloon' (a party balloon") in {
        (context, hint.split(";")[0][: len("'globo' is a deprecated translation of 'balloon' (a party balloon")]) for context, hint in hints}
    assert any(context == f"{SLUG}/aftercare/1" and "soreness" in hint for context, hint in hints)
