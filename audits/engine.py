"""The audit engine: pages in, results out. Parallel browsers, axe in every frame, our own checks,
timing per phase, and a page that hangs or crashes its browser recorded as an error for that page
while the browser is replaced and the run goes on. Plain Python; no web framework.
"""

from __future__ import annotations

import base64
import io
import queue
import threading
import time
from collections.abc import Callable

from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.common.by import By
from urllib3.exceptions import MaxRetryError, ProtocolError

from audits import axe
from audits.browser import Browser, BrowserError, BrowserFactory
from audits.checks import checks_script, page_checks
from audits.devtools import NotAPage
from audits.discovery import Page
from audits.focus import check_focus
from audits.model import (
    ERROR,
    FAILED,
    INCOMPLETE,
    NOT_MEASURED,
    PASSED,
    WARN,
    WARNING,
    CheckResult,
    PageResult,
)
from audits.options import ALL_CHECKS, AuditOptions

# Where the browser ended up and the HTTP status of the document (0 where unknown: file:, about:).
LANDED = """
var entry = performance.getEntriesByType('navigation')[0];
return [document.URL, entry && entry.responseStatus ? entry.responseStatus : 0];
"""
MAX_CROPS_PER_PAGE = 40
CROP_MARGIN = 6
SCROLL_INTO_VIEW = "arguments[0].scrollIntoView({block: 'center', inline: 'nearest', behavior: 'instant'});"
# Where a frame's document starts, in its parent's viewport: the box plus border and padding.
FRAME_CONTENT_ORIGIN = """
var frame = arguments[0], box = frame.getBoundingClientRect(), style = getComputedStyle(frame);
return [box.left + frame.clientLeft + parseFloat(style.paddingLeft), box.top + frame.clientTop + parseFloat(style.paddingTop)];
"""


class PageTimeout(Exception):
    """The page (or the browser on it) did not answer in time."""


