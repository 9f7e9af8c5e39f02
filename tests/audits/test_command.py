"""The command line end to end: exit codes, JSON against its schema, JUnit, an HTML report that passes
axe itself, and baselines keyed on stable signatures (generated class names change between runs)."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import resources
from xml.etree import ElementTree

import jsonschema
import pytest

from contentapi.config import REPOSITORY_DIR

pytestmark = [pytest.mark.browser]


def audit(*arguments: str, timeout: float = 240) -> subprocess.CompletedProcess:
    """Run ``python -m audits`` as a user would."""
    return subprocess.run([sys.executable, "-m", "audits", "--quiet", *arguments], check=False, cwd=REPOSITORY_DIR,
                          capture_output=True, text=True, timeout=timeout)


def schema() -> dict:
    """The JSON Schema shipped with the audit package."""
    return json.loads(resources.files("audits").joinpath("schema.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def broken_run(fixture_site, tmp_path_factory):
    """One CLI run over a clean and two broken pages, with every report."""
    folder = tmp_path_factory.mktemp("reports")
    completed = audit("--url", fixture_site.page("clean.html"), "--url", fixture_site.page("missing-alt.html"),
                      "--url", fixture_site.page("outline-none.html"), "--json", str(folder / "r.json"),
                      "--html", str(folder / "r.html"), "--junit", str(folder / "r.xml"))
    return completed, folder


def test_findings_exit_1_and_summary_table(broken_run):
    """Findings exit 1; the summary names them and says manual testing remains."""
    completed, _ = broken_run
    assert completed.returncode == 1, completed.stderr
    assert "/missing-alt.html" in completed.stdout and "image-alt" in completed.stdout
    assert "Automated checks find only part of WCAG issues" in completed.stdout


def test_json_follows_its_schema(broken_run):
    """The JSON report validates against audits/schema.json and carries axe's details."""
    _, folder = broken_run
    document = json.loads((folder / "r.json").read_text(encoding="utf-8"))
    jsonschema.validate(document, schema())
    by_path = {page["path"]: page for page in document["pages"]}
    assert by_path["/clean.html"]["status"] == "passed"
    axe = by_path["/missing-alt.html"]["checks"]["axe"]
    assert [finding["rule"] for finding in axe["violations"]] == ["image-alt"]
    assert axe["violations"][0]["wcag"] == ["1.1.1"] and axe["passes"] > 0
    assert document["options"]["axe_tags"] == ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def test_junit_has_one_case_per_page_and_check(broken_run):
    """JUnit: one case per page and check; failures exactly where the findings are."""
    _, folder = broken_run
    root = ElementTree.parse(folder / "r.xml").getroot()
    cases = root.findall(".//testcase")
    assert len(cases) == 3 * 11
    failed = {(case.get("classname"), case.get("name")) for case in cases if case.find("failure") is not None}
    assert failed == {("/missing-alt.html", "axe"), ("/outline-none.html", "focus-visible")}


def test_html_report_has_crops_and_passes_its_own_audit(broken_run, tmp_path):
    """The HTML report embeds crops and help links, and passes the audit itself."""
    _, folder = broken_run
    report = (folder / "r.html").read_text(encoding="utf-8")
    assert 'src="data:image/png;base64,' in report and "image-alt" in report
    assert "https://dequeuniversity.com/rules/axe/" in report
    assert "manual testing" in report
    # The report is audited like any page: axe and every other check.
    completed = audit("--url", (folder / "r.html").as_uri(), "--json", str(tmp_path / "self.json"))
    assert completed.returncode == 0, completed.stdout
    assert json.loads((tmp_path / "self.json").read_text())["totals"]["violations"] == 0


def test_baseline_accepts_known_findings_fails_new_ones_and_lists_fixed(fixture_site, tmp_path):
    """Known findings pass across rebuilds; new ones fail; gone ones are listed as fixed."""
    baseline = tmp_path / "baseline.json"
    missing_alt = fixture_site.page("missing-alt.html")
    written = audit("--url", missing_alt, "--check", "axe", "--baseline", str(baseline), "--update-baseline")
    assert written.returncode == 0, written.stderr
    entries = json.loads(baseline.read_text())["findings"]
    assert [(entry["rule"], entry["signature"]) for entry in entries] == [("image-alt", "img[src=pixel.png]|text:")]

    # The page is served again with new generated class names: the finding is still the known one.
    again = audit("--url", missing_alt, "--check", "axe", "--baseline", str(baseline), "--json", str(tmp_path / "a.json"))
    assert again.returncode == 0, again.stdout
    finding = json.loads((tmp_path / "a.json").read_text())["pages"][0]["checks"]["axe"]["violations"][0]
    assert finding["known"] is True

    # A new problem on another page fails; the baseline's entry for a page now clean is reported fixed.
    entries.append({"page": "/clean.html", "check": "axe", "rule": "image-alt", "signature": "img[src=old.png]|text:", "count": 1})
    baseline.write_text(json.dumps({"version": 1, "findings": entries}))
    mixed = audit("--url", missing_alt, "--url", fixture_site.page("low-contrast.html"), "--url",
                  fixture_site.page("clean.html"), "--check", "axe", "--baseline", str(baseline), "--json",
                  str(tmp_path / "b.json"))
    assert mixed.returncode == 1
    document = json.loads((tmp_path / "b.json").read_text())
    assert document["totals"]["new_violations"] == 1 and document["totals"]["known_violations"] == 1
    assert [entry["signature"] for entry in document["baseline"]["fixed"]] == ["img[src=old.png]|text:"]


