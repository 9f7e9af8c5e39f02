"""``python -m audits`` / ``contentapi-audit``: audit every page in every language, or the pages given.

Exit status: 0 clean, 1 findings (new violations, or pages that could not be audited), 2 the tool
could not run (bad options, no browser, nothing to audit). Problems are one line on stderr.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from audits.states import DEFAULT_STATES, StateError, parse_states
from audits.options import (
    ALL_CHECKS,
    DEFAULT_LEVEL,
    DEFAULT_READING_GRADE,
    DEFAULT_TIMEOUT,
    LEVEL_TAGS,
    AuditOptions,
)

FAILURE_CHECKS = ("readability",)


class UsageError(Exception):
    """A bad command line (exit 2 with one line)."""


class Parser(argparse.ArgumentParser):
    """argparse that reports a bad command line in one line and exits 2."""

    def error(self, message):
        """Raise instead of printing usage and exiting."""
        raise UsageError(message)


def default_workers() -> int:
    """One browser per CPU, at most four: each browser keeps about one core busy."""
    return max(1, min(4, os.cpu_count() or 1))


def build_parser() -> argparse.ArgumentParser:
    """The command line of the audit."""
    parser = Parser(
        prog="contentapi-audit",
        description="Accessibility audit: axe-core in every frame plus lang, direction, reflow, resize-text, "
        "text-spacing, focus-visible, title and readability checks. With no target, starts contentapi on a "
        "free loopback port and audits every page in every locale.",
    )
    target = parser.add_argument_group("what to audit")
    target.add_argument("--base-url", metavar="URL", help="audit every page of a running contentapi deployment")
    target.add_argument("--url", metavar="URL", action="append", default=[], help="audit this page (repeatable)")
    target.add_argument("--sitemap", metavar="URL", action="append", default=[], help="audit the pages of a sitemap")
    target.add_argument("--no-embeds", action="store_true", help="leave out the embed documents of a contentapi service")
    target.add_argument("--include", metavar="SELECTOR", action="append", default=[], help="only this part of each page")
    target.add_argument("--exclude", metavar="SELECTOR", action="append", default=[], help="leave this part out")
    rules = parser.add_argument_group("rules")
    rules.add_argument("--level", choices=list(LEVEL_TAGS), default=DEFAULT_LEVEL, help="WCAG level (inclusive axe tags)")
    rules.add_argument("--no-best-practice", action="store_true", help="leave out axe's best-practice rules")
    rules.add_argument("--rule", metavar="ID", action="append", default=[], help="run only this axe rule (repeatable)")
    rules.add_argument("--disable", metavar="ID", action="append", default=[], help="turn this axe rule off (repeatable)")
    rules.add_argument("--check", metavar="NAME", action="append", choices=ALL_CHECKS, default=[],
                       help=f"run only these checks (repeatable; {', '.join(ALL_CHECKS)})")
    rules.add_argument("--skip-check", metavar="NAME", action="append", choices=ALL_CHECKS, default=[],
                       help="leave this check out (repeatable)")
    rules.add_argument("--states", metavar="LIST", default="default",
                       help="states to audit each page in, comma-separated; each combines light, dark, contrast, "
                       "forced-colors, print, narrow, reader with '+'; 'default' "
                       f"({','.join(DEFAULT_STATES)}) or 'all'. The first state gets every check")
    rules.add_argument("--reading-grade", type=float, default=DEFAULT_READING_GRADE, metavar="N",
                       help="target reading grade (default 8)")
    browser = parser.add_argument_group("browser")
    browser.add_argument("--driver", metavar="PATH", help="chromedriver to use (default: the one on PATH)")
    browser.add_argument("--browser-binary", metavar="PATH", help="Chromium binary (default: chromium on PATH)")
    browser.add_argument("--remote", metavar="URL", help="W3C WebDriver endpoint (Selenium Grid, chromedriver --port)")
    browser.add_argument("--workers", type=int, default=default_workers(), metavar="N",
                         help=f"browsers in parallel (default {default_workers()}: one per CPU, at most 4)")
    browser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="S",
                         help="limit for each page in seconds: loading, every state and every check")
    browser.add_argument("--axe-script", metavar="PATH", help="a newer axe.min.js instead of the bundled axe-core 4.10.2")
    outcome = parser.add_argument_group("results")
    outcome.add_argument("--fail-on", metavar="CHECK", action="append", choices=FAILURE_CHECKS, default=[],
                         help="make this warning check fail the run (readability)")
    outcome.add_argument("--fail-on-incomplete", action="store_true", help="axe 'needs review' results fail the run")
    outcome.add_argument("--json", metavar="FILE", help="write every result as JSON")
    outcome.add_argument("--html", metavar="FILE", help="write a report for people (with element screenshots)")
    outcome.add_argument("--junit", metavar="FILE", help="write JUnit XML, one test case per page and check")
    outcome.add_argument("--sarif", metavar="FILE", help="write SARIF 2.1.0 for code scanning, findings on our pages "
                         "located in the procedure file or catalog their text came from")
    outcome.add_argument("--baseline", metavar="FILE", help="accept the findings listed in this file; only new ones fail")
    outcome.add_argument("--update-baseline", action="store_true", help="write the current findings to --baseline FILE")
    outcome.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def options_from(arguments) -> AuditOptions:
    """Map the parsed command line onto audit options, refusing impossible combinations."""
    if arguments.workers < 1:
        raise UsageError("--workers must be at least 1")
    if arguments.timeout <= 0:
        raise UsageError("--timeout must be positive")
    if arguments.update_baseline and not arguments.baseline:
        raise UsageError("--update-baseline needs --baseline FILE")
    if arguments.axe_script and not Path(arguments.axe_script).is_file():
        raise UsageError(f"--axe-script {arguments.axe_script}: no such file")
    if arguments.base_url and (arguments.url or arguments.sitemap):
        raise UsageError("give either --base-url or --url/--sitemap, not both")
    try:
        states = parse_states(arguments.states)
    except StateError as error:
        raise UsageError(str(error)) from None
    checks = tuple(name for name in ALL_CHECKS if (not arguments.check or name in arguments.check)
                   and name not in arguments.skip_check)
    if not checks:
        raise UsageError("--check/--skip-check leave nothing to run")
    return AuditOptions(
        level=arguments.level,
        best_practice=not arguments.no_best_practice,
        rules=arguments.rule,
        disabled_rules=arguments.disable,
        include=arguments.include,
        exclude=arguments.exclude,
        checks=checks,
        fail_on=frozenset(arguments.fail_on),
        fail_on_incomplete=arguments.fail_on_incomplete,
        timeout=arguments.timeout,
        workers=arguments.workers,
        driver_path=arguments.driver,
        browser_binary=arguments.browser_binary,
        remote_url=arguments.remote,
        axe_script=arguments.axe_script,
        reading_grade=arguments.reading_grade,
        screenshots=bool(arguments.html),
        states=states,
    )


def gather_pages(arguments, service_url: str | None):
    """The pages named by the command line (or every page of the service at ``service_url``)."""
    from audits.discovery import (
        discover_service,
        discover_sitemap,
        pages_from_urls,
        unique,
    )

    pages = []
    if service_url:
        pages += discover_service(service_url, embeds=not arguments.no_embeds)
    for sitemap in arguments.sitemap:
        pages += discover_sitemap(sitemap)
    pages += pages_from_urls(arguments.url)
    return unique(pages)


def run(argv: list[str] | None = None) -> int:
    """Parse, audit, report; the exit status."""
    from audits import audit_pages, reports
    from audits.baseline import BaselineError, save
    from audits.browser import BrowserError
    from audits.discovery import DiscoveryError
    from audits.engine import Auditor

    arguments = build_parser().parse_args(argv)
    options = options_from(arguments)
    service = None
    auditor = None
    try:
        auditor = Auditor(options)
        auditor.warm_up(options.workers)  # browsers start while the service starts and pages are found
        service_url = arguments.base_url
        if not (arguments.base_url or arguments.url or arguments.sitemap):
            from audits import localservice

            service = localservice.start()
            service_url = service.url
        pages = gather_pages(arguments, service_url)
        if not pages:
            raise UsageError("nothing to audit: no pages found")
        progress = reports.Progress(len(pages), enabled=not arguments.quiet)
        baseline_in = arguments.baseline if arguments.baseline and not arguments.update_baseline else None
        result = audit_pages(pages, options, auditor=auditor, baseline_path=baseline_in, progress=progress)
    except (DiscoveryError, BrowserError, BaselineError, FileNotFoundError, ValueError) as error:
        raise UsageError(str(error)) from None
    finally:
        if auditor is not None:
            auditor.close()
        if service is not None:
            service.stop()

    if arguments.json:
        reports.write_json(result, arguments.json)
    if arguments.html:
        reports.write_html(result, arguments.html)
    if arguments.junit:
        reports.write_junit(result, arguments.junit)
    if arguments.sarif:
        from audits import sarif

        sarif.write_sarif(result, arguments.sarif)
    try:
        sys.stdout.write(reports.summary_table(result))
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (`| head`); the reports are written and the exit status still counts.
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keeps the interpreter's final flush quiet
    if arguments.update_baseline:
        count = save(arguments.baseline, result.pages)
        print(f"baseline {arguments.baseline}: {count} accepted findings written", file=sys.stderr)
        return 0
    if all(page.error for page in result.pages):
        print("contentapi-audit: no page could be audited", file=sys.stderr)
        return 2
    statuses = {page.status for page in result.pages}
    return 1 if statuses & {"failed", "error"} else 0


def main(argv: list[str] | None = None) -> int:
    """Console entry point: run the audit and turn usage problems into one line and exit status 2."""
    try:
        return run(argv)
    except UsageError as error:
        print(f"contentapi-audit: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("contentapi-audit: interrupted", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