class Auditor:
    """Audits pages with a pool of browsers; one instance can audit many batches (pytest reuses it)."""

    def __init__(self, options: AuditOptions, factory: BrowserFactory | None = None):
        self.options = options
        self.axe_source = axe.load_axe_source(options.axe_script) if "axe" in options.checks else ""
        self.factory = factory or BrowserFactory(options.driver_path, options.remote_url, options.timeout,
                                                 options.window, options.browser_binary)
        self.idle: queue.SimpleQueue[Browser] = queue.SimpleQueue()
        self.started = 0
        self.lock = threading.Lock()
        self.warming: list[threading.Thread] = []

    # -- browsers -------------------------------------------------------------------------------
    def acquire(self) -> Browser:
        """An idle browser, or a new one."""
        try:
            return self.idle.get_nowait()
        except queue.Empty:
            return self.start_browser()

    def start_browser(self) -> Browser:
        """A new browser, with axe preloaded into its documents where the browser allows it."""
        browser = self.factory.start()
        if self.axe_source:
            try:
                browser.axe_preloaded = axe.preload(browser, self.axe_source)
            except WebDriverException:
                browser.axe_preloaded = False
        with self.lock:
            self.started += 1
        return browser

    def warm_up(self, count: int) -> None:
        """Start ``count`` browsers in the background (while pages are being discovered, say)."""

        def start() -> None:
            """Start one browser into the idle pool; a failure shows again when a page needs a browser."""
            try:
                self.idle.put(self.start_browser())
            except BrowserError:
                pass

        for _ in range(max(0, count - self.idle.qsize())):
            thread = threading.Thread(target=start, name="audit-warm-up", daemon=True)
            thread.start()
            self.warming.append(thread)

    def release(self, browser: Browser) -> None:
        """Give a healthy browser back for the next page."""
        self.idle.put(browser)

    def close(self) -> None:
        """Quit every idle browser (after any still starting)."""
        while self.warming:
            self.warming.pop().join()
        while True:
            try:
                self.idle.get_nowait().quit()
            except queue.Empty:
                return

    # -- running --------------------------------------------------------------------------------
    def audit(self, pages: list[Page], progress: Callable[[int, int, PageResult], None] | None = None) -> list[PageResult]:
        """Audit pages with up to ``options.workers`` browsers in parallel; results in the pages' order."""
        while self.warming:
            self.warming.pop().join()
        results: list[PageResult | None] = [None] * len(pages)
        work: queue.SimpleQueue[int] = queue.SimpleQueue()
        for index in range(len(pages)):
            work.put(index)
        done = 0
        done_lock = threading.Lock()
        fatal: list[BaseException] = []

        def worker() -> None:
            """Take pages off the queue until none are left."""
            nonlocal done
            while not fatal:
                try:
                    index = work.get_nowait()
                except queue.Empty:
                    return
                try:
                    results[index] = self.audit_one(pages[index])
                except BrowserError as error:
                    if self.started == 0:
                        fatal.append(error)
                        return
                    results[index] = error_result(pages[index], str(error))
                with done_lock:
                    done += 1
                    if progress:
                        progress(done, len(pages), results[index])

        workers = max(1, min(self.options.workers, len(pages)))
        threads = [threading.Thread(target=worker, name=f"audit-{n}", daemon=True) for n in range(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if fatal:
            raise fatal[0]
        return [result for result in results if result is not None]

    def audit_one(self, page: Page) -> PageResult:
        """Audit one page in a browser from the pool; a browser that fails on it is replaced."""
        browser = self.acquire()
        watchdog = threading.Timer(self.options.timeout * 4 + 30, browser.kill)
        watchdog.daemon = True
        watchdog.start()
        healthy = True
        try:
            result = self.audit_page(browser, page)
            if not browser.driver_alive():
                # Pages load over our own DevTools connection, so a dead chromedriver can go unnoticed
                # for a page; the session is lost all the same, and the page that saw it is not trusted.
                healthy = False
                return error_result(page, "the browser stopped answering on this page and was replaced: chromedriver exited")
            return result
        except PageTimeout as error:
            healthy = False
            return error_result(page, str(error))
        except WebDriverException as error:
            healthy = False
            message = (error.msg or type(error).__name__).strip().splitlines()[0] if error.msg else type(error).__name__
            return error_result(page, f"the browser failed on this page and was replaced: {message}")
        except (OSError, ConnectionError, MaxRetryError, ProtocolError) as error:
            healthy = False  # the driver process is gone (crashed or killed by the watchdog)
            return error_result(page, f"the browser stopped answering on this page and was replaced: {type(error).__name__}")
        finally:
            watchdog.cancel()
            if healthy:
                self.release(browser)
            else:
                browser.quit()

    def audit_page(self, browser: Browser, page: Page) -> PageResult:
        """Navigate, run axe in every frame, then our checks; fill in the time spent in each phase."""
        options = self.options
        result = PageResult(url=page.url, path=page.path, kind=page.kind, expected_lang=page.expected_lang)
        started = time.perf_counter()
        try:
            browser.navigate(page.url)
        except TimeoutException:
            raise PageTimeout(f"the page did not finish loading within {options.timeout:g} s") from None
        except NotAPage as error:
            return error_result(page, str(error))
        navigated = time.perf_counter()
        result.timings["navigation"] = navigated - started
        checks = [name for name in ALL_CHECKS if name in options.checks]

        if "axe" in checks:
            result.checks["axe"] = self.run_axe(browser, result)
            landed = result.checks["axe"].details.pop("landed", None)
        else:
            landed = None
        if landed is None:
            url, status = browser.execute(LANDED)
            landed = {"url": url, "status": status}
        if landed["url"].startswith("chrome-error:") or landed["status"] >= 400:
            # Not a page to audit: the browser's own error page, or the server's error.
            status = landed["status"]
            return error_result(page, f"the page answered HTTP {status}" if status >= 400 else "the page could not be loaded")
        after_axe = time.perf_counter()
        result.timings["axe"] = after_axe - navigated

        own = [name for name in checks if name not in ("axe", "focus-visible")]
        facts = {}
        if own:
            try:
                own_results, facts = page_checks(browser, options, own, page.expected_lang, page.expected_from_url)
                result.checks.update(own_results)
            except TimeoutException:
                raise PageTimeout(f"the page's checks did not finish within {options.timeout:g} s") from None
        if "focus-visible" in checks:
            focus_started = time.perf_counter()
            result.checks["focus-visible"] = check_focus(browser, options)
            result.checks["focus-visible"].seconds = time.perf_counter() - focus_started
        finished = time.perf_counter()
        result.timings["checks"] = finished - after_axe
        if options.screenshots and "axe" in result.checks:
            self.crop_findings(browser, result.checks["axe"])
            result.timings["screenshots"] = time.perf_counter() - finished
        result.timings["total"] = time.perf_counter() - started
        if not facts:
            # axe's answer already carries them (a WebDriver call here cost 7 ms per page).
            facts = landed if "title" in landed else browser.execute(
                "return {lang: document.documentElement.getAttribute('lang'), title: document.title}")
        result.declared_lang = facts.get("lang")
        result.title = facts.get("title")
        # Put the checks in their canonical order.
        result.checks = {name: result.checks[name] for name in checks if name in result.checks}
        return result

    def run_axe(self, browser: Browser, result: PageResult) -> CheckResult:
        """axe in every frame, then one run from the top with frames included."""
        began = time.perf_counter()
        check = CheckResult(check="axe")
        options, context = self.options.axe_options(), self.options.axe_context()
        try:
            raw = axe.run(browser, options, context, direct=True) if browser.axe_preloaded else {"inject": True}
            frames = 1
            injecting = 0.0
            if raw.get("skipped"):
                check.details = {"landed": raw["landed"]}
                return check
            if raw.get("inject"):
                before_injection = time.perf_counter()
                frames = axe.inject(browser, self.axe_source)
                injecting = time.perf_counter() - before_injection
                raw = axe.run(browser, options, context)
        except TimeoutException:
            raise PageTimeout(f"axe did not finish within {self.options.timeout:g} s") from None
        except RuntimeError as error:
            check.status = ERROR
            check.error = str(error)
            return check
        check.violations, check.incomplete = axe.findings(raw)
        check.passes = raw["passes"]
        check.wcag = sorted({sc for finding in check.violations for sc in finding.wcag})
        check.details = {"landed": raw["landed"], "documents": frames, "inapplicable": raw["inapplicable"],
                         "passed_rules": raw.get("passedRules", []), "inapplicable_rules": raw.get("inapplicableRules", []),
                         "inject_seconds": round(injecting, 4),
                         "run_seconds": round(time.perf_counter() - began - injecting, 4)}
        result.axe_version = raw["version"]
        check.seconds = time.perf_counter() - began
        return check

    def crop_findings(self, browser: Browser, check: CheckResult) -> None:
        """A screenshot crop of each failing element, as a data: URI on the finding (inside frames too)."""
        for finding in check.violations[:MAX_CROPS_PER_PAGE]:
            try:
                box = self.element_box(browser, finding.target)
            except WebDriverException:
                box = None
            finally:
                browser.driver.switch_to.default_content()
            if box is None:
                continue
            image = browser.capture(box[:4], box[4:])
            buffer = io.BytesIO()
            image.save(buffer, format="PNG")
            finding.screenshot = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")

    def element_box(self, browser: Browser, target: list) -> tuple | None:
        """(left, top, width, height, scroll_x, scroll_y) of an axe target in the top viewport, margin included.

        A target lists one selector per frame level; each frame is scrolled into view and entered in turn,
        then the frames' content origins are measured again (scrolling inside a frame can move its parents).
        """
        if not target:
            return None
        selectors = [selector[0] if isinstance(selector, list) else selector for selector in target]
        driver = browser.driver
        frames = []
        driver.switch_to.default_content()
        for selector in selectors[:-1]:
            frame = driver.find_element(By.CSS_SELECTOR, selector)
            driver.execute_script(SCROLL_INTO_VIEW, frame)
            frames.append(frame)
            driver.switch_to.frame(frame)
        inner = browser.execute(checks_script(), {"op": "rects", "selector": selectors[-1]})
        if not inner:
            return None
        left, top, width, height = inner[:4]
        driver.switch_to.default_content()
        for depth, frame in enumerate(frames):
            origin_x, origin_y = driver.execute_script(FRAME_CONTENT_ORIGIN, frame)
            left, top = left + origin_x, top + origin_y
            if depth + 1 < len(frames):
                driver.switch_to.frame(frame)
        driver.switch_to.default_content()
        view_width, view_height, scroll_x, scroll_y = driver.execute_script(
            "return [window.innerWidth, window.innerHeight, window.scrollX, window.scrollY]")
        x0, y0 = max(0, left - CROP_MARGIN), max(0, top - CROP_MARGIN)
        x1, y1 = min(view_width, left + width + CROP_MARGIN), min(view_height, top + height + CROP_MARGIN)
        if x1 - x0 < 1 or y1 - y0 < 1:
            return None
        return (int(x0), int(y0), max(1, int(x1 - x0)), max(1, int(y1 - y0)), scroll_x, scroll_y)


def error_result(page: Page, message: str) -> PageResult:
    """The result for a page that could not be audited."""
    return PageResult(url=page.url, path=page.path, kind=page.kind, expected_lang=page.expected_lang,
                      status=ERROR, error=message)


def settle(pages: list[PageResult], options: AuditOptions) -> None:
    """Give every check and page its final status (after the baseline has marked known findings)."""
    for page in pages:
        if page.error:
            page.status = ERROR
            continue
        statuses = []
        for check in page.checks.values():
            if check.error:
                check.status = ERROR
            elif any(f.kind != WARN for f in check.new_violations) and options.is_failure(check.check) or check.incomplete and options.fail_on_incomplete and any(not f.known for f in check.incomplete):
                check.status = FAILED
            elif any(f.kind == WARN for f in check.violations):
                check.status = WARNING
            elif check.status == NOT_MEASURED:
                pass
            else:
                check.status = PASSED
            statuses.append(check.status)
        if ERROR in statuses:
            page.status = ERROR
        elif FAILED in statuses:
            page.status = FAILED
        elif WARNING in statuses:
            page.status = WARNING
        else:
            page.status = PASSED


__all__ = ["INCOMPLETE", "Auditor", "error_result", "settle"]
