"""The catalog checker: every problem a translator can put into a .po file, found before it reaches a patient.

Plain Python, no Flask. ``check_po_bytes(data)`` never raises on any input: a file
that cannot be read is reported as an ``unparsable`` or ``encoding`` finding.

Each check has a stable id and a severity. Errors block ``contentapi i18n compile``
and publishing; warnings are advice. A translator comment on an entry silences a
named *warning* on that entry only::

    # contentapi: ignore=end-punctuation, length-ratio

(Errors cannot be silenced: a wrong dose or a script tag is never intended.)

The .po file is read by ``contentapi.i18n.po``, the strict parser the compiler and
the publisher use too, so what is checked is what is compiled. Fuzzy entries are not compiled, so only the ``fuzzy``
warning applies to them (their old translation is expected to disagree with the
new English). Format strings are recognised by their shape, never by Babel's
``python-format`` guess, so "Take 50% of the dose" is plain text.
"""

from __future__ import annotations

import gettext
import re
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

from contentapi.content.markdown import BIDI_CONTROLS
from contentapi.i18n.features import (
    CONTROL,
    DOUBLED_WORD,
    ZERO_WIDTH,
    describe,
    describe_numbers,
    difference,
    end_class,
    letter_count,
    length_bounds,
    numbers,
    placeholders,
    text_urls,
)
from contentapi.i18n.markup import (
    Rendered,
    markdown_cost,
    reads_as_list,
    render_message,
    unsafe_parts,
)
from contentapi.i18n.locales import DEFAULT_LOCALE, SUPPORTED_LOCALES, to_babel_id, translatable_locale
from contentapi.i18n.meaning import language_name, negation_differs, reads_as, unit_changes
from contentapi.i18n.po import PoDecodeError, PoEntry, PoFile, PoSyntaxError, read_po, shorten
from contentapi.i18n.review import parse_review
from contentapi.i18n.terms import term_problems

ERROR = "error"
WARNING = "warning"

# Every check: id -> (severity, what it means). The ids are a public contract (JSON output, suppressions).
CHECKS: dict[str, tuple[str, str]] = {
    "unparsable": (ERROR, "the file is not a well-formed .po file"),
    "encoding": (ERROR, "the file is not UTF-8 or does not declare charset=UTF-8"),
    "byte-order-mark": (ERROR, "the file starts with a byte-order mark, which msgfmt refuses (Notepad adds it; Poedit does not)"),
    "header": (ERROR, "the header entry is missing, fuzzy, or names another language"),
    "plural-forms": (ERROR, "Plural-Forms is missing or malformed, or plural= gives an index outside nplurals"),
    "plural-count": (ERROR, "a plural entry has a different number of forms than nplurals"),
    "placeholders": (ERROR, "%(name)s, %s or {name} placeholders differ from the source (per plural form, as msgfmt -c holds them)"),
    "markup": (ERROR, "links, bold, emphasis, code, line breaks, list shape or tag-like text differ, as the page's Markdown parser reads them"),
    "unsafe-markup": (ERROR, "script, style, iframe, object, on* attributes, javascript: or data: URLs"),
    "urls": (ERROR, "link targets (as the page writes them) or written-out URLs differ from the source"),
    "numbers": (ERROR, "the numbers (doses, durations) differ from the source"),
    "units": (ERROR, "a number's unit differs from the English (24 hours became 24 days), by CLDR's unit names"),
    "empty-translation": (ERROR, "a translated entry is blank or has an empty plural form"),
    "control-characters": (ERROR, "control or bidirectional characters in the translation, also as entities (&#x202E;, &rlm;)"),
    "newlines": (ERROR, "a leading or trailing newline differs from the English (msgfmt -c refuses it)"),
    "check-limit": (ERROR, "the catalog asks more work of the checker than any real one (entries, runs of [, *, newlines ...)"),
    "untranslated": (WARNING, "no translation yet (English is served)"),
    "fuzzy": (WARNING, "marked fuzzy: needs review (English is served until confirmed)"),
    "identical": (WARNING, "the translation is the same as the English"),
    "length-ratio": (WARNING, "the translation is much shorter or longer than the English"),
    "whitespace": (WARNING, "leading or trailing whitespace differs from the source"),
    "end-punctuation": (WARNING, "the final punctuation differs from the source"),
    "doubled-words": (WARNING, "a word is repeated ('the the')"),
    "zero-width": (WARNING, "zero-width characters in the translation"),
    "negation": (WARNING, "the English is negative (not, no, never) and the translation is not, or the reverse"),
    "language": (WARNING, "the translation reads as another language than the catalog's"),
    "plural-table": (WARNING, "nplurals differs from Babel's CLDR table for the language (the header is what gettext uses)"),
    "unknown-check": (WARNING, "a suppression comment names a check that does not exist or is an error"),
    "translation-removed": (WARNING, "publishing: a message translated in the current catalog is not in the upload"),
    "terminology": (WARNING, "the English uses a termbase term and the translation misses its preferred translation, "
                             "or uses a deprecated one (translations/<locale>/terms.tbx)"),
    "review": (WARNING, "a '# contentapi: review=' comment cannot be read (the message counts as translated, not reviewed)"),
}

