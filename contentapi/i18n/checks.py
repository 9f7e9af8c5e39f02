"""The catalog checker: every problem a translator can put into a .po file, found before it reaches a patient.

Plain Python, no Flask. ``check_po_bytes(data)`` never raises on any input: a file
that cannot be read is reported as an ``unparsable`` or ``encoding`` finding.

Each check has a stable id and a severity. Errors block ``contentapi i18n compile``
and publishing; warnings are advice. A translator comment on an entry silences a
named *warning* on that entry only::

    # contentapi: ignore=end-punctuation, length-ratio

(Errors cannot be silenced: a wrong dose or a script tag is never intended.)

The .po file is parsed here by a strict parser of our own rather than Babel's,
because Babel's reader silently accepts unterminated strings, duplicate entries
and ``msgstr[0]`` on a singular message, and does not keep line numbers for
everything we report. Fuzzy entries are not compiled, so only the ``fuzzy``
warning applies to them (their old translation is expected to disagree with the
new English). Format strings are recognised by their shape, never by Babel's
``python-format`` guess, so "Take 50% of the dose" is plain text.
"""

from __future__ import annotations

import gettext
import html
import re
import unicodedata
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from contentapi.i18n.locales import (
    DEFAULT_LOCALE,
    SUPPORTED_LOCALES,
    to_babel_id,
    to_bcp47,
)

ERROR = "error"
WARNING = "warning"

# Every check: id -> (severity, what it means). The ids are a public contract (JSON output, suppressions).
CHECKS: dict[str, tuple[str, str]] = {
    "unparsable": (ERROR, "the file is not a well-formed .po file"),
    "encoding": (ERROR, "the file is not UTF-8 or does not declare charset=UTF-8"),
    "header": (ERROR, "the header entry is missing, fuzzy, or names another language"),
    "plural-forms": (ERROR, "Plural-Forms is missing or malformed, or plural= gives an index outside nplurals"),
    "plural-count": (ERROR, "a plural entry has a different number of forms than nplurals"),
    "placeholders": (ERROR, "%(name)s, %s or {name} placeholders differ from the source"),
    "markup": (ERROR, "HTML tags or Markdown markup (links, bold, code, list items) differ from the source"),
    "unsafe-markup": (ERROR, "script, style, iframe, object, on* attributes, javascript: or data: URLs"),
    "urls": (ERROR, "the URLs differ from the source"),
    "numbers": (ERROR, "the numbers (doses, durations) differ from the source"),
    "empty-translation": (ERROR, "a translated entry is blank or has an empty plural form"),
    "control-characters": (ERROR, "control or bidirectional override characters in the translation"),
    "untranslated": (WARNING, "no translation yet (English is served)"),
    "fuzzy": (WARNING, "marked fuzzy: needs review (English is served until confirmed)"),
    "identical": (WARNING, "the translation is the same as the English"),
    "length-ratio": (WARNING, "the translation is much shorter or longer than the English"),
    "whitespace": (WARNING, "leading or trailing whitespace differs from the source"),
    "end-punctuation": (WARNING, "the final punctuation differs from the source"),
    "doubled-words": (WARNING, "a word is repeated ('the the')"),
    "zero-width": (WARNING, "zero-width characters in the translation"),
    "plural-table": (WARNING, "nplurals differs from Babel's CLDR table for the language (the header is what gettext uses)"),
    "unknown-check": (WARNING, "a suppression comment names a check that does not exist or is an error"),
    "translation-removed": (WARNING, "publishing: a message translated in the current catalog is not in the upload"),
}

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
        where = f" {self.msgctxt}" if self.msgctxt else (f" {_short(self.msgid)!r}" if self.msgid else "")
        return f"{self.file}:{self.line}: {self.severity} [{self.check}]{where}: {self.hint}"


def has_errors(findings: list[Finding]) -> bool:
    """True if any finding is an error (the catalog must not be compiled or published)."""
    return any(finding.severity == ERROR for finding in findings)


def _short(text: str | None, limit: int = 60) -> str:
    text = (text or "").replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 3] + "..."


# -- parsing -------------------------------------------------------------------------------


