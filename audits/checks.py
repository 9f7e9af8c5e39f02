"""The checks axe cannot make, run in the page in as few round trips as possible.

``collect`` (one JavaScript call) measures lang, direction, title, readability, resize-text and
text-spacing; ``reflow`` resizes the window to 320 CSS px for one more call; ``focus-visible`` lives in
``audits.focus``. Each check turns what the page reported into findings here, in plain Python.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from audits import readability
from audits.language import guess_language, is_rtl, primary, same_language
from audits.model import (
    NOT_MEASURED,
    PASSED,
    VIOLATION,
    WARN,
    WARNING,
    CheckResult,
    Finding,
)
from audits.options import OWN_CHECKS, REFLOW_WIDTH, AuditOptions
from audits.signature import signature

DOCS = "https://www.w3.org/WAI/WCAG22/Understanding/"
HELP = {
    "lang": DOCS + "language-of-parts",
    "direction": DOCS + "meaningful-sequence",
    "title": DOCS + "page-titled",
    "readability": DOCS + "reading-level",
    "resize-text": DOCS + "resize-text",
    "text-spacing": DOCS + "text-spacing",
    "reflow": DOCS + "reflow",
    "focus-visible": DOCS + "focus-visible",
}
PLACEHOLDER_TITLES = frozenset({"untitled", "untitled document", "document", "page", "home", "index", "title", "new page"})


@lru_cache(maxsize=1)
def checks_script() -> str:
    """The in-page half of the checks (audits/checks.js)."""
    return resources.files("audits").joinpath("checks.js").read_text(encoding="utf-8")


def call(browser, request: dict):
    """Run one operation of checks.js in the top document."""
    return browser.run_in_top("__contentapiAuditCall", checks_script(), request)


def finding(check: str, rule: str, message: str, element: dict | None = None, kind: str = VIOLATION,
            wcag: tuple[str, ...] | None = None, impact: str = "serious") -> Finding:
    """A finding of one of our checks, on an element described by checks.js (or the page)."""
    element = element or {"html": "<html>", "selector": "html"}
    return Finding(
        check=check,
        rule=rule,
        kind=kind,
        message=message,
        impact=impact,
        wcag=list(wcag or OWN_CHECKS[check]),
        help_url=HELP[check],
        target=[element.get("selector", "html")],
        html=element.get("html", ""),
        signature=signature(element.get("html", "")),
    )


def result(check: str, violations: list[Finding], passes: int, details: dict | None = None) -> CheckResult:
    """A check result; the status is settled later, once the baseline is known."""
    return CheckResult(check=check, wcag=list(OWN_CHECKS[check]), violations=violations, passes=passes,
                       details=details or {})


def collect(browser, options: AuditOptions, checks: list[str]) -> dict:
    """One round trip: everything the page-level checks need, measured in the page."""
    return call(browser, {"op": "collect", "checks": checks, "include": options.include, "exclude": options.exclude})


def check_lang(data: dict, expected: str | None) -> CheckResult:
    """3.1.1/3.1.2: <html lang> is the locale asked for, and text in another language carries its own lang."""
    declared = data.get("lang")
    problems = []
    if not declared or not declared.strip():
        problems.append(finding("lang", "lang-missing", "The <html> element has no lang attribute."))
    elif expected and declared.strip().lower() != expected.lower():
        problems.append(finding("lang", "lang-mismatch",
                                f"The page was requested in {expected!r} but <html lang> says {declared!r}."))
    checked = 0
    for run in data.get("runs", []):
        guessed = guess_language(run["run"])
        if guessed is None:
            continue
        checked += 1
        effective = run.get("lang")
        if not effective or not same_language(effective, guessed):
            problems.append(finding(
                "lang", "lang-of-parts",
                f"This text reads as {guessed!r} but the language in force for it is {effective or 'undeclared'!r}; "
                f"give the element lang=\"{guessed}\" (or fix the page's lang).",
                run, wcag=("3.1.1",) if not effective else ("3.1.2",)))
    return result("lang", problems, passes=checked + (1 if declared else 0),
                  details={"declared": declared, "expected": expected, "text_runs_checked": checked})


def check_direction(data: dict, language: str | None) -> CheckResult:
    """1.3.2: right-to-left languages declare dir="rtl" and compute to rtl on the root; others are not rtl."""
    problems = []
    dir_attribute = (data.get("dir") or "").lower()
    computed = data.get("direction")
    if language and is_rtl(language):
        if dir_attribute != "rtl":
            problems.append(finding("direction", "dir-missing",
                                    f"{language!r} is written right to left but <html> has "
                                    f"{'dir=' + repr(dir_attribute) if dir_attribute else 'no dir attribute'}."))
        if computed != "rtl":
            problems.append(finding("direction", "direction-computed",
                                    f"The root's computed direction is {computed!r}, not 'rtl'."))
    elif language and computed == "rtl" and primary(language):
        problems.append(finding("direction", "direction-unexpected",
                                f"{language!r} is written left to right but the root's computed direction is 'rtl'."))
    return result("direction", problems, passes=0 if problems else 1,
                  details={"language": language, "dir": data.get("dir"), "computed": computed, "rtl": bool(language and is_rtl(language))})


def check_title(data: dict, expected: str | None, expected_from_url: bool) -> CheckResult:
    """2.4.2: a non-empty, meaningful <title> in the page's language."""
    title = " ".join((data.get("title") or "").split())
    problems = []
    if not data.get("hasTitleElement"):
        problems.append(finding("title", "title-missing", "The page has no <title> element."))
    elif not title:
        problems.append(finding("title", "title-empty", "The page's <title> is empty."))
    elif title.lower() in PLACEHOLDER_TITLES:
        problems.append(finding("title", "title-placeholder", f"The title {title!r} does not describe the page."))
    elif expected and expected_from_url:
        guessed = guess_language(title, min_letters=8)
        if guessed and not same_language(expected, guessed):
            problems.append(finding("title", "title-not-localised",
                                    f"The title {title!r} reads as {guessed!r}, not {expected!r}."))
    return result("title", problems, passes=0 if problems else 1, details={"title": title})


