"""The catalog workflow on real files in temporary folders: extract (the same as pybabel, and
the shipped template is current), init, update (fuzzy with the previous msgid, or not at all),
compile (refuses errors, never half-writes) and stats."""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from contentapi.config import DEFAULTS, REPOSITORY_DIR
from contentapi.i18n.catalogs import catalog_paths
from contentapi.i18n.checks import check_po_file, has_errors
from contentapi.i18n.po import read_po
from contentapi.i18n.workflow import (
    WorkflowError,
    catalog_stats,
    compile_catalogs,
    extract,
    init,
    template_messages,
    update,
)
from tests.helpers import NEW_SENTENCE, OLD_SENTENCE, SLUG, edited_content

SHIPPED_TEMPLATE = REPOSITORY_DIR / "translations" / "messages.pot"


def entries(path: Path):
    return list(read_po(path.read_bytes()).messages)


def message_signature(path: Path) -> set[tuple]:
    """What a translator sees of each message: context, ids and extracted comments."""
    return {(e.context, e.msgid, e.msgid_plural, tuple(e.extracted_comments)) for e in entries(path)}


def without_creation_date(path: Path) -> str:
    return "".join(line for line in path.read_text(encoding="utf-8").splitlines(True) if "POT-Creation-Date" not in line)


def test_shipped_template_is_current(tmp_path):
    fresh = extract(tmp_path, output=tmp_path / "fresh.pot")
    missing = message_signature(fresh) - message_signature(SHIPPED_TEMPLATE)
    extra = message_signature(SHIPPED_TEMPLATE) - message_signature(fresh)
    assert not missing and not extra, (
        "translations/messages.pot is stale: run 'contentapi i18n extract' then 'contentapi i18n update' "
        f"and commit the result ({len(missing)} messages missing from it, {len(extra)} no longer in the code/content)"
    )


def test_pybabel_extract_with_the_project_mapping_writes_the_same_template(tmp_path):
    ours = extract(tmp_path, output=tmp_path / "ours.pot")
    section = configparser.ConfigParser()
    section.read(REPOSITORY_DIR / "setup.cfg")
    options = section["extract_messages"]
    command = [str(Path(sys.executable).with_name("pybabel")), "extract", "-F", options["mapping_file"], "-o", str(tmp_path / "theirs.pot")]
    for keyword in options["keywords"].split():
        command += ["-k", keyword]
    command += ["-c", options["add_comments"], "--sort-by-file", "--no-wrap", "--project", "contentapi",
                "--copyright-holder", "contentapi contributors", "."]
    subprocess.run(command, cwd=REPOSITORY_DIR, check=True, capture_output=True)
    assert without_creation_date(ours) == without_creation_date(tmp_path / "theirs.pot")


def test_template_has_msgctxt_and_translator_comments_per_block(tmp_path):
    template = extract(tmp_path, output=tmp_path / "t.pot")
    blocks = [e for e in entries(template) if e.context and e.context.startswith(f"{SLUG}/aftercare/")]
    assert [e.context for e in blocks] == [f"{SLUG}/aftercare/heading", f"{SLUG}/aftercare/1"]
    assert blocks[1].extracted_comments[0].startswith("paragraph 1 of section")


def test_init_starts_a_clean_catalog_and_refuses_to_replace_one(own_translations):
    po_path, _ = catalog_paths(own_translations, "ko")
    po_path.unlink()
    init(own_translations, "ko")
    findings = check_po_file(po_path, "ko")
    assert not has_errors(findings)
    assert {f.check for f in findings} == {"untranslated"}
    assert len(findings) == len(template_messages(own_translations / "messages.pot"))
    with pytest.raises(WorkflowError, match="already exists"):
        init(own_translations, "ko")
    with pytest.raises(WorkflowError, match="source language"):
        init(own_translations, "en")


def test_english_change_makes_only_that_block_fuzzy_with_the_previous_msgid(own_translations, tmp_path):
    extract(own_translations, content_dir=edited_content(tmp_path))
    before = {locale: catalog_stats(read_po(catalog_paths(own_translations, locale)[0].read_bytes()), locale,
                                    template_messages(own_translations / "messages.pot")) for locale in ("es", "ar")}
    assert before["es"].stale == 1  # counted as stale even before update runs
    update(own_translations)
    for locale in ("es", "zh-Hans", "vi", "ko", "ar", "ru"):
        po_path, _ = catalog_paths(own_translations, locale)
        fuzzy = [e for e in entries(po_path) if e.fuzzy]
        assert [e.context for e in fuzzy] == [f"{SLUG}/aftercare/1"], locale
        assert OLD_SENTENCE in fuzzy[0].previous_msgid and NEW_SENTENCE in fuzzy[0].msgid
        assert fuzzy[0].forms[0]  # the old translation is kept for the translator to revise
        assert not has_errors(check_po_file(po_path, locale))