def test_no_target_starts_the_service_and_audits_every_page_in_every_locale(tmp_path):
    """With no target, the shipped service is started and all its pages audited."""
    completed = audit("--check", "title", "--check", "direction", "--json", str(tmp_path / "all.json"))
    assert completed.returncode == 0, completed.stdout + completed.stderr
    pages = json.loads((tmp_path / "all.json").read_text())["pages"]
    kinds = {(page["kind"], page["expected_lang"]) for page in pages}
    for locale in ("en", "es", "zh-Hans", "vi", "ko", "ar", "ru"):
        assert ("index", locale) in kinds and ("procedure", locale) in kinds
    assert all(page["declared_lang"] == page["expected_lang"] for page in pages)


def test_base_url_and_sitemap_audit_a_running_service(live_server, tmp_path):
    """--base-url and --sitemap find the same pages of a running service."""
    by_api = audit("--base-url", live_server.url, "--no-embeds", "--check", "lang", "--json", str(tmp_path / "a.json"))
    by_sitemap = audit("--sitemap", live_server.url + "/sitemap.xml", "--check", "lang", "--json", str(tmp_path / "s.json"))
    assert by_api.returncode == 0 and by_sitemap.returncode == 0, by_api.stdout + by_sitemap.stdout
    api_paths = {page["path"] for page in json.loads((tmp_path / "a.json").read_text())["pages"]}
    sitemap_pages = json.loads((tmp_path / "s.json").read_text())["pages"]
    # Search result pages are audited from the API's discovery only: a sitemap lists no query results.
    searches = {path for path in api_paths if "/search?q=" in path}
    assert len(searches) == len({page["path"].split("/")[1] for page in sitemap_pages})
    assert api_paths - searches == {page["path"] for page in sitemap_pages}
    assert all(page["expected_lang"] for page in sitemap_pages)


@pytest.mark.parametrize("arguments, message", [
    (["--driver", "/nonexistent/chromedriver", "--url", "http://127.0.0.1:9/"], "no such executable"),
    (["--remote", "http://127.0.0.1:9", "--url", "http://127.0.0.1:9/"], "could not start a browser"),
    (["--url", "http://127.0.0.1:9/"], "no page could be audited"),
    (["--workers", "0"], "--workers must be at least 1"),
    (["--level", "wcag3"], "invalid choice"),
    (["--update-baseline"], "--update-baseline needs --baseline"),
    (["--base-url", "http://127.0.0.1:9"], "cannot reach"),
    (["--url", "ftp://example.test/"], "is not an http(s) or file URL"),
    (["--states", "sepia"], "unknown state 'sepia'"),
    (["--states", "light+dark"], "asks for both light and dark"),
])
def test_could_not_run_exits_2_with_one_line(arguments, message):
    """Bad options, no browser, or nothing auditable: exit 2 with one line on stderr."""
    completed = audit(*arguments)
    assert completed.returncode == 2
    assert completed.stderr.count("\n") == 1 and message in completed.stderr


def test_progress_goes_to_stderr_and_the_table_to_stdout(fixture_site):
    """The progress bar is on stderr; stdout has only the summary."""
    completed = subprocess.run([sys.executable, "-m", "audits", "--check", "title", "--url", fixture_site.page("clean.html"),
                                "--url", fixture_site.page("wide.html")], check=False, cwd=REPOSITORY_DIR, capture_output=True,
                               text=True, timeout=120)
    assert completed.returncode == 0
    assert "[############------------] 1/2" in completed.stderr and "2/2" in completed.stderr
    assert "page" in completed.stdout.splitlines()[0] and "title" in completed.stdout.splitlines()[0]
    assert "[#" not in completed.stdout
