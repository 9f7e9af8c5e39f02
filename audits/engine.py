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
from audits.checks import call, checks_script, page_checks, state_checks
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
from audits.options import ALL_CHECKS, STATE_CHECKS, AuditOptions
from audits.states import State, parse_states
from audits.states import apply as apply_state
from audits.states import reset as reset_state

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


# A WebDriver call still blocked this long after the page's deadline has its browser killed.
DEADLINE_GRACE = 1.0


class PageTimeout(Exception):
    """The page (or the browser on it) did not answer in time; ``loading`` when it never loaded."""

    def __init__(self, message: str, loading: bool = False):
        super().__init__(message)
        self.loading = loading


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
        """Audit one page in a browser from the pool; a browser that fails on it is replaced.

        ``--timeout`` is the page's deadline: every state and check must end within it. DevTools calls
        are cut to what is left of it; a WebDriver call that outlasts it is ended by a watchdog that
        kills the browser a moment after the deadline. A page over its deadline is an error for that
        page, and what had finished before it (checks, states) stays in its result.
        """
        browser = self.acquire()
        result = PageResult(url=page.url, path=page.path, kind=page.kind, expected_lang=page.expected_lang)
        expired = threading.Event()

        def expire() -> None:
            """The deadline passed with a call still blocked: end the browser so the call returns."""
            expired.set()
            browser.kill()

        watchdog = threading.Timer(self.options.timeout + DEADLINE_GRACE, expire)
        watchdog.daemon = True
        browser.start_page(self.options.timeout)
        watchdog.start()
        healthy = True
        try:
            audited = self.audit_page(browser, page, result)
            if not browser.driver_alive():
                # Pages load over our own DevTools connection, so a dead chromedriver can go unnoticed
                # for a page; the session is lost all the same, and the page that saw it is not trusted.
                healthy = False
                return error_result(page, "the browser stopped answering on this page and was replaced: chromedriver exited")
            return audited
        except (PageTimeout, TimeoutException) as error:
            healthy = False
            return self.unfinished(result, error if isinstance(error, PageTimeout) else None)
        except WebDriverException as error:
            healthy = False
            if expired.is_set():
                return self.unfinished(result, None)
            message = (error.msg or type(error).__name__).strip().splitlines()[0] if error.msg else type(error).__name__
            return error_result(page, f"the browser failed on this page and was replaced: {message}")
        except (OSError, ConnectionError, MaxRetryError, ProtocolError) as error:
            healthy = False  # the driver process is gone (crashed or killed by the watchdog)
            if expired.is_set():
                return self.unfinished(result, None)
            return error_result(page, f"the browser stopped answering on this page and was replaced: {type(error).__name__}")
        except Exception as error:  # noqa: BLE001 - a fault of the audit on one page must not end the run
            healthy = False
            return error_result(page, f"the audit failed on this page: {type(error).__name__}: {error}")
        finally:
            watchdog.cancel()
            browser.end_page()
            if healthy:
                self.release(browser)
            else:
                browser.quit()

    def unfinished(self, result: PageResult, error: PageTimeout | None) -> PageResult:
        """A page past its deadline: an error, keeping the checks and states that had finished."""
        if error is not None and error.loading:
            return error_result(Page(result.url, result.kind, result.expected_lang), str(error))
        done = [state["state"] for state in result.states if state["status"] == "audited"]
        for state in result.states:
            if state["status"] == "running":
                state["status"] = "unfinished"
        finished = ", ".join(result.checks) or "nothing"
        result.status = ERROR
        result.error = (f"the page's audit did not finish within {self.options.timeout:g} s (all states and checks); "
                        f"finished: {finished} in states {', '.join(done) or 'none'}")
        return result

    def audit_page(self, browser: Browser, page: Page, result: PageResult) -> PageResult:
        """Navigate, then in each state run axe in every frame and our checks (every check in the first
        state, those a state can change in the others); fill in the time spent in each phase."""
        options = self.options
        wanted = options.states or parse_states("default")
        started = time.perf_counter()
        refused = apply_state(browser, wanted[0])
        try:
            browser.navigate(page.url)
        except TimeoutException:
            raise PageTimeout(f"the page did not finish loading within {options.timeout:g} s", loading=True) from None
        except NotAPage as error:
            return error_result(page, str(error))
        navigated = time.perf_counter()
        result.timings["navigation"] = navigated - started
        checks = [name for name in ALL_CHECKS if name in options.checks]
        narrow_later = any(state.narrow for state in wanted[1:]) and refused is None
        facts: dict = {}
        for index, state in enumerate(wanted):
            state_started = time.perf_counter()
            entry = {"state": state.name, "status": "running", "reason": None, "seconds": 0.0}
            result.states.append(entry)
            reason = refused if index == 0 else apply_state(browser, state)
            reader = state.reader and reason is None
            if reader and not call(browser, {"op": "reader", "maximum": True}).get("declared"):
                # Other sites' pages: the state's media features still apply.
                entry["reason"] = "the page declares no reader settings ([data-reader-controls]); audited without them"
                reader = False
            if reason is not None:
                entry.update(status="skipped", reason=reason)
                if index == 0:
                    return error_result(page, f"the first state {state.name} cannot be set: {reason}")
                continue
            try:
                if index == 0:
                    landed = self.first_state(browser, page, result, checks, state, narrow_later, facts)
                    if landed is not None:
                        return landed
                else:
                    self.later_state(browser, result, checks, state)
            finally:
                if reader:
                    call(browser, {"op": "reader", "maximum": False})
            entry.update(status="audited", seconds=round(time.perf_counter() - state_started, 4))
            if index > 0:
                result.timings["states"] = result.timings.get("states", 0.0) + entry["seconds"]
        finished = time.perf_counter()
        if options.screenshots and "axe" in result.checks:
            reset_state(browser)
            self.crop_findings(browser, result.checks["axe"])
            result.timings["screenshots"] = time.perf_counter() - finished
        result.timings["total"] = time.perf_counter() - started
        result.declared_lang = facts.get("lang")
        result.title = facts.get("title")
        # Put the checks in their canonical order.
        result.checks = {name: result.checks[name] for name in checks if name in result.checks}
        return result

    def first_state(self, browser: Browser, page: Page, result: PageResult, checks: list[str], state: State,
                    narrow_later: bool, facts: dict) -> PageResult | None:
        """Every check in the page's first state; an error result when the page is not one to audit."""
        options = self.options
        axe_started = time.perf_counter()
        if "axe" in checks:
            result.checks["axe"] = self.run_axe(browser, result, state)
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
        result.timings["axe"] = after_axe - axe_started
        own = [name for name in checks if name not in ("axe", "focus-visible")]
        if own:
            own_results, found = page_checks(browser, options, own, page.expected_lang, page.expected_from_url,
                                             separate_reflow=not narrow_later and not state.narrow)
            facts.update(found)
            result.checks.update(own_results)
        if "focus-visible" in checks:
            focus_started = time.perf_counter()
            result.checks["focus-visible"] = check_focus(browser, options)
            result.checks["focus-visible"].seconds = time.perf_counter() - focus_started
        result.timings["checks"] = time.perf_counter() - after_axe
        for check in result.checks.values():
            check.states = [state.name]
            for finding in check.violations + check.incomplete:
                finding.states = [state.name]
        if not facts:
            # axe's answer already carries them (a WebDriver call here cost 7 ms per page).
            facts.update(landed if "title" in landed else browser.execute(
                "return {lang: document.documentElement.getAttribute('lang'), title: document.title}"))
        return None

    def later_state(self, browser: Browser, result: PageResult, checks: list[str], state: State) -> None:
        """axe and the checks a state can change, in a state after the first, merged into the page's result."""
        found: dict[str, CheckResult] = {}
        if "axe" in checks:
            check = self.run_axe(browser, PageResult(url=result.url, path=result.path), state, later=True)
            check.details.pop("landed", None)
            found["axe"] = check
        found.update(state_checks(browser, [name for name in checks if name in STATE_CHECKS], state.narrow))
        for name, check in found.items():
            if name in result.checks:
                result.checks[name].merge(check, state.name)
            else:
                for finding in check.violations + check.incomplete:
                    finding.states = [state.name]
                check.states = [state.name]
                result.checks[name] = check

    def run_axe(self, browser: Browser, result: PageResult, state: State | None = None,
                later: bool = False) -> CheckResult:
        """axe in every frame, then one run from the top with frames included.

        axe's color-contrast is left to our contrast check (which agrees with it where it measures, and
        measures the text it skips) in forced colours, where axe reads the text fill colour the page
        asked for rather than the system colour Chromium paints (it reported #777777 text where
        CanvasText was drawn), and in the states after the first when the contrast check runs: it is
        more than half of axe's time on our pages.
        """
        began = time.perf_counter()
        check = CheckResult(check="axe")
        options, context = self.options.axe_options(), self.options.axe_context()
        if state is not None and ("forced-colors" in state.features or later and "contrast" in self.options.checks):
            options.setdefault("rules", {})["color-contrast"] = {"enabled": False}
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
