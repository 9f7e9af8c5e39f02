"""Termbases in TBX: import and export round trips (v2 and v3, from the command line), files in other
tools' TBX dialects read, our export read by translate-toolkit (what Weblate uses), and hostile
files (entity expansion, external entities, junk) refused quickly."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from contentapi.config import REPOSITORY_DIR
from contentapi.i18n.locales import DEFAULT_LOCALE, SUPPORTED_LOCALES
from contentapi.i18n.terms import (
    ADMITTED,
    DEPRECATED,
    PREFERRED,
    Term,
    TermbaseError,
    load_termbase,
    read_tbx,
    termbase_path,
    write_tbx,
)

SHIPPED = REPOSITORY_DIR / "translations"
LOCALES = [code for code in SUPPORTED_LOCALES if code != DEFAULT_LOCALE]
CONTENTAPI = str(Path(sys.executable).with_name("contentapi"))


def cli(*arguments: str, translations: Path) -> subprocess.CompletedProcess:
    return subprocess.run([CONTENTAPI, "i18n", "terms", *arguments, "-d", str(translations)], capture_output=True,
                          text=True, timeout=120, check=False)


@pytest.mark.parametrize("version", [2, 3])
def test_write_then_read_gives_the_same_termbase(version):
    for locale in LOCALES:
        termbase = read_tbx(termbase_path(SHIPPED, locale).read_bytes())
        assert read_tbx(write_tbx(termbase, version)) == termbase, locale


@pytest.mark.parametrize("version", ["2", "3"])
def test_export_then_import_round_trips_every_locale(tmp_path, version):
    exported = tmp_path / "all.tbx"
    result = cli("export", "-o", str(exported), "--tbx-version", version, translations=SHIPPED)
    assert result.returncode == 0, result.stderr
    root = "<tbx " if version == "3" else "<martif "
    assert root in exported.read_text(encoding="utf-8")
    assert set(read_tbx(exported.read_bytes()).languages()) == {"en", *LOCALES}
    fresh = tmp_path / "translations"
    result = cli("import", str(exported), translations=fresh)
    assert result.returncode == 0, result.stderr
    for locale in LOCALES:
        assert load_termbase(fresh, locale) == load_termbase(SHIPPED, locale), locale


def test_import_merges_into_a_termbase_by_concept(tmp_path):
    translations = tmp_path / "translations"
    shipped = termbase_path(SHIPPED, "es")
    termbase_path(translations, "es").parent.mkdir(parents=True)
    termbase_path(translations, "es").write_bytes(shipped.read_bytes())
    update = tmp_path / "update.tbx"
    update.write_text("""<?xml version="1.0" encoding="UTF-8"?>
<martif type="TBX-Basic" xml:lang="en-US"><text><body>
 <termEntry id="balloon">
  <xref type="externalCrossReference" target="http://snomed.info/id/123456">SNOMED CT</xref>
  <langSet xml:lang="en-US"><tig><term>balloon</term></tig></langSet>
  <langSet xml:lang="es-ES"><tig><term>balón</term><termNote type="administrativeStatus">preferredTerm-admn-sts</termNote></tig>
   <tig><term>globo</term><termNote type="administrativeStatus">supersededTerm-admn-sts</termNote></tig>
   <tig><term>balón de cifoplastia</term><termNote type="administrativeStatus">admittedTerm-admn-sts</termNote></tig></langSet>
 </termEntry>
 <termEntry id="needle">
  <langSet xml:lang="en"><tig><term>needle</term></tig></langSet>
  <langSet xml:lang="es"><tig><term>aguja</term></tig></langSet>
  <langSet xml:lang="fr"><tig><term>aiguille</term></tig></langSet>
 </termEntry>
</body></text></martif>""", encoding="utf-8")
    result = cli("import", str(update), translations=translations)
    assert result.returncode == 0, result.stderr
    merged = load_termbase(translations, "es")
    ids = [concept.id for concept in merged.concepts]
    assert ids == [concept.id for concept in load_termbase(SHIPPED, "es").concepts] + ["needle"]
    balloon = next(concept for concept in merged.concepts if concept.id == "balloon")
    assert balloon.snomed == "123456"
    assert [(t.text, t.status) for t in balloon.of("es")] == [
        ("balón", PREFERRED), ("globo", DEPRECATED), ("balón de cifoplastia", ADMITTED)]
    assert "fr" not in merged.languages()


def test_other_tools_tbx_dialects_are_read():
    # TBX v2 as memoQ and MultiTerm conversions write it: a DOCTYPE naming an external DTD (never
    # fetched), ntig/termGrp, normativeAuthorization, langSet languages with regions.
    data = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE martif SYSTEM "TBXcoreStructV02.dtd">
<martif type="TBX" xml:lang="en"><martifHeader><fileDesc><sourceDesc><p>x</p></sourceDesc></fileDesc></martifHeader>
<text><body>
 <termEntry id="c1"><descrip type="subjectField">radiology</descrip>
  <langSet xml:lang="en-GB"><ntig><termGrp><term>bone cement</term></termGrp></ntig></langSet>
  <langSet xml:lang="zh-CN"><ntig><termGrp><term>骨水泥</term><termNote type="normativeAuthorization">preferredTerm</termNote></termGrp></ntig>
   <ntig><termGrp><term>骨胶</term><termNote type="normativeAuthorization">deprecatedTerm</termNote></termGrp><note>glue</note></ntig></langSet>
 </termEntry>
</body></text></martif>""".encode()
    (concept,) = read_tbx(data).concepts
    assert concept.subject == "radiology"
    assert concept.of("en") == (Term("bone cement"),)
    assert concept.of("zh-Hans") == (Term("骨水泥", PREFERRED), Term("骨胶", DEPRECATED, "glue"))


