"""The catalog checker: every check fails on a bad catalog and passes on a good one, names the
line and msgctxt, can be silenced only for warnings, and never crashes on any bytes."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contentapi.config import REPOSITORY_DIR
from contentapi.i18n.checks import (
    CHECKS,
    ERROR,
    WARNING,
    check_po_bytes,
    has_errors,
    numbers,
)
from tests.helpers import PLURAL_FORMS, SILENCE_PLURAL_TABLE
from tests.helpers import po_catalog as catalog
from tests.helpers import po_entry as entry

ES_PLURAL = PLURAL_FORMS["es"]


def checks_of(data: bytes, **kwargs) -> set[str]:
    return {finding.check for finding in check_po_bytes(data, "es/LC_MESSAGES/messages.po", **kwargs)}


# (check id, a catalog that must trigger it, a corrected catalog that must not)
CASES = [
    ("unparsable", b'msgid ""\nmsgstr ""\n"Language: es\\n"\nmsgid "a"\nmsgstr "b\n', None),
    ("unparsable", catalog('msgid "a"\nmsgstr[0] "b"\n'), catalog('msgid "a"\nmsgstr "b"\n')),
    ("unparsable", catalog(entry("Same", "Igual") + entry("Same", "Otra")), catalog(entry("Same", "Igual"))),
    ("encoding", catalog(entry("Rest.", "Descanse.")).replace(b"Descanse", "Descansé".encode("latin-1")), None),
    ("encoding", catalog(entry("Rest.", "Descanse.")).replace(b"charset=UTF-8", b"charset=ISO-8859-1"), catalog(entry("Rest.", "Descanse."))),
    ("byte-order-mark", b"\xef\xbb\xbf" + catalog(entry("Rest.", "Descanse.")), catalog(entry("Rest.", "Descanse."))),
    ("header", catalog(entry("Rest.", "Descanse."), language="fr"), catalog(entry("Rest.", "Descanse."))),
    ("header", entry("Rest.", "Descanse.").encode(), catalog(entry("Rest.", "Descanse."))),
    ("header", b"#, fuzzy\n" + catalog(entry("Rest.", "Descanse.")), catalog(entry("Rest.", "Descanse."))),
    ("plural-forms", catalog(entry("Rest.", "Descanse."), plural="nplurals=2; plural=(n > 1 ? 2 : 0);"), catalog(entry("Rest.", "Descanse."))),
    ("plural-forms", catalog(entry("Rest.", "Descanse."), plural="nplurals=2; plural=(n ++ import os);"), catalog(entry("Rest.", "Descanse."))),
    (
        "plural-count",
        catalog('msgid "%(n)d day"\nmsgid_plural "%(n)d days"\nmsgstr[0] "%(n)d día"\n'),
        catalog('msgid "%(n)d day"\nmsgid_plural "%(n)d days"\nmsgstr[0] "%(n)d día"\nmsgstr[1] "%(n)d días"\n'),
    ),
    ("placeholders", catalog(entry("Hello %(name)s.", "Hola %(nombre)s.")), catalog(entry("Hello %(name)s.", "Hola %(name)s."))),
    ("placeholders", catalog(entry("Hello {name}.", "Hola.")), catalog(entry("Hello {name}.", "Hola {name}."))),
    ("newlines", catalog(entry("Rest.", "Descanse.\n")), catalog(entry("Rest.", "Descanse."))),
    ("check-limit", catalog(entry("See [it](https://a.org).", "[" * 30_000)), catalog(entry("See [it](https://a.org).", "Vea [esto](https://a.org)."))),
    ("markup", catalog(entry("Do **not** lift.", "No levante.")), catalog(entry("Do **not** lift.", "**No** levante."))),
    ("markup", catalog(entry("Call <strong>now</strong>.", "Llame ahora.")), catalog(entry("Call <strong>now</strong>.", "Llame <strong>ahora</strong>."))),
    ("markup", catalog(entry("- one\n- two", "- uno dos")), catalog(entry("- one\n- two", "- uno\n- dos"))),
    ("unsafe-markup", catalog(entry("See the page.", "Vea <script>alert(1)</script>.")), catalog(entry("See the page.", "Vea la página."))),
    ("unsafe-markup", catalog(entry("See [it](https://a.org).", "Vea [esto](javascript:alert(1)).")), catalog(entry("See [it](https://a.org).", "Vea [esto](https://a.org)."))),
    ("unsafe-markup", catalog(entry("An image.", 'Una <img src="x" onerror="alert(1)">.')), catalog(entry("An image.", "Una imagen."))),
    ("unsafe-markup", catalog(entry("See [it](https://a.org).", "Vea [esto](data:text/html;base64,PHNjcmlwdD4=).")), None),
    ("urls", catalog(entry("See https://example.org/a.", "Vea https://evil.example/a.")), catalog(entry("See https://example.org/a.", "Vea https://example.org/a."))),
    ("numbers", catalog(entry("Rest for 24 hours.", "Descanse 48 horas.")), catalog(entry("Rest for 24 hours.", "Descanse 24 horas."))),
    ("numbers", catalog(entry("Take 10 mg.", "Tome diez mg.")), catalog(entry("Take 10 mg.", "Tome 10 mg."))),
    ("numbers", catalog(entry("Take 1.5 mg.", "Tome 15 mg.")), catalog(entry("Take 1.5 mg.", "Tome 1,5 mg."))),
    ("empty-translation", catalog(entry("Rest.", "   ")), catalog(entry("Rest.", "Descanse."))),
    (
        "empty-translation",
        catalog('msgid "%(n)d day"\nmsgid_plural "%(n)d days"\nmsgstr[0] "%(n)d día"\nmsgstr[1] ""\n'),
        catalog('msgid "%(n)d day"\nmsgid_plural "%(n)d days"\nmsgstr[0] "%(n)d día"\nmsgstr[1] "%(n)d días"\n'),
    ),
    ("control-characters", catalog(entry("Take 10 mg.", "Tome \u202e01\u202c mg.")), catalog(entry("Take 10 mg.", "Tome 10 mg."))),
    ("untranslated", catalog(entry("Rest.", "")), catalog(entry("Rest.", "Descanse."))),
    ("fuzzy", catalog(entry("Rest.", "Descanse.", flags="fuzzy")), catalog(entry("Rest.", "Descanse."))),
    ("identical", catalog(entry("Vertebroplasty.", "Vertebroplasty.")), catalog(entry("Vertebroplasty.", "Vertebroplastia."))),
    (
        "length-ratio",
        catalog(entry("You will be discharged on the same day as the procedure.", "Alta.")),
        catalog(entry("You will be discharged on the same day as the procedure.", "Recibirá el alta el mismo día del procedimiento.")),
    ),
    ("whitespace", catalog(entry("Rest.", "Descanse. ")), catalog(entry("Rest.", "Descanse."))),
    ("end-punctuation", catalog(entry("Rest.", "Descanse")), catalog(entry("Rest.", "Descanse."))),
    ("doubled-words", catalog(entry("Rest at home.", "Descanse en en casa.")), catalog(entry("Rest at home.", "Descanse en casa."))),
    ("zero-width", catalog(entry("Rest.", "Descan\u200bse.")), catalog(entry("Rest.", "Descanse."))),
    ("review", catalog(entry("Rest.", "Descanse.", comment="contentapi: review=approved; approved=ana yesterday; source=0")),
     catalog(entry("Rest.", "Descanse.", comment="contentapi: review=approved; approved=ana 2026-11-22; source=3f2a9c1b0d11"))),
]


@pytest.mark.parametrize("check, failing, passing", CASES, ids=[f"{case[0]}-{index}" for index, case in enumerate(CASES)])
def test_each_check_fails_a_bad_catalog_and_passes_the_corrected_one(check, failing, passing):
    assert check in checks_of(failing)
    if passing is not None:
        assert check not in checks_of(passing)
        assert not has_errors(check_po_bytes(passing, "es/LC_MESSAGES/messages.po"))


def test_every_check_id_is_exercised_by_a_case():
    # tested elsewhere: the meaning checks in test_checks_meaning.py, in every locale; terminology in
    # test_terminology.py, in every locale
    exercised = {case[0] for case in CASES} | {"unknown-check", "translation-removed", "plural-table", "units", "negation",
                                               "language", "terminology"}
    assert exercised == set(CHECKS)


def test_severities_are_as_documented():
    errors = {name for name, (severity, _) in CHECKS.items() if severity == ERROR}
    assert errors == {
        "unparsable", "encoding", "byte-order-mark", "header", "plural-forms", "plural-count", "placeholders", "markup",
        "unsafe-markup", "urls", "numbers", "units", "empty-translation", "control-characters", "newlines", "check-limit",
    }
    assert {name for name, (severity, _) in CHECKS.items() if severity == WARNING} == set(CHECKS) - errors


def test_a_percent_sign_is_not_a_format_string():
    # Babel flags this python-format and then fails it; "% o" is not a placeholder here.
    data = catalog(entry("Take 50% of the dose.", "Tome el 50% de la dosis."))
    assert check_po_bytes(data, "es.po") == []
    data = catalog(entry("Take 50% of the dose.", "Tome la mitad de la dosis."))
    assert {f.check for f in check_po_bytes(data, "es.po")} == {"numbers"}


def test_findings_name_file_line_context_and_a_one_line_hint():
    body = entry("Rest.", "Descanse.") + entry("Rest for 24 hours.", "Descanse 48 horas.", context="proc/aftercare/2")
    findings = check_po_bytes(catalog(body), "es/LC_MESSAGES/messages.po")
    (finding,) = findings
    text = catalog(body).decode()
    # The line is where the entry starts (its msgctxt, or msgid when it has none).
    expected_line = text.splitlines().index('msgctxt "proc/aftercare/2"') + 1
    assert (finding.file, finding.line, finding.msgctxt, finding.check, finding.severity) == (
        "es/LC_MESSAGES/messages.po", expected_line, "proc/aftercare/2", "numbers", "error",
    )
    assert "24" in finding.hint and "\n" not in finding.hint
    assert finding.format().startswith(f"es/LC_MESSAGES/messages.po:{expected_line}: error [numbers] proc/aftercare/2:")


def test_a_translator_comment_silences_a_named_warning_on_that_entry_only():
    silenced = entry("Rest.", "Descanse", comment="contentapi: ignore=end-punctuation")
    other = entry("Sit.", "Siéntese", context="proc/overview/2")
    checks = [(f.msgctxt, f.check) for f in check_po_bytes(catalog(silenced + other), "es.po")]
    assert checks == [("proc/overview/2", "end-punctuation")]


def test_errors_cannot_be_silenced_and_unknown_ids_are_reported():
    data = catalog(entry("Rest for 24 hours.", "Descanse 48 horas.", comment="contentapi: ignore=numbers, no-such-check"))
    found = {f.check for f in check_po_bytes(data, "es.po")}
    assert found == {"numbers", "unknown-check"}


def test_fuzzy_entries_only_warn_because_they_are_not_compiled():
    data = catalog(entry("Rest for 48 hours.", "Descanse 24 horas.", flags="fuzzy"))
    assert [(f.check, f.severity) for f in check_po_bytes(data, "es.po")] == [("fuzzy", WARNING)]


def test_numbers_are_compared_across_scripts_and_separators():
    assert numbers("Take 1.5 mg") == numbers("Tome 1,5 mg") == numbers("خذ ١٫٥ ملغ")
    assert numbers("24 hours") == numbers("24 小时") == numbers("２４時間")
    assert numbers("1.5") != numbers("15")
    assert numbers("Call 1,000 times") == numbers("Llame 1.000 veces")


def test_a_count_other_than_babels_table_is_a_warning_naming_both(monkeypatch):
    silenced = catalog(entry("Rest.", "Отдыхайте."), language="ru", plural=ES_PLURAL)
    ru = silenced.replace(SILENCE_PLURAL_TABLE.encode(), b"")
    findings = check_po_bytes(ru, "ru/LC_MESSAGES/messages.po", locale="ru")
    table = [f for f in findings if f.check == "plural-table"]
    assert [f.severity for f in table] == [WARNING] and not has_errors(findings)
    assert "nplurals=2" in table[0].hint and "3 forms" in table[0].hint
    assert "plural-table" not in checks_of(silenced, locale="ru")
    ru_ok = catalog(
        entry("Rest.", "Отдыхайте."),
        language="ru",
        plural="nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);",
    )
    assert "plural-forms" not in checks_of(ru_ok, locale="ru")


@pytest.mark.parametrize("spanish_forms", [2, 3], ids=["babel-2.16-table", "babel-2.19-table"])
def test_the_header_is_authoritative_whatever_babels_table_says(monkeypatch, spanish_forms):
    """Babel 2.16-2.18 give Spanish 2 plural forms, 2.19 gives 3: the shipped Spanish catalog
    (msginit's nplurals=2) has no error with either table."""
    import babel.messages.plurals as plurals

    monkeypatch.setitem(plurals.PLURALS, "es", (spanish_forms, "(n != 1)" if spanish_forms == 2 else "(n == 1 ? 0 : n != 0 && n % 1000000 == 0 ? 1 : 2)"))
    po = REPOSITORY_DIR / "translations" / "es" / "LC_MESSAGES" / "messages.po"
    findings = check_po_bytes(po.read_bytes(), str(po))
    assert not has_errors(findings), [f.format() for f in findings if f.severity == ERROR]
    assert ("plural-table" in {f.check for f in findings}) == (spanish_forms == 3)


@pytest.mark.parametrize("po", sorted((REPOSITORY_DIR / "translations").glob("*/LC_MESSAGES/messages.po")), ids=lambda p: p.parts[-3])
def test_shipped_catalogs_have_no_errors(po: Path):
    findings = check_po_bytes(po.read_bytes(), str(po))
    assert not has_errors(findings), [f.format() for f in findings if f.severity == ERROR]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_never_crash_the_checker(data):
    findings = check_po_bytes(data, "upload.po")
    # The last-resort guard turns a crash into a finding; it must never be what answered.
    assert not any("could not be checked" in finding.hint for finding in findings)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(list('msgidtrcx_[]0123 "\\\n#,.|~:%{}()<>') + ["msgid ", "msgstr ", "msgctxt ", "msgstr[1] ", "#| msgid ", '"\n']), max_size=80).map("".join))
