"""The mutation corpus: the shipped catalogs (each locale's whole catalog), and copies of them with exactly one change each, run
through ``contentapi i18n check``, GNU ``msgfmt -c`` and translate-toolkit's ``pofilter`` (the real
programs), so what each one catches is measured rather than claimed.

    python -m tests.i18n.corpus --table     # the table in README "What the checks catch"
    python -m tests.i18n.corpus --write DIR # the corpus as files, to try other tools on

``tests/i18n/test_corpus.py`` holds the promises: every catalog msgfmt refuses, check refuses too,
and README shows the table this measures.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from contentapi.config import REPOSITORY_DIR
from contentapi.i18n.checks import ERROR, check_po_bytes
from contentapi.i18n.domains import catalog_domains, catalog_path, merge_catalogs
from contentapi.i18n.locales import SUPPORTED_LOCALES, to_babel_id
from contentapi.i18n.po import read_po

LOCALES = SUPPORTED_LOCALES[1:]
SLUG = "kyphoplasty-and-vertebroplasty"
SPANISH_LINK = "Adaptado de una página de educación para pacientes de un hospital"


@dataclass(frozen=True)
class Mutation:
    """One change to one shipped catalog: ``old`` (which must occur exactly once) becomes ``new``."""

    name: str
    locale: str
    what: str
    old: str
    new: str
    encoding: str = "utf-8"  # of ``new`` alone, for a catalog that is not all UTF-8

    def apply(self, text: str) -> bytes:
        """The mutated catalog's bytes; ValueError when ``old`` is not there exactly once."""
        if self.old == "":
            return self.new.encode(self.encoding) + text.encode("utf-8")
        if text.count(self.old) != 1:
            raise ValueError(f"{self.name}: {self.old!r} occurs {text.count(self.old)} times in {self.locale}")
        before, after = text.split(self.old)
        return before.encode("utf-8") + self.new.encode(self.encoding) + after.encode("utf-8")


AFTERCARE_ES = "y se le indicará que no retome sus actividades normales durante 24 horas después del procedimiento."
PLURAL_ES = 'msgstr[1] "%(num)s procedimientos explicados en lenguaje sencillo."'
PLURAL_RU = 'msgstr[0] "%(num)s процедура, объяснённая простым языком."'
TITLE_ES = 'msgstr "Cifoplastia y vertebroplastia"'
HEADING_ES = 'msgstr "Información general"'
OVERVIEW_ES = "La cifoplastia y la vertebroplastia son procedimientos mínimamente invasivos"
RISK_ITEMS_ES = '"- sangrado\\n"\n"- infección\\n"'
PORTUGUESE = (
    "Depois da vertebroplastia ou da cifoplastia, normalmente você poderá ir para casa no mesmo dia do procedimento. "
    "É possível que sinta alguma dor no local por onde entrou a agulha, e será orientado a não retomar as suas "
    "atividades normais durante 24 horas após o procedimento. Também deve evitar levantar objetos pesados e fazer "
    "qualquer atividade intensa durante várias semanas após a cirurgia, ou conforme indicar o médico que solicitou o procedimento."
)