# The flags under which msgfmt -c reads every % as a directive.
PRINTF_FLAGS = frozenset({"python-format", "c-format"})
# What checking may cost per catalog, in units of about a microsecond of CPU: every entry costs
# ENTRY_COST and its Markdown what markdown_cost says. A shipped catalog costs about 2,900, one of
# 1 MiB made like them about 230,000; the budget is about half a second, so no upload (1 MiB of "["
# or of one-word entries) costs more than about a second however it is made.
CHECK_BUDGET = 500_000
ENTRY_COST = 50
_PLURAL_FORMS = re.compile(r"nplurals=\s*(\d{1,9})\s*;\s*plural=([^;]*);?")
ERRORS = frozenset(name for name, (severity, _) in CHECKS.items() if severity == ERROR)
SUPPRESSION = re.compile(r"contentapi:\s*ignore\s*=\s*([A-Za-z0-9_,\s-]+)")


@dataclass(frozen=True)
class Finding:
    """One problem: where it is, which entry, which check, and what to do about it."""

    file: str
    line: int
    msgctxt: str | None
    check: str
    severity: str
    hint: str
    msgid: str | None = None

    def to_dict(self) -> dict:
        """The JSON form (``--format json`` and the API's 422 problem)."""
        return asdict(self)

    def format(self) -> str:
        """``file:line: severity [check] msgctxt: hint`` on one line."""
        where = f" {self.msgctxt}" if self.msgctxt else (f" {shorten(self.msgid)!r}" if self.msgid else "")
        return f"{self.file}:{self.line}: {self.severity} [{self.check}]{where}: {self.hint}"


def has_errors(findings: list[Finding]) -> bool:
    """True if any finding is an error (the catalog must not be compiled or published)."""
    return any(finding.severity == ERROR for finding in findings)



def suppressed_checks(entry: PoEntry) -> set[str]:
    """Check ids named in ``# contentapi: ignore=...`` translator comments."""
    names: set[str] = set()
    for comment in entry.translator_comments:
        for match in SUPPRESSION.finditer(comment):
            names.update(name.strip() for name in re.split(r"[,\s]+", match.group(1)) if name.strip())
    return names


def locale_from_path(path: str | Path) -> str | None:
    """The locale of ``<folder>/<babel_id>/LC_MESSAGES/messages.po``, if the path has that shape."""
    parts = Path(path).parts
    if len(parts) >= 3 and parts[-2] == "LC_MESSAGES":
        return translatable_locale(parts[-3])
    return None


