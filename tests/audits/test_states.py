"""States: parsing --states, what each state renders in a real Chromium, findings grouped by state,
our contrast check against axe's own measurements, the printed handout's length, and the page deadline."""

from __future__ import annotations

import base64
import dataclasses
import json
import re
import time

import pytest

from audits import audit_pages, axe
from audits.browser import BrowserFactory
from audits.checks import call
from audits.discovery import Page, discover_service
from audits.engine import Auditor
from audits.model import ERROR, FAILED
from audits.states import DEFAULT_STATES, StateError, parse_states
from audits.states import apply as apply_state


def test_states_parse_into_canonical_combinations():
    """Features combine with '+', in any order; 'default' and 'all' expand; repeats are dropped."""
    assert [state.name for state in parse_states("default")] == list(DEFAULT_STATES)
    assert [state.name for state in parse_states("print+dark, dark+print,narrow")] == ["dark+print", "narrow"]
    assert len(parse_states("all")) > len(DEFAULT_STATES)
    state, = parse_states("reader+narrow+dark")
    assert state.name == "dark+narrow+reader" and state.narrow and state.reader and state.scheme == "dark"
    assert state.emulated_media()["features"][0] == {"name": "prefers-color-scheme", "value": "dark"}
    for bad in ("sepia", "light+dark", " , "):
        with pytest.raises(StateError):
            parse_states(bad)


@pytest.fixture(scope="module")
def state_run(fixture_site, fixture_auditor, fixture_options):
    """Fixture pages whose faults show in some states only, audited in the default states."""
    names = ["low-contrast.html", "print-pale.html", "tall-header.html", "dark-controls.html"]
    run = audit_pages([Page(fixture_site.page(name)) for name in names], fixture_options, auditor=fixture_auditor)
    return {page.path.lstrip("/"): page for page in run.pages}


@pytest.mark.browser
def test_each_state_is_rendered_as_a_browser_in_it(state_run):
    """Print pallor shows only in print, a tall header only at 320 px, and forced colours repaint low-contrast
    text as the browser does (so neither axe nor our check reports it there)."""
    pale = state_run["print-pale.html"].checks["contrast"].violations
    assert [finding.states for finding in pale] == [["dark+print"]]
    header = state_run["tall-header.html"].checks["reflow"].violations
    assert [(finding.rule, finding.states) for finding in header] == [("reflow-content-below-first-screen", ["dark+narrow+reader"])]
    low = state_run["low-contrast.html"]
    states = low.checks["contrast"].violations[0].states
    assert "forced-colors" not in states and {"light", "dark", "dark+print"} <= set(states), states
    # axe's color-contrast runs in the first state; after it our contrast check measures for both.
    assert low.checks["axe"].violations[0].states == ["light"]
    assert all(state["status"] == "audited" for state in low.states)
    assert [state["state"] for state in low.states] == list(DEFAULT_STATES)


@pytest.mark.browser
def test_a_finding_in_every_state_is_reported_once(state_run):
    """The dark-style radio buttons look alike in every state but forced colours; a finding is one entry
    whatever the number of states it shows in, and says which."""
    page = state_run["dark-controls.html"]
    contrast = page.checks["contrast"]
    assert len(contrast.violations) == 1
    assert contrast.states == list(DEFAULT_STATES)
    finding = contrast.violations[0]
    assert "forced-colors" not in finding.states and not contrast.in_every_state(finding)
    assert set(finding.states) == set(DEFAULT_STATES) - {"forced-colors"}


@pytest.mark.browser
def test_the_page_deadline_covers_every_state_and_check(fixture_site, fixture_options):
    """A slow focusin handler (0.5 s per Tab stop, 40 stops): the page ends at its 4 s deadline, as an error,
    with the checks that had finished kept; the next page is audited in a new browser."""
    auditor = Auditor(fixture_options)
    try:
        began = time.monotonic()
        run = audit_pages([Page(fixture_site.page("slow-focus.html")), Page(fixture_site.page("clean.html"))],
                          fixture_options, auditor=auditor)
        elapsed = time.monotonic() - began
    finally:
        auditor.close()
    slow, clean = run.pages
    assert slow.status == ERROR and "did not finish within 4 s (all states and checks)" in slow.error
    assert "finished: axe" in slow.error and "axe" in slow.checks and "focus-visible" not in slow.checks
    assert slow.states[0]["status"] == "unfinished"
    assert elapsed < 4 + 10  # the slow page's 4 s, its browser replaced, the clean page in all states
    assert clean.status == "passed"