class PoSyntaxError(ValueError):
    """A line of the file is not valid .po syntax."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass
class PoEntry:
    """One entry of a .po file as written, with the line of its first keyword."""

    line: int
    context: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    plural_syntax: bool = False
    flags: set[str] = field(default_factory=set)
    translator_comments: list[str] = field(default_factory=list)
    extracted_comments: list[str] = field(default_factory=list)
    previous_msgid: str | None = None

    @property
    def is_header(self) -> bool:
        """The header entry (empty msgid, no msgctxt)."""
        return self.msgid == "" and self.context is None

    @property
    def is_plural(self) -> bool:
        """True for an entry with msgid_plural."""
        return self.msgid_plural is not None

    @property
    def forms(self) -> list[str]:
        """The translation(s) in form order."""
        return [self.msgstr[index] for index in sorted(self.msgstr)]

    @property
    def fuzzy(self) -> bool:
        """True when flagged fuzzy (not compiled, English is served)."""
        return "fuzzy" in self.flags

    @property
    def translated(self) -> bool:
        """True if any form has text."""
        return any(form for form in self.msgstr.values())


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "f": "\f", "v": "\v", "\\": "\\", '"': '"', "'": "'", "?": "?"}
_KEYWORD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(.*)$")


def _unquote(text: str, line: int) -> str:
    """Decode one C-style quoted string that must make up the whole of ``text``."""
    text = text.strip()
    if len(text) < 2 or not text.startswith('"'):
        raise PoSyntaxError(line, "expected a quoted string")
    out = []
    index = 1
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 1
            if index >= len(text):
                break
            escape = text[index]
            if escape in _ESCAPES:
                out.append(_ESCAPES[escape])
            elif escape in "01234567":
                digits = re.match(r"[0-7]{1,3}", text[index:]).group(0)
                out.append(chr(int(digits, 8)))
                index += len(digits) - 1
            elif escape == "x":
                digits = re.match(r"[0-9A-Fa-f]{1,2}", text[index + 1 :])
                if not digits:
                    raise PoSyntaxError(line, "\\x without hexadecimal digits")
                out.append(chr(int(digits.group(0), 16)))
                index += len(digits.group(0))
            else:
                raise PoSyntaxError(line, f"unknown escape \\{escape}")
        elif char == '"':
            if text[index + 1 :].strip():
                raise PoSyntaxError(line, "text after the closing quote")
            return "".join(out)
        else:
            out.append(char)
        index += 1
    raise PoSyntaxError(line, "unterminated string (missing closing quote)")


def _unquote_lenient(text: str) -> str:
    """Decode one or more adjacent quoted strings of a ``#|`` comment; the raw text if they are malformed."""
    pieces = re.findall(r'"((?:[^"\\]|\\.)*)"', text)
    if not pieces or re.sub(r'"(?:[^"\\]|\\.)*"', "", text).strip():
        return text
    try:
        return "".join(_unquote(f'"{piece}"', 0) for piece in pieces)
    except PoSyntaxError:
        return text