MUTATIONS = [
    # -- the file: syntax, encoding, header -------------------------------------------------------
    Mutation("byte-order-mark", "es", "a byte-order mark (Notepad's UTF-8)", "", "\ufeff"),
    Mutation("unterminated-string", "es", "a msgstr without its closing quote", TITLE_ES, 'msgstr "Cifoplastia y vertebroplastia'),
    Mutation("escape-apostrophe", "es", "the escape \\' (not C's, not gettext's)", TITLE_ES, "msgstr \"Cifoplastia y vertebroplastia \\'\""),
    Mutation("escape-question", "es", "the escape \\?", TITLE_ES, 'msgstr "Cifoplastia y vertebroplastia\\?"'),
    Mutation("byte-escape", "es", "é written as \\xc3\\xa9 (bytes to msgfmt)", TITLE_ES, 'msgstr "Cifoplastia y vertebroplastia (v\\xc3\\xa9ase)"'),
    Mutation("missing-msgstr", "es", "an entry without msgstr", f'{HEADING_ES}\n', ""),
    Mutation("stray-text", "es", "a stray line of text", f"{HEADING_ES}\n", f"{HEADING_ES}\nInformación\n"),
    Mutation("duplicate-entry", "es", "an entry written twice", 'msgid "Skip to main content"\nmsgstr "Saltar al contenido principal"\n',
             'msgid "Skip to main content"\nmsgstr "Saltar al contenido principal"\n\nmsgid "Skip to main content"\nmsgstr "Saltar"\n'),
    Mutation("indexed-singular", "es", "msgstr[0] on a message without plural", 'msgstr "Saltar al contenido principal"',
             'msgstr[0] "Saltar al contenido principal"'),
    Mutation("latin-1-text", "es", "one translation saved as Latin-1", TITLE_ES, 'msgstr "Cifoplastia y vertebroplastía"', "latin-1"),
    Mutation("charset-latin-1", "es", "the header declares ISO-8859-1", "charset=utf-8", "charset=ISO-8859-1"),
    Mutation("fuzzy-header", "es", "the header marked fuzzy", '#\nmsgid ""', '#\n#, fuzzy\nmsgid ""'),
    Mutation("no-plural-forms", "es", "the Plural-Forms line removed", '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n', ""),
    Mutation("nplurals-3", "es", "nplurals=3 with two forms per entry", "nplurals=2;", "nplurals=3;"),
    Mutation("plural-out-of-range", "es", "plural= gives 2 with nplurals=2", "plural=(n != 1);", "plural=(n != 1 ? 2 : 0);"),
    Mutation("plural-not-c", "es", "plural= is not a C expression", "plural=(n != 1);", "plural=(n ++ 1);"),
    Mutation("plural-division-by-zero", "es", "plural= divides by zero", "plural=(n != 1);", "plural=(n % 0);"),
    Mutation("language-other", "es", "Language: fr in the Spanish catalog", '"Language: es\\n"', '"Language: fr\\n"'),
    Mutation("language-missing", "es", "the Language line removed", '"Language: es\\n"\n', ""),
    # -- plural entries -----------------------------------------------------------------------------
    Mutation("ru-form-0-number", "ru", "Russian msgstr[0] (also n = 21, 31, ...) without %(num)s", PLURAL_RU,
             'msgstr[0] "Одна процедура, объяснённая простым языком."'),
    Mutation("es-form-1-number", "es", "Spanish msgstr[1] (n = 0, 2, 3, ...) without %(num)s", PLURAL_ES,
             'msgstr[1] "Procedimientos explicados en lenguaje sencillo."'),
    Mutation("placeholder-type", "es", "%(num)s became %(num)d", PLURAL_ES, 'msgstr[1] "%(num)d procedimientos explicados en lenguaje sencillo."'),
    Mutation("placeholder-renamed", "es", "%(num)s became %(numero)s", PLURAL_ES,
             'msgstr[1] "%(numero)s procedimientos explicados en lenguaje sencillo."'),
    Mutation("plural-form-missing", "ru", "a Russian plural entry with two forms of three",
             'msgstr[2] "%(num)s процедур, объяснённых простым языком."\n', ""),
    Mutation("plural-form-extra", "es", "a Spanish plural entry with a third form", f"{PLURAL_ES}\n",
             f'{PLURAL_ES}\nmsgstr[2] "%(num)s procedimientos."\n'),
    Mutation("plural-form-empty", "es", "an empty plural form", PLURAL_ES, 'msgstr[1] ""'),
    # -- whitespace and newlines ----------------------------------------------------------------------
    Mutation("leading-newline", "es", "a translation that starts with a newline", TITLE_ES, 'msgstr "\\nCifoplastia y vertebroplastia"'),
    Mutation("trailing-newline", "es", "a translation that ends with a newline", TITLE_ES, 'msgstr "Cifoplastia y vertebroplastia\\n"'),
    Mutation("blank", "es", "a translation of spaces only", TITLE_ES, 'msgstr "   "'),
    # -- what a patient reads: numbers, units, negation, language -------------------------------------------
    Mutation("number", "es", "24 horas became 48 horas", AFTERCARE_ES, AFTERCARE_ES.replace("24", "48")),
    Mutation("unit-es", "es", "24 horas became 24 días", AFTERCARE_ES, AFTERCARE_ES.replace("horas", "días")),
    Mutation("unit-ru", "ru", "24 часов became 24 дней", "в течение 24 часов", "в течение 24 дней"),
    Mutation("unit-zh", "zh-Hans", "24 小时 became 24 天", "术后 24 小时内", "术后 24 天内"),
    Mutation("unit-ko", "ko", "24시간 became 24일", "시술 후 24시간 동안", "시술 후 24일 동안"),
    Mutation("unit-vi", "vi", "24 giờ became 24 ngày", "trong 24 giờ sau", "trong 24 ngày sau"),
    Mutation("unit-ar", "ar", "24 ساعة became 24 يومًا", "لمدة 24 ساعة", "لمدة 24 يومًا"),
    Mutation("negation-es", "es", "no retome became retome", "que no retome", "que retome"),
    Mutation("negation-zh", "zh-Hans", "不要恢复 became 要恢复", "内不要恢复", "内要恢复"),
    Mutation("negation-ru", "ru", "не возвращаться became возвращаться", "не возвращаться", "возвращаться"),
    Mutation("portuguese", "es", "a paragraph in Portuguese in the Spanish catalog",
             "Después de la vertebroplastia o la cifoplastia, por lo general podrá irse a casa el mismo día del procedimiento. "
             "Es posible que tenga algunas molestias en el lugar por donde entró la aguja, " + AFTERCARE_ES
             + " También debe evitar levantar objetos pesados y hacer cualquier actividad intensa durante varias semanas "
             "después de la cirugía, o según le indique el médico que solicitó el procedimiento.", PORTUGUESE),
    Mutation("english-left", "es", "a paragraph left in English", 'msgstr "El radiólogo que realizará el procedimiento y el personal de enfermería le explicarán otros posibles riesgos antes del procedimiento."',
             'msgstr "Additional risks of the procedure will be discussed by your radiologist and the nursing staff before it."'),
    # -- markup and links, as the page renders them ---------------------------------------------------
    Mutation("link-nested-brackets", "es", "[a [b] c](HTTPS:\\/\\/evil.example)", SPANISH_LINK,
             "[Adaptado [de] una página](HTTPS:\\\\/\\\\/evil.example) de educación para pacientes de un hospital"),
    Mutation("link-protocol-relative", "es", "[a [b] c](//evil.example/)", SPANISH_LINK,
             "[Adaptado [de] una página](//evil.example/) de educación para pacientes de un hospital"),
    Mutation("link-escaped-bracket", "es", "[a\\]b](//evil.example/x)", SPANISH_LINK,
             "[Adaptado\\\\]de una página](//evil.example/x) de educación para pacientes de un hospital"),
    Mutation("autolink-email", "es", "<x@evil.example>", SPANISH_LINK, f"{SPANISH_LINK} <x@evil.example>"),
    Mutation("link-javascript", "es", "[texto](javascript:...)", SPANISH_LINK, "[Adaptado](javascript:alert(document.domain)) de una página de educación para pacientes de un hospital"),
    Mutation("script-tag", "es", "a <script> element", TITLE_ES, 'msgstr "Cifoplastia y <script>alert(document.domain)</script> vertebroplastia"'),
    Mutation("bidi-entity", "es", "&#x202E; (right-to-left override as an entity)", "durante 24 horas", "durante &#x202E;24 horas"),
    Mutation("bidi-raw", "es", "a raw U+202E in a dose", "durante 24 horas", "durante \u202e42\u202c horas"),
    Mutation("rlm-entity", "ar", "&rlm; (right-to-left mark as an entity)", "لمدة 24 ساعة", "لمدة &rlm;24 ساعة"),
    Mutation("bold-added", "es", "**bold** the English does not have", OVERVIEW_ES, "La cifoplastia y la vertebroplastia son **procedimientos** mínimamente invasivos"),
    Mutation("list-item-dropped", "es", "a list item dropped", RISK_ITEMS_ES, '"- sangrado\\n"'),
    Mutation("list-items-merged", "es", "two list items on one line", RISK_ITEMS_ES, '"- sangrado, infección\\n"'),
    Mutation("list-bullet-changed", "es", "another bullet mid-list (a second list)", RISK_ITEMS_ES, '"- sangrado\\n"\n"* infección\\n"'),
    # -- advice ---------------------------------------------------------------------------------------
    Mutation("fuzzy", "es", "an entry marked fuzzy", 'msgid "Skip to main content"', '#, fuzzy\nmsgid "Skip to main content"'),
    Mutation("untranslated", "es", "a translation removed", 'msgstr "Saltar al contenido principal"', 'msgstr ""'),
    Mutation("identical", "es", "the English copied", 'msgstr "Saltar al contenido principal"', 'msgstr "Skip to main content"'),
    Mutation("doubled-word", "es", "a word written twice", "son procedimientos mínimamente", "son son procedimientos mínimamente"),
    Mutation("end-punctuation", "es", "the final full stop dropped", "antes del procedimiento.\"", "antes del procedimiento\""),
    Mutation("zero-width", "es", "a zero-width space", TITLE_ES, 'msgstr "Cifoplastia y\u200b vertebroplastia"'),
]