def test_a_second_update_keeps_the_previous_msgid_of_a_list_block(own_translations, tmp_path):
    content = tmp_path / "content"
    shutil.copytree(DEFAULTS["CONTENT_DIR"], content)
    seed = content / f"{SLUG}.md"
    seed.write_text(seed.read_text(encoding="utf-8").replace("- infection\n", "- infection at the site\n", 1), encoding="utf-8")
    extract(own_translations, content_dir=content)
    update(own_translations)
    update(own_translations)  # Babel alone would drop "#| msgid" here
    po_path, _ = catalog_paths(own_translations, "ru")
    (fuzzy,) = [e for e in entries(po_path) if e.fuzzy]
    assert fuzzy.context == f"{SLUG}/risks/2"
    assert "- infection\n" in fuzzy.previous_msgid and "- infection at the site\n" in fuzzy.msgid


def test_update_without_fuzzy_matching_leaves_the_changed_block_untranslated(own_translations, tmp_path):
    extract(own_translations, content_dir=edited_content(tmp_path))
    update(own_translations, no_fuzzy_matching=True)
    po_path, _ = catalog_paths(own_translations, "es")
    changed = [e for e in entries(po_path) if e.context == f"{SLUG}/aftercare/1"]
    assert len(changed) == 1 and not changed[0].translated and not changed[0].fuzzy
    assert not any(e.fuzzy for e in entries(po_path))
    stats = catalog_stats(read_po(po_path.read_bytes()), "es", template_messages(own_translations / "messages.pot"))
    assert (stats.fuzzy, stats.untranslated, stats.stale) == (0, 1, 0)


def test_compile_refuses_a_catalog_with_errors_and_keeps_its_compiled_file(own_translations):
    po_path, mo_path = catalog_paths(own_translations, "es")
    good_mo = mo_path.read_bytes()
    text = po_path.read_text(encoding="utf-8")
    assert "24 horas" in text
    po_path.write_text(text.replace("24 horas", "48 horas"), encoding="utf-8")
    report = compile_catalogs(own_translations)
    assert list(report.refused) == ["es"]
    assert [f.check for f in report.refused["es"]] == ["numbers"]
    assert "es" not in report.compiled and len(report.compiled) == 5
    assert mo_path.read_bytes() == good_mo


def test_compile_never_leaves_a_half_written_file(own_translations, monkeypatch):
    po_path, mo_path = catalog_paths(own_translations, "ru")
    old_mo = mo_path.read_bytes()
    po_path.write_text(po_path.read_text(encoding="utf-8").replace("msgstr \"", "msgstr \"", 1), encoding="utf-8")
    real_replace = os.replace

    def failing_replace(source, target):
        if str(target).endswith(".mo"):
            raise OSError(28, "No space left on device")
        return real_replace(source, target)

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError):
        compile_catalogs(own_translations, ["ru"])
    monkeypatch.undo()
    assert mo_path.read_bytes() == old_mo
    assert not [p.name for p in mo_path.parent.iterdir() if p.name.endswith(".tmp")]


def test_stats_count_translated_fuzzy_untranslated_and_percent(own_translations):
    po_path, _ = catalog_paths(own_translations, "vi")
    keys = template_messages(own_translations / "messages.pot")
    full = catalog_stats(read_po(po_path.read_bytes()), "vi", keys)
    assert full.untranslated + full.translated + full.fuzzy == full.total == len(keys)
    text = po_path.read_text(encoding="utf-8")
    first = text.index(f'msgctxt "{SLUG}/title"')
    text = text[:first] + "#, fuzzy\n" + text[first:]
    po_path.write_text(text, encoding="utf-8")
    after = catalog_stats(read_po(po_path.read_bytes()), "vi", keys)
    assert (after.translated, after.fuzzy, after.stale) == (full.translated - 1, full.fuzzy + 1, 0)
    assert after.percent == round(100 * after.translated / after.total, 1)