class _Checker:
    """One run of the checks over one file, collecting findings."""

    def __init__(self, filename: str, locale: str | None, termbase=None):
        self.filename = filename
        self.locale = locale
        self.termbase = termbase  # contentapi.i18n.terms.Termbase: the terminology check
        self.findings: list[Finding] = []
        self.served: dict[int, list[int]] | None = None  # plural form index -> the n (0..1000) it serves
        self.work_left = CHECK_BUDGET

    def add(self, check: str, line: int, hint: str, entry: PoEntry | None = None, ignored: set[str] = frozenset()):
        """Record a finding, unless it is a warning the entry silenced."""
        severity = CHECKS[check][0]
        if severity == WARNING and check in ignored:
            return
        self.findings.append(
            Finding(
                file=self.filename,
                line=line,
                msgctxt=entry.context if entry else None,
                check=check,
                severity=severity,
                hint=hint,
                msgid=shorten(entry.msgid, 80) if entry else None,
            )
        )

    def run(self, po: PoFile) -> list[Finding]:
        """Check the header and every entry of a parsed catalog."""
        nplurals = self.check_header(po)
        for entry in po.messages:
            self.check_entry(entry, nplurals)
        return self.findings

    def check_header(self, po: PoFile) -> int | None:
        """Header, charset, Language and Plural-Forms; return nplurals when known."""
        header = po.header
        if header is None:
            self.add("header", 1, 'the header entry (msgid "") is missing; start from "contentapi i18n init LOCALE"')
            return None
        fields = po.header_fields
        if header.fuzzy:
            self.add("header", header.line, "remove the fuzzy flag from the header: tools skip fuzzy-header catalogs")
        content_type = fields.get("Content-Type", "")
        charset = re.search(r"charset\s*=\s*([A-Za-z0-9_.:-]+)", content_type)
        if not charset or charset.group(1).lower().replace("-", "") != "utf8":
            self.add("encoding", header.line, 'declare "Content-Type: text/plain; charset=UTF-8" in the header')
        language = fields.get("Language")
        declared = translatable_locale(language) if language else None
        if not language:
            self.add("header", header.line, f"add a Language header (e.g. Language: {to_babel_id(self.locale or 'es')})")
        elif declared is None:
            self.add("header", header.line, f"Language {language!r} is not one of the served locales: {', '.join(SUPPORTED_LOCALES[1:])}")
        elif self.locale and declared != self.locale:
            self.add("header", header.line, f"Language {language!r} does not match the catalog's locale {self.locale}")
        locale = self.locale or declared
        self.locale = locale
        return self.check_plural_forms(header, fields.get("Plural-Forms"), locale)

    def check_plural_forms(self, header: PoEntry, value: str | None, locale: str | None) -> int | None:
        """Plural-Forms syntax and a safe C expression within nplurals; CLDR's count only as advice.

        The header is authoritative, as in GNU gettext: msgfmt and every gettext runtime use the
        header's own formula. CLDR's tables change between Babel releases (Babel 2.19 gives
        Spanish a third form for millions, where msginit, Poedit and Weblate use two), so a
        count that differs from Babel's is a warning naming both, never an error.
        """
        if not value:
            self.add("plural-forms", header.line, 'add a Plural-Forms header, e.g. "nplurals=2; plural=(n != 1);"')
            return None
        text = header.forms[0]
        field = re.search(r"^[ \t]*Plural-Forms[ \t]*:.*$", text, re.MULTILINE)
        for key in ("nplurals=", "plural="):
            # gettext takes the first "plural=" and "nplurals=" anywhere in the header, not the field's.
            if field is None or not field.start() <= text.find(key) < field.end():
                self.add("plural-forms", header.line, f"{key!r} appears in another header field: gettext would read that one; "
                         "write it only in Plural-Forms")
                return None
        match = _PLURAL_FORMS.fullmatch(value.strip())
        if not match:
            self.add("plural-forms", header.line, 'Plural-Forms must read "nplurals=N; plural=EXPRESSION;"')
            return None
        nplurals = int(match.group(1))
        if not 1 <= nplurals <= 6:
            self.add("plural-forms", header.line, f"nplurals={nplurals} is out of range (1 to 6)")
            return None
        try:
            expression = match.group(2).strip()
            if not expression or len(expression) > 500:
                raise ValueError("no expression, or one too long")
            plural = gettext.c2py(expression)
            # As msgfmt does: evaluate for n = 0..1000 and note which n each form serves.
            served: dict[int, list[int]] = {}
            for n in range(1001):
                served.setdefault(int(plural(n)), []).append(n)
        except (ValueError, SyntaxError, RecursionError, ZeroDivisionError, OverflowError, TypeError):
            self.add("plural-forms", header.line, "the plural= expression is not a valid C expression of n")
            return None
        if not set(served) <= set(range(nplurals)):
            self.add("plural-forms", header.line, f"plural= gives form indexes outside 0..{nplurals - 1}")
        self.served = served
        if locale and locale != DEFAULT_LOCALE:
            expected = _expected_nplurals(locale)
            if expected is not None and expected != nplurals:
                self.add(
                    "plural-table", header.line,
                    f"Plural-Forms says nplurals={nplurals}; Babel's CLDR table for {locale} has {expected} forms. "
                    "gettext uses the header; keep it if it is your team's convention (msginit's), "
                    "or add '# contentapi: ignore=plural-table' above the header",
                    header, suppressed_checks(header),
                )
        return nplurals

    def check_entry(self, entry: PoEntry, nplurals: int | None) -> None:
        """Suppressions, plural count, untranslated/fuzzy, blank forms, then each form."""
        if not self.spend(ENTRY_COST, entry):
            return
        ignored = suppressed_checks(entry)
        _, problem = parse_review(entry.translator_comments)
        if problem:
            self.add("review", entry.line, f"the review comment is ignored: {problem}; leave review comments to "
                     "'contentapi i18n review' (or the reviews API)", entry, ignored)
        for kind, names in (("is an error and cannot be silenced", ignored & ERRORS), ("is not a check id", ignored - set(CHECKS))):
            if names:
                self.add("unknown-check", entry.line, f"ignore={describe(Counter(names))} {kind}; see contentapi i18n check --list", entry)
        if entry.is_plural and nplurals is not None and len(entry.msgstr) != nplurals:
            self.add("plural-count", entry.line, f"give exactly {nplurals} forms msgstr[0]..msgstr[{nplurals - 1}], not {len(entry.msgstr)}", entry)
        if not entry.translated:
            self.add("untranslated", entry.line, "not translated yet; English is served", entry, ignored)
            return
        if entry.fuzzy:
            self.add("fuzzy", entry.line, "review the translation against the new English, then remove the fuzzy flag", entry, ignored)
            return
        forms = entry.forms
        if entry.is_plural and any(not form for form in forms):
            self.add("empty-translation", entry.line, "fill every plural form or clear them all", entry)
        for form in forms:
            if form and not ZERO_WIDTH.sub("", form).strip():
                self.add("empty-translation", entry.line, "the translation is only whitespace; write it or clear it", entry)
                return
        self.check_newlines(entry)
        sources = [entry.msgid] + ([entry.msgid_plural] if entry.is_plural else [])
        # reads_as_list parses the English as blocks first; then each text as the renderer reads it.
        if not self.spend(markdown_cost(entry.msgid, True), entry):
            return
        as_list = reads_as_list(entry.msgid)
        if not self.spend(sum(markdown_cost(text, as_list) for text in [*sources, *forms]), entry):
            return
        expected = {source: render_message(source, as_list) for source in sources}
        for index, form in enumerate(forms):
            if not form:
                continue
            source = entry.msgid if not entry.is_plural or (index == 0 and len(forms) > 1) else entry.msgid_plural
            self.check_pair(entry, source, form, (expected[source], render_message(form, as_list)), ignored,
                            index if entry.is_plural else None)

    def spend(self, cost: int, entry: PoEntry) -> bool:
        """Charge work to the catalog's budget; when it runs out, one error says so and the rest of the
        catalog is not checked, so no upload costs more than about a second of CPU."""
        if self.work_left >= cost:
            self.work_left -= cost
            return True
        if self.work_left >= 0:
            self.add("check-limit", entry.line, "the catalog has far more entries or Markdown punctuation (brackets, "
                     "emphasis, backslashes, line breaks) than a real one: this entry and the ones after it were not "
                     "checked; remove the runs of punctuation or split the catalog", entry)
            self.work_left = -1
        return False

    def check_newlines(self, entry: PoEntry) -> None:
        """msgid_plural and every form begin and end with a newline exactly when msgid does, as msgfmt -c requires."""
        named = [("msgid_plural", entry.msgid_plural)] if entry.is_plural else []
        named += [(f"msgstr[{index}]" if entry.is_plural else "msgstr", form) for index, form in enumerate(entry.forms)]
        for name, text in named:
            if _newline_edges(text) != _newline_edges(entry.msgid):
                self.add("newlines", entry.line, f"{name} must begin and end with a newline exactly where msgid does "
                         "(msgfmt refuses the catalog otherwise)", entry)

    def check_placeholders(self, entry: PoEntry, target: str, sources: list[str], form: int | None, label: str) -> None:
        """Format placeholders: the same as the English, per plural form as gettext serves them.

        As msgfmt -c does, a plural form is held to every placeholder of msgid_plural unless the
        header's formula gives it a single n (Spanish form 0 serves only 1, so "Un procedimiento"
        is fine; Russian form 0 also serves 21, 31, ... so it must keep %(num)s). A form may never
        bring a placeholder that neither msgid nor msgid_plural has.
        """
        printf = bool(entry.flags & PRINTF_FLAGS)
        if not entry.is_plural:
            different = difference(placeholders(sources[0], printf), placeholders(target, printf))
            if different:
                self.add("placeholders", entry.line, f"{label}{different}; copy placeholders exactly as in the English", entry)
            return
        allowed = Counter()
        for text in sources:
            allowed |= placeholders(text, printf)
        got = placeholders(target, printf)
        numbers_served = self.served.get(form, []) if self.served is not None else None
        required = placeholders(entry.msgid_plural, printf) if numbers_served is None or len(numbers_served) > 1 else Counter()
        parts = []
        if required - got:
            shown = ", ".join(str(n) for n in numbers_served[:4]) if numbers_served else ""
            why = f" (this form serves n = {shown}, ...)" if len(numbers_served or ()) > 4 else (f" (this form serves n = {shown})" if shown else "")
            parts.append(f"missing {describe(required - got)}{why}")
        if got - allowed:
            parts.append(f"unexpected {describe(got - allowed)}")
        if parts:
            self.add("placeholders", entry.line, f"{label}{'; '.join(parts)}; copy placeholders exactly as in the English", entry)

    def check_meaning(self, entry: PoEntry, source: str, target: str, label: str, ignored: set[str], plural_form: bool) -> None:
        """Units of numbers (error), negation and language (warnings), on the text a reader sees."""
        line = entry.line
        changes = [] if plural_form else unit_changes(source, target, self.locale)
        if changes:
            self.add("units", line, f"{label}{'; '.join(changes[:4])}: keep the English unit with each number", entry)
        negation = negation_differs(source, target, self.locale)
        if negation:
            said = "the English is negative (not, no, never) and this is not" if negation == "dropped" else \
                "this is negative and the English is not"
            self.add("negation", line, f"{label}{said}: check the meaning", entry, ignored)
        language = reads_as(target, self.locale)
        if language:
            self.add("language", line, f"{label}reads as {language_name(language)}, not {language_name(self.locale)}: "
                     "is it in the right catalog?", entry, ignored)

    def check_markup(self, entry: PoEntry, expected: Rendered, seen: Rendered, label: str) -> None:
        """Block shape, elements, link targets and written-out URLs, as the renderer reads both texts."""
        line = entry.line
        parts = []
        if seen.shape != expected.shape:
            parts.append(f"the English is {' + '.join(expected.shape) or 'one line'}; this is {' + '.join(seen.shape) or 'one line'}")
        different = difference(expected.elements, seen.elements)
        if different:
            parts.append(different)
        if parts:
            self.add("markup", line, f"{label}{'; '.join(parts)}; keep the same links, bold, code, line breaks and list items", entry)
        targets = difference(expected.targets, seen.targets)
        written = difference(text_urls(expected.text), text_urls(seen.text))
        if targets or written:
            where = "; ".join(part for part in (f"link targets: {targets}" if targets else "", written) if part)
            self.add("urls", line, f"{label}{where}; URLs must be copied unchanged", entry)

    def check_pair(self, entry: PoEntry, source: str, target: str, views: tuple[Rendered, Rendered], ignored: set[str],
                   form: int | None):
        """Every content check of one translation against its English source, both as the renderer reads them."""
        label = f"msgstr[{form}] " if form is not None else ""
        line = entry.line
        expected, seen = views
        sources = [entry.msgid] + ([entry.msgid_plural] if entry.is_plural else [])
        if _controls(target, seen) - _controls(source, expected):
            self.add("control-characters", line, f"{label}remove control or bidirectional characters (U+202A-202E, U+2066-2069, "
                     "also when written as entities such as &#x202E; or &rlm;)", entry)
        bad = unsafe_parts(seen)
        if bad:
            self.add("unsafe-markup", line, f"{label}remove {', '.join(bad)}: never allowed in patient text", entry)
        self.check_placeholders(entry, target, sources, form, label)
        self.check_markup(entry, expected, seen, label)
        source_numbers, target_numbers = numbers(expected.text), numbers(seen.text)
        if source_numbers != target_numbers and not (entry.is_plural and form is not None):
            different = difference(describe_numbers(source_numbers), describe_numbers(target_numbers))
            self.add("numbers", line, f"{label}{different}; doses and durations must keep their numbers (write them in digits)", entry)
        if self.locale:
            self.check_meaning(entry, expected.text, seen.text, label, ignored, plural_form=form is not None)
        if self.locale and self.termbase is not None and "terminology" not in ignored:
            for problem in term_problems(self.termbase, self.locale, expected.text, seen.text):
                self.add("terminology", line, f"{label}{problem.hint(self.locale)}", entry, ignored)
        if source.strip() == target.strip() and letter_count(source) >= 3:
            self.add("identical", line, f"{label}same as the English; translate it, or add '# contentapi: ignore=identical' if intended", entry, ignored)
        if letter_count(source) >= 20:
            low, high = length_bounds(self.locale)
            ratio = len(target.strip()) / max(1, len(source.strip()))
            if not low <= ratio <= high:
                self.add("length-ratio", line, f"{label}{ratio:.2f} times the English length (expected {low}-{high}); check nothing is missing or added", entry, ignored)
        spaces_differ = (source[:1].isspace(), source[-1:].isspace()) != (target[:1].isspace(), target[-1:].isspace())
        if spaces_differ and _newline_edges(source) == _newline_edges(target):  # else the newlines error says it
            self.add("whitespace", line, f"{label}leading/trailing spaces or newlines differ from the English", entry, ignored)
        source_end, target_end = end_class(source), end_class(target)
        if source_end != target_end:
            shown = source_end or "no punctuation"
            self.add("end-punctuation", line, f"{label}the English ends with {shown!r}; end the translation the same way", entry, ignored)
        doubled = {match.group(1).lower() for match in DOUBLED_WORD.finditer(target)} - {
            match.group(1).lower() for match in DOUBLED_WORD.finditer(source)
        }
        if doubled:
            self.add("doubled-words", line, f"{label}repeated word {', '.join(sorted(doubled))!r}", entry, ignored)
        if ZERO_WIDTH.search(target) and not ZERO_WIDTH.search(source):
            self.add("zero-width", line, f"{label}remove zero-width characters (U+200B, U+2060, U+FEFF)", entry, ignored)