def shipped(locale: str) -> str:
    """The shipped whole-locale catalog (the interface's and every procedure's entries, as the
    translations API serves it), as text."""
    translations = REPOSITORY_DIR / "translations"
    parts = [read_po(catalog_path(translations, locale, domain).read_bytes()) for domain in catalog_domains(translations, locale)]
    return merge_catalogs(parts).decode("utf-8")


def write_corpus(destination: Path) -> dict[str, tuple[str, Path]]:
    """Every catalog of the corpus as ``<destination>/<name>/<babel_id>/LC_MESSAGES/messages.po``:
    name -> (locale, path); the unchanged catalogs are named ``shipped-<locale>``."""
    catalogs = {f"shipped-{locale}": (locale, shipped(locale).encode("utf-8")) for locale in LOCALES}
    catalogs.update({mutation.name: (mutation.locale, mutation.apply(shipped(mutation.locale))) for mutation in MUTATIONS})
    written = {}
    for name, (locale, data) in catalogs.items():
        path = destination / name / to_babel_id(locale) / "LC_MESSAGES" / "messages.po"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written[name] = (locale, path)
    return written


@dataclass(frozen=True)
class Verdict:
    """What one tool said of one catalog, beyond what it says of the unchanged catalog."""

    refused: bool
    said: tuple[str, ...]  # the new check ids, test names or messages

    def cell(self, refusal: str, notice: str) -> str:
        """The table cell: ``refusal: ...``, ``notice: ...`` or a dash."""
        if not self.refused and not self.said:
            return "-"
        return f"{refusal if self.refused else notice}: {', '.join(self.said)}" if self.said else refusal


