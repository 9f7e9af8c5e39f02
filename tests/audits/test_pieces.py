"""The plain-Python parts of the audit: levels, signatures, language guesses, readability, discovery."""

from __future__ import annotations

import pytest

from audits import readability
from audits.discovery import discover_service, discover_sitemap
from contentapi.i18n.language import guess_language, is_rtl
from audits.options import AuditOptions, axe_tags
from audits.signature import signature


@pytest.mark.parametrize("level, tags", [
    ("wcag2a", ["wcag2a"]),
    ("wcag2aa", ["wcag2a", "wcag2aa"]),
    ("wcag21aa", ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]),
    ("wcag22aa", ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]),
])
def test_levels_expand_to_inclusive_tag_sets(level, tags):
    """Each level names every axe tag up to it; best-practice is added by default."""
    assert axe_tags(level, best_practice=False) == tags
    assert axe_tags(level) == tags + ["best-practice"]


def test_rule_and_disable_options_reach_axe():
    """--rule, --disable, --include and --exclude become axe's options and context."""
    options = AuditOptions(rules=["image-alt"], disabled_rules=["region"], include=["main"], exclude=[".ad"])
    assert options.axe_options()["runOnly"] == {"type": "rule", "values": ["image-alt"]}
    assert options.axe_options()["rules"] == {"region": {"enabled": False}}
    assert options.axe_options()["iframes"] is True
    assert options.axe_context() == {"include": [["main"]], "exclude": [[".ad"]]}


def test_signatures_ignore_generated_classes_and_ids_but_keep_meaning():
    """Rebuilt markup keeps its signature; a different element does not share it."""
    first = signature('<img class="css-1a2b3c" id="react-123" src="/static/v1/logo.png?x=1" alt="">', ["img"])
    second = signature('<img class="css-9z8y7x" id="react-456" src="/static/v2/logo.png?x=2" alt="">', ["img"])
    assert first == second == "img[src=logo.png][alt=]|text:"
    assert signature('<a href="/en/" id="skip">Skip</a>') != signature('<a href="/es/" id="skip">Skip</a>')
    assert signature("<p>Hi</p>", ["iframe", "p"]).startswith("frame/")


@pytest.mark.parametrize("text, language", [
    ("The clinic is open from Monday to Friday and you can call us at any time.", "en"),
    ("Su cita es el lunes por la mañana. Por favor, llegue a la clínica con su tarjeta.", "es"),
    ("Bạn sẽ được gây tê tại chỗ và có thể được dùng thuốc an thần.", "vi"),
    ("العيادة مفتوحة من الاثنين إلى الجمعة", "ar"),
    ("Клиника открыта с понедельника по пятницу", "ru"),
    ("诊所周一至周五开放，请提前预约。", "zh"),
    ("진료소는 월요일부터 금요일까지 엽니다", "ko"),
    ("Kyphoplasty", None),
])
def test_language_guess_is_clear_or_silent(text, language):
    """Plain text is attributed to its language; a lone word is not attributed."""
    assert guess_language(text) == language


def test_rtl_languages():
    """Right-to-left languages, with script subtags taken into account."""
    assert is_rtl("ar") and is_rtl("he-IL") and is_rtl("fa") and not is_rtl("en") and not is_rtl("az-Latn")


def test_readability_formulas():
    """Easy text grades low, dense clinical text grades high; other languages are not measured."""
    easy = [{"text": "We will call you. Come at nine. Bring your card. Eat a light meal. " * 5}]
    hard = [{"text": "Percutaneous vertebral augmentation necessitates meticulous fluoroscopic visualization "
                     "of the osteoporotic compression deformity, administered under conscious sedation. " * 4}]
    assert readability.measure(easy, "en")["grade"] < 4
    assert readability.measure(hard, "en")["grade"] > 14
    spanish = readability.measure([{"text": "El médico le verá hoy. Puede comer antes de venir. " * 6}], "es")
    assert spanish["formula"] == "fernandez-huerta" and spanish["grade"] < 8
    assert readability.measure(easy, "ko")["measured"] is False
    assert readability.measure([{"text": "Too short."}], "en")["measured"] is False


def test_discovery_finds_every_page_in_every_locale(live_server):
    """Index and procedure pages for each locale the API lists, embeds where served."""
    pages = discover_service(live_server.url)
    locales = [item["code"] for item in live_server.get("/api/v1/locales").json()]
    slugs = [item["slug"] for item in live_server.get("/api/v1/procedures?lang=en").json()["procedures"]]
    paths = {page.path for page in pages}
    for locale in locales:
        assert f"/{locale}/" in paths
        for slug in slugs:
            assert f"/{locale}/procedures/{slug}" in paths
    assert all(page.expected_lang in locales for page in pages)
    embeds = [page for page in pages if page.kind == "embed"]
    # Embed documents are audited where the service serves them.
    assert all(live_server.get(page.path).status == 200 for page in embeds)


def test_sitemap_pages_carry_their_hreflang(live_server):
    """Sitemap pages are our pages, each expected in the language of its hreflang."""
    pages = discover_sitemap(live_server.url + "/sitemap.xml")
    assert pages and {page.path for page in pages} <= {page.path for page in discover_service(live_server.url)}
    assert all(page.expected_lang and page.path.startswith(f"/{page.expected_lang}/") for page in pages)
