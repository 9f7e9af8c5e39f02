"""Source tracing and SARIF: a finding on our own pages names the catalog line and msgctxt (or the
procedure or template line) its text came from, and --sarif writes SARIF 2.1.0 that validates against
the official OASIS schema (tests/audits/data, see SOURCES.md)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest

from audits import audit_pages, localservice
from audits.discovery import discover_service
from audits.engine import Auditor
from audits.options import AuditOptions
from audits.sarif import sarif_document
from audits.sources import REPOSITORY_DIR, source_of, text_sources, trace
from audits.states import parse_states
from tests.audits.test_command import audit

pytestmark = [pytest.mark.browser]

SARIF_SCHEMA = Path(__file__).with_name("data") / "sarif-schema-2.1.0.json"
CONTEXT = "kyphoplasty-and-vertebroplasty/overview/1"
ENGLISH = "Please call the hospital switchboard and ask for the radiology nurse if anything worries you after you go home."


def validate(document: dict) -> None:
    """Validate a SARIF log against the vendored official schema (JSON Schema draft-04)."""
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    jsonschema.Draft4Validator(schema).validate(document)


def test_the_shipped_text_maps_to_its_files_and_lines():
    """English to the procedure file and templates, translations to their catalog entry."""
    english = text_sources("en")
    title = source_of("Kyphoplasty and vertebroplasty", english)
    assert title.uri == "contentapi/content/procedures/kyphoplasty-and-vertebroplasty.md" and title.msgctxt.endswith("/title")
    assert source_of("Reading options", english).uri == "contentapi/templates/base.html"
    korean = source_of("읽기 설정", text_sources("ko"))
    po = (REPOSITORY_DIR / korean.uri).read_text(encoding="utf-8").split("\n")
    assert korean.uri == "translations/ko/LC_MESSAGES/messages.po" and po[korean.line - 1] == 'msgid "Reading options"'


@pytest.fixture(scope="module")
def english_in_spanish(tmp_path_factory):
    """The shipped service with one Spanish paragraph replaced by English (a translator's paste), audited."""
    folder = tmp_path_factory.mktemp("catalogs") / "translations"
    shutil.copytree(REPOSITORY_DIR / "translations", folder, ignore=shutil.ignore_patterns("*.mo", ".revisions"))
    po = folder / "es" / "LC_MESSAGES" / "kyphoplasty-and-vertebroplasty.po"
    lines = po.read_text(encoding="utf-8").split("\n")
    start = lines.index(f'msgctxt "{CONTEXT}"')
    end = next(number for number in range(start, len(lines)) if lines[number].startswith("msgstr"))
    following = next(number for number in range(end + 1, len(lines)) if not lines[number].startswith('"'))
    lines[end:following] = [f'msgstr "{ENGLISH}"']
    po.write_text("\n".join(lines), encoding="utf-8")
    for catalog in folder.glob("*/LC_MESSAGES/*.po"):
        # GNU msgfmt agrees the catalogs compile; the service imports them as its first revisions.
        subprocess.run(["msgfmt", "-o", str(catalog.with_suffix(".mo")), str(catalog)], check=True, timeout=60)
    service = localservice.start({"TRANSLATIONS_DIR": str(folder)})
    options = AuditOptions(workers=1, checks=("lang",), states=parse_states("light"))
    auditor = Auditor(options)
    try:
        page = next(page for page in discover_service(service.url, embeds=False)
                    if page.path == "/es/procedures/kyphoplasty-and-vertebroplasty")
        run = audit_pages([page], options, auditor=auditor)
    finally:
        auditor.close()
        service.stop()
    return run, folder, start + 1


def test_a_finding_names_the_catalog_line_and_msgctxt_and_sarif_validates(english_in_spanish):
    """The English paragraph on the Spanish page is a lang finding traced to its .po entry; the SARIF log
    validates against the official schema and locates the result at that line, with the msgctxt."""
    run, folder, line = english_in_spanish
    findings = run.pages[0].checks["lang"].violations
    assert [finding.rule for finding in findings] == ["lang-of-parts"]
    assert trace(run.pages, translations_dir=str(folder)) == 1
    source = findings[0].source
    assert source["uri"].endswith("es/LC_MESSAGES/kyphoplasty-and-vertebroplasty.po")
    assert source["line"] == line and source["msgctxt"] == CONTEXT
    document = sarif_document(run, REPOSITORY_DIR)
    validate(document)
    result, = document["runs"][0]["results"]
    location, = result["locations"]
    assert location["physicalLocation"]["region"]["startLine"] == line
    assert location["logicalLocations"] == [{"name": CONTEXT, "kind": "msgctxt"}]
    assert result["ruleId"] == "lang/lang-of-parts" and result["level"] == "error"


def test_sarif_from_the_command_line_validates_and_locates_other_pages_by_url(fixture_site, tmp_path):
    """--sarif FILE on pages that are not ours: results located at the page URL, states and WCAG kept."""
    report = tmp_path / "audit.sarif"
    completed = audit("--url", fixture_site.page("print-pale.html"), "--url", fixture_site.page("missing-alt.html"),
                      "--check", "axe", "--check", "contrast", "--sarif", str(report))
    assert completed.returncode == 1, completed.stderr
    document = json.loads(report.read_text(encoding="utf-8"))
    validate(document)
    results = document["runs"][0]["results"]
    assert {result["ruleId"] for result in results} == {"axe/image-alt", "contrast/contrast-text"}
    pale = next(result for result in results if result["ruleId"] == "contrast/contrast-text")
    assert pale["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == fixture_site.page("print-pale.html")
    assert pale["properties"]["states"] == ["dark+print"] and "1.4.3" in pale["properties"]["wcag"]
    assert "(dark+print)" in pale["message"]["text"]