def check_says(path: Path) -> Counter:
    """contentapi i18n check's (check id, severity) pairs for a catalog."""
    return Counter((f.check, f.severity) for f in check_po_bytes(path.read_bytes(), str(path)))


def check_verdict(says: Counter, before: Counter) -> Verdict:
    """Errors refuse; warnings the unchanged catalog did not get are advice."""
    new = says - before
    errors = sorted({check for check, severity in new if severity == ERROR})
    return Verdict(bool(errors), tuple(errors or sorted({check for check, _ in new})))


def msgfmt_says(path: Path) -> tuple[int, list[str]]:
    """GNU msgfmt -c's exit status and messages (without the file name) for a catalog."""
    done = subprocess.run(["msgfmt", "-c", "-o", "/dev/null", str(path)], capture_output=True, text=True)
    prefix = re.compile(re.escape(str(path)) + r":(?:\d+:)*\s*")
    return done.returncode, [prefix.sub("", line) for line in done.stderr.splitlines() if prefix.match(line)]


def msgfmt_verdict(says: tuple[int, list[str]], before: tuple[int, list[str]]) -> Verdict:
    """A non-zero exit refuses; the first message it did not give the unchanged catalog is shown."""
    code, messages = says
    new = [message.removeprefix("warning: ") for message in messages if message not in set(before[1])]
    return Verdict(code != 0, tuple(new[:1]))


