"""Reports: JSON (stable schema), HTML for people, JUnit XML for CI, and the console summary."""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from html import escape
from xml.etree import ElementTree

from audits.baseline import atomic_write_text
from audits.model import (
    DISCLAIMER,
    ERROR,
    FAILED,
    NOT_MEASURED,
    PASSED,
    SKIPPED,
    WARNING,
    RunResult,
)
from audits.options import ALL_CHECKS, OWN_CHECKS

IMPACT_ORDER = {"critical": 0, "serious": 1, "moderate": 2, "minor": 3, None: 4}
STATUS_MARK = {PASSED: "ok", WARNING: "warn", NOT_MEASURED: "n/m", FAILED: "FAIL", ERROR: "ERR", SKIPPED: "-"}


def write_json(run: RunResult, path: str) -> None:
    """The whole run as JSON (schema_version 1, documented in the README)."""
    atomic_write_text(path, json.dumps(run.to_dict(), indent=2, ensure_ascii=False) + "\n")


# -- JUnit ----------------------------------------------------------------------------------------
def junit_xml(run: RunResult) -> str:
    """One test case per page and check: failures for new violations, errors for pages not audited."""
    checks = run.options.get("checks", list(ALL_CHECKS))
    suites = ElementTree.Element("testsuites", name="contentapi-audit")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for page in run.pages:
        suite = ElementTree.SubElement(suites, "testsuite", name=page.path)
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        for name in checks:
            counts["tests"] += 1
            result = page.checks.get(name)
            seconds = result.seconds if result else 0.0
            case = ElementTree.SubElement(suite, "testcase", classname=page.path, name=name, time=f"{seconds:.3f}")
            if page.error or (result and result.status == ERROR):
                counts["errors"] += 1
                message = page.error or result.error or "error"
                ElementTree.SubElement(case, "error", message=message).text = message
                continue
            if result is None or result.status == NOT_MEASURED:
                counts["skipped"] += 1
                reason = (result.details.get("reason") if result else None) or "not run"
                ElementTree.SubElement(case, "skipped", message=reason)
                continue
            lines = [f"{f.rule} [{f.impact or '-'}] {' '.join(f.wcag)}{states_note(result, f)} {f.message} at {f.html[:200]}"
                     + source_note(f) + (" (known, in baseline)" if f.known else "") for f in result.violations]
            if result.status == FAILED:
                counts["failures"] += 1
                new = [f for f in result.violations if not f.known] or result.incomplete
                failure = ElementTree.SubElement(case, "failure", message=f"{len(new)} new finding(s) for {name}",
                                                 type=name)
                failure.text = "\n".join(lines + [f"needs review: {f.rule} at {f.html[:200]}" for f in result.incomplete])
            elif lines or result.incomplete:
                ElementTree.SubElement(case, "system-out").text = "\n".join(
                    lines + [f"needs review: {f.rule} at {f.html[:200]}" for f in result.incomplete])
        for name, value in counts.items():
            suite.set(name, str(value))
            totals[name] += value
    for name, value in totals.items():
        suites.set(name, str(value))
    ElementTree.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(suites, encoding="unicode") + "\n"


def write_junit(run: RunResult, path: str) -> None:
    """Write the JUnit XML report."""
    atomic_write_text(path, junit_xml(run))


# -- console --------------------------------------------------------------------------------------
class Progress:
    """A progress bar on stderr (one line per page when stderr is not a terminal)."""

    def __init__(self, total: int, stream=None, enabled: bool = True):
        self.total = total
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()

    def __call__(self, done: int, total: int, page) -> None:
        if not self.enabled:
            return
        width = 24
        filled = int(width * done / max(1, total))
        bar = "#" * filled + "-" * (width - filled)
        line = f"[{bar}] {done}/{total} {STATUS_MARK.get(page.status, page.status):>4} {page.path}"
        if self.tty:
            self.stream.write("\r\x1b[2K" + line[:150])
            if done == total:
                self.stream.write("\n")
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


def states_note(check, finding) -> str:
    """`` [dark, dark+print]`` for a finding seen in some states only; nothing when in every state."""
    if check.in_every_state(finding):
        return ""
    return f" [{', '.join(finding.states)}]"