def _newline_edges(text: str) -> tuple[bool, bool]:
    return text.startswith("\n"), text.endswith("\n")


def _controls(raw: str, rendered: Rendered) -> set[str]:
    """Control and bidirectional characters in a message: raw, or decoded from entities by the renderer
    (which removes raw bidirectional marks itself, but not the ones an entity such as &rlm; writes)."""
    found = {char for char in set(raw) if CONTROL.match(char)}  # the distinct characters: one pass in C
    for text in (rendered.text, *rendered.targets):
        found.update(char for char in set(text) if CONTROL.match(char) or BIDI_CONTROLS.match(char))
    return found


def _expected_nplurals(locale: str) -> int | None:
    try:
        from babel.messages.plurals import get_plural

        return get_plural(to_babel_id(locale)).num_plurals
    except Exception:  # noqa: BLE001  (an unknown locale has no CLDR rule to compare with)
        return None


def check_po(po: PoFile, filename: str = "<catalog>", locale: str | None = None, termbase=None) -> list[Finding]:
    """Every finding for one parsed catalog, sorted by line. Never raises.

    ``locale`` (a served code such as ``es`` or ``zh-Hans``) is the catalog's expected
    language; when None it is taken from the path or the Language header. ``termbase``
    (``contentapi.i18n.terms.Termbase``) turns on the terminology check.
    """
    checker = _Checker(filename, locale or locale_from_path(filename), termbase)
    try:
        findings = checker.run(po)
    except Exception as error:  # noqa: BLE001  (the promise: never crash on any input, report instead)
        findings = checker.findings + [
            Finding(filename, 1, None, "unparsable", ERROR, f"the file could not be checked ({type(error).__name__})")
        ]
    return sorted(findings, key=lambda finding: (finding.line, finding.severity != ERROR, finding.check))


