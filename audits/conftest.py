"""pytest audits: the shipped service in a thread, its pages discovered from its API at collection
time, and browsers shared by the whole session (each page is audited once, in parallel browsers,
and each page-and-check pair is reported as its own test).
"""

from __future__ import annotations

import os

import pytest

from audits import localservice
from audits.discovery import discover_service
from audits.engine import Auditor, settle
from audits.options import ALL_CHECKS, AuditOptions

_service: localservice.LocalService | None = None


def shipped_service() -> localservice.LocalService:
    """The shipped content and catalogs served on a free loopback port (started once per session)."""
    global _service
    if _service is None:
        _service = localservice.start()
    return _service


def pytest_generate_tests(metafunc):
    """One test per discovered page and check."""
    if "audit_target" in metafunc.fixturenames:
        pages = discover_service(shipped_service().url)
        params = [(page, check) for page in pages for check in ALL_CHECKS]
        metafunc.parametrize("audit_target", params, ids=[f"{check}@{page.path}" for page, check in params])


def pytest_unconfigure(config):
    """Stop the service started for collection."""
    global _service
    if _service is not None:
        _service.stop()
        _service = None


class PageAudits:
    """Audits every page on first use (browsers in parallel) and hands out results per page."""

    def __init__(self, auditor: Auditor, options: AuditOptions):
        self.auditor = auditor
        self.options = options
        self.results: dict[str, object] = {}

    def result(self, page, all_pages):
        """The settled result of one page (the first call audits every page at once)."""
        if page.url not in self.results:
            pending = [other for other in all_pages if other.url not in self.results]
            for audited in self.auditor.audit(pending):
                self.results[audited.url] = audited
            settle([self.results[other.url] for other in pending], self.options)
        return self.results[page.url]


@pytest.fixture(scope="session")
def audit_options() -> AuditOptions:
    """The shipped matrix's options: WCAG 2.2 AA, best practice, every check."""
    return AuditOptions(workers=int(os.environ.get("CONTENTAPI_AUDIT_WORKERS", "2")))


@pytest.fixture(scope="session")
def page_audits(audit_options):
    """Browsers reused for the whole session."""
    auditor = Auditor(audit_options)
    yield PageAudits(auditor, audit_options)
    auditor.close()


@pytest.fixture(scope="session")
def shipped_pages():
    """Every page of the shipped service."""
    return discover_service(shipped_service().url)