def parse_po_text(text: str) -> list[PoEntry]:
    """Parse .po text strictly into entries (obsolete ``#~`` entries are skipped); raise PoSyntaxError."""
    entries: list[PoEntry] = []
    pending_comments: dict = {"flags": set(), "translator": [], "extracted": [], "previous": None}
    current: PoEntry | None = None
    last_field: tuple[str, int | None] | None = None
    state = "start"  # start | ctxt | id | plural | str

    def finish() -> None:
        nonlocal current
        if current is None:
            return
        if state in ("ctxt",):
            raise PoSyntaxError(current.line, "msgctxt without msgid")
        if not current.msgstr:
            raise PoSyntaxError(current.line, "msgid without msgstr")
        if current.is_plural and not current.plural_syntax:
            raise PoSyntaxError(current.line, "msgid_plural needs msgstr[0], msgstr[1], ... not msgstr")
        if not current.is_plural and current.plural_syntax:
            raise PoSyntaxError(current.line, "msgstr[N] without msgid_plural")
        if current.plural_syntax and sorted(current.msgstr) != list(range(len(current.msgstr))):
            raise PoSyntaxError(current.line, "plural forms must be numbered msgstr[0], msgstr[1], ... without gaps")
        entries.append(current)
        current = None

    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip("\r")
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            if state == "str":
                finish()
                state = "start"
                last_field = None
            if stripped.startswith("#~"):
                continue  # obsolete entries are kept by tools but never compiled
            if stripped.startswith("#,"):
                pending_comments["flags"].update(flag.strip() for flag in stripped[2:].split(",") if flag.strip())
            elif stripped.startswith("#."):
                pending_comments["extracted"].append(stripped[2:].strip())
            elif stripped.startswith("#|"):
                previous = stripped[2:].strip()
                if previous.startswith("msgid ") and not previous.startswith("msgid_plural"):
                    pending_comments["previous"] = _unquote_lenient(previous[6:])
                elif previous.startswith('"') and pending_comments["previous"] is not None:
                    pending_comments["previous"] += _unquote_lenient(previous)
            elif stripped.startswith("#:"):
                pass
            else:
                pending_comments["translator"].append(stripped[1:].strip())
            continue
        if stripped.startswith('"'):
            if last_field is None or current is None:
                raise PoSyntaxError(number, "a string continuation line outside an entry")
            value = _unquote(stripped, number)
            name, index = last_field
            if name == "msgctxt":
                current.context += value
            elif name == "msgid":
                current.msgid += value
            elif name == "msgid_plural":
                current.msgid_plural += value
            else:
                current.msgstr[index] += value
            continue
        match = _KEYWORD.match(stripped)
        if not match:
            raise PoSyntaxError(number, f"unknown keyword or stray text: {_short(stripped, 40)!r}")
        keyword, plural_index, rest = match.group(1), match.group(2), match.group(3)
        value = _unquote(rest, number)
        if keyword == "msgctxt":
            if state == "str":
                finish()
            elif state != "start":
                raise PoSyntaxError(number, "msgctxt in the middle of an entry")
            current = _new_entry(number, pending_comments)
            current.context = value
            state, last_field = "ctxt", ("msgctxt", None)
        elif keyword == "msgid":
            if state == "str":
                finish()
                current = None
            elif state not in ("start", "ctxt"):
                raise PoSyntaxError(number, "msgid in the middle of an entry (missing msgstr?)")
            if current is None:
                current = _new_entry(number, pending_comments)
            current.msgid = value
            state, last_field = "id", ("msgid", None)
        elif keyword == "msgid_plural":
            if state != "id":
                raise PoSyntaxError(number, "msgid_plural must follow msgid")
            current.msgid_plural = value
            state, last_field = "plural", ("msgid_plural", None)
        else:
            if state not in ("id", "plural", "str"):
                raise PoSyntaxError(number, "msgstr without msgid")
            index = int(plural_index) if plural_index is not None else 0
            if plural_index is not None:
                current.plural_syntax = True
                if index > 20:
                    raise PoSyntaxError(number, "more than 20 plural forms")
            elif current.msgstr:
                raise PoSyntaxError(number, "a second msgstr in one entry")
            if index in current.msgstr:
                raise PoSyntaxError(number, f"msgstr[{index}] appears twice")
            current.msgstr[index] = value
            state, last_field = "str", ("msgstr", index)
    if current is not None:
        finish()
    elif state == "ctxt":
        raise PoSyntaxError(len(text.split("\n")), "msgctxt without msgid at the end of the file")
    seen: dict[tuple, int] = {}
    for entry in entries:
        key = (entry.context, entry.msgid)
        if key in seen:
            raise PoSyntaxError(entry.line, f"duplicate entry (first at line {seen[key]})")
        seen[key] = entry.line
    return entries


def _new_entry(line: int, pending: dict) -> PoEntry:
    entry = PoEntry(
        line=line,
        flags=set(pending["flags"]),
        translator_comments=list(pending["translator"]),
        extracted_comments=list(pending["extracted"]),
        previous_msgid=pending["previous"],
    )
    pending["flags"] = set()
    pending["translator"] = []
    pending["extracted"] = []
    pending["previous"] = None
    return entry


def parse_header(entry: PoEntry) -> dict[str, str]:
    """The ``Key: value`` fields of a header entry."""
    fields = {}
    for line in entry.forms[0].split("\n") if entry.msgstr else []:
        if ":" in line:
            key, value = line.split(":", 1)
            fields[key.strip()] = value.strip()
    return fields


# -- text features -------------------------------------------------------------------------