def test_arbitrary_po_like_text_never_crashes_the_checker(text):
    findings = check_po_bytes(catalog(text), "upload.po")
    assert all(finding.line >= 1 for finding in findings)
    assert not any("could not be checked" in finding.hint for finding in findings)


_TEXT = st.lists(
    st.sampled_from(list("ab é%{}()[]<>*_`\\\"\n\t0123.,:?!-#~|ü中ع") + ["%(n)d", "{name}", "**", "\u202e", "\u200b"]),
    max_size=12,
).map("".join)


@st.composite
def entries_without_errors(draw):
    """Entries whose translation keeps the source's placeholders, numbers and markup."""
    body = []
    for number in range(draw(st.integers(0, 6))):
        source = draw(_TEXT)
        if source:
            fuzzy = "fuzzy" if draw(st.booleans()) else ""
            body.append(entry(source, "ñ " + source, context=f"proc/s/{number}", flags=fuzzy))
    return "".join(body)


@settings(max_examples=300, deadline=None)
@given(entries_without_errors())
def test_a_catalog_without_errors_always_compiles_and_loads(text):
    from contentapi.i18n.catalogs import compile_po_bytes, load_mo

    data = catalog(text)
    findings = check_po_bytes(data, "es/LC_MESSAGES/messages.po")
    if not has_errors(findings):
        load_mo(compile_po_bytes(data, "es"))


