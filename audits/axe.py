"""axe-core in every frame: load the script (the one bundled with axe-selenium-python, or --axe-script),
inject it into the top document and each frame, nested and cross-origin ones included, and run it
once from the top with ``iframes: true`` so axe's frame messaging gathers every frame's results.

axe-selenium-python's own ``inject()`` reaches only the top document and its ``run()`` pastes the
options into the script with ``%s``; both are avoided here: options travel as a JSON string argument.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import util
from pathlib import Path

from selenium.common.exceptions import WebDriverException

from audits.model import INCOMPLETE, VIOLATION, Finding

MAX_FRAME_DEPTH = 6

# After the script itself: accept frame messages from any origin (partner pages frame us and vice versa)
# and hand back this document's frames so they can be injected in turn.
AFTER_INJECT = """
;axe.configure({allowedOrigins: ['<unsafe_all_origins>']});
return Array.prototype.slice.call(document.querySelectorAll('iframe, frame'));
"""

# Where axe was preloaded: configure it and list the frames, or answer null so it gets injected.
PROBE = """
if (typeof axe === 'undefined' || !axe.run || !axe.__contentapiAudit) { return null; }
axe.configure({allowedOrigins: ['<unsafe_all_origins>']});
return Array.prototype.slice.call(document.querySelectorAll('iframe, frame'));
"""
# The mark tells our preloaded axe from one the page may bring itself.
PRELOAD_SUFFIX = "\n;if (typeof axe !== 'undefined') { axe.__contentapiAudit = true; }"

# Resolves to the trimmed results: the audit needs these fields, and the whole axe result of a long
# page (every passing node) is large to send.
RUN_FUNCTION = """function (contextJson, optionsJson, direct) {
  var context = contextJson ? JSON.parse(contextJson) : document;
  var options = JSON.parse(optionsJson);
  var entry = performance.getEntriesByType('navigation')[0];
  var landed = {url: document.URL, status: entry && entry.responseStatus ? entry.responseStatus : 0,
                lang: document.documentElement.getAttribute('lang'), title: document.title};
  if (direct) {
    // One round trip for the usual page: axe preloaded here and no frames to inject into.
    if (landed.url.indexOf('chrome-error:') === 0 || landed.status >= 400) { return Promise.resolve({landed: landed, skipped: true}); }
    if (typeof axe === 'undefined' || !axe.run || !axe.__contentapiAudit || document.querySelector('iframe, frame')) {
      return Promise.resolve({landed: landed, inject: true});
    }
    axe.configure({allowedOrigins: ['<unsafe_all_origins>']});
  }
  function nodes(list) {
    return list.map(function (node) {
      return {target: node.target, html: node.html, impact: node.impact, summary: node.failureSummary || '',
              messages: [].concat(node.any, node.all, node.none).map(function (check) { return check.message; })};
    });
  }
  function rules(list) {
    return list.map(function (rule) {
      return {id: rule.id, impact: rule.impact, tags: rule.tags, help: rule.help, description: rule.description,
              helpUrl: rule.helpUrl, nodes: nodes(rule.nodes)};
    });
  }
  return axe.run(context, options).then(function (results) {
    return {landed: landed, version: results.testEngine.version, violations: rules(results.violations),
            incomplete: rules(results.incomplete), passes: results.passes.length,
            inapplicable: results.inapplicable.length,
            passedRules: results.passes.map(function (rule) { return rule.id; }),
            inapplicableRules: results.inapplicable.map(function (rule) { return rule.id; })};
  }, function (error) { return {error: String(error && error.message || error)}; });
}"""

# The same through WebDriver's asynchronous script command (remote endpoints).
RUN_SCRIPT = ("var done = arguments[arguments.length - 1];\n"
              "(" + RUN_FUNCTION + ")(arguments[0], arguments[1], arguments[2]).then(done);")


_SC_TAG = re.compile(r"^wcag(\d)(\d)(\d+)$")


def bundled_axe_path() -> Path:
    """axe.min.js as shipped inside the axe-selenium-python package (axe-core 4.10.2)."""
    spec = util.find_spec("axe_selenium_python")
    if spec is None or spec.origin is None:
        raise FileNotFoundError("axe-selenium-python is not installed")
    return Path(spec.origin).parent / "node_modules" / "axe-core" / "axe.min.js"


@lru_cache(maxsize=4)
def load_axe_source(path: str | None = None) -> str:
    """The axe script text (read once per path)."""
    script_path = Path(path) if path else bundled_axe_path()
    source = script_path.read_text(encoding="utf-8")
    if "axe" not in source[:5000] and "axe.run" not in source:
        raise ValueError(f"{script_path} does not look like axe-core's axe.min.js")
    return source


def preload(browser, source: str) -> bool:
    """Have the browser evaluate axe in every new document it creates (DevTools; local Chromium only).

    Sending and compiling the 550 kB script for each page is the largest part of injecting it; a
    script registered once per browser is compiled from V8's cache instead. Frames the preload does
    not reach (cross-origin frames live in other processes) are still injected by ``inject``.
    """
    if not browser.cdp:
        return False
    # On chromedriver's DevTools session, which lives as long as the browser.
    browser.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": source + PRELOAD_SUFFIX})
    return True


def inject(browser, source: str) -> int:
    """Make sure axe is in the current frame and every frame below it; the number of documents reached."""
    driver = browser.driver
    reached = 0
    preloaded = getattr(browser, "axe_preloaded", False)

    def into(depth: int) -> None:
        """Inject into the current document (unless preloaded there), then into each of its frames."""
        nonlocal reached
        frames = driver.execute_script(PROBE) if preloaded else None
        if frames is None:
            frames = driver.execute_script(source + AFTER_INJECT)
        reached += 1
        if depth >= MAX_FRAME_DEPTH:
            return
        for frame in frames or []:
            try:
                driver.switch_to.frame(frame)
            except WebDriverException:
                continue  # gone or not a document (the frame is then reported by axe as not tested)
            try:
                into(depth + 1)
            except WebDriverException:
                pass  # a frame that refuses scripts (sandbox) stays untested; axe lists it under frame-tested
            finally:
                driver.switch_to.parent_frame()

    driver.switch_to.default_content()
    into(0)
    return reached


def run(browser, options: dict, context: dict | None, direct: bool = False) -> dict:
    """Run axe from the top document; the trimmed results (violations, incomplete, counts, version) and
    ``landed`` (the document's address, HTTP status, declared language and title).

    ``direct`` tries it in one round trip where axe was preloaded: the answer is then
    ``{"landed", "inject": True}`` when frames (or a missing axe) need ``inject`` first, or
    ``{"landed", "skipped": True}`` for an error page.
    """
    context_json = json.dumps(context) if context else ""
    if browser.cdp:
        # The top document through DevTools, whichever frame WebDriver is in.
        arguments = ", ".join(json.dumps(value) for value in (context_json, json.dumps(options), direct))
        results = browser.evaluate(f"({RUN_FUNCTION})({arguments})", await_promise=True)
    else:
        browser.driver.switch_to.default_content()
        results = browser.driver.execute_async_script(RUN_SCRIPT, context_json, json.dumps(options), direct)
    if not isinstance(results, dict):
        raise RuntimeError("axe returned nothing")
    if "error" in results:
        raise RuntimeError(f"axe failed: {results['error']}")
    return results


def success_criteria(tags: list[str]) -> list[str]:
    """WCAG success criteria named by axe tags: ``wcag143`` -> ``1.4.3``, ``wcag1412`` -> ``1.4.12``."""
    criteria = []
    for tag in tags:
        match = _SC_TAG.match(tag)
        if match:
            criteria.append(".".join(match.groups()))
    return criteria


def findings(results: dict) -> tuple[list[Finding], list[Finding]]:
    """axe results as findings: (violations, needs review)."""
    from audits.signature import signature

    out: dict[str, list[Finding]] = {VIOLATION: [], INCOMPLETE: []}
    for kind, key in ((VIOLATION, "violations"), (INCOMPLETE, "incomplete")):
        for rule in results.get(key, []):
            for node in rule["nodes"]:
                message = node.get("summary") or "; ".join(m for m in node.get("messages", []) if m) or rule["help"]
                out[kind].append(
                    Finding(
                        check="axe",
                        rule=rule["id"],
                        kind=kind,
                        message=f"{rule['help']}. {message}".strip(),
                        impact=node.get("impact") or rule.get("impact"),
                        wcag=success_criteria(rule.get("tags", [])),
                        help_url=rule.get("helpUrl"),
                        target=node.get("target", []),
                        html=node.get("html", ""),
                        signature=signature(node.get("html", ""), node.get("target", [])),
                    )
                )
    return out[VIOLATION], out[INCOMPLETE]