def source_note(finding) -> str:
    """`` (from translations/ko/LC_MESSAGES/messages.po:148 msgctxt ...)`` for a traced finding."""
    if not finding.source:
        return ""
    context = f" msgctxt {finding.source['msgctxt']}" if finding.source.get("msgctxt") else ""
    return f" (from {finding.source['uri']}:{finding.source['line']}{context})"


def by_state(run: RunResult) -> dict[str, list]:
    """Findings grouped by state: "every state" for those found in every state their check ran in,
    else each state they were found in, in the order the states ran."""
    groups: dict[str, list] = {"every state": []}
    for name in run.options.get("states", []):
        groups[name] = []
    for page in run.pages:
        for check in page.checks.values():
            for finding in check.violations + check.incomplete:
                if check.in_every_state(finding):
                    groups["every state"].append((page, finding))
                else:
                    for state in finding.states:
                        groups.setdefault(state, []).append((page, finding))
    return groups


def summary_table(run: RunResult) -> str:
    """Pages down, checks across: ok, warn, n/m, ERR, or the number of new violations."""
    checks = run.options.get("checks", list(ALL_CHECKS))
    headers = ["page"] + list(checks)
    rows = []
    for page in run.pages:
        row = [page.path]
        for name in checks:
            result = page.checks.get(name)
            if page.error:
                row.append("ERR")
            elif result is None:
                row.append("-")
            elif result.status == FAILED:
                row.append(str(len(result.new_violations) or len(result.incomplete)))
            else:
                row.append(STATUS_MARK.get(result.status, result.status))
        rows.append(row)
    widths = [max(len(headers[i]), *(len(row[i]) for row in rows)) if rows else len(headers[i]) for i in range(len(headers))]
    widths[0] = min(widths[0], 70)
    lines = ["  ".join(cell[: widths[i]].ljust(widths[i]) for i, cell in enumerate(headers))]
    lines.append("  ".join("-" * width for width in widths))
    for row in rows:
        lines.append("  ".join(cell[: widths[i]].ljust(widths[i]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row)))
    totals = run.totals()
    lines.append("")
    lines.append(
        f"{totals['pages']} pages: {totals['pages_passed']} passed, {totals['pages_failed']} failed, "
        f"{totals['pages_error']} not audited; {totals['new_violations']} new violations, "
        f"{totals['known_violations']} known (baseline), {totals['incomplete']} need review, "
        f"{totals['warnings']} warnings; {run.seconds:.1f} s "
        f"(navigation {totals['timings']['navigation']:.1f} s, axe {totals['timings']['axe']:.1f} s, "
        f"own checks {totals['timings']['checks']:.1f} s)")
    for page in run.pages:
        if page.error:
            lines.append(f"ERR  {page.path}: {page.error}")
        for result in page.checks.values():
            for finding in result.violations:
                if result.status == FAILED and not finding.known:
                    lines.append(f"FAIL {page.path} {finding.check}/{finding.rule}{states_note(result, finding)}: "
                                 f"{finding.message[:160]} at {finding.html[:100]}{source_note(finding)}")
    if run.baseline and run.baseline.get("fixed"):
        lines.append(f"fixed since the baseline: {len(run.baseline['fixed'])}")
    lines.append(DISCLAIMER)
    return "\n".join(lines) + "\n"


# -- HTML -----------------------------------------------------------------------------------------
CSS = """
body{font-family:system-ui,sans-serif;line-height:1.5;margin:0;color:#1b1b1b;background:#fff;overflow-wrap:break-word}
header,main,footer{max-width:70rem;margin:0 auto;padding:0 1rem}
header{padding-top:1rem}
table{border-collapse:collapse;margin:1rem 0;width:100%}
th,td{border:1px solid #6b6b6b;padding:.25rem .5rem;text-align:start;vertical-align:top}
th{background:#f3f2f1}
.failed{color:#a4000f;font-weight:700}.error{color:#7a2e00;font-weight:700}.passed{color:#0a5a1a}
.warning{color:#6b4500}
pre{white-space:pre-wrap;word-break:break-all;background:#f3f2f1;padding:.5rem;border:1px solid #6b6b6b}
img{max-width:100%;height:auto;border:2px solid #a4000f}
a{color:#0b55b8}a:focus-visible{outline:3px solid #0b0c0c;background:#ffdd00}
.scroll{overflow-x:auto}.scroll:focus-visible{outline:3px solid #0b0c0c}
.message{white-space:pre-line}
.finding{border-inline-start:4px solid #6b6b6b;padding-inline-start:1rem;margin:1rem 0}
"""


