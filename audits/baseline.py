"""Baselines: findings a team has accepted for now, keyed by page path, check, rule and a stable
element signature. Known findings do not fail a run; new ones do; entries no longer found are
reported as fixed. A fix and a new bug never cancel out, because each entry names its element.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from pathlib import Path

from audits.model import PageResult

BASELINE_VERSION = 1


class BaselineError(ValueError):
    """The baseline file cannot be used (one line for the command line)."""


def key(page: PageResult, finding) -> tuple[str, str, str, str]:
    """What identifies a finding across runs."""
    return (page.path, finding.check, finding.rule, finding.signature)


def load(path: str | Path) -> Counter:
    """The accepted findings in a baseline file, counted (the same element can fail twice)."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BaselineError(f"baseline {path} does not exist; create it with --update-baseline") from None
    except ValueError as error:
        raise BaselineError(f"baseline {path} is not JSON: {error}") from None
    if not isinstance(document, dict) or document.get("version") != BASELINE_VERSION or not isinstance(document.get("findings"), list):
        raise BaselineError(f"baseline {path} is not a contentapi-audit baseline (version {BASELINE_VERSION})")
    accepted: Counter = Counter()
    for entry in document["findings"]:
        try:
            accepted[(entry["page"], entry["check"], entry["rule"], entry["signature"])] += int(entry.get("count", 1))
        except (KeyError, TypeError, ValueError):
            raise BaselineError(f"baseline {path} has an entry without page, check, rule and signature: {entry!r}") from None
    return accepted


def apply(pages: list[PageResult], accepted: Counter) -> list[dict]:
    """Mark findings the baseline accepts as known; the baseline entries no longer found (fixed)."""
    remaining = Counter(accepted)
    audited = {page.path for page in pages if not page.error}
    for page in pages:
        for check in page.checks.values():
            for finding in check.violations:
                identity = key(page, finding)
                if remaining[identity] > 0:
                    finding.known = True
                    remaining[identity] -= 1
    fixed = []
    for (path, check, rule, signature), count in sorted(remaining.items()):
        if count > 0 and path in audited:
            fixed.append({"page": path, "check": check, "rule": rule, "signature": signature, "count": count})
    return fixed


def document(pages: list[PageResult]) -> dict:
    """A baseline accepting every violation found now."""
    counts: Counter = Counter()
    for page in pages:
        for check in page.checks.values():
            for finding in check.violations:
                counts[key(page, finding)] += 1
    return {
        "version": BASELINE_VERSION,
        "findings": [
            {"page": path, "check": check, "rule": rule, "signature": signature, "count": count}
            for (path, check, rule, signature), count in sorted(counts.items())
        ],
    }


def atomic_write_text(path: str | Path, text: str) -> None:
    """Write a file so that readers see the old or the new content, never half of it."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def save(path: str | Path, pages: list[PageResult]) -> int:
    """Write a baseline of the current violations; how many entries it holds."""
    content = document(pages)
    atomic_write_text(path, json.dumps(content, indent=2, ensure_ascii=False) + "\n")
    return len(content["findings"])
