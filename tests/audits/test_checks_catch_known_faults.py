"""Each fixture page is broken in one known way: the right check catches it, and no other check does."""

from __future__ import annotations

import pytest

from audits import audit_pages
from audits.discovery import Page
from audits.model import ERROR, FAILED, NOT_MEASURED, PASSED, WARNING

pytestmark = [pytest.mark.browser]

# page -> (the checks that must fail, the rules they must report)
EXPECTED = {
    "clean.html": (set(), set()),
    "missing-alt.html": ({"axe"}, {"image-alt"}),
    # axe and our contrast check agree on plain Latin text.
    "low-contrast.html": ({"axe", "contrast"}, {"color-contrast", "contrast-text"}),
    # axe takes joined Arabic letters for an icon font and leaves the text out; our check measures it.
    "arabic-low-contrast.html": ({"contrast"}, {"contrast-text"}),
    # Shipped pages had "Reading options" (h2) before their h1 (HTML_CodeSniffer G141).
    "heading-before-h1.html": ({"headings"}, {"headings-h1-not-first"}),
    # Korean without word-break: keep-all breaks words between syllables.
    "korean-breaks.html": ({"reflow"}, {"reflow-word-broken"}),
    # Radio buttons drawn in dark style on white (shipped pages in dark mode with high contrast).
    "dark-controls.html": ({"contrast"}, {"contrast-control-state"}),
    # A header that fills a 320 px wide screen (shipped pages with Larger text and Wide spacing).
    "tall-header.html": ({"reflow"}, {"reflow-content-below-first-screen"}),
    # Pale text in print only (shipped pages kept the dark palette's muted grey in print); after the
    # first state axe leaves colour contrast to our check.
    "print-pale.html": ({"contrast"}, {"contrast-text"}),
    "wrong-lang.html": ({"lang"}, {"lang-of-parts"}),
    # A block served in the fallback language (English) without its own lang, next to one with it.
    "fallback-without-lang.html": ({"lang"}, {"lang-of-parts"}),
    "arabic-no-dir.html": ({"direction"}, {"dir-missing", "direction-computed"}),
    "wide.html": ({"reflow"}, {"reflow-horizontal-scroll"}),
    "clipped-at-200.html": ({"resize-text"}, {"resize-text-clipped"}),
    "spacing-clipped.html": ({"text-spacing"}, {"text-spacing-clipped"}),
    "outline-none.html": ({"focus-visible"}, {"focus-indicator"}),
    # A positive tabindex: axe's best-practice rule and our focus-order check both see it.
    "tab-order.html": ({"axe", "focus-visible"}, {"tabindex", "focus-order"}),
    "iframe.html": ({"axe"}, {"image-alt"}),
    "cross-origin-iframe.html": ({"axe"}, {"image-alt"}),
}


@pytest.fixture(scope="module")
def fixture_run(fixture_site, fixture_auditor, fixture_options):
    """Every fixture page audited once, plus a page that hangs in the middle of the run."""
    names = list(EXPECTED)
    pages = [Page(fixture_site.page(name)) for name in names[:3]]
    pages.append(Page(f"{fixture_site.url}/hang"))
    pages += [Page(fixture_site.page(name)) for name in names[3:]]
    run = audit_pages(pages, fixture_options, auditor=fixture_auditor)
    return {page.path.lstrip("/"): page for page in run.pages}


@pytest.mark.parametrize("name", list(EXPECTED))
def test_fault_is_caught_by_its_check_only(fixture_run, name):
    """The failing checks are exactly the expected ones, with the expected rules."""
    expected_checks, expected_rules = EXPECTED[name]
    page = fixture_run[name]
    assert page.error is None
    failing = {check for check, result in page.checks.items() if result.status == FAILED}
    rules = {finding.rule for check in expected_checks for finding in page.checks[check].violations}
    details = {check: [(f.rule, f.message) for f in result.violations] for check, result in page.checks.items()}
    assert failing == expected_checks, details
    assert rules == expected_rules, details
    assert page.status == (FAILED if expected_checks else PASSED) or (not expected_checks and page.status == WARNING)


def test_clean_page_has_no_finding_at_all(fixture_run):
    """A clean page: no violation, nothing to review, no check in error."""
    page = fixture_run["clean.html"]
    for result in page.checks.values():
        assert result.violations == [] and result.incomplete == [], result.check
        assert result.status in (PASSED, NOT_MEASURED)


def test_violations_inside_frames_are_reported_with_frame_targets(fixture_run):
    """Frames are audited (same origin, cross-origin, nested): the target names the frame path."""
    same = fixture_run["iframe.html"].checks["axe"].violations[0]
    assert len(same.target) == 2 and same.signature.startswith("frame/")
    nested = fixture_run["cross-origin-iframe.html"].checks["axe"].violations[0]
    assert len(nested.target) == 3 and nested.signature.startswith("frame/frame/")
    assert fixture_run["cross-origin-iframe.html"].checks["axe"].details["documents"] == 3


def test_hanging_page_is_an_error_and_the_run_goes_on(fixture_run):
    """The page that never finishes loading is recorded as an error; the pages after it were audited."""
    hang = fixture_run["hang"]
    assert hang.status == ERROR
    assert "did not finish loading within 4 s" in hang.error
    assert all(not page.error for name, page in fixture_run.items() if name != "hang")


def test_timings_are_split_by_phase(fixture_run):
    """Navigation, axe and own checks are timed separately (benchmarks read these)."""
    timings = fixture_run["clean.html"].timings
    assert set(timings) >= {"navigation", "axe", "checks", "total"}
    assert timings["total"] >= timings["navigation"] + timings["axe"] + timings["checks"] - 0.01


def test_crashed_browser_is_an_error_for_its_page_and_is_replaced(fixture_site, fixture_auditor, fixture_options):
    """A renderer crash (chrome://crash) fails that page only; a new browser audits the next one."""
    started = fixture_auditor.started
    run = audit_pages([Page("chrome://crash"), Page(fixture_site.page("missing-alt.html"))], fixture_options,
                      auditor=fixture_auditor)
    crashed, after = run.pages
    assert crashed.status == ERROR and "replaced" in crashed.error
    assert after.error is None and after.checks["axe"].status == FAILED
    assert fixture_auditor.started == started + 1


def test_error_pages_are_not_audited_as_pages(fixture_site, fixture_auditor, fixture_options):
    """A 404 and an unreachable host are errors for those pages, not clean results."""
    run = audit_pages([Page(fixture_site.page("missing-page.html")), Page("http://127.0.0.1:9/")], fixture_options,
                      auditor=fixture_auditor)
    missing, unreachable = run.pages
    assert missing.status == ERROR and missing.error == "the page answered HTTP 404"
    assert unreachable.status == ERROR and unreachable.error == "the page could not be loaded"


def test_only_the_fallback_block_without_lang_is_reported(fixture_run):
    """The English block that declares lang="en" passes; the one that does not is the only finding."""
    findings = fixture_run["fallback-without-lang.html"].checks["lang"].violations
    assert len(findings) == 1 and "Call your doctor" in findings[0].html
    assert "'en'" in findings[0].message and "'es'" in findings[0].message
