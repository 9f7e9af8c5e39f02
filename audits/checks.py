"""The checks axe cannot make, run in the page in as few round trips as possible.

``collect`` (one JavaScript call) measures lang, direction, title, readability, resize-text and
text-spacing; ``reflow`` resizes the window to 320 CSS px for one more call; ``focus-visible`` lives in
``audits.focus``. Each check turns what the page reported into findings here, in plain Python.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from audits import readability
from contentapi.i18n.language import guess_language, is_rtl, primary, same_language
from audits.model import (
    INCOMPLETE,
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
    "headings": DOCS + "info-and-relationships",
    "contrast": DOCS + "contrast-minimum",
    "direction": DOCS + "meaningful-sequence",
    "title": DOCS + "page-titled",
    "readability": DOCS + "reading-level",
    "resize-text": DOCS + "resize-text",
    "text-spacing": DOCS + "text-spacing",
    "reflow": DOCS + "reflow",
    "focus-visible": DOCS + "focus-visible",
}
# Measured on Chromium's native controls: 58-73% of a control's middle changes by 3:1 between checked
# and unchecked in light, dark, high-contrast and forced-colours styles, 29-39% for controls left in dark
# style on a white page (unchecked ones then look filled).
CONTROL_STATE_SHARE = 0.5
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
        text=element.get("text", ""),
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


def check_headings(data: dict) -> CheckResult:
    """1.3.1: the page's first heading is its h1 (HTML_CodeSniffer's G141): a heading before it reads as
    the page's main heading to someone who lists headings."""
    headings = data.get("headings") or []
    problems = []
    if headings and any(heading["level"] == 1 for heading in headings) and headings[0]["level"] != 1:
        first = headings[0]
        problems.append(finding("headings", "headings-h1-not-first",
                                f"This h{first['level']} comes before the page's h1: the first heading should "
                                "be the h1, so the page's structure starts with its main heading.",
                                first, impact="moderate"))
    return result("headings", problems, passes=0 if problems else len(headings),
                  details={"levels": [heading["level"] for heading in headings]})


def contrast_message(item: dict) -> str:
    """How one text's contrast falls short, in numbers."""
    kind = "large text" if item["large"] else "text"
    return (f"Text contrast {item['ratio']:.2f}:1 ({item['fg']} on {item['bg']}, {item['size']:g} px, weight "
            f"{item['weight']}) is below {item['threshold']:g}:1 for {kind}.")


REVIEW_REASONS = {
    "image": "there is an image or gradient behind it",
    "covered": "other content covers part of it",
    "shadow": "a text shadow changes how it reads",
}


def check_contrast(data: dict, control_problems: list[Finding]) -> CheckResult:
    """1.4.3 and 1.4.11: every element with visible text of its own, in any script, against what is painted
    behind it; checkbox and radio states that cannot be told apart (``control_problems``)."""
    measured = data.get("contrast") or {"failures": [], "reviews": [], "measured": 0, "scripts": {}}
    problems = [finding("contrast", "contrast-text", contrast_message(item), item, wcag=("1.4.3",))
                for item in measured["failures"]]
    problems += control_problems
    check = result("contrast", problems, passes=measured["measured"] - len(measured["failures"]),
                   details={"measured": measured["measured"], "by_script": measured.get("scripts", {}),
                            "controls": len(data.get("controls") or [])})
    check.incomplete = [finding("contrast", "contrast-text", f"{contrast_message(item)} It needs review: "
                                f"{REVIEW_REASONS.get(item['review'], item['review'])}.", item, kind=INCOMPLETE,
                                wcag=("1.4.3",))
                        for item in measured["reviews"]]
    return check


def pixels(image) -> list[tuple[int, int, int]]:
    """An image's pixels as RGB triples, row by row."""
    data = image.convert("RGB").tobytes()
    return [tuple(data[index:index + 3]) for index in range(0, len(data), 3)]


def changed_share(checked, unchecked) -> float:
    """The share of the middle 60% of a control whose pixels differ by 3:1 or more between its checked
    and unchecked pictures (the mark a reader tells the states by)."""
    width, height = checked.size
    box = (int(width * 0.2), int(height * 0.2), max(1, int(width * 0.8)), max(1, int(height * 0.8)))
    first, second = pixels(checked.crop(box)), pixels(unchecked.crop(box))
    if not first or len(first) != len(second):
        return 1.0
    cache: dict = {}
    changed = 0
    for pair in zip(first, second, strict=True):
        if pair not in cache:
            cache[pair] = contrast_ratio(*pair) >= 3
        changed += cache[pair]
    return changed / len(first)