def check_readability(data: dict, language: str | None, options: AuditOptions) -> CheckResult:
    """3.1.5 (AAA, patient-education guidance): reading grade of the body text against the target."""
    measured = readability.measure(data.get("reading", []), language)
    measured["target_grade"] = options.reading_grade
    check = result("readability", [], passes=0, details=measured)
    if not measured["measured"]:
        check.status = NOT_MEASURED
        return check
    if measured["grade"] > options.reading_grade:
        kind = VIOLATION if options.is_failure("readability") else WARN
        check.violations.append(finding(
            "readability", "reading-grade",
            f"The text reads at about grade {measured['grade']} ({measured['formula']}), above the target grade "
            f"{options.reading_grade:g}: use shorter sentences and shorter, common words.",
            {"html": "<main>", "selector": "main"}, kind=kind, impact="moderate"))
    else:
        check.passes = 1
    return check


def geometry_findings(check: str, items: list[dict]) -> list[Finding]:
    """Findings for text clipped, overlapping or pushed out of view under a layout change."""
    words = {
        "clipped": "Text is cut off: its container hides what no longer fits",
        "overlap": "Text overlaps other text",
        "outside-viewport": "Text sticks out of the 320 px wide viewport and cannot be read without scrolling sideways",
    }
    condition = {
        "resize-text": "with text resized to 200%",
        "text-spacing": "with WCAG 1.4.12 text spacing (letter 0.12em, word 0.16em, line-height 1.5, paragraph 2em)",
        "reflow": f"at {REFLOW_WIDTH} CSS px wide",
    }[check]
    found = []
    for item in items:
        rule = item["rule"]
        kind = rule[len(check) + 1:] if rule.startswith(check + "-") else rule
        message = f"{words.get(kind, kind)} {condition}."
        if item.get("other"):
            message += f" It overlaps {item['other'][:120]}"
        found.append(finding(check, rule, message, item))
    return found


def check_geometry(check: str, items: list[dict], details: dict | None = None) -> CheckResult:
    """resize-text and text-spacing: what the page shows under the change that it did not before."""
    problems = geometry_findings(check, items or [])
    return result(check, problems, passes=0 if problems else 1, details=details or {})


def check_reflow(browser) -> CheckResult:
    """1.4.10: at 320 CSS px wide, no horizontal scrolling and no text cut off or pushed out of view."""
    browser.set_width(REFLOW_WIDTH)
    try:
        data = call(browser, {"op": "reflow"})
    finally:
        browser.restore_size()
    problems = geometry_findings("reflow", data["findings"])
    if data["scrollWidth"] > data["clientWidth"] + 1:
        problems.insert(0, finding("reflow", "reflow-horizontal-scroll",
                                   f"At {REFLOW_WIDTH} CSS px wide the page is {data['scrollWidth']} px wide and scrolls sideways.",
                                   {"html": "<html>", "selector": "html"}))
    details = {"viewport_width": data["innerWidth"], "scroll_width": data["scrollWidth"]}
    return result("reflow", problems, passes=0 if problems else 1, details=details)


def page_checks(browser, options: AuditOptions, checks: list[str], expected: str | None,
                expected_from_url: bool) -> tuple[dict[str, CheckResult], dict]:
    """Run the page-level checks named in ``checks`` (not axe, not focus-visible); results and raw page facts."""
    data = collect(browser, options, checks)
    language = expected or data.get("lang")
    results: dict[str, CheckResult] = {}
    if "lang" in checks:
        results["lang"] = check_lang(data, expected)
    if "direction" in checks:
        results["direction"] = check_direction(data, language)
    if "title" in checks:
        results["title"] = check_title(data, expected, expected_from_url)
    if "readability" in checks:
        results["readability"] = check_readability(data, data.get("lang") or language, options)
    if "resize-text" in checks:
        results["resize-text"] = check_geometry("resize-text", data.get("resizeText"))
    if "text-spacing" in checks:
        results["text-spacing"] = check_geometry("text-spacing", data.get("textSpacing"))
    if "reflow" in checks:
        results["reflow"] = check_reflow(browser)
    facts = {"lang": data.get("lang"), "title": data.get("title")}
    return results, facts


__all__ = ["PASSED", "WARNING", "checks_script", "page_checks"]
