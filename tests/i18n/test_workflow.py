"""The catalog workflow on real files in temporary folders: extract (the same as pybabel, and
the shipped templates are current), init, update (fuzzy with the previous msgid, or not at all),
compile (refuses errors, never half-writes), stats and migrate, on every domain or one procedure."""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from contentapi.config import DEFAULTS, REPOSITORY_DIR
from contentapi.i18n.domains import UI_DOMAIN, catalog_path, template_domains, template_path
from contentapi.i18n.checks import check_po_file, has_errors
from contentapi.i18n.po import read_po
from contentapi.i18n.workflow import (
    WorkflowError,
    catalog_stats,
    compile_catalogs,
    extract,
    init,
    migrate,
    stats,
    template_messages,
    update,
)
from tests.helpers import NEW_SENTENCE, OLD_SENTENCE, SLUG, edited_content

SHIPPED = REPOSITORY_DIR / "translations"
CONTENT = DEFAULTS["CONTENT_DIR"]


def entries(path: Path):
    return list(read_po(path.read_bytes()).messages)


def message_signature(path: Path) -> set[tuple]:
    """What a translator sees of each message: context, ids and extracted comments."""
    return {(e.context, e.msgid, e.msgid_plural, tuple(e.extracted_comments)) for e in entries(path)}


def without_creation_date(path: Path) -> str:
    return "".join(line for line in path.read_text(encoding="utf-8").splitlines(True) if "POT-Creation-Date" not in line)


def test_shipped_templates_are_current(tmp_path):
    extract(tmp_path, CONTENT)
    assert template_domains(tmp_path) == template_domains(SHIPPED)
    for domain in template_domains(tmp_path):
        fresh, shipped = template_path(tmp_path, domain), template_path(SHIPPED, domain)
        missing = message_signature(fresh) - message_signature(shipped)
        extra = message_signature(shipped) - message_signature(fresh)
        assert not missing and not extra, (
            f"{shipped} is stale: run 'contentapi i18n extract' then 'contentapi i18n update' and commit the "
            f"result ({len(missing)} messages missing from it, {len(extra)} no longer in the code/content)"
        )


def test_pybabel_extract_with_the_project_mapping_writes_the_same_templates(tmp_path):
    extract(tmp_path, CONTENT)
    ours = template_path(tmp_path)
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
    # A procedure's template is what pybabel extracts from its file with the project's extractor.
    mapping = tmp_path / "procedures.cfg"
    mapping.write_text("[contentapi_procedures: **.md]\n", encoding="utf-8")
    procedure = Path(CONTENT) / f"{SLUG}.md"
    command = [str(Path(sys.executable).with_name("pybabel")), "extract", "-F", str(mapping), "-o",
               str(tmp_path / "procedure.pot"), "--sort-by-file", "--no-wrap", "--project", "contentapi",
               "--copyright-holder", "contentapi contributors", str(procedure.relative_to(REPOSITORY_DIR))]
    subprocess.run(command, cwd=REPOSITORY_DIR, check=True, capture_output=True)
    assert without_creation_date(template_path(tmp_path, SLUG)) == without_creation_date(tmp_path / "procedure.pot")


def test_one_procedure_can_be_extracted_alone(tmp_path):
    assert extract(tmp_path, CONTENT, SLUG) == [template_path(tmp_path, SLUG)]
    assert not template_path(tmp_path).exists()
    with pytest.raises(WorkflowError, match="no procedure"):
        extract(tmp_path, CONTENT, "no-such-procedure")


def test_template_has_msgctxt_and_translator_comments_per_block(tmp_path):
    extract(tmp_path, CONTENT)
    template = template_path(tmp_path, SLUG)
    blocks = [e for e in entries(template) if e.context and e.context.startswith(f"{SLUG}/aftercare/")]
    assert [e.context for e in blocks] == [f"{SLUG}/aftercare/heading", f"{SLUG}/aftercare/1"]
    assert blocks[1].extracted_comments[0].startswith("paragraph 1 of section")


