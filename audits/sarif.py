"""SARIF 2.1.0 for code-scanning tools: one result per finding, located where its text is written.

A finding traced to its source (``finding.source``: our own pages) is located in that file and line,
so a code-scanning tool annotates the procedure file, or the ``.po`` entry (with its ``msgctxt`` as a
logical location), that a translator or author should change. Other findings are located at the
page's URL. Violations are ``error``, warnings ``warning``, "needs review" ``note``; a finding the
baseline accepts is ``baselineState: unchanged``.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from audits.baseline import atomic_write_text
from audits.model import INCOMPLETE, WARN, RunResult

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SOURCE_ROOT = "SRCROOT"


def rule_id(finding) -> str:
    """``axe/color-contrast``, ``contrast/contrast-text``: the check and the rule."""
    return f"{finding.check}/{finding.rule}"


def level(finding) -> str:
    """SARIF level of a finding."""
    if finding.kind == INCOMPLETE:
        return "note"
    return "warning" if finding.kind == WARN else "error"


def location(page, finding) -> dict:
    """Where a code-scanning tool should show the finding: its source line, else the page."""
    if finding.source:
        source = finding.source
        artifact = {"uri": source["uri"]}
        if "://" not in source["uri"]:
            artifact["uriBaseId"] = SOURCE_ROOT
        found = {"physicalLocation": {"artifactLocation": artifact, "region": {"startLine": source["line"]}}}
        if source.get("msgctxt"):
            found["logicalLocations"] = [{"name": source["msgctxt"], "kind": "msgctxt"}]
        return found
    return {"physicalLocation": {"artifactLocation": {"uri": page.url}}}


def fingerprint(page, finding) -> str:
    """Stable across runs and rebuilds: page path, check, rule and element signature (as baselines key them)."""
    key = "\0".join((page.path, finding.check, finding.rule, finding.signature))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def sarif_document(run: RunResult, source_root: Path | None = None) -> dict:
    """The run as a SARIF 2.1.0 log (one run, the audit as its tool)."""
    rules: dict[str, dict] = {}
    results = []
    for page in run.pages:
        for check in page.checks.values():
            for finding in check.violations + check.incomplete:
                identifier = rule_id(finding)
                if identifier not in rules:
                    rules[identifier] = {
                        "id": identifier,
                        "shortDescription": {"text": finding.message.split(". ")[0][:200] or finding.rule},
                        "properties": {"tags": ["accessibility", *(f"WCAG {sc}" for sc in finding.wcag)]},
                    }
                    if finding.help_url:
                        rules[identifier]["helpUri"] = finding.help_url
                states = "every state" if check.in_every_state(finding) else ", ".join(finding.states)
                result = {
                    "ruleId": identifier,
                    "ruleIndex": list(rules).index(identifier),
                    "level": level(finding),
                    "message": {"text": f"{finding.message} On {page.path} ({states}): {finding.html[:200]}"},
                    "locations": [location(page, finding)],
                    "partialFingerprints": {"contentapiAudit/v1": fingerprint(page, finding)},
                    "properties": {"page": page.url, "states": list(finding.states), "wcag": list(finding.wcag),
                                   "target": finding.target, "impact": finding.impact},
                }
                if finding.known:
                    result["baselineState"] = "unchanged"
                results.append(result)
    root = (source_root or Path.cwd()).resolve().as_uri().rstrip("/") + "/"
    notifications = [{"level": "error", "message": {"text": f"{page.url}: {page.error}"}} for page in run.pages if page.error]
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "contentapi-audit", "version": run.tool_version, "rules": list(rules.values())}},
            "originalUriBaseIds": {SOURCE_ROOT: {"uri": root}},
            "invocations": [{"executionSuccessful": not notifications, "toolExecutionNotifications": notifications,
                             "startTimeUtc": run.started.replace("+00:00", "Z"),
                             "endTimeUtc": run.finished.replace("+00:00", "Z")}],
            "results": results,
            "properties": {"axe_version": run.axe_version, "states": run.options.get("states", [])},
        }],
    }


def write_sarif(run: RunResult, path: str) -> None:
    """Write the SARIF log (source paths are relative to the repository the audit ships in)."""
    from audits.sources import REPOSITORY_DIR

    atomic_write_text(path, json.dumps(sarif_document(run, REPOSITORY_DIR), indent=2, ensure_ascii=False) + "\n")