def nplurals_of(locale: str) -> int:
    return int(PLURAL_FORMS[locale].split(";")[0].split("=")[1])


PLURAL_CASES = [(locale, index) for locale in PLURAL_FORMS for index in range(nplurals_of(locale))]


@pytest.mark.parametrize("locale, index", PLURAL_CASES, ids=[f"{locale}-msgstr[{index}]" for locale, index in PLURAL_CASES])
def test_a_plural_form_may_drop_the_number_only_when_it_serves_a_single_n_as_msgfmt_says(tmp_path, locale, index):
    """Russian form 0 serves 1, 21, 31, ...: without %(num)s it is wrong for 21 (msgfmt -c refuses it);
    Spanish form 0 serves only 1, so "Un día" is right. The header's formula decides, as in gettext."""
    forms = ["%(num)s x"] * nplurals_of(locale)
    forms[index] = "x"
    data = catalog(entry("%(num)s day", forms, context=None, flags="python-format", plural="%(num)s days"), locale, PLURAL_FORMS[locale])
    path = tmp_path / locale.replace("-", "_") / "LC_MESSAGES" / "messages.po"
    path.parent.mkdir(parents=True)
    path.write_bytes(data)
    msgfmt_refuses = subprocess.run(["msgfmt", "-c", "-o", "/dev/null", str(path)], capture_output=True).returncode != 0
    ours = [f for f in check_po_bytes(data, str(path)) if f.check == "placeholders"]
    assert bool(ours) == msgfmt_refuses
    serves_one_n = {"es": [0], "ar": [0, 1, 2]}.get(locale, [])
    assert msgfmt_refuses == (index not in serves_one_n)