_PRINTF = re.compile(r"%%|%\([A-Za-z_][A-Za-z0-9_]*\)[#0+-]?\d*(?:\.\d+)?[diouxXeEfFgGcrsa]|%[sd](?![A-Za-z])")
_BRACE = re.compile(r"\{\{|\}\}|\{(?:[A-Za-z_][A-Za-z0-9_]*|\d+)?(?:![rsa])?(?::[^{}]*)?\}")
_HTML_TAG = re.compile(r"</?([A-Za-z][A-Za-z0-9-]*)(?:\s[^<>]*)?/?>")
_MD_LINK = re.compile(r"\[[^\]\n]*\]\(\s*<?([^)\s>]*)>?(?:\s+[\"'][^\"']*[\"'])?\s*\)")
_URL = re.compile(r"(?:https?://|mailto:|tel:|www\.)[^\s<>()\"'\]\[]+", re.IGNORECASE)
_LIST_ITEM = re.compile(r"^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+", re.MULTILINE)
_NUMBER = re.compile(r"\d+(?:[.,\u066b\u066c]\d+|[\u00a0\u202f\u2009 ]\d{3}(?!\d))*")
_DIGIT_GROUPS = re.compile(r"\d+")
_UNSAFE_TAG = re.compile(
    r"<\s*/?\s*(script|style|iframe|object|embed|frame|frameset|applet|base|link|meta|form|svg|math|template)\b",
    re.IGNORECASE,
)
_EVENT_ATTRIBUTE = re.compile(r"<[^>]*[\s\"'/]on[a-z]+\s*=", re.IGNORECASE)
_ATTRIBUTE_URL = re.compile(r"(?:href|src|action|formaction|xlink:href|srcset|poster|background)\s*=\s*[\"']?([^\"'\s>]*)", re.IGNORECASE)
_BAD_SCHEME = re.compile(r"^(?:javascript|vbscript|data|file):", re.IGNORECASE)
_ANY_SCRIPT_SCHEME = re.compile(r"(?<![A-Za-z])(?:javascript|vbscript)\s*:", re.IGNORECASE)
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
_ZERO_WIDTH = re.compile("[\u200b\u2060\ufeff]")
_DOUBLED = re.compile(r"(?<!\w)([^\W\d_]+)\s+\1(?!\w)", re.IGNORECASE)
_CLOSERS = "\"'”’»)]}》」』）"
_END_CLASSES = {
    ".": ".。।۔．", "?": "?？؟", "!": "!！", ":": ":：", ";": ";；؛", "…": "…",
}
# How much longer or shorter than English a translation may be before a warning (characters).
_LENGTH_BOUNDS = {"zh-Hans": (0.12, 1.3), "ko": (0.2, 1.6)}
_DEFAULT_LENGTH_BOUNDS = (0.4, 2.5)


def placeholders(text: str) -> Counter:
    """The format placeholders of a string: ``%(name)s``, ``%s``, ``{name}``; escapes (``%%``, ``{{``) excluded."""
    found = Counter(match for match in _PRINTF.findall(text) if match != "%%")
    found.update(match for match in _BRACE.findall(text) if match not in ("{{", "}}"))
    return found


def urls(text: str) -> Counter:
    """The URLs in a string (bare and Markdown link targets), without trailing punctuation."""
    found = Counter(target for target in _MD_LINK.findall(text) if target)
    without_links = _MD_LINK.sub(" ", text)
    found.update(url.rstrip(".,;:!?") for url in _URL.findall(without_links))
    return found


def _numbers_text(text: str) -> str:
    text = _MD_LINK.sub(lambda match: match.group(0).split("](", 1)[0], text)
    text = _URL.sub(" ", text)
    text = _PRINTF.sub(" ", text)
    text = _BRACE.sub(" ", text)
    return _LIST_ITEM.sub("", text)


def numbers(text: str) -> Counter:
    """The numbers of a string as digit groups, whatever the digits' script and separators.

    "1.5" and "1,5" and "١٫٥" are the same number; "15" is not.
    """
    found = Counter()
    for token in _NUMBER.findall(_numbers_text(text)):
        normalized = "".join(str(unicodedata.digit(char)) if char.isdigit() else char for char in token)
        found[tuple(_DIGIT_GROUPS.findall(normalized))] += 1
    return found


def markup(text: str) -> Counter:
    """HTML tags and Markdown features whose count must survive translation."""
    found = Counter()
    for match in _HTML_TAG.finditer(text):
        closing = "/" if match.group(0).startswith("</") else ""
        found[f"<{closing}{match.group(1).lower()}>"] += 1
    found["markdown link"] += len(_MD_LINK.findall(text))
    found["**bold**"] += text.count("**") // 2 + text.count("__") // 2
    found["`code`"] += text.count("`")
    found["list item"] += len(_LIST_ITEM.findall(text))
    return +found


