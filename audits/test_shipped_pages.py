"""Every shipped page in every locale passes every check with zero violations (WCAG 2.2 AA + best practice)."""

from __future__ import annotations

import pytest

from audits.model import ERROR, FAILED

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_page_passes_check(audit_target, page_audits, shipped_pages):
    """The page was audited, and this check found nothing that fails (readability may only warn)."""
    page, check = audit_target
    result = page_audits.result(page, shipped_pages)
    assert not result.error, f"{page.url} could not be audited: {result.error}"
    check_result = result.checks[check]
    problems = [f"{f.rule}: {f.message} at {f.html[:200]}" for f in check_result.violations if f.kind == "violation"]
    assert check_result.status != ERROR, f"{check} could not run on {page.url}: {check_result.error}"
    assert check_result.status != FAILED and not problems, f"{check} on {page.url}:\n" + "\n".join(problems)