def contrast_ratio(first: tuple, second: tuple) -> float:
    """WCAG contrast ratio of two sRGB colours."""
    def luminance(colour):
        channels = [value / 255 for value in colour[:3]]
        linear = [value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4 for value in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def control_state_problems(browser, controls: list[dict]) -> list[Finding]:
    """1.4.11: a checked checkbox or radio must look different enough from an unchecked one (3:1 between
    the middles of their marks), as rendered: radio buttons are compared with an unchecked one of their
    group in one screenshot, checkboxes with themselves toggled (without events, then toggled back)."""
    if not controls:
        return []
    view_width, view_height = controls[0]["viewport"]

    def on_screen(control):
        left, top, width, height = control["rect"]
        return left >= 0 and top >= 0 and left + width <= view_width and top + height <= view_height

    shown = [control for control in controls if on_screen(control)]
    if not shown:
        return []
    # One small picture around the controls on screen (a whole-viewport PNG costs ten times as much).
    area_left = int(min(control["rect"][0] for control in shown))
    area_top = int(min(control["rect"][1] for control in shown))
    area = (area_left, area_top, int(max(c["rect"][0] + c["rect"][2] for c in shown)) + 1 - area_left,
            int(max(c["rect"][1] + c["rect"][3] for c in shown)) + 1 - area_top)
    scroll = tuple(controls[0]["scroll"])

    def crop(image, control):
        left, top, width, height = control["rect"]
        x, y = int(round(left)) - area_left, int(round(top)) - area_top
        return image.crop((x, y, x + int(round(width)), y + int(round(height))))

    if browser.cdp:
        before = browser.capture(area, scroll)
    else:
        view = browser.capture()
        area_left = area_top = 0
        before = view
    pairs = []
    groups: dict[str, list[dict]] = {}
    for control in shown:
        if control["type"] == "radio":
            groups.setdefault(control["name"], []).append(control)
    for members in groups.values():
        checked = [member for member in members if member["checked"]]
        unchecked = [member for member in members if not member["checked"]]
        if checked and unchecked:
            pairs.append((checked[0], crop(before, checked[0]), crop(before, unchecked[0])))
    boxes = [control for control in shown if control["type"] == "checkbox"]
    if boxes:
        call(browser, {"op": "flipCheckboxes"})
        try:
            after = browser.capture(area, scroll) if browser.cdp else browser.capture()
        finally:
            call(browser, {"op": "flipCheckboxes"})
        for box in boxes:
            first, second = crop(before, box), crop(after, box)
            pairs.append((box, first, second) if box["checked"] else (box, second, first))
    problems = []
    for control, checked, unchecked in pairs:
        share = changed_share(checked, unchecked)
        if share < CONTROL_STATE_SHARE:
            problems.append(finding(
                "contrast", "contrast-control-state",
                f"A checked {control['type']} and an unchecked one look alike: only {share:.0%} of the middle of the "
                f"control changes by 3:1 between the two (at least {CONTROL_STATE_SHARE:.0%} needed), so a reader "
                "cannot tell which option is chosen.", control, wcag=("1.4.11",)))
    return problems


def state_reflow(data: dict, narrow: bool) -> CheckResult:
    """1.4.10 in one state: no word broken mid-word where it would not have to be (any state); at 320 CSS px
    wide no sideways scrolling, no text newly clipped, overlapping or out of view, and the main content
    starting within the first screen (a header that fills the screen hides it)."""
    problems = []
    for item in data.get("words") or []:
        words = ", ".join(item["words"][:5])
        problems.append(finding("reflow", "reflow-word-broken",
                                f"Words are broken across lines without a hyphen ({words}): set word breaking "
                                "for the language (word-break: keep-all for Korean) or a size at which words fit.",
                                item))
    details = {"broken_words": sum(len(item["words"]) for item in data.get("words") or [])}
    layout = data.get("layout") or {}
    if narrow and data.get("reflow"):
        measured = data["reflow"]
        problems += geometry_findings("reflow", measured["findings"])
        if measured["scrollWidth"] > measured["clientWidth"] + 1:
            problems.insert(0, finding("reflow", "reflow-horizontal-scroll",
                                       f"At {REFLOW_WIDTH} CSS px wide the page is {measured['scrollWidth']} px wide and "
                                       "scrolls sideways.", {"html": "<html>", "selector": "html"}))
        details.update(viewport_width=measured["innerWidth"], scroll_width=measured["scrollWidth"])
    if narrow and layout.get("contentTop") is not None:
        height = layout["viewport"][1]
        details.update(content_top=round(layout["contentTop"]), banner_height=round(layout.get("bannerHeight") or 0))
        if layout["contentTop"] >= height:
            problems.append(finding("reflow", "reflow-content-below-first-screen",
                                    f"The main content starts {layout['contentTop']:.0f} px down, below the first "
                                    f"{height} px tall screen: the header (here {layout.get('bannerHeight') or 0:.0f} px "
                                    "tall) takes the whole screen.", layout["content"]))
    return result("reflow", problems, passes=0 if problems else 1, details=details)


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
                expected_from_url: bool, separate_reflow: bool = True) -> tuple[dict[str, CheckResult], dict]:
    """Run the page-level checks named in ``checks`` (not axe, not focus-visible) in the first state;
    results and raw page facts. ``separate_reflow``: resize the window to 320 px for reflow here (when
    no narrow state follows to measure it)."""
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
    if "headings" in checks:
        results["headings"] = check_headings(data)
    if "contrast" in checks:
        results["contrast"] = check_contrast(data, control_state_problems(browser, data.get("controls") or []))
    if "reflow" in checks:
        words = state_reflow(data, narrow=False)
        if separate_reflow:
            results["reflow"] = check_reflow(browser)
            results["reflow"].violations += words.violations
            results["reflow"].passes = 0 if results["reflow"].violations else 1
            results["reflow"].details.update(words.details)
        else:
            results["reflow"] = words
    facts = {"lang": data.get("lang"), "title": data.get("title")}
    return results, facts


def state_checks(browser, checks: list[str], narrow: bool) -> dict[str, CheckResult]:
    """The checks of ``checks`` a state can change, other than axe (contrast, reflow), in one more round trip."""
    wanted = [name for name in checks if name in ("contrast", "reflow")]
    if not wanted:
        return {}
    data = call(browser, {"op": "state", "checks": wanted, "narrow": narrow})
    results: dict[str, CheckResult] = {}
    if "contrast" in wanted:
        results["contrast"] = check_contrast(data, control_state_problems(browser, data.get("controls") or []))
    if "reflow" in wanted:
        results["reflow"] = state_reflow(data, narrow)
    return results


__all__ = ["PASSED", "WARNING", "checks_script", "page_checks", "state_checks"]