def test_translate_toolkit_reads_our_export(tmp_path):
    """translate-toolkit (Weblate's storage layer; Debian's python3-translate) reads what we export."""
    exported = tmp_path / "es.tbx"
    exported.write_bytes(termbase_path(SHIPPED, "es").read_bytes())
    script = ("import sys\nfrom translate.storage import tbx\n"
              "store = tbx.tbxfile.parsefile(sys.argv[1])\n"
              "print('\\n'.join(f'{u.getid()}\\t{u.source}\\t{u.target}' for u in store.units))\n")
    result = subprocess.run(["/usr/bin/python3", "-c", script, str(exported)], capture_output=True, text=True,
                            timeout=60, check=False)
    if "No module named 'translate'" in result.stderr:
        pytest.fail("translate-toolkit is not installed (Debian's translate-toolkit): run scripts/setup")
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert ["balloon", "balloon", "balón"] in rows and ["bone-cement", "bone cement", "cemento óseo"] in rows


HOSTILE = {
    "billion laughs": """<?xml version="1.0"?>
<!DOCTYPE martif [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
<!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;"><!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">]>
<martif><text><body><termEntry><langSet xml:lang="en"><tig><term>&h;</term></tig></langSet></termEntry></body></text></martif>""",
    "external entity (XXE)": """<?xml version="1.0"?>
<!DOCTYPE martif [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<martif><text><body><termEntry><langSet xml:lang="en"><tig><term>&secret;</term></tig></langSet></termEntry></body></text></martif>""",
    "external parameter entity": """<?xml version="1.0"?>
<!DOCTYPE martif [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/evil.dtd"> %remote;]>
<martif/>""",
    "not XML": "<martif><text>",
    "not TBX": "<?xml version='1.0'?><html><body/></html>",
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_files_are_refused_quickly_in_one_line(name, tmp_path):
    started = time.monotonic()
    with pytest.raises(TermbaseError) as raised:
        read_tbx(HOSTILE[name].encode(), "evil.tbx")
    assert time.monotonic() - started < 1.0
    message = str(raised.value)
    assert message.startswith("evil.tbx: ") and "\n" not in message and "root:" not in message
    path = tmp_path / "evil.tbx"
    path.write_text(HOSTILE[name], encoding="utf-8")
    result = cli("import", str(path), translations=tmp_path / "translations")
    assert result.returncode == 1 and result.stderr.count("\n") == 1 and "evil.tbx" in result.stderr
    assert not (tmp_path / "translations").exists()


def test_a_file_larger_than_the_limit_is_refused(monkeypatch):
    import contentapi.i18n.terms as terms

    monkeypatch.setattr(terms, "MAX_TBX_BYTES", 100)
    with pytest.raises(TermbaseError, match="larger than"):
        read_tbx(termbase_path(SHIPPED, "es").read_bytes(), "big.tbx")


def test_import_and_export_fail_in_one_line_and_write_nothing_half(tmp_path):
    """Files that cannot be written or read stop the command with one line, no traceback; a termbase
    that cannot be read stops an import of several locales before any is written."""
    shipped = termbase_path(SHIPPED, "es")
    blocked = tmp_path / "blocked"
    blocked.mkdir()
    (blocked / "es").write_text("a file where the locale's folder should be", encoding="utf-8")
    for arguments, translations in ((("import", str(shipped), "--locale", "es"), blocked),
                                    (("export", "-o", str(tmp_path / "es" / "x.tbx" / "y")), SHIPPED)):
        if arguments[0] == "export":
            (tmp_path / "es").mkdir()
            (tmp_path / "es" / "x.tbx").write_text("", encoding="utf-8")
        result = cli(*arguments, translations=translations)
        assert result.returncode == 1 and result.stderr.startswith("contentapi: cannot write"), result.stderr
        assert "Traceback" not in result.stderr and len(result.stderr.splitlines()) == 1
    translations = tmp_path / "translations"
    for locale in ("es", "ru"):
        termbase_path(translations, locale).parent.mkdir(parents=True)
    termbase_path(translations, "es").write_bytes(shipped.read_bytes())
    termbase_path(translations, "ru").write_text("<martif><text>", encoding="utf-8")
    exported = tmp_path / "all.tbx"
    assert cli("export", "-o", str(exported), translations=SHIPPED).returncode == 0
    result = cli("import", str(exported), translations=translations)
    assert result.returncode == 1 and "not well-formed XML" in result.stderr and "--replace" in result.stderr
    assert termbase_path(translations, "es").read_bytes() == shipped.read_bytes()  # es comes first: untouched
    assert not termbase_path(translations, "ar").exists()