def test_init_starts_clean_catalogs_and_refuses_to_replace_one(own_translations):
    for path in catalog_path(own_translations, "ko").parent.glob("*.po"):
        path.unlink()
    assert init(own_translations, "ko") == [catalog_path(own_translations, "ko"), catalog_path(own_translations, "ko", SLUG)]
    for domain in (UI_DOMAIN, SLUG):
        po_path = catalog_path(own_translations, "ko", domain)
        findings = check_po_file(po_path, "ko")
        assert not has_errors(findings)
        assert {f.check for f in findings} == {"untranslated"}
        assert len(findings) == len(template_messages(template_path(own_translations, domain)))
    with pytest.raises(WorkflowError, match="already exists"):
        init(own_translations, "ko")
    with pytest.raises(WorkflowError, match="already exists"):
        init(own_translations, "ko", SLUG)
    with pytest.raises(WorkflowError, match="source language"):
        init(own_translations, "en")


def test_a_procedure_new_since_the_last_update_gets_its_catalogs(own_translations, tmp_path):
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    seed = (content / f"{SLUG}.md").read_text(encoding="utf-8")
    (content / "lumbar-puncture.md").write_text(seed.replace(f"slug: {SLUG}", "slug: lumbar-puncture"), encoding="utf-8")
    extract(own_translations, content)
    written = update(own_translations, procedure="lumbar-puncture")
    assert written == [catalog_path(own_translations, locale, "lumbar-puncture")
                       for locale in ("es", "zh-Hans", "vi", "ko", "ar", "ru")]
    plural_forms = read_po(catalog_path(own_translations, "es").read_bytes()).header_fields["Plural-Forms"]
    assert read_po(written[0].read_bytes()).header_fields["Plural-Forms"] == plural_forms  # the locale's own
    (figures,) = [item for item in stats(own_translations, "lumbar-puncture") if item.locale == "es"]
    assert figures.translated == 0 and figures.total == len(template_messages(template_path(own_translations, SLUG)))


def test_english_change_makes_only_that_block_fuzzy_with_the_previous_msgid(own_translations, tmp_path):
    extract(own_translations, edited_content(tmp_path))
    keys = template_messages(template_path(own_translations, SLUG))
    before = {locale: catalog_stats(read_po(catalog_path(own_translations, locale, SLUG).read_bytes()), locale, keys)
              for locale in ("es", "ar")}
    assert before["es"].stale == 1  # counted as stale even before update runs
    update(own_translations)
    for locale in ("es", "zh-Hans", "vi", "ko", "ar", "ru"):
        po_path = catalog_path(own_translations, locale, SLUG)
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
    extract(own_translations, content)
    update(own_translations)
    update(own_translations)  # Babel alone would drop "#| msgid" here
    po_path = catalog_path(own_translations, "ru", SLUG)
    (fuzzy,) = [e for e in entries(po_path) if e.fuzzy]
    assert fuzzy.context == f"{SLUG}/risks/2"
    assert "- infection\n" in fuzzy.previous_msgid and "- infection at the site\n" in fuzzy.msgid


def test_update_without_fuzzy_matching_leaves_the_changed_block_untranslated(own_translations, tmp_path):
    extract(own_translations, edited_content(tmp_path))
    update(own_translations, no_fuzzy_matching=True)
    po_path = catalog_path(own_translations, "es", SLUG)
    changed = [e for e in entries(po_path) if e.context == f"{SLUG}/aftercare/1"]
    assert len(changed) == 1 and not changed[0].translated and not changed[0].fuzzy
    assert not any(e.fuzzy for e in entries(po_path))
    figures = catalog_stats(read_po(po_path.read_bytes()), "es", template_messages(template_path(own_translations, SLUG)))
    assert (figures.fuzzy, figures.untranslated, figures.stale) == (0, 1, 0)


def test_compile_refuses_a_catalog_with_errors_and_keeps_its_compiled_file(own_translations):
    po_path = catalog_path(own_translations, "es", SLUG)
    mo_path = po_path.with_suffix(".mo")
    good_mo = mo_path.read_bytes()
    text = po_path.read_text(encoding="utf-8")
    assert "24 horas" in text
    po_path.write_text(text.replace("24 horas", "48 horas"), encoding="utf-8")
    report = compile_catalogs(own_translations)
    assert list(report.refused) == [f"es/{SLUG}"]
    assert [f.check for f in report.refused[f"es/{SLUG}"]] == ["numbers"]
    assert "es" in report.compiled and len(report.compiled) == 11
    assert mo_path.read_bytes() == good_mo