def unsafe(text: str) -> list[str]:
    """Descriptions of anything that could run or load content if the text ever reached a page as HTML."""
    decoded = html.unescape(text)
    squashed = re.sub(r"[\s\x00-\x1f]+", "", decoded)
    problems = []
    for candidate in {text, decoded}:
        for match in _UNSAFE_TAG.finditer(candidate):
            problems.append(f"<{match.group(1).lower()}> element")
        if _EVENT_ATTRIBUTE.search(candidate):
            problems.append("on* event attribute")
    if _ANY_SCRIPT_SCHEME.search(decoded) or _ANY_SCRIPT_SCHEME.search(squashed):
        problems.append("javascript:/vbscript: URL")
    targets = list(_MD_LINK.findall(decoded)) + list(_ATTRIBUTE_URL.findall(decoded))
    targets += re.findall(r"<([A-Za-z][A-Za-z0-9+.-]*:[^>\s]*)>", decoded)
    for target in targets:
        if _BAD_SCHEME.match(re.sub(r"[\s\x00-\x1f]+", "", target)):
            problems.append(f"{target.split(':', 1)[0].lower()}: URL")
    return sorted(set(problems))


def _end_class(text: str) -> str:
    stripped = text.rstrip().rstrip(_CLOSERS).rstrip()
    if stripped.endswith("..."):
        return "…"
    if not stripped:
        return ""
    last = stripped[-1]
    for name, members in _END_CLASSES.items():
        if last in members:
            return name
    return ""


def _letters(text: str) -> int:
    return sum(1 for char in text if char.isalpha())


def _describe(counter: Counter) -> str:
    return ", ".join(f"{item}" if count == 1 else f"{item} x{count}" for item, count in sorted(counter.items(), key=str)) or "none"


def _difference(source: Counter, target: Counter) -> str:
    missing = source - target
    extra = target - source
    parts = []
    if missing:
        parts.append(f"missing {_describe(missing)}")
    if extra:
        parts.append(f"unexpected {_describe(extra)}")
    return "; ".join(parts)


def _describe_numbers(counter: Counter) -> Counter:
    return Counter({".".join(groups): count for groups, count in counter.items()})


# -- checking ------------------------------------------------------------------------------


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
        return _known_locale(parts[-3])
    return None


def _known_locale(name: str | None) -> str | None:
    if not name:
        return None
    for code in SUPPORTED_LOCALES:
        if code.lower() == to_bcp47(name.strip()).lower():
            return code
    return None