def _status_cell(status: str) -> str:
    return f'<span class="{escape(status)}">{escape(STATUS_MARK.get(status, status))}</span>'


def html_report(run: RunResult) -> str:
    """A self-contained report for people (it passes axe itself)."""
    checks = run.options.get("checks", list(ALL_CHECKS))
    totals = run.totals()
    out = ['<!doctype html>', '<html lang="en">', "<head>", '<meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           "<title>Accessibility audit report | contentapi-audit</title>", f"<style>{CSS}</style>", "</head>", "<body>",
           "<header>", "<h1>Accessibility audit report</h1>",
           (f"<p>{totals['pages']} pages audited on {escape(run.finished)} in {run.seconds:.1f} s with axe-core "
            f"{escape(run.axe_version or 'not run')} at level {escape(str(run.options.get('level')))}: "
            f"{totals['pages_passed']} passed, {totals['pages_failed']} failed, {totals['pages_error']} not audited; "
            f"{totals['new_violations']} new violations, {totals['known_violations']} accepted by the baseline, "
            f"{totals['incomplete']} need review.</p>"),
           f'<p><strong>Note:</strong> {escape(DISCLAIMER)}</p>', "</header>", "<main>"]

    out.append('<section aria-labelledby="summary-title"><h2 id="summary-title">Summary by page</h2>')
    out.append('<div class="scroll" role="region" aria-labelledby="summary-caption" tabindex="0">'
               '<table><caption id="summary-caption">Status of each check on each page</caption>'
               '<thead><tr><th scope="col">Page</th>')
    out += [f'<th scope="col">{escape(name)}</th>' for name in checks]
    out.append("</tr></thead><tbody>")
    for index, page in enumerate(run.pages):
        out.append(f'<tr><th scope="row"><a href="#page-{index}">{escape(page.path)}</a></th>')
        for name in checks:
            result = page.checks.get(name)
            status = ERROR if page.error else (result.status if result else SKIPPED)
            out.append(f"<td>{_status_cell(status)}</td>")
        out.append("</tr>")
    out.append("</tbody></table></div></section>")

    by_rule: dict[tuple[str, str], list] = defaultdict(list)
    for page in run.pages:
        for result in page.checks.values():
            for finding in result.violations:
                by_rule[(finding.check, finding.rule)].append((page, finding))
    out.append('<section aria-labelledby="rules-title"><h2 id="rules-title">Findings by rule</h2>')
    if by_rule:
        out.append('<div class="scroll" role="region" aria-labelledby="rules-caption" tabindex="0">'
                   '<table><caption id="rules-caption">Every rule with findings</caption><thead><tr><th scope="col">Check</th>'
                   '<th scope="col">Rule</th><th scope="col">Impact</th><th scope="col">WCAG</th>'
                   '<th scope="col">Elements</th><th scope="col">Pages</th><th scope="col">Help</th></tr></thead><tbody>')
        ordered = sorted(by_rule.items(), key=lambda item: (IMPACT_ORDER.get(item[1][0][1].impact, 4), item[0]))
        for (check, rule), items in ordered:
            first = items[0][1]
            help_link = (f'<a href="{escape(first.help_url)}">About {escape(rule)}</a>' if first.help_url else "")
            out.append(f"<tr><td>{escape(check)}</td><th scope=\"row\">{escape(rule)}</th><td>{escape(first.impact or '')}</td>"
                       f"<td>{escape(', '.join(first.wcag))}</td><td>{len(items)}</td>"
                       f"<td>{len({page.path for page, _ in items})}</td><td>{help_link}</td></tr>")
        out.append("</tbody></table></div>")
    else:
        out.append("<p>No violations found.</p>")
    out.append("</section>")

    out.append('<section aria-labelledby="states-title"><h2 id="states-title">Findings by state</h2>')
    out.append(f"<p>Each page was audited in these states: {escape(', '.join(run.options.get('states', [])))}. "
               "A finding seen in every state its check ran in is listed once, under every state.</p>")
    for state, items in by_state(run).items():
        if not items:
            continue
        out.append(f"<h3>{escape(state)}</h3><ul>")
        out += [f"<li>{escape(page.path)}: {escape(finding.check)}/{escape(finding.rule)} on <code>{escape(finding.html[:120])}</code>"
                f"{escape(source_note(finding))}</li>" for page, finding in items]
        out.append("</ul>")
    out.append("</section>")
    out.append('<section aria-labelledby="pages-title"><h2 id="pages-title">Findings by page</h2>')
    for index, page in enumerate(run.pages):
        out.append(f'<section aria-labelledby="page-{index}" class="page"><h3 id="page-{index}">{escape(page.path)}</h3>')
        out.append(f'<p><a href="{escape(page.url)}">{escape(page.url)}</a>. Status: {_status_cell(page.status)}. '
                   f'Language: {escape(page.declared_lang or "undeclared")}'
                   + (f" (expected {escape(page.expected_lang)})" if page.expected_lang else "") + ".</p>")
        if page.error:
            out.append(f'<p class="error">Not audited: {escape(page.error)}</p>')
        for result in page.checks.values():
            items = [(f, "violation") for f in result.violations] + [(f, "needs review") for f in result.incomplete]
            if not items:
                continue
            out.append(f"<h4>{escape(result.check)}: {_status_cell(result.status)}</h4>")
            for finding, label in items:
                known = " (known, accepted by the baseline)" if finding.known else ""
                out.append('<div class="finding">')
                out.append(f"<p class=\"message\"><strong>{escape(finding.rule)}</strong> ({escape(label)}{escape(known)}), impact "
                           f"{escape(finding.impact or 'n/a')}, WCAG {escape(', '.join(finding.wcag) or 'best practice')}: "
                           f"{escape(finding.message)}</p>")
                where = "every state" if result.in_every_state(finding) else ", ".join(finding.states)
                out.append(f"<p>States: {escape(where)}.{escape(source_note(finding))}</p>")
                out.append(f"<pre><code>{escape(finding.html)}</code></pre>")
                if finding.screenshot:
                    out.append(f'<img src="{escape(finding.screenshot)}" alt="Screenshot of the element that fails {escape(finding.rule)}">')
                if finding.help_url:
                    out.append(f'<p><a href="{escape(finding.help_url)}">How to fix {escape(finding.rule)}</a></p>')
                out.append("</div>")
        out.append("</section>")
    out.append("</section>")

    if run.baseline:
        fixed = run.baseline.get("fixed", [])
        out.append('<section aria-labelledby="fixed-title"><h2 id="fixed-title">Fixed since the baseline</h2>')
        if fixed:
            out.append("<ul>")
            out += [f"<li>{escape(entry['page'])}: {escape(entry['check'])}/{escape(entry['rule'])} on "
                    f"<code>{escape(entry['signature'])}</code></li>" for entry in fixed]
            out.append("</ul>")
        else:
            out.append("<p>Nothing in the baseline was fixed.</p>")
        out.append("</section>")
    out.append('<section aria-labelledby="checks-title"><h2 id="checks-title">What was checked</h2><ul>')
    out.append(f"<li>axe: axe-core rules tagged {escape(', '.join(run.options.get('axe_tags', [])))}</li>")
    out += [f"<li>{escape(name)}: WCAG {escape(', '.join(criteria))}</li>" for name, criteria in OWN_CHECKS.items() if name in checks]
    out.append("</ul></section>")
    out += ["</main>", f"<footer><p>contentapi-audit {escape(run.tool_version)}.</p></footer>", "</body>", "</html>"]
    return "\n".join(out) + "\n"


def write_html(run: RunResult, path: str) -> None:
    """Write the HTML report."""
    atomic_write_text(path, html_report(run))
