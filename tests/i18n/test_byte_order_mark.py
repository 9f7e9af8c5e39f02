"""A .po file that starts with a byte-order mark is refused the same way on every path that reads a
catalog: check, compile, preview, publish and start-up (where a catalog that fails its checks is not
imported, and English is served). GNU msgfmt refuses it too (a syntax error on line 1), which is why
it is refused rather than silently dropped."""

from __future__ import annotations

import json
import logging
import shutil
import subprocess

import pytest

from contentapi.config import REPOSITORY_DIR
from contentapi.i18n.checks import check_po_bytes
from contentapi.i18n.domains import catalog_path
from contentapi.i18n.po import BOM, BOM_HINT
from contentapi.i18n.tokens import TokenStore
from tests.helpers import SLUG

SHIPPED_ES = catalog_path(REPOSITORY_DIR / "translations", "es", SLUG)
PO = "text/x-gettext-translation; charset=utf-8"


def with_bom(translations) -> bytes:
    """Give the Spanish catalog of the seed procedure a byte-order mark, as Notepad saves it."""
    po_path = catalog_path(translations, "es", SLUG)
    data = BOM + po_path.read_bytes()
    po_path.write_bytes(data)
    return data


def test_msgfmt_refuses_a_byte_order_mark(tmp_path):
    path = tmp_path / "es.po"
    path.write_bytes(BOM + SHIPPED_ES.read_bytes())
    assert subprocess.run(["msgfmt", "-c", "-o", "/dev/null", str(SHIPPED_ES)]).returncode == 0
    refused = subprocess.run(["msgfmt", "-c", "-o", "/dev/null", str(path)], capture_output=True, text=True)
    assert refused.returncode != 0 and f"{path}:1" in refused.stderr


def test_check_refuses_it_with_one_finding_that_says_what_to_do():
    findings = check_po_bytes(BOM + SHIPPED_ES.read_bytes(), f"es/LC_MESSAGES/{SLUG}.po")
    assert [(f.line, f.check, f.severity, f.hint) for f in findings] == [(1, "byte-order-mark", "error", BOM_HINT)]
    assert "Notepad adds it; Poedit does not" in BOM_HINT


def test_compile_refuses_it_and_keeps_the_compiled_file(own_translations, runner):
    with_bom(own_translations)
    mo_path = catalog_path(own_translations, "es", SLUG).with_suffix(".mo")
    before = mo_path.read_bytes()
    result = runner.invoke(args=["i18n", "compile", "es", "-d", str(own_translations)])
    assert result.exit_code == 1
    assert "[byte-order-mark]" in result.output and BOM_HINT in result.output
    assert mo_path.read_bytes() == before


def test_check_command_refuses_it(own_translations, runner):
    with_bom(own_translations)
    result = runner.invoke(args=["i18n", "check", str(catalog_path(own_translations, "es", SLUG)), "--format", "json"])
    assert result.exit_code == 1
    assert [f["check"] for f in json.loads(result.output)["findings"]] == ["byte-order-mark"]


@pytest.fixture
def publishing(own_translations, tmp_path, make_app, serve):
    tokens = tmp_path / "tokens.json"
    token = TokenStore(tokens).add("maria", ("es",))
    app = make_app(TRANSLATIONS_DIR=str(own_translations), TOKENS=str(tokens),
                   TRANSLATION_REVISIONS_DIR=str(tmp_path / "revisions"))
    return serve(app), {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("url", ["/api/v1/translations/es", f"/api/v1/translations/es/procedures/{SLUG}"])
def test_preview_and_publish_refuse_it_with_the_finding_and_change_nothing(publishing, url):
    server, authorization = publishing
    current = server.request("GET", url, authorization)
    body = BOM + current.body
    preview_url = f"{url}/preview" + ("?procedure=" + SLUG if url.endswith("/es") else "")
    preview = server.request("POST", preview_url, {**authorization, "Content-Type": PO}, body)
    publish = server.request("PUT", url, {**authorization, "Content-Type": PO, "If-Match": current.headers["ETag"]}, body)
    for response in (preview, publish):
        assert response.status == 422
        assert [(f["check"], f["hint"]) for f in response.json()["findings"]] == [("byte-order-mark", BOM_HINT)]
    assert server.request("GET", url, authorization).body == current.body


def test_start_up_does_not_import_it_and_serves_english(tmp_path, make_app, caplog):
    """At start-up the repository's catalogs are imported into the store; one that fails its checks
    is not (logged with its first error), like any other: the service starts and serves English."""
    translations = tmp_path / "translations"
    shutil.copytree(REPOSITORY_DIR / "translations", translations, ignore=shutil.ignore_patterns("*.mo", ".revisions"))
    with_bom(translations)
    with caplog.at_level(logging.ERROR, logger="contentapi"):
        app = make_app(TRANSLATIONS_DIR=str(translations))
    assert "[byte-order-mark]" in caplog.text and BOM_HINT in caplog.text and "not imported" in caplog.text
    document = app.test_client().get(f"/api/v1/procedures/{SLUG}?lang=es").get_json()
    assert document["title"] == "Kyphoplasty and vertebroplasty"