def pofilter_verdicts(catalogs: dict[str, tuple[str, Path]], work: Path) -> dict[str, Verdict]:
    """translate-toolkit pofilter (its default tests for the language, spelling left out as no dictionary
    is installed): the tests that fail on a catalog and not on the unchanged one. It never refuses a
    catalog; one it cannot read is said so."""
    failures: dict[str, Counter | None] = {}
    for locale in LOCALES:
        names = [name for name, (code, _) in catalogs.items() if code == locale]
        source, output = work / "pofilter-in" / locale, work / "pofilter-out" / locale
        source.mkdir(parents=True)
        output.parent.mkdir(parents=True, exist_ok=True)
        for name in names:
            (source / f"{name}.po").write_bytes(catalogs[name][1].read_bytes())
        done = subprocess.run(["pofilter", f"--language={to_babel_id(locale)}", "--excludefilter=spellcheck",
                               "--progress=none", str(source), "-o", str(output)], capture_output=True, text=True)
        for name in names:
            if f"Error processing: input {source / name}.po" in done.stderr:
                failures[name] = None
                continue
            result = output / f"{name}.po"  # written only when a test failed
            text = result.read_text(encoding="utf-8", errors="replace") if result.exists() else ""
            failures[name] = Counter(re.findall(r"^# \(pofilter\) ([a-z]+):", text, re.MULTILINE))
    verdicts = {}
    for name, (locale, _) in catalogs.items():
        found, base = failures[name], failures[f"shipped-{locale}"] or Counter()
        verdicts[name] = Verdict(False, ("cannot read the file",) if found is None else tuple(sorted(found - base)))
    return verdicts


@dataclass(frozen=True)
class Row:
    """One catalog of the corpus and the three verdicts."""

    name: str
    locale: str
    what: str
    check: Verdict
    msgfmt: Verdict
    pofilter: Verdict


def measure() -> list[Row]:
    """Run the three tools over the whole corpus (shipped catalogs first)."""
    descriptions = {mutation.name: mutation.what for mutation in MUTATIONS}
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        catalogs = write_corpus(work / "corpus")
        pofilter = pofilter_verdicts(catalogs, work)
        checked = {name: check_says(path) for name, (_, path) in catalogs.items()}
        compiled = {name: msgfmt_says(path) for name, (_, path) in catalogs.items()}
        rows = []
        for name, (locale, _) in catalogs.items():
            base = f"shipped-{locale}"
            rows.append(Row(name, locale, descriptions.get(name, "the shipped catalog"), check_verdict(checked[name], checked[base]),
                            msgfmt_verdict(compiled[name], compiled[base]), pofilter[name]))
    return rows


def table(rows: list[Row]) -> str:
    """The Markdown table of README "What the checks catch", with a line of totals."""
    lines = [
        "| change (one per catalog) | locale | `contentapi i18n check` | `msgfmt -c` | `pofilter` |",
        "| --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        what = row.what.replace("|", "\\|")
        cells = (row.check.cell("**error**", "warning"), row.msgfmt.cell("**refuses**", "warning"), row.pofilter.cell("", "flags"))
        lines.append(f"| {what} | {row.locale} | " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    mutated = [row for row in rows if not row.name.startswith("shipped-")]
    lines.append(
        f"| **{len(mutated)} changed catalogs** | | refuses {sum(r.check.refused for r in mutated)}, "
        f"warns on {sum(not r.check.refused and bool(r.check.said) for r in mutated)} | "
        f"refuses {sum(r.msgfmt.refused for r in mutated)}, warns on {sum(not r.msgfmt.refused and bool(r.msgfmt.said) for r in mutated)} | "
        f"flags {sum(bool(r.pofilter.said) for r in mutated)} |"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """``--table`` prints the measured table; ``--write DIR`` writes the corpus."""
    parser = argparse.ArgumentParser(prog="python -m tests.i18n.corpus", description=__doc__.split("\n\n")[0])
    parser.add_argument("--table", action="store_true", help="run the three tools and print the Markdown table")
    parser.add_argument("--write", type=Path, metavar="DIR", help="write the corpus's catalogs under DIR")
    args = parser.parse_args(argv)
    if args.write:
        for name, (_, path) in write_corpus(args.write).items():
            print(f"{name}\t{path}")
    if args.table or not args.write:
        print(table(measure()))


if __name__ == "__main__":
    sys.exit(main())