def read_and_check(data: bytes, filename: str = "<catalog>", locale: str | None = None,
                   termbase=None) -> tuple[PoFile | None, list[Finding]]:
    """Parse .po bytes once and check them: the parsed file (None when it cannot be read) and the findings.

    Compiling, publishing and previewing take the parsed file from here, so an upload is read
    by one parser, once.
    """
    try:
        po = read_po(data)
    except PoDecodeError as error:
        return None, [Finding(filename, error.line, None, error.kind, ERROR, error.message)]
    except PoSyntaxError as error:
        hint = f"{error.message}; fix the syntax (a .po editor such as Poedit shows it)"
        return None, [Finding(filename, error.line, None, "unparsable", ERROR, hint)]
    return po, check_po(po, filename, locale, termbase)


def check_po_bytes(data: bytes, filename: str = "<catalog>", locale: str | None = None, termbase=None) -> list[Finding]:
    """Every finding for one .po file's bytes, sorted by line. Never raises."""
    return read_and_check(data, filename, locale, termbase)[1]


def check_po_file(path: Path, locale: str | None = None, termbase=None) -> list[Finding]:
    """Check a .po file on disk; an unreadable file is one ``unparsable`` finding."""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        return [Finding(str(path), 1, None, "unparsable", ERROR, f"cannot read the file ({error.strerror or error})")]
    return check_po_bytes(data, str(path), locale, termbase)


