"""``contentapi i18n`` and ``contentapi tokens`` as a translator runs them: exit codes, one-line
errors, JSON output, and tokens shown once and stored only as hashes."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from contentapi.cli import main
from contentapi.i18n.domains import catalog_path
from tests.helpers import SLUG

CONTENTAPI = str(Path(sys.executable).with_name("contentapi"))


@pytest.fixture
def cli():
    runner = CliRunner()

    def run(*args, env=None):
        return runner.invoke(main, list(args), env=env or {}, catch_exceptions=False)

    return run


def break_es(translations: Path) -> Path:
    po_path = catalog_path(translations, "es", SLUG)
    po_path.write_text(po_path.read_text(encoding="utf-8").replace("24 horas", "48 horas"), encoding="utf-8")
    return po_path


def test_check_is_clean_on_the_shipped_catalogs(cli, translations_dir):
    result = cli("i18n", "check", "-d", str(translations_dir))
    assert result.exit_code == 0, result.output


def test_check_reports_errors_with_file_line_context_and_exit_1(cli, own_translations):
    po_path = break_es(own_translations)
    result = cli("i18n", "check", "es", "-d", str(own_translations))
    assert result.exit_code == 1
    (line,) = [line for line in result.stdout.splitlines() if "[numbers]" in line]
    assert line.startswith(f"{po_path}:") and "kyphoplasty-and-vertebroplasty/aftercare/1" in line and "24" in line


def test_check_json_lists_every_finding(cli, own_translations):
    po_path = break_es(own_translations)
    result = cli("i18n", "check", str(po_path), "--format", "json")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["errors"] == 1
    (finding,) = [f for f in document["findings"] if f["severity"] == "error"]
    assert finding["check"] == "numbers" and finding["line"] > 1 and finding["file"] == str(po_path)


def test_check_usage_errors_exit_2(cli, own_translations):
    assert cli("i18n", "check", "fr", "-d", str(own_translations)).exit_code == 2
    assert cli("i18n", "check", str(own_translations / "missing.po")).exit_code == 2
    assert cli("i18n", "check", "--format", "xml").exit_code == 2


def test_check_list_names_every_check(cli):
    result = cli("i18n", "check", "--list")
    assert result.exit_code == 0
    assert "numbers" in result.stdout and "end-punctuation" in result.stdout


def test_compile_refuses_errors_lists_them_and_exits_1(cli, own_translations):
    mo_path = break_es(own_translations).with_suffix(".mo")
    before = mo_path.read_bytes()
    result = cli("i18n", "compile", "-d", str(own_translations))
    assert result.exit_code == 1
    assert "[numbers]" in result.stderr and f"refused es/{SLUG}" in result.stderr
    assert mo_path.read_bytes() == before


def test_stats_json(cli, translations_dir):
    result = cli("i18n", "stats", "--json", "-d", str(translations_dir))
    assert result.exit_code == 0
    figures = json.loads(result.stdout)
    assert {item["locale"] for item in figures} == {"es", "zh-Hans", "vi", "ko", "ar", "ru"}
    assert all(set(item) == {"locale", "total", "translated", "fuzzy", "untranslated", "stale", "percent"} for item in figures)


def test_extract_init_update_from_the_command_line(own_translations):
    env = {"CONTENTAPI_TRANSLATIONS_DIR": str(own_translations), "PATH": str(Path(sys.executable).parent)}
    (own_translations / "messages.pot").unlink()
    for path in catalog_path(own_translations, "vi").parent.iterdir():
        path.unlink()
    steps = [
        ["i18n", "extract"],
        ["i18n", "init", "vi"],
        ["i18n", "update", "--no-fuzzy-matching"],
        ["i18n", "compile"],
    ]
    for step in steps:
        result = subprocess.run([CONTENTAPI, *step], env=env, capture_output=True, text=True, timeout=60, check=False)
        assert result.returncode == 0, (step, result.stderr)
    assert (own_translations / "messages.pot").exists()
    assert catalog_path(own_translations, "vi").with_suffix(".mo").exists()
    assert catalog_path(own_translations, "vi", SLUG).with_suffix(".mo").exists()
    again = subprocess.run([CONTENTAPI, "i18n", "init", "vi"], env=env, capture_output=True, text=True, timeout=60, check=False)
    assert again.returncode == 1 and len(again.stderr.strip().splitlines()) == 1
    unknown = subprocess.run([CONTENTAPI, "i18n", "init", "xx"], env=env, capture_output=True, text=True, timeout=60, check=False)
    assert unknown.returncode == 2 and "not a served locale" in unknown.stderr


def test_tokens_add_prints_the_token_once_and_stores_only_its_hash(cli, tmp_path):
    tokens = tmp_path / "tokens.json"
    env = {"CONTENTAPI_TOKENS": str(tokens)}
    result = cli("tokens", "add", "maria", "--locales", "es,AR", env=env)
    assert result.exit_code == 0
    token = result.stdout.strip()
    assert len(token) > 40
    stored = tokens.read_text(encoding="utf-8")
    assert token not in stored
    entry = json.loads(stored)["tokens"][0]
    assert entry["name"] == "maria" and entry["locales"] == ["es", "ar"]
    assert entry["sha256"] == hashlib.sha256(token.encode()).hexdigest()
    assert tokens.stat().st_mode & 0o077 == 0
    assert cli("tokens", "add", "maria", "--locales", "es", env=env).exit_code == 1
    assert token not in cli("tokens", "list", env=env).output


def test_tokens_revoke_and_errors(cli, tmp_path):
    env = {"CONTENTAPI_TOKENS": str(tmp_path / "tokens.json")}
    assert cli("tokens", "add", "li", "--locales", "zh-Hans", env=env).exit_code == 0
    assert cli("tokens", "revoke", "li", env=env).exit_code == 0
    missing = cli("tokens", "revoke", "li", env=env)
    assert missing.exit_code == 1 and "no token is named 'li'" in missing.stderr
    assert cli("tokens", "add", "x", "--locales", "en", env=env).exit_code == 1
    assert cli("tokens", "add", "bad name!", "--locales", "es", env=env).exit_code == 1
    assert cli("tokens", "add", "x", "--locales", "es", env={"CONTENTAPI_TOKENS": ""}).exit_code == 2
