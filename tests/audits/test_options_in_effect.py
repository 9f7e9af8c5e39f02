"""Options that change what is checked and what fails: rules, levels, scope, needs review,
readability as a failure, another axe script, and titles left in English on translated pages."""

from __future__ import annotations

import dataclasses

import pytest

from audits import audit_pages
from audits.axe import bundled_axe_path
from audits.discovery import Page
from audits.engine import Auditor
from audits.model import FAILED, PASSED, WARNING

pytestmark = [pytest.mark.browser]


def run(fixture_site, options, *names, expected_lang=None):
    """Audit fixture pages with options, in a browser of its own."""
    auditor = Auditor(options)
    try:
        return audit_pages([Page(fixture_site.page(name), "page", expected_lang) for name in names], options, auditor=auditor).pages
    finally:
        auditor.close()


@pytest.fixture
def axe_only(fixture_options):
    """The fixture options with axe as the only check."""
    return dataclasses.replace(fixture_options, checks=("axe",))


def test_rule_runs_only_that_rule_and_disable_turns_one_off(fixture_site, axe_only):
    """--rule narrows axe to one rule; --disable turns one off."""
    only_alt, = run(fixture_site, dataclasses.replace(axe_only, rules=["image-alt"]), "low-contrast.html")
    assert only_alt.checks["axe"].status == PASSED and only_alt.checks["axe"].passes <= 1
    without, = run(fixture_site, dataclasses.replace(axe_only, disabled_rules=["color-contrast"]), "low-contrast.html")
    assert without.checks["axe"].status == PASSED
    contrast, = run(fixture_site, axe_only, "low-contrast.html")
    assert contrast.checks["axe"].status == FAILED


def test_level_wcag2a_leaves_out_aa_rules(fixture_site, axe_only):
    """At level A, the AA contrast rule does not run."""
    page, = run(fixture_site, dataclasses.replace(axe_only, level="wcag2a", best_practice=False), "low-contrast.html")
    assert page.checks["axe"].status == PASSED  # color-contrast is 1.4.3, level AA


def test_exclude_scopes_the_audit(fixture_site, axe_only):
    """An excluded element's problems are not reported."""
    page, = run(fixture_site, dataclasses.replace(axe_only, exclude=["img"]), "missing-alt.html")
    assert page.checks["axe"].status == PASSED


def test_needs_review_is_listed_and_fails_only_when_asked(fixture_site, axe_only):
    """axe's incomplete results are listed; --fail-on-incomplete makes them fail."""
    listed, = run(fixture_site, axe_only, "needs-review.html")
    assert listed.checks["axe"].status == PASSED
    assert "color-contrast" in {finding.rule for finding in listed.checks["axe"].incomplete}
    strict, = run(fixture_site, dataclasses.replace(axe_only, fail_on_incomplete=True), "needs-review.html")
    assert strict.checks["axe"].status == FAILED


def test_readability_warns_by_default_and_fails_when_asked(fixture_site, fixture_options):
    """Readability above target warns; --fail-on readability fails."""
    only = dataclasses.replace(fixture_options, checks=("readability",))
    warned, = run(fixture_site, only, "hard-reading.html")
    assert warned.checks["readability"].status == WARNING and warned.status == WARNING
    assert warned.checks["readability"].details["grade"] > 14
    failed, = run(fixture_site, dataclasses.replace(only, fail_on=frozenset({"readability"})), "hard-reading.html")
    assert failed.checks["readability"].status == FAILED


def test_axe_script_replaces_the_bundled_axe(fixture_site, axe_only, tmp_path):
    """--axe-script runs the given axe.min.js."""
    script = tmp_path / "axe.min.js"
    script.write_text(bundled_axe_path().read_text(encoding="utf-8") + ';axe.version = "4.99.0-test";', encoding="utf-8")
    page, = run(fixture_site, dataclasses.replace(axe_only, axe_script=str(script)), "missing-alt.html")
    assert page.axe_version == "4.99.0-test"
    assert page.checks["axe"].status == FAILED


def test_title_left_in_english_on_a_translated_page_fails(fixture_site, fixture_options):
    """A Spanish page with the English page's title fails 2.4.2."""
    only = dataclasses.replace(fixture_options, checks=("title",))
    auditor = Auditor(only)
    try:
        pages = [Page(fixture_site.page("en/hours.html"), "page", "en"), Page(fixture_site.page("es/hours.html"), "page", "es")]
        english, spanish = audit_pages(pages, only, auditor=auditor).pages
    finally:
        auditor.close()
    assert english.checks["title"].status == PASSED
    assert [finding.rule for finding in spanish.checks["title"].violations] == ["title-not-localised"]


def test_screenshot_crops_show_the_failing_element_even_inside_nested_frames(fixture_site, fixture_options):
    """The crop of the image without alt, two frames deep and cross-origin, shows that image."""
    import base64
    import io

    from PIL import Image

    options = dataclasses.replace(fixture_options, checks=("axe", "focus-visible"), screenshots=True)
    framed, outline = run(fixture_site, options, "cross-origin-iframe.html", "outline-none.html")
    for finding in (framed.checks["axe"].violations[0], outline.checks["focus-visible"].violations[0]):
        assert finding.screenshot.startswith("data:image/png;base64,")
    crop = Image.open(io.BytesIO(base64.b64decode(framed.checks["axe"].violations[0].screenshot.split(",", 1)[1])))
    assert 40 <= crop.width <= 60 and 40 <= crop.height <= 60
    colours = crop.convert("RGB").getcolors(crop.width * crop.height)
    assert max(colours)[1] == (11, 85, 184)  # mostly the fixture image's blue


def test_exclude_scopes_our_checks_too(fixture_site, fixture_options):
    """Excluded parts of a page are left out of focus and text-spacing checks as well."""
    options = dataclasses.replace(fixture_options, checks=("focus-visible", "text-spacing"), exclude=["a", "p"])
    outline, spacing = run(fixture_site, options, "outline-none.html", "spacing-clipped.html")
    assert outline.checks["focus-visible"].status == PASSED
    assert spacing.checks["text-spacing"].status == PASSED


def test_totals_count_warnings_apart_from_violations(fixture_site, fixture_options):
    """A readability warning is a warning in the totals, not a violation."""
    only = dataclasses.replace(fixture_options, checks=("readability",))
    auditor = Auditor(only)
    try:
        totals = audit_pages([Page(fixture_site.page("hard-reading.html"))], only, auditor=auditor).totals()
    finally:
        auditor.close()
    assert totals["warnings"] == 1 and totals["violations"] == 0 and totals["pages_passed"] == 1


def test_page_asked_for_in_one_locale_must_declare_it(fixture_site, fixture_options):
    """Our pages are expected in the locale they were requested in: lang="en" on a page asked for in es fails."""
    only = dataclasses.replace(fixture_options, checks=("lang", "direction"))
    page, = run(fixture_site, only, "clean.html", expected_lang="es")
    assert [finding.rule for finding in page.checks["lang"].violations][:1] == ["lang-mismatch"]
    rtl, = run(fixture_site, only, "clean.html", expected_lang="ar")
    assert rtl.checks["direction"].status == FAILED