def message_key(entry: PoEntry) -> tuple[str | None, str | None]:
    """What makes two entries the same message across versions: the msgctxt, else the msgid."""
    return (entry.context, None) if entry.context else (None, entry.msgid)


def removed_translations(current: PoFile, upload: PoFile, filename: str = "<upload>") -> list[Finding]:
    """Warnings for messages translated in ``current`` that the upload leaves untranslated or drops.

    A publish replaces the whole file, so this is how a translator learns that an
    upload made from a truncated or older file would lose words (revisions keep them). Messages
    are matched by msgctxt where they have one, so a block whose English changed (a new msgid,
    its old translation kept fuzzy by ``update``) is not a loss.
    """
    after = {message_key(entry): entry for entry in upload.messages}
    findings = []
    for entry in current.messages:
        if not entry.translated or entry.fuzzy:
            continue
        new = after.get(message_key(entry))
        if new is None or not new.translated:
            findings.append(
                Finding(
                    filename, new.line if new else 1, entry.context, "translation-removed", WARNING,
                    "translated in the published catalog but " + ("empty" if new else "missing") + " in this one",
                    shorten(entry.msgid, 80),
                )
            )
    return findings


def summary(findings: list[Finding]) -> dict[str, int]:
    """How many errors and warnings."""
    counts = Counter(finding.severity for finding in findings)
    return {"errors": counts.get(ERROR, 0), "warnings": counts.get(WARNING, 0)}
