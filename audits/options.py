"""What an audit run is asked to do: levels and axe tags, the named checks, limits and failure policy."""

from __future__ import annotations

from dataclasses import dataclass, field

# axe-core tags do not include each other, so each level names every tag up to it.
LEVEL_TAGS = {
    "wcag2a": ("wcag2a",),
    "wcag2aa": ("wcag2a", "wcag2aa"),
    "wcag21aa": ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa"),
    "wcag22aa": ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"),
}
DEFAULT_LEVEL = "wcag22aa"

# The checks axe cannot make, each with the WCAG success criteria it covers, in the order they run.
OWN_CHECKS = {
    "lang": ("3.1.1", "3.1.2"),
    "direction": ("1.3.2",),
    "title": ("2.4.2",),
    "headings": ("1.3.1",),
    "readability": ("3.1.5",),
    "contrast": ("1.4.3", "1.4.11"),
    "resize-text": ("1.4.4",),
    "text-spacing": ("1.4.12",),
    "reflow": ("1.4.10",),
    "focus-visible": ("2.4.7", "2.4.3"),
}
ALL_CHECKS = ("axe",) + tuple(OWN_CHECKS)

# Checks that run again in every state after the first (what a state can change); the others read
# the document (lang, direction, title, headings, readability) or are costly and run in the first
# state only (resize-text, text-spacing, focus-visible).
STATE_CHECKS = ("axe", "contrast", "reflow")

# Checks whose findings are warnings unless --fail-on names them.
WARNING_CHECKS = frozenset({"readability"})

DEFAULT_TIMEOUT = 30.0
DEFAULT_READING_GRADE = 8.0
DEFAULT_WINDOW = (1280, 900)
REFLOW_WIDTH = 320


def axe_tags(level: str, best_practice: bool = True) -> list[str]:
    """The inclusive axe tag set for a WCAG level, plus best-practice when asked."""
    if level not in LEVEL_TAGS:
        raise ValueError(f"unknown level {level!r}; choose one of {', '.join(LEVEL_TAGS)}")
    tags = list(LEVEL_TAGS[level])
    if best_practice:
        tags.append("best-practice")
    return tags


@dataclass
class AuditOptions:
    """Everything that shapes one audit run (the command line maps onto this one to one)."""

    level: str = DEFAULT_LEVEL
    best_practice: bool = True
    rules: list[str] = field(default_factory=list)  # --rule: run only these axe rules
    disabled_rules: list[str] = field(default_factory=list)  # --disable
    include: list[str] = field(default_factory=list)  # CSS selectors that scope axe and our checks
    exclude: list[str] = field(default_factory=list)
    checks: tuple[str, ...] = ALL_CHECKS
    fail_on: frozenset[str] = frozenset()  # warning checks promoted to failures (readability)
    fail_on_incomplete: bool = False
    timeout: float = DEFAULT_TIMEOUT
    workers: int = 1
    driver_path: str | None = None  # chromedriver; None means the one on PATH
    browser_binary: str | None = None  # Chromium; None means the one on PATH
    remote_url: str | None = None
    axe_script: str | None = None  # a newer axe.min.js; None means the bundled axe-core
    reading_grade: float = DEFAULT_READING_GRADE
    screenshots: bool = False  # crop each failing element (the HTML report asks for them)
    max_focus_stops: int = 150
    window: tuple[int, int] = DEFAULT_WINDOW
    states: tuple = ()  # audits.states.State values; () means the default states (the first one runs every check)

    def axe_options(self) -> dict:
        """The options object handed to ``axe.run`` (always with ``iframes: true``)."""
        options: dict = {"iframes": True, "resultTypes": ["violations", "incomplete"]}
        if self.rules:
            options["runOnly"] = {"type": "rule", "values": list(self.rules)}
        else:
            options["runOnly"] = {"type": "tag", "values": axe_tags(self.level, self.best_practice)}
        if self.disabled_rules:
            options["rules"] = {rule: {"enabled": False} for rule in self.disabled_rules}
        return options

    def axe_context(self) -> dict | None:
        """The context object for ``axe.run`` built from --include/--exclude, or None for the whole page."""
        if not self.include and not self.exclude:
            return None
        context: dict = {}
        if self.include:
            context["include"] = [[selector] for selector in self.include]
        if self.exclude:
            context["exclude"] = [[selector] for selector in self.exclude]
        return context

    def is_failure(self, check: str) -> bool:
        """Whether findings of this check fail the run (warnings do not unless --fail-on names them)."""
        return check not in WARNING_CHECKS or check in self.fail_on