class _Checker:
    """One run of the checks over one file, collecting findings."""

    def __init__(self, filename: str, locale: str | None):
        self.filename = filename
        self.locale = locale
        self.findings: list[Finding] = []

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
                msgid=_short(entry.msgid, 80) if entry else None,
            )
        )

    def run(self, data: bytes) -> list[Finding]:
        """Decode, parse, then check the header and every entry."""
        text = self.decode(data)
        if text is None:
            return self.findings
        try:
            entries = parse_po_text(text)
        except PoSyntaxError as error:
            self.add("unparsable", error.line, f"{error.message}; fix the syntax (a .po editor such as Poedit shows it)")
            return self.findings
        nplurals = self.check_header(entries)
        for entry in entries:
            if not entry.is_header:
                self.check_entry(entry, nplurals)
        return self.findings

    def decode(self, data: bytes) -> str | None:
        """The text of the file, or None after an encoding/unparsable finding."""
        if not isinstance(data, (bytes, bytearray)):
            self.add("unparsable", 1, "expected the bytes of a .po file")
            return None
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        try:
            text = bytes(data).decode("utf-8")
        except UnicodeDecodeError as error:
            line = data[: error.start].count(b"\n") + 1
            self.add("encoding", line, "the file is not valid UTF-8; save it as UTF-8 (Poedit always does)")
            return None
        if "\x00" in text:
            line = text[: text.index("\x00")].count("\n") + 1
            self.add("unparsable", line, "NUL byte in the file: this is not a text .po file")
            return None
        return text

    def check_header(self, entries: list[PoEntry]) -> int | None:
        """Header, charset, Language and Plural-Forms; return nplurals when known."""
        headers = [entry for entry in entries if entry.is_header]
        if not headers:
            self.add("header", 1, 'the header entry (msgid "") is missing; start from "contentapi i18n init LOCALE"')
            return None
        header = headers[0]
        fields = parse_header(header)
        if header.fuzzy:
            self.add("header", header.line, "remove the fuzzy flag from the header: tools skip fuzzy-header catalogs")
        content_type = fields.get("Content-Type", "")
        charset = re.search(r"charset\s*=\s*([A-Za-z0-9_.:-]+)", content_type)
        if not charset or charset.group(1).lower().replace("-", "") != "utf8":
            self.add("encoding", header.line, 'declare "Content-Type: text/plain; charset=UTF-8" in the header')
        language = fields.get("Language")
        declared = _known_locale(language)
        if not language:
            self.add("header", header.line, f"add a Language header (e.g. Language: {to_babel_id(self.locale or 'es')})")
        elif declared is None or declared == DEFAULT_LOCALE:
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
        match = re.fullmatch(r"\s*nplurals\s*=\s*(\d+)\s*;\s*plural\s*=\s*(.+?)\s*;?\s*", value)
        if not match:
            self.add("plural-forms", header.line, 'Plural-Forms must read "nplurals=N; plural=EXPRESSION;"')
            return None
        nplurals = int(match.group(1))
        if not 1 <= nplurals <= 6:
            self.add("plural-forms", header.line, f"nplurals={nplurals} is out of range (1 to 6)")
            return None
        try:
            if len(match.group(2)) > 500:
                raise ValueError("expression too long")
            plural = gettext.c2py(match.group(2))
            values = {int(plural(n)) for n in range(1001)}
        except (ValueError, SyntaxError, RecursionError, ZeroDivisionError, OverflowError, TypeError):
            self.add("plural-forms", header.line, "the plural= expression is not a valid C expression of n")
            return None
        if not values <= set(range(nplurals)):
            self.add("plural-forms", header.line, f"plural= gives form indexes outside 0..{nplurals - 1}")
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
        ignored = suppressed_checks(entry)
        for name in sorted(ignored):
            if name not in CHECKS or CHECKS[name][0] == ERROR:
                why = "is an error and cannot be silenced" if name in CHECKS else "is not a check id"
                self.add("unknown-check", entry.line, f"ignore={name} {why}; see contentapi i18n check --list", entry)
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
            if form and not _ZERO_WIDTH.sub("", form).strip():
                self.add("empty-translation", entry.line, "the translation is only whitespace; write it or clear it", entry)
                return
        sources = [entry.msgid] + ([entry.msgid_plural] if entry.is_plural else [])
        for index, form in enumerate(forms):
            if not form:
                continue
            source = entry.msgid if not entry.is_plural or (index == 0 and len(forms) > 1) else entry.msgid_plural
            self.check_pair(entry, source, form, sources, ignored, index if entry.is_plural else None)

    def check_pair(self, entry: PoEntry, source: str, target: str, sources: list[str], ignored: set[str], form: int | None):
        """Every content check of one translation against its English source."""
        label = f"msgstr[{form}] " if form is not None else ""
        line = entry.line
        if _CONTROL.search(target) and not _CONTROL.search(source):
            self.add("control-characters", line, f"{label}remove control or bidirectional override characters (U+202A-202E, U+2066-2069)", entry)
        bad = unsafe(target)
        if bad:
            self.add("unsafe-markup", line, f"{label}remove {', '.join(bad)}: never allowed in patient text", entry)
        if entry.is_plural:
            allowed = Counter()
            for text in sources:
                allowed |= placeholders(text)
            got = placeholders(target)
            extra = got - allowed
            required = placeholders(entry.msgid_plural) if form == len(entry.msgstr) - 1 else Counter()
            parts = []
            if required - got:
                parts.append(f"missing {_describe(required - got)}")
            if extra:
                parts.append(f"unexpected {_describe(extra)}")
            if parts:
                self.add("placeholders", line, f"{label}{'; '.join(parts)}; copy placeholders exactly as in the English", entry)
        else:
            difference = _difference(placeholders(source), placeholders(target))
            if difference:
                self.add("placeholders", line, f"{label}{difference}; copy placeholders exactly as in the English", entry)
        difference = _difference(markup(source), markup(target))
        if difference:
            self.add("markup", line, f"{label}{difference}; keep the same tags, links, bold, code and list items", entry)
        difference = _difference(urls(source), urls(target))
        if difference:
            self.add("urls", line, f"{label}{difference}; URLs must be copied unchanged", entry)
        source_numbers, target_numbers = numbers(source), numbers(target)
        if source_numbers != target_numbers and not (entry.is_plural and form is not None):
            difference = _difference(_describe_numbers(source_numbers), _describe_numbers(target_numbers))
            self.add("numbers", line, f"{label}{difference}; doses and durations must keep their numbers (write them in digits)", entry)
        if source.strip() == target.strip() and _letters(source) >= 3:
            self.add("identical", line, f"{label}same as the English; translate it, or add '# contentapi: ignore=identical' if intended", entry, ignored)
        if _letters(source) >= 20:
            low, high = _LENGTH_BOUNDS.get(self.locale or "", _DEFAULT_LENGTH_BOUNDS)
            ratio = len(target.strip()) / max(1, len(source.strip()))
            if not low <= ratio <= high:
                self.add("length-ratio", line, f"{label}{ratio:.2f} times the English length (expected {low}-{high}); check nothing is missing or added", entry, ignored)
        if (source[:1].isspace(), source[-1:].isspace()) != (target[:1].isspace(), target[-1:].isspace()):
            self.add("whitespace", line, f"{label}leading/trailing spaces or newlines differ from the English", entry, ignored)
        source_end, target_end = _end_class(source), _end_class(target)
        if source_end != target_end:
            shown = source_end or "no punctuation"
            self.add("end-punctuation", line, f"{label}the English ends with {shown!r}; end the translation the same way", entry, ignored)
        doubled = {match.group(1).lower() for match in _DOUBLED.finditer(target)} - {
            match.group(1).lower() for match in _DOUBLED.finditer(source)
        }
        if doubled:
            self.add("doubled-words", line, f"{label}repeated word {', '.join(sorted(doubled))!r}", entry, ignored)
        if _ZERO_WIDTH.search(target) and not _ZERO_WIDTH.search(source):
            self.add("zero-width", line, f"{label}remove zero-width characters (U+200B, U+2060, U+FEFF)", entry, ignored)