def test_compile_never_leaves_a_half_written_file(own_translations, monkeypatch):
    po_path = catalog_path(own_translations, "ru", SLUG)
    mo_path = po_path.with_suffix(".mo")
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
    po_path = catalog_path(own_translations, "vi", SLUG)
    keys = template_messages(template_path(own_translations, SLUG))
    full = catalog_stats(read_po(po_path.read_bytes()), "vi", keys)
    assert full.untranslated + full.translated + full.fuzzy == full.total == len(keys)
    text = po_path.read_text(encoding="utf-8")
    first = text.index(f'msgctxt "{SLUG}/title"')
    text = text[:first] + "#, fuzzy\n" + text[first:]
    po_path.write_text(text, encoding="utf-8")
    after = catalog_stats(read_po(po_path.read_bytes()), "vi", keys)
    assert (after.translated, after.fuzzy, after.stale) == (full.translated - 1, full.fuzzy + 1, 0)
    assert after.percent == round(100 * after.translated / after.total, 1)


def test_migrate_cuts_a_single_catalog_per_procedure_losing_nothing(tmp_path):
    """Today's single catalogs (every procedure in messages.po) become one per domain, entry by entry."""
    from contentapi.i18n.domains import merge_catalogs

    translations = tmp_path / "translations"
    translations.mkdir()
    single = {}
    for locale in ("es", "zh-Hans", "vi", "ko", "ar", "ru"):
        parts = [read_po(catalog_path(SHIPPED, locale, domain).read_bytes()) for domain in (UI_DOMAIN, SLUG)]
        data = merge_catalogs(parts)
        # A fuzzy flag, a translator comment and an obsolete entry must all survive.
        data = data.replace(f'msgctxt "{SLUG}/title"'.encode(),
                            f'# reviewed by the team\n#, fuzzy\nmsgctxt "{SLUG}/title"'.encode(), 1)
        data += f'#~ msgctxt "{SLUG}/old"\n#~ msgid "Old"\n#~ msgstr "Viejo"\n'.encode()
        catalog_path(translations, locale).parent.mkdir(parents=True)
        catalog_path(translations, locale).write_bytes(data)
        single[locale] = read_po(data)
    template = merge_catalogs([read_po(template_path(SHIPPED, domain).read_bytes()) for domain in (UI_DOMAIN, SLUG)])
    template_path(translations).write_bytes(template)

    written = migrate(translations)
    assert catalog_path(translations, "es", SLUG) in written and template_path(translations, SLUG) in written
    for locale, before in single.items():
        after = [read_po(catalog_path(translations, locale, domain).read_bytes()) for domain in (UI_DOMAIN, SLUG)]
        everything = {(e.context, e.msgid): (e.msgstr, e.flags, e.translator_comments) for po in after for e in po.messages}
        assert everything == {(e.context, e.msgid): (e.msgstr, e.flags, e.translator_comments) for e in before.messages}
        assert [block.context for block in after[1].obsolete] == [f"{SLUG}/old"]
        assert all(po.header_fields["Language"] == before.header_fields["Language"] for po in after)
    assert migrate(translations) == []  # nothing left to do


def test_compile_refuses_a_catalog_that_would_lose_translations_unless_allowed(own_translations):
    po_path = catalog_path(own_translations, "es", SLUG)
    mo_path = po_path.with_suffix(".mo")
    before = mo_path.read_bytes()
    text = po_path.read_text(encoding="utf-8")
    cut = text[: text.index(f'msgctxt "{SLUG}/risks/heading"')]  # a file cut short: the risks are gone
    po_path.write_text(cut, encoding="utf-8")
    report = compile_catalogs(own_translations, ["es"], SLUG)
    lost = report.refused[f"es/{SLUG}"]
    assert {f.msgctxt for f in lost} == {f"{SLUG}/risks/heading", f"{SLUG}/risks/1", f"{SLUG}/risks/2", f"{SLUG}/risks/3"}
    assert all(f.check == "translation-removed" and f.severity == "error" for f in lost)
    assert mo_path.read_bytes() == before
    assert compile_catalogs(own_translations, ["es"], SLUG, allow_removals=True).compiled == [f"es/{SLUG}"]


def test_changed_english_is_not_a_lost_translation(own_translations, tmp_path):
    """After an English change, update keeps the old translation fuzzy under the new msgid: compiling
    (and publishing) it is not refused, although that block is English until it is revised."""
    extract(own_translations, edited_content(tmp_path))
    update(own_translations)
    assert not compile_catalogs(own_translations).refused
