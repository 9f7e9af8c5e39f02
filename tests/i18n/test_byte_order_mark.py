"""A .po file that starts with a byte-order mark is refused the same way on every path that reads a
catalog: check, compile, preview, publish and start-up. GNU msgfmt refuses it too (a syntax error on
line 1), which is why it is refused rather than silently dropped."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from contentapi.config import REPOSITORY_DIR
from contentapi.i18n.catalogs import catalog_paths
from contentapi.i18n.checks import check_po_bytes
from contentapi.i18n.po import BOM, BOM_HINT
from contentapi.i18n.tokens import TokenStore
from tests.helpers import SLUG

SHIPPED_ES = catalog_paths(REPOSITORY_DIR / "translations", "es")[0]
PO = "text/x-gettext-translation; charset=utf-8"


def with_bom(translations) -> bytes:
    """Give the Spanish catalog of a translations folder a byte-order mark, as Notepad saves it."""
    po_path, _ = catalog_paths(translations, "es")
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
    findings = check_po_bytes(BOM + SHIPPED_ES.read_bytes(), "es/LC_MESSAGES/messages.po")
    assert [(f.line, f.check, f.severity, f.hint) for f in findings] == [(1, "byte-order-mark", "error", BOM_HINT)]
    assert "Notepad adds it; Poedit does not" in BOM_HINT


def test_compile_refuses_it_and_keeps_the_served_catalog(own_translations, runner):
    with_bom(own_translations)
    _, mo_path = catalog_paths(own_translations, "es")
    before = mo_path.read_bytes()
    result = runner.invoke(args=["i18n", "compile", "es", "-d", str(own_translations)])
    assert result.exit_code == 1
    assert "[byte-order-mark]" in result.output and BOM_HINT in result.output
    assert mo_path.read_bytes() == before


def test_check_command_refuses_it(own_translations, runner):
    po_path, _ = catalog_paths(own_translations, "es")
    with_bom(own_translations)
    result = runner.invoke(args=["i18n", "check", str(po_path), "--format", "json"])
    assert result.exit_code == 1
    assert [f["check"] for f in json.loads(result.output)["findings"]] == ["byte-order-mark"]


@pytest.fixture
def publishing(own_translations, tmp_path, make_app, serve):
    tokens = tmp_path / "tokens.json"
    token = TokenStore(tokens).add("maria", ("es",))
    app = make_app(TRANSLATIONS_DIR=str(own_translations), TOKENS=str(tokens),
                   TRANSLATION_REVISIONS_DIR=str(tmp_path / "revisions"))
    return serve(app), {"Authorization": f"Bearer {token}"}


def test_preview_and_publish_refuse_it_with_the_finding_and_change_nothing(publishing):
    server, authorization = publishing
    current = server.request("GET", "/api/v1/translations/es", authorization)
    body = BOM + current.body
    preview = server.request("POST", f"/api/v1/translations/es/preview?procedure={SLUG}",
                             {**authorization, "Content-Type": PO}, body)
    publish = server.request("PUT", "/api/v1/translations/es",
                             {**authorization, "Content-Type": PO, "If-Match": current.headers["ETag"]}, body)
    for response in (preview, publish):
        assert response.status == 422
        assert [(f["check"], f["hint"]) for f in response.json()["findings"]] == [("byte-order-mark", BOM_HINT)]
    assert server.request("GET", "/api/v1/translations/es", authorization).body == current.body


def test_start_up_refuses_an_uncompiled_catalog_with_it(tmp_path, make_app):
    translations = tmp_path / "translations"
    shutil.copytree(REPOSITORY_DIR / "translations", translations, ignore=shutil.ignore_patterns("*.mo", ".revisions"))
    with_bom(translations)
    with pytest.raises(SystemExit) as raised:
        make_app(TRANSLATIONS_DIR=str(translations))
    assert "contentapi cannot start" in str(raised.value.code) and BOM_HINT in str(raised.value.code)
