"""The audit's browser: DevTools shortcuts behave as the WebDriver commands they replace."""

from __future__ import annotations

import os
import signal
import time

import pytest
from selenium.common.exceptions import JavascriptException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from audits.browser import BrowserFactory, process_start
from audits.checks import call

pytestmark = [pytest.mark.browser]

ACTIVE = "return [document.activeElement.tagName, document.activeElement.textContent]"


@pytest.fixture(scope="module")
def local_browser():
    """One local headless Chromium (DevTools available)."""
    browser = BrowserFactory(None, None, 20.0, (1280, 900)).start()
    assert browser.cdp
    yield browser
    browser.quit()


def test_tab_through_devtools_moves_focus_as_webdriver_keys_do(local_browser, fixture_site):
    """The same page, tabbed once with DevTools key events and once with WebDriver actions: same stops."""
    driver = local_browser.driver
    driver.get(fixture_site.page("tab-order.html"))
    by_devtools = []
    for _ in range(3):
        local_browser.press_tab()
        by_devtools.append(local_browser.execute(ACTIVE))
    driver.get(fixture_site.page("tab-order.html"))
    by_webdriver = []
    for _ in range(3):
        ActionChains(driver).send_keys(Keys.TAB).perform()
        by_webdriver.append(local_browser.execute(ACTIVE))
    assert by_devtools == by_webdriver
    # tabindex=1 comes first, then the link in document order.
    assert by_devtools[:2] == [["A", "Health history form"], ["A", "Consent form"]]


def test_checks_script_is_defined_once_per_document_and_again_after_navigation(local_browser, fixture_site):
    driver = local_browser.driver
    for page in ("tab-order.html", "clean.html"):
        driver.get(fixture_site.page(page))
        assert local_browser.execute("return typeof window.__contentapiAuditCall") == "undefined"
        call(local_browser, {"op": "resetFocus"})
        assert local_browser.execute("return typeof window.__contentapiAuditCall") == "function"
        local_browser.press_tab()
        focused = call(local_browser, {"op": "focus"})
        assert focused["tag"] == "a" and focused["order"] == "first"


def test_a_script_error_in_the_page_is_a_javascript_error(local_browser, fixture_site):
    local_browser.driver.get(fixture_site.page("clean.html"))
    with pytest.raises(JavascriptException, match="no such thing"):
        local_browser.run_in_top("__contentapiTestBroken", "throw new Error('no such thing');", None)
    assert local_browser.run_in_top("__contentapiTestEcho", "return arguments[0];", {"a": [1, "é"]}) == {"a": [1, "é"]}


def test_quit_leaves_no_chromium_behind_even_when_chromedriver_died_first():
    """Chromium outlives a killed chromedriver (it is no longer its descendant); quit still ends it."""
    browser = BrowserFactory(None, None, 10.0, (1280, 900)).start()
    processes = list(browser.browser_processes)
    assert processes and all(started > 0 for _, started in processes)
    assert browser.profile_dir is not None and browser.profile_dir.is_dir()
    os.kill(browser.service.process.pid, signal.SIGKILL)
    browser.service.process.wait(10)
    assert not browser.driver_alive()
    assert any(process_start(pid) == started for pid, started in processes)  # orphaned, still running
    browser.quit()
    deadline = time.monotonic() + 10
    while any(process_start(pid) == started for pid, started in processes) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(process_start(pid) == started for pid, started in processes)
    assert not browser.profile_dir.exists()  # chromedriver is not there to delete it


def test_a_killed_browser_leaves_no_profile_folder_behind():
    browser = BrowserFactory(None, None, 10.0, (1280, 900)).start()
    assert browser.profile_dir is not None and browser.profile_dir.is_dir()
    browser.kill()
    assert not browser.profile_dir.exists()
    browser.quit()  # after a kill: returns without hanging or raising
