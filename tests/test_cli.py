"""Every ``contentapi`` command reads its settings as the server does: defaults, then the instance
file, then ``CONTENTAPI_*`` variables. Here only the instance file names the folders, and each
command, run as operators run it, works on those and nothing else."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from contentapi.config import DEFAULTS, REPOSITORY_DIR
from contentapi.i18n.domains import catalog_path, template_path
from contentapi.partners.registry import EXAMPLE_REGISTRY
from tests.helpers import copy_translations

CONTENTAPI = str(Path(sys.executable).with_name("contentapi"))


@pytest.fixture
def instance(tmp_path):
    """An instance folder whose contentapi.cfg names its own translations, content, tokens and partners."""
    translations = copy_translations(tmp_path / "translations")
    content = tmp_path / "content"
    shutil.copytree(DEFAULTS["CONTENT_DIR"], content)
    partners = tmp_path / "partners.toml"
    partners.write_text(EXAMPLE_REGISTRY.read_text(encoding="utf-8").replace('name = "Demo Hospital"',
                                                                            'name = "Instance Hospital"'))
    folder = tmp_path / "instance"
    folder.mkdir()
    (folder / "contentapi.cfg").write_text(
        f"TRANSLATIONS_DIR = {str(translations)!r}\n"
        f"CONTENT_DIR = {str(content)!r}\n"
        f"TOKENS = {str(tmp_path / 'tokens.json')!r}\n"
        f"PARTNERS = {str(partners)!r}\n",
        encoding="utf-8",
    )
    return tmp_path


def run(instance: Path, *args: str) -> subprocess.CompletedProcess:
    """The console script with only the instance folder set (no other CONTENTAPI_* variable)."""
    environment = {name: value for name, value in os.environ.items() if not name.startswith("CONTENTAPI_")}
    environment["CONTENTAPI_INSTANCE_PATH"] = str(instance / "instance")
    return subprocess.run([CONTENTAPI, *args], env=environment, capture_output=True, text=True, timeout=120,
                          cwd=instance)


def test_every_command_honours_the_instance_file(instance):
    translations = instance / "translations"
    shipped_pot = (REPOSITORY_DIR / "translations" / "messages.pot").read_bytes()
    es_po = catalog_path(translations, "es")
    es_mo = es_po.with_suffix(".mo")

    # The content folder of the instance file is what extract reads: a new procedure's title appears.
    seed = instance / "content" / "kyphoplasty-and-vertebroplasty.md"
    (instance / "content" / "instance-only.md").write_text(
        seed.read_text(encoding="utf-8").replace("slug: kyphoplasty-and-vertebroplasty", "slug: instance-only"),
        encoding="utf-8")
    result = run(instance, "i18n", "extract")
    assert result.returncode == 0, result.stderr
    assert 'msgctxt "instance-only/title"' in template_path(translations, "instance-only").read_text(encoding="utf-8")
    assert (REPOSITORY_DIR / "translations" / "messages.pot").read_bytes() == shipped_pot

    result = run(instance, "i18n", "update", "--locale", "es")
    assert result.returncode == 0, result.stderr
    assert 'msgctxt "instance-only/title"' in catalog_path(translations, "es", "instance-only").read_text(encoding="utf-8")

    shutil.rmtree(translations / "vi")
    result = run(instance, "i18n", "init", "vi")
    assert result.returncode == 0, result.stderr
    assert catalog_path(translations, "vi").exists() and catalog_path(translations, "vi", "instance-only").exists()

    result = run(instance, "i18n", "check", "es", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert str(es_po) in json.loads(result.stdout)["files"]

    es_mo.unlink()
    result = run(instance, "i18n", "compile", "es")
    assert result.returncode == 0, result.stderr
    assert es_mo.exists() and str(translations) in result.stdout

    result = run(instance, "i18n", "migrate")
    assert result.returncode == 0 and "nothing to migrate" in result.stdout, result.stderr

    result = run(instance, "i18n", "stats", "--json")
    assert result.returncode == 0, result.stderr
    vi = next(item for item in json.loads(result.stdout) if item["locale"] == "vi")
    assert vi["translated"] == 0  # the catalog init just made in the instance's folder

    result = run(instance, "tokens", "add", "maria", "--locales", "es")
    assert result.returncode == 0, result.stderr
    assert json.loads((instance / "tokens.json").read_text())["tokens"][0]["name"] == "maria"
    assert run(instance, "tokens", "list").stdout.startswith("maria\tes")
    assert run(instance, "tokens", "revoke", "maria").returncode == 0

    result = run(instance, "partners", "check")
    assert result.returncode == 0, result.stderr
    assert "Instance Hospital" in result.stdout

    result = run(instance, "export", str(instance / "site"))
    assert result.returncode == 0, result.stderr
    assert (instance / "site" / "en" / "procedures" / "instance-only.html").exists()
    assert (translations / ".revisions" / "es" / "current.json").exists()  # the instance's store

    result = run(instance, "i18n", "pull", "--locale", "es")
    assert result.returncode == 0, result.stderr
    assert "0 catalogs written" in result.stdout  # the published revisions are the folder's own


def test_a_broken_procedure_stops_only_the_commands_that_serve_content(instance):
    (instance / "content" / "broken.md").write_text("no front matter\n", encoding="utf-8")
    check = run(instance, "i18n", "check")
    assert check.returncode == 0, check.stderr
    export = run(instance, "export", str(instance / "site"))
    assert export.returncode == 1
    assert export.stderr.strip().splitlines() == [f"contentapi: {instance / 'content' / 'broken.md'}:1: "
                                                  'file must start with a "---" line opening the YAML front matter']
