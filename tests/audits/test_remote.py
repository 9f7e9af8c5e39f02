"""--remote: the same audit through a W3C WebDriver endpoint (a chromedriver started as a server)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import urllib.request

import pytest

from audits import audit_pages
from audits.discovery import Page
from audits.engine import Auditor
from audits.model import FAILED
from audits.options import AuditOptions

pytestmark = [pytest.mark.browser]


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def chromedriver_server():
    """``chromedriver --port=N`` as its own process, stopped at the end. chromedriver cannot take
    a socket from us, so the port is chosen first; if another process takes it meanwhile,
    chromedriver exits and a new port is tried."""
    for _ in range(5):
        port = free_port()
        process = subprocess.Popen([shutil.which("chromedriver"), f"--port={port}"], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with urllib.request.urlopen(url + "/status", timeout=1):
                    break
            except OSError:
                time.sleep(0.1)
        if process.poll() is None:
            break
    else:
        pytest.fail("chromedriver did not start on any of five free ports")
    yield url
    process.terminate()
    process.wait(10)


def test_remote_endpoint_runs_axe_and_own_checks(fixture_site, chromedriver_server):
    """Frames, axe and pixel-based focus checks work without DevTools (plain W3C commands)."""
    options = AuditOptions(remote_url=chromedriver_server, timeout=20)
    auditor = Auditor(options)
    try:
        run = audit_pages([Page(fixture_site.page("cross-origin-iframe.html")), Page(fixture_site.page("outline-none.html"))],
                          options, auditor=auditor)
        assert auditor.started == 1
    finally:
        auditor.close()
    frames, outline = run.pages
    assert frames.checks["axe"].status == FAILED
    assert {finding.rule for finding in frames.checks["axe"].violations} == {"image-alt"}
    assert outline.checks["focus-visible"].status == FAILED
    assert {check for check, result in outline.checks.items() if result.status == FAILED} == {"focus-visible"}


def test_remote_sessions_audit_the_states_webdriver_allows_and_say_why_not_the_others(fixture_site, chromedriver_server):
    """Over plain W3C WebDriver the window is resized for 320 px; media states are skipped with the reason."""
    from audits.states import parse_states

    options = AuditOptions(remote_url=chromedriver_server, timeout=20, states=parse_states("light,dark,narrow"),
                           checks=("axe", "contrast", "reflow"))
    auditor = Auditor(options)
    try:
        page, = audit_pages([Page(fixture_site.page("tall-header.html"))], options, auditor=auditor).pages
    finally:
        auditor.close()
    states = {state["state"]: state for state in page.states}
    assert states["light"]["status"] == "audited" and states["narrow"]["status"] == "audited"
    assert states["dark"]["status"] == "skipped" and "cannot emulate media features" in states["dark"]["reason"]
    assert [(finding.rule, finding.states) for finding in page.checks["reflow"].violations] == [
        ("reflow-content-below-first-screen", ["narrow"])]
