"""The results of an audit: findings, per-check results, per-page results and the run.

``to_dict`` methods give the stable JSON schema documented in the README (``schema_version`` 1);
fields are only ever added, never renamed or removed, within one schema version.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SCHEMA_VERSION = 1

# Check statuses, from best to worst.
PASSED = "passed"
WARNING = "warning"
NOT_MEASURED = "not-measured"
SKIPPED = "skipped"
FAILED = "failed"
ERROR = "error"

# Finding kinds.
VIOLATION = "violation"
INCOMPLETE = "incomplete"  # axe "needs review"
WARN = "warning"


@dataclass
class Finding:
    """One problem (or one thing to review) on one element, or on the page as a whole."""

    check: str
    rule: str
    kind: str
    message: str
    impact: str | None = None
    wcag: list[str] = field(default_factory=list)
    help_url: str | None = None
    target: list[Any] = field(default_factory=list)  # axe target: selectors, nested lists for frames
    html: str = ""
    signature: str = ""
    known: bool = False  # accepted by the baseline
    screenshot: str | None = None  # data: URI of the element crop, when screenshots were asked for
    states: list[str] = field(default_factory=list)  # the states it was found in
    source: dict | None = None  # where its text came from: {"uri", "line", "msgctxt"} (our own pages)
    text: str = ""  # the element's text, for source tracing (not in the JSON)

    @property
    def identity(self) -> tuple:
        """What makes two findings of different states the same finding."""
        return (self.check, self.rule, self.kind, self.signature, repr(self.target))

    def to_dict(self) -> dict:
        """The JSON form."""
        return {
            "check": self.check,
            "rule": self.rule,
            "kind": self.kind,
            "message": self.message,
            "impact": self.impact,
            "wcag": list(self.wcag),
            "help_url": self.help_url,
            "target": self.target,
            "html": self.html,
            "signature": self.signature,
            "known": self.known,
            "screenshot": self.screenshot,
            "states": list(self.states),
            "source": self.source,
        }


@dataclass
class CheckResult:
    """One check on one page: its status, findings, needs-review items and passes counted."""

    check: str
    status: str = PASSED
    wcag: list[str] = field(default_factory=list)
    violations: list[Finding] = field(default_factory=list)
    incomplete: list[Finding] = field(default_factory=list)
    passes: int = 0
    details: dict = field(default_factory=dict)
    seconds: float = 0.0
    error: str | None = None
    states: list[str] = field(default_factory=list)  # the states it ran in

    @property
    def new_violations(self) -> list[Finding]:
        """Violations the baseline does not accept."""
        return [finding for finding in self.violations if not finding.known]

    def to_dict(self) -> dict:
        """The JSON form."""
        return {
            "check": self.check,
            "status": self.status,
            "wcag": list(self.wcag),
            "violations": [finding.to_dict() for finding in self.violations],
            "incomplete": [finding.to_dict() for finding in self.incomplete],
            "passes": self.passes,
            "details": self.details,
            "seconds": round(self.seconds, 4),
            "error": self.error,
            "states": list(self.states),
        }

    def in_every_state(self, finding: Finding) -> bool:
        """Whether a finding was found in every state this check ran in (then reported once, unqualified)."""
        return not self.states or set(finding.states) >= set(self.states)

    def merge(self, other: CheckResult, state: str) -> None:
        """Add the same check's result in another state: findings seen before gain the state, new ones
        are added; passes add up; the state's details are kept under details["states"]."""
        for mine, theirs in ((self.violations, other.violations), (self.incomplete, other.incomplete)):
            known = {finding.identity: finding for finding in mine}
            for finding in theirs:
                if finding.identity in known:
                    if state not in known[finding.identity].states:
                        known[finding.identity].states.append(state)
                else:
                    finding.states = [state]
                    mine.append(finding)
                    known[finding.identity] = finding
        self.passes += other.passes
        self.seconds += other.seconds
        self.wcag = sorted(set(self.wcag) | set(other.wcag))
        if other.error and not self.error:
            self.error = f"in state {state}: {other.error}"
        if other.details:
            self.details.setdefault("states", {})[state] = other.details
        self.states.append(state)


@dataclass
class PageResult:
    """Every check on one page, with the time spent navigating, in axe and in our own checks."""

    url: str
    path: str
    kind: str = "page"
    expected_lang: str | None = None
    declared_lang: str | None = None
    title: str | None = None
    status: str = PASSED
    error: str | None = None
    checks: dict[str, CheckResult] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    axe_version: str | None = None
    # Each state asked for: {"state", "status" (audited, skipped, unfinished), "reason", "seconds"}.
    states: list[dict] = field(default_factory=list)

    def findings(self) -> list[Finding]:
        """Every violation on the page, across checks."""
        return [finding for result in self.checks.values() for finding in result.violations]

    def to_dict(self) -> dict:
        """The JSON form."""
        return {
            "url": self.url,
            "path": self.path,
            "kind": self.kind,
            "expected_lang": self.expected_lang,
            "declared_lang": self.declared_lang,
            "title": self.title,
            "status": self.status,
            "error": self.error,
            "timings": {name: round(value, 4) for name, value in self.timings.items()},
            "axe_version": self.axe_version,
            "states": [dict(state) for state in self.states],
            "checks": {name: result.to_dict() for name, result in self.checks.items()},
        }


@dataclass
class RunResult:
    """A whole audit run: the pages, the options, what the baseline says was fixed, and totals."""

    pages: list[PageResult]
    options: dict
    started: str
    finished: str
    seconds: float
    tool_version: str
    axe_version: str | None = None
    baseline: dict | None = None  # {"file": ..., "known": n, "fixed": [entries]}

    def totals(self) -> dict:
        """Counts by page status and by finding kind."""
        statuses = [page.status for page in self.pages]
        checks = [result for page in self.pages for result in page.checks.values()]
        findings = [finding for result in checks for finding in result.violations]
        return {
            "pages": len(self.pages),
            "pages_passed": statuses.count(PASSED) + statuses.count(WARNING),
            "pages_failed": statuses.count(FAILED),
            "pages_error": statuses.count(ERROR),
            "violations": sum(1 for finding in findings if finding.kind == VIOLATION),
            "new_violations": sum(1 for result in checks if result.status == FAILED
                                  for finding in result.new_violations if finding.kind == VIOLATION),
            "known_violations": sum(1 for finding in findings if finding.kind == VIOLATION and finding.known),
            "incomplete": sum(len(result.incomplete) for result in checks),
            "warnings": sum(1 for finding in findings if finding.kind == WARN),
            "timings": {
                name: round(sum(page.timings.get(name, 0.0) for page in self.pages), 4)
                for name in ("navigation", "axe", "checks", "total")
            },
        }

    def to_dict(self) -> dict:
        """The JSON document written by --json."""
        return {
            "schema_version": SCHEMA_VERSION,
            "tool": {"name": "contentapi-audit", "version": self.tool_version},
            "axe_version": self.axe_version,
            "started": self.started,
            "finished": self.finished,
            "seconds": round(self.seconds, 3),
            "options": self.options,
            "totals": self.totals(),
            "baseline": self.baseline,
            "pages": [page.to_dict() for page in self.pages],
            "disclaimer": DISCLAIMER,
        }


DISCLAIMER = (
    "Automated checks find only part of WCAG issues (Deque's estimate for axe-core is about 57%). "
    "A clean report does not mean the pages conform: manual testing with keyboards, screen readers, "
    "magnification and real users remains necessary."
)