@pytest.mark.browser
def test_our_contrast_agrees_with_axe_where_axe_measures(fixture_site, live_server):
    """On every shipped page (light and dark) and the contrast fixtures, every text element for which axe
    reports a contrast ratio gets the same verdict from our check and a ratio within 0.05; on the Arabic
    page axe measures far fewer elements than our check, which measures Arabic as it does any script."""
    urls = [page.url for page in discover_service(live_server.url)]
    urls += [fixture_site.page(name) for name in ("low-contrast.html", "print-pale.html", "needs-review.html", "clean.html")]
    browser = BrowserFactory(None, None, 20.0, (1280, 900)).start()
    source = axe.load_axe_source()
    compared, by_path = 0, {}
    try:
        for state in parse_states("light,dark"):
            for url in urls:
                apply_state(browser, state)
                browser.navigate(url)
                axe.inject(browser, source)
                options = {"runOnly": {"type": "rule", "values": ["color-contrast"]}, "resultTypes": ["passes", "violations"]}
                raw = browser.evaluate(AXE_CONTRAST % json.dumps(options), await_promise=True)
                measured = [node for node in raw if node["ratio"] is not None]
                ours = call(browser, {"op": "measureContrast", "selectors": [node["target"] for node in measured]})
                call(browser, {"op": "collect", "checks": ["contrast"], "include": [], "exclude": []})
                counted = call(browser, {"op": "state", "checks": ["contrast"], "narrow": False})["contrast"]["measured"]
                by_path[(state.name, re.sub(r"^https?://[^/]+", "", url))] = (len(raw), counted)
                for node, mine in zip(measured, ours, strict=True):
                    assert mine is not None, (url, node)
                    assert abs(mine["ratio"] - node["ratio"]) <= 0.05, (state.name, url, node, mine)
                    assert (mine["ratio"] >= mine["threshold"]) == node["passed"], (state.name, url, node, mine)
                    compared += 1
    finally:
        browser.quit()
    assert compared > 1000
    slug = "/procedures/kyphoplasty-and-vertebroplasty"
    axe_arabic, ours_arabic = by_path[("light", f"/ar{slug}")]
    axe_english, ours_english = by_path[("light", f"/en{slug}")]
    assert ours_arabic >= ours_english - 1 and axe_arabic < axe_english - 20, by_path


# axe's color-contrast rule alone; each node's target and the ratio axe computed (null where it could not).
AXE_CONTRAST = """
axe.configure({allowedOrigins: ['<unsafe_all_origins>']});
axe.run(document, %s).then(function (results) {
  var out = [];
  [['passes', true], ['violations', false]].forEach(function (pair) {
    results[pair[0]].forEach(function (rule) {
      rule.nodes.forEach(function (node) {
        var data = (node.any[0] || {}).data || {};
        out.push({target: node.target[0], passed: pair[1], ratio: typeof data.contrastRatio === 'number' ? data.contrastRatio : null});
      });
    });
  });
  return out;
})
"""


@pytest.mark.browser
@pytest.mark.parametrize("paper", [{"paperWidth": 8.27, "paperHeight": 11.69}, {"paperWidth": 8.5, "paperHeight": 11}],
                         ids=["A4", "Letter"])
def test_the_printed_handout_is_at_most_two_pages_in_every_locale(live_server, paper):
    """Chromium's own print to PDF of the seed procedure, in every locale, light and dark: two pages at most."""
    browser = BrowserFactory(None, None, 20.0, (1280, 900)).start()
    pages = {}
    try:
        for state in parse_states("light,dark"):
            for page in discover_service(live_server.url, embeds=False):
                if page.kind != "procedure":
                    continue
                apply_state(browser, state)
                browser.navigate(page.url)
                pdf = browser.command("Page.printToPDF", {**paper, "printBackground": False})["data"]
                pages[(state.name, page.path)] = len(re.findall(rb"/Type\s*/Page[^s]", base64.b64decode(pdf)))
    finally:
        browser.quit()
    assert len(pages) == 14 and all(1 <= count <= 2 for count in pages.values()), pages


@pytest.mark.browser
def test_states_that_change_nothing_the_page_uses_cost_little(fixture_site, fixture_options):
    """A page in every state of 'all' is still audited (reader states without reader settings included)."""
    options = dataclasses.replace(fixture_options, states=parse_states("all"), checks=("axe", "contrast", "reflow"))
    auditor = Auditor(options)
    try:
        page, = audit_pages([Page(fixture_site.page("clean.html"))], options, auditor=auditor).pages
    finally:
        auditor.close()
    assert page.status == "passed" and len(page.states) == len(parse_states("all"))
    assert all(state["status"] == "audited" for state in page.states)
    assert FAILED not in {check.status for check in page.checks.values()}
