"""States a reader can put a page in, and how the audit puts the browser in each.

A state is a combination of features joined with ``+`` (``dark+print``, ``dark+narrow+reader``):
colour scheme (``light`` or ``dark``), ``contrast`` (``prefers-contrast: more``), ``forced-colors``
(``forced-colors: active``), ``print`` media, ``narrow`` (a 320 x 640 CSS px viewport) and
``reader`` (the page's own reader settings at their maximum, read from its ``[data-reader-controls]``).

With a local Chromium every feature is set through DevTools emulation (``Emulation.setEmulatedMedia``,
``Emulation.setDeviceMetricsOverride``), which renders the page as a browser in that state would,
forced colours included. Over plain W3C WebDriver (``--remote``) only what WebDriver itself can do is
possible: the window size (``narrow``) and scripts (``reader``); media features cannot be emulated
there, so states that need them are reported as not audited for each page.
"""

from __future__ import annotations

from dataclasses import dataclass

from audits.options import REFLOW_WIDTH

NARROW_HEIGHT = 640

# Each feature in its canonical order, with what it means.
FEATURES = {
    "light": "prefers-color-scheme: light",
    "dark": "prefers-color-scheme: dark",
    "contrast": "prefers-contrast: more",
    "forced-colors": "forced-colors: active",
    "print": "print media",
    "narrow": f"a {REFLOW_WIDTH} x {NARROW_HEIGHT} CSS px viewport",
    "reader": "the page's own reader settings at their maximum",
}
MEDIA_FEATURES = frozenset({"light", "dark", "contrast", "forced-colors", "print"})

DEFAULT_STATES = ("light", "dark", "dark+contrast", "forced-colors", "dark+print", "dark+narrow+reader")
ALL_STATES = ("light", "dark", "contrast", "dark+contrast", "forced-colors", "dark+forced-colors", "print",
              "dark+print", "narrow", "reader", "narrow+reader", "dark+reader", "dark+narrow+reader")


class StateError(ValueError):
    """A --states value that names no state (one line for the command line)."""


@dataclass(frozen=True)
class State:
    """One state: its features, in canonical order."""

    features: tuple[str, ...]

    @property
    def name(self) -> str:
        """``dark+print``: the features joined, light left out unless it stands alone."""
        shown = [feature for feature in self.features if feature != "light"] or ["light"]
        return "+".join(shown)

    @property
    def scheme(self) -> str:
        """The colour scheme asked for (light unless dark is named)."""
        return "dark" if "dark" in self.features else "light"

    @property
    def narrow(self) -> bool:
        """Whether the viewport is 320 CSS px wide."""
        return "narrow" in self.features

    @property
    def reader(self) -> bool:
        """Whether the page's reader settings are set to their maximum."""
        return "reader" in self.features

    @property
    def needs_media_emulation(self) -> bool:
        """Whether the state needs a media feature emulated (not possible over plain WebDriver)."""
        return any(feature in MEDIA_FEATURES - {"light"} for feature in self.features)

    def emulated_media(self) -> dict:
        """The parameters of DevTools ``Emulation.setEmulatedMedia`` for this state."""
        return {
            "media": "print" if "print" in self.features else "",
            "features": [
                {"name": "prefers-color-scheme", "value": self.scheme},
                {"name": "prefers-contrast", "value": "more" if "contrast" in self.features else "no-preference"},
                {"name": "forced-colors", "value": "active" if "forced-colors" in self.features else "none"},
            ],
        }


def parse_state(text: str) -> State:
    """One state from ``feature+feature``; StateError for an unknown feature or light with dark."""
    parts = [part.strip() for part in text.split("+") if part.strip()]
    unknown = [part for part in parts if part not in FEATURES]
    if not parts or unknown:
        raise StateError(f"--states: unknown state {text!r}; states combine {', '.join(FEATURES)} with '+', "
                         f"or say 'default' or 'all'")
    if "light" in parts and "dark" in parts:
        raise StateError(f"--states: {text!r} asks for both light and dark")
    return State(tuple(feature for feature in FEATURES if feature in parts))


def parse_states(text: str) -> tuple[State, ...]:
    """The states of a --states value: comma-separated states, ``default`` or ``all``; repeats dropped.

    The first state is the one every check runs in; the others get the checks whose outcome a state
    can change (axe, contrast, reflow).
    """
    states: list[State] = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        names = DEFAULT_STATES if item == "default" else ALL_STATES if item == "all" else (item,)
        for name in names:
            state = parse_state(name)
            if state not in states:
                states.append(state)
    if not states:
        raise StateError("--states: give at least one state")
    return tuple(states)


def apply(browser, state: State) -> str | None:
    """Put the browser's current page in ``state``; None, or why it cannot be done on this browser.

    Media features and the narrow viewport go through DevTools where the browser is local; over
    plain WebDriver the window is resized and media features are refused. The reader settings are
    chosen by ``reader`` (a script in the page) once the media state is set.
    """
    if browser.cdp:
        if state.name == "light" and not (browser.emulated or browser.emulated_narrow):
            return None  # the browser's own state
        browser.command("Emulation.setEmulatedMedia", state.emulated_media())
        if state.narrow:
            browser.command("Emulation.setDeviceMetricsOverride",
                            {"width": REFLOW_WIDTH, "height": NARROW_HEIGHT, "deviceScaleFactor": 1, "mobile": False})
        elif browser.emulated_narrow:
            browser.command("Emulation.clearDeviceMetricsOverride")
        browser.emulated_narrow = state.narrow
        browser.emulated = state.name != "light"
        return None
    if state.needs_media_emulation:
        return "W3C WebDriver cannot emulate media features (colour scheme, contrast, forced colours, print)"
    if state.narrow:
        browser.set_width(REFLOW_WIDTH, NARROW_HEIGHT)
        width = browser.execute("return window.innerWidth")
        if int(width) != REFLOW_WIDTH:
            browser.restore_size()
            return f"the remote window could not be made {REFLOW_WIDTH} CSS px wide (it is {width})"
    elif browser.emulated_narrow:
        browser.restore_size()
    browser.emulated_narrow = state.narrow
    browser.emulated = state.name != "light"
    return None


def reset(browser) -> None:
    """Back to the browser's normal state after a page (only what was changed is undone)."""
    if not (browser.emulated or browser.emulated_narrow):
        return
    if browser.cdp:
        browser.command("Emulation.setEmulatedMedia", {"media": "", "features": []})
        if browser.emulated_narrow:
            browser.command("Emulation.clearDeviceMetricsOverride")
    elif browser.emulated_narrow:
        browser.restore_size()
    browser.emulated = browser.emulated_narrow = False
