"""focus-visible (2.4.7) and focus order (2.4.3): press Tab through the page like a keyboard user; for
each element that takes focus, compare the pixels around it with and without focus, and check that
focus moves forward in reading (document) order.
"""

from __future__ import annotations

import base64
import io

from PIL import ImageChops

from audits.checks import call, finding, result
from audits.model import CheckResult
from audits.options import AuditOptions

MARGIN = 8  # CSS px around the element: outlines and shadows are drawn outside its box
PIXEL_DELTA = 40  # a channel difference smaller than this is anti-aliasing noise, not an indicator


def data_uri(image) -> str:
    """A PNG data: URI of an image (for reports)."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def changed_pixels(first, second) -> int:
    """How many pixels differ clearly between two same-sized images."""
    if first.size != second.size:
        return first.size[0] * first.size[1]
    difference = ImageChops.difference(first, second).convert("L")
    histogram = difference.histogram()
    return sum(histogram[PIXEL_DELTA:])


def needed_pixels(width: float, height: float) -> int:
    """Changed pixels that count as a visible indicator: a third of a 1 px ring, within sensible bounds."""
    perimeter = 2 * (width + height)
    return int(max(8, min(perimeter / 3, 120)))


def crop_box(rect: list[float], viewport: list[float]) -> tuple[float, float, float, float] | None:
    """The element's box plus a margin, cut to the viewport; None when nothing of it is on screen."""
    left, top, width, height = rect
    x0, y0 = max(0.0, left - MARGIN), max(0.0, top - MARGIN)
    x1, y1 = min(viewport[0], left + width + MARGIN), min(viewport[1], top + height + MARGIN)
    if x1 - x0 < 1 or y1 - y0 < 1:
        return None
    return (int(x0), int(y0), max(1, int(x1 - x0)), max(1, int(y1 - y0)))


def check_focus(browser, options: AuditOptions) -> CheckResult:
    """Tab through every focusable element; flag invisible focus and focus that moves backwards."""
    driver = browser.driver
    driver.switch_to.default_content()
    call(browser, {"op": "resetFocus"})
    problems = []
    stops = 0
    compared = 0
    truncated = True
    verified: set[str] = set()  # looks already shown to give a visible indicator
    unfocused_views: dict[tuple, object] = {}  # (scroll x, scroll y, width, height) -> viewport image, nothing focused
    for _ in range(options.max_focus_stops):
        browser.press_tab()
        info = call(browser, {"op": "focus"})
        if info.get("done") or info.get("wrapped"):
            truncated = False
            break
        if info["order"] == "same":
            continue  # Tab moved within a frame: the frame's own document is audited when given as a page
        stops += 1
        if not info["inScope"]:
            continue
        if info["order"] == "backward":
            problems.append(finding("focus-visible", "focus-order",
                                    "Focus moved backwards in reading order to this element (a positive tabindex "
                                    "or reordered content).", info, wcag=("2.4.3",), impact="moderate"))
        if info["frame"]:
            continue
        box = crop_box(info["rect"], info["viewport"])
        if box is None or info["rect"][2] < 1 or info["rect"][3] < 1:
            problems.append(finding("focus-visible", "focus-not-visible",
                                    "This element takes focus but is not on screen while focused.", info,
                                    wcag=("2.4.7",)))
            call(browser, {"op": "blur"})
            continue
        if info["lookKey"] in verified:
            compared += 1
            continue
        focused = browser.capture(box, info["scroll"])
        view = (*info["scroll"], *info["viewport"])
        if view not in unfocused_views:
            # One picture of the page with nothing focused serves every element shown at this scroll position.
            call(browser, {"op": "blur"})
            unfocused_views[view] = browser.capture()
        x, y, width, height = box
        unfocused = unfocused_views[view].crop((x, y, x + width, y + height))
        compared += 1
        changed = changed_pixels(focused, unfocused)
        if changed < needed_pixels(info["rect"][2], info["rect"][3]):
            problem = finding("focus-visible", "focus-indicator",
                              f"No visible focus indicator: {changed} pixels change when this element takes "
                              f"focus (needed {needed_pixels(info['rect'][2], info['rect'][3])}).",
                              info, wcag=("2.4.7",))
            if options.screenshots:
                problem.screenshot = data_uri(focused)
            problems.append(problem)
        else:
            verified.add(info["lookKey"])
    call(browser, {"op": "resetFocus"})
    details = {"tab_stops": stops, "compared": compared, "truncated": truncated}
    return result("focus-visible", problems, passes=compared - sum(1 for p in problems if p.rule == "focus-indicator"),
                  details=details)