def _expected_nplurals(locale: str) -> int | None:
    try:
        from babel.messages.plurals import get_plural

        return get_plural(to_babel_id(locale)).num_plurals
    except Exception:  # noqa: BLE001  (an unknown locale has no CLDR rule to compare with)
        return None


def check_po_bytes(data: bytes, filename: str = "<catalog>", locale: str | None = None) -> list[Finding]:
    """Every finding for one .po file, sorted by line. Never raises.

    ``locale`` (a served code such as ``es`` or ``zh-Hans``) is the catalog's expected
    language; when None it is taken from the path or the Language header.
    """
    locale = locale or locale_from_path(filename)
    checker = _Checker(filename, locale)
    try:
        findings = checker.run(data)
    except Exception as error:  # noqa: BLE001  (the promise: never crash on any input, report instead)
        findings = checker.findings + [
            Finding(filename, 1, None, "unparsable", ERROR, f"the file could not be checked ({type(error).__name__})")
        ]
    return sorted(findings, key=lambda finding: (finding.line, finding.severity != ERROR, finding.check))


def check_po_file(path: Path, locale: str | None = None) -> list[Finding]:
    """Check a .po file on disk; an unreadable file is one ``unparsable`` finding."""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        return [Finding(str(path), 1, None, "unparsable", ERROR, f"cannot read the file ({error.strerror or error})")]
    return check_po_bytes(data, str(path), locale)


def removed_translations(current: bytes, upload: bytes, filename: str = "<upload>") -> list[Finding]:
    """Warnings for messages translated in ``current`` that the upload leaves untranslated or drops.

    A publish replaces the whole file, so this is how a translator learns that an
    upload made from a truncated or older file would lose words (revisions keep them).
    """
    try:
        before = parse_po_text(current.decode("utf-8-sig"))
        after = {(e.context, e.msgid): e for e in parse_po_text(upload.decode("utf-8-sig"))}
    except (PoSyntaxError, UnicodeDecodeError):
        return []
    findings = []
    for entry in before:
        if entry.is_header or not entry.translated or entry.fuzzy:
            continue
        new = after.get((entry.context, entry.msgid))
        if new is None or not new.translated:
            findings.append(
                Finding(
                    filename, new.line if new else 1, entry.context, "translation-removed", WARNING,
                    "translated in the published catalog but " + ("empty" if new else "missing") + " in this one",
                    _short(entry.msgid, 80),
                )
            )
    return findings


def summary(findings: list[Finding]) -> dict[str, int]:
    """How many errors and warnings."""
    counts = Counter(finding.severity for finding in findings)
    return {"errors": counts.get(ERROR, 0), "warnings": counts.get(WARNING, 0)}
