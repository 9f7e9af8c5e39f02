"""The direct DevTools connection: it loads pages as WebDriver does, refuses what is not a page, and
the audit finds the same through it as through chromedriver alone."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from selenium.common.exceptions import JavascriptException, TimeoutException, WebDriverException

from audits import audit_pages
from audits.browser import BrowserFactory
from audits.devtools import NotAPage
from audits.discovery import Page
from audits.engine import Auditor
from audits.model import ERROR
from audits.options import AuditOptions
from tests.audits.conftest import PAGES_DIR

pytestmark = [pytest.mark.browser]

STATE = "[document.URL, document.readyState, document.title]"


@pytest.fixture(scope="module")
def browser():
    """A local headless Chromium with its direct DevTools connection."""
    started = BrowserFactory(None, None, 10.0, (1280, 900)).start()
    assert started.devtools is not None
    yield started
    started.quit()


def fixture_title(name: str) -> str:
    """The <title> written in a fixture page."""
    return re.search(r"<title>(.*?)</title>", (PAGES_DIR / name).read_text(encoding="utf-8")).group(1)


def test_navigate_returns_once_the_page_has_loaded(browser, fixture_site):
    for name in ("clean.html", "tab-order.html"):
        title = fixture_title(name)
        browser.navigate(fixture_site.page(name))
        assert browser.evaluate(STATE) == [fixture_site.page(name), "complete", title]
        # chromedriver follows the navigation it did not make.
        assert browser.driver.current_url == fixture_site.page(name)
        assert browser.execute("return document.title") == title


def test_evaluate_awaits_promises_and_raises_script_errors(browser, fixture_site):
    browser.navigate(fixture_site.page("clean.html"))
    assert browser.evaluate("new Promise(function (done) { setTimeout(function () { done([1, 'é']); }, 20); })",
                            await_promise=True) == [1, "é"]
    with pytest.raises(JavascriptException, match="no such thing"):
        browser.evaluate("(function () { throw new Error('no such thing'); })()")
    with pytest.raises(JavascriptException, match="refused"):
        browser.evaluate("Promise.reject(new Error('refused'))", await_promise=True)


def test_an_alert_on_load_is_dismissed_instead_of_holding_the_page(browser, fixture_site):
    browser.navigate(fixture_site.page("alert-on-load.html"))
    assert browser.evaluate(STATE)[1:] == ["complete", fixture_title("alert-on-load.html")]


def test_a_download_or_an_empty_answer_is_not_a_page_and_the_previous_one_stays(browser, fixture_site):
    browser.navigate(fixture_site.page("clean.html"))
    downloads = Path.home() / "Downloads"
    before = sorted(downloads.glob("leaflet*")) if downloads.is_dir() else []
    with pytest.raises(NotAPage, match="download"):
        browser.navigate(f"{fixture_site.url}/download")
    assert (sorted(downloads.glob("leaflet*")) if downloads.is_dir() else []) == before  # refused, not saved
    with pytest.raises(NotAPage, match="no page to audit"):
        browser.navigate(f"{fixture_site.url}/no-content")
    assert browser.evaluate(STATE)[0] == fixture_site.page("clean.html")


def test_a_page_that_never_loads_times_out_on_time(fixture_site):
    slow = BrowserFactory(None, None, 1.5, (1280, 900)).start()
    try:
        began = time.monotonic()
        with pytest.raises(TimeoutException):
            slow.navigate(f"{fixture_site.url}/hang")
        assert 1.4 < time.monotonic() - began < 5
    finally:
        slow.quit()


def test_a_crashed_page_is_a_browser_failure(fixture_site):
    doomed = BrowserFactory(None, None, 5.0, (1280, 900)).start()
    try:
        with pytest.raises(WebDriverException, match="crashed"):
            doomed.navigate("chrome://crash")
    finally:
        doomed.quit()


def test_a_download_is_an_error_for_its_page_without_replacing_the_browser(fixture_site, fixture_auditor,
                                                                           fixture_options):
    fixture_auditor.release(fixture_auditor.acquire())  # a browser is running before the run
    started = fixture_auditor.started
    run = audit_pages([Page(f"{fixture_site.url}/download"), Page(fixture_site.page("clean.html"))],
                      fixture_options, auditor=fixture_auditor)
    download, clean = run.pages
    assert download.status == ERROR and download.error == "the address is a download, not a page"
    assert clean.error is None and clean.status == "passed"
    assert fixture_auditor.started == started


def test_the_audit_finds_the_same_through_chromedriver_alone(fixture_site, fixture_options):
    """Every check on pages with findings of each kind: with and without the direct connection."""
    names = ["missing-alt.html", "low-contrast.html", "outline-none.html", "tab-order.html", "cross-origin-iframe.html",
             "wide.html"]
    pages = [Page(fixture_site.page(name)) for name in names]

    def findings(direct: bool) -> list:
        auditor = Auditor(fixture_options)
        try:
            browser = auditor.acquire()
            if not direct:
                browser.devtools.close()
                browser.devtools = None
            auditor.release(browser)
            run = audit_pages(pages, fixture_options, auditor=auditor)
        finally:
            auditor.close()
        return [sorted((name, finding.rule, finding.signature) for name, check in page.checks.items()
                       for finding in check.violations) for page in run.pages]

    direct, webdriver_only = findings(True), findings(False)
    assert direct == webdriver_only
    assert all(direct)  # every page has findings, so the comparison says something


def test_axe_only_runs_report_the_declared_language_and_title_as_full_runs_do(fixture_site):
    """Without our checks, axe's answer supplies the language and title (no extra call per page)."""
    names = ["clean.html", "arabic-no-dir.html", "fallback-without-lang.html"]
    pages = [Page(fixture_site.page(name)) for name in names]

    def facts(checks: tuple[str, ...]) -> list[tuple]:
        options = AuditOptions(timeout=4.0, workers=1, checks=checks)
        auditor = Auditor(options)
        try:
            return [(page.declared_lang, page.title) for page in audit_pages(pages, options, auditor=auditor).pages]
        finally:
            auditor.close()

    axe_only = facts(("axe",))
    assert axe_only == facts(("title", "lang"))
    assert [title for _, title in axe_only] == [fixture_title(name) for name in names]
    assert len({lang for lang, _ in axe_only}) > 1  # the pages declare different languages
