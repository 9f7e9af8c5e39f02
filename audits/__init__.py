"""The accessibility audit suite: axe-core in every frame through Selenium, plus the checks axe cannot
make (lang, direction, reflow, resize-text, text-spacing, focus-visible, title, readability).

``python -m audits`` and ``contentapi-audit`` run it; ``audit_pages`` is the same thing for Python.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

__version__ = "1.0.0"


def untranslated_titles(results) -> None:
    """Flag our pages whose <title> is word for word the English page's title (2.4.2: not localised).

    Pages are matched by swapping the locale in the path (``/es/...`` with ``/en/...``); pages given
    with --url have no expected locale and are left alone.
    """
    from audits.checks import finding
    from contentapi.i18n.language import primary

    by_path = {page.path: page for page in results}
    for page in results:
        title_check = page.checks.get("title")
        if not title_check or not page.expected_lang or primary(page.expected_lang) == "en" or not page.title:
            continue
        english = by_path.get(page.path.replace(f"/{page.expected_lang}/", "/en/", 1))
        if english is None or english is page or english.title is None:
            continue
        if " ".join(page.title.split()) == " ".join(english.title.split()):
            title_check.violations.append(finding(
                "title", "title-not-localised",
                f"The title {page.title!r} is the English page's title word for word; translate it for "
                f"{page.expected_lang!r}.", {"html": f"<title>{page.title}</title>", "selector": "title"}))


def audit_pages(pages, options, auditor=None, baseline_path=None, progress=None):
    """Audit pages and settle every status; a ``RunResult`` (with what the baseline says was fixed)."""
    from audits import baseline
    from audits.engine import Auditor, settle
    from audits.model import RunResult
    from audits.options import axe_tags
    from audits.states import parse_states

    accepted = baseline.load(baseline_path) if baseline_path else None
    own_auditor = auditor is None
    auditor = auditor or Auditor(options)
    started_at = datetime.now(UTC)
    started = time.perf_counter()
    try:
        results = auditor.audit(pages, progress)
    finally:
        if own_auditor:
            auditor.close()
    baseline_summary = None
    if accepted is not None:
        fixed = baseline.apply(results, accepted)
        baseline_summary = {"file": str(baseline_path), "accepted": sum(accepted.values()), "fixed": fixed}
    if "title" in options.checks:
        untranslated_titles(results)
    if any(page.kind in ("index", "procedure", "embed") and page.expected_lang for page in results):
        from audits.sources import trace

        trace(results)
    settle(results, options)
    options_summary = {
        "level": options.level,
        "best_practice": options.best_practice,
        "axe_tags": axe_tags(options.level, options.best_practice),
        "rules": options.rules,
        "disabled_rules": options.disabled_rules,
        "include": options.include,
        "exclude": options.exclude,
        "checks": list(options.checks),
        "fail_on": sorted(options.fail_on),
        "fail_on_incomplete": options.fail_on_incomplete,
        "timeout": options.timeout,
        "workers": options.workers,
        "remote": options.remote_url,
        "reading_grade": options.reading_grade,
        "states": [state.name for state in (options.states or parse_states("default"))],
    }
    axe_version = next((page.axe_version for page in results if page.axe_version), None)
    return RunResult(
        pages=results,
        options=options_summary,
        started=started_at.isoformat(timespec="seconds"),
        finished=datetime.now(UTC).isoformat(timespec="seconds"),
        seconds=time.perf_counter() - started,
        tool_version=__version__,
        axe_version=axe_version,
        baseline=baseline_summary,
    )
