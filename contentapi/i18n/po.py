"""The one reader of gettext .po files: the checker, the compiler, the publisher, the workflow and
the service all read catalogs through it, so they cannot disagree about what a file says.

Plain Python, no Flask. Strict where Babel's reader is lenient: an unterminated string, a
duplicate entry, ``msgstr[0]`` on a singular message or a stray line is a ``PoSyntaxError`` with
its line, because each of these is read differently by different tools and a catalog must mean
one thing. Every entry keeps the line of its first keyword for messages that point at the file.
Obsolete (``#~``) entries are skipped, as gettext's compilers skip them.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo

BOM = b"\xef\xbb\xbf"
BOM_HINT = "remove the byte-order mark (Notepad adds it; Poedit does not)"


class PoDecodeError(ValueError):
    """The bytes are not a text .po file (``kind`` is ``encoding``, ``byte-order-mark`` or ``unparsable``)."""

    def __init__(self, kind: str, line: int, message: str):
        super().__init__(message)
        self.kind = kind
        self.line = line
        self.message = message


def shorten(text: str | None, limit: int = 60) -> str:
    """``text`` on one line, cut to ``limit`` characters with an ellipsis, for messages."""
    text = (text or "").replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 3] + "..."


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


# The escapes GNU gettext reads (\' and \? are refused by msgfmt, so they are refused here too).
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "f": "\f", "v": "\v", "\\": "\\", '"': '"'}
_KEYWORD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d{1,9})\])?)\s+(.*)$")
_PLAIN_RUN = re.compile(r'[^"\\]+')
_OCTAL = re.compile(r"[0-7]{1,3}")
_HEX = re.compile(r"[0-9A-Fa-f]+")


def _unquote(text: str, line: int) -> str:
    """Decode one C-style quoted string that must make up the whole of ``text``.

    Runs of plain characters are taken whole, so a long string costs one pass. Numeric escapes
    are bytes to gettext (``\\xc3\\xa9`` is "é" to msgfmt, "Ã©" to a character reader) and ``\\0``
    ends a C string early, so only ASCII other than NUL may be written that way.
    """
    text = text.strip()
    if len(text) < 2 or not text.startswith('"'):
        raise PoSyntaxError(line, "expected a quoted string")
    out = []
    index = 1
    while index < len(text):
        run = _PLAIN_RUN.match(text, index)
        if run:
            out.append(run.group(0))
            index = run.end()
            continue
        if text[index] == '"':
            if index + 1 != len(text):
                raise PoSyntaxError(line, "text after the closing quote")
            return "".join(out)
        index += 1  # a backslash
        if index >= len(text):
            break
        escape = text[index]
        if escape in _ESCAPES:
            out.append(_ESCAPES[escape])
            index += 1
            continue
        digits = _OCTAL.match(text, index) if escape in "01234567" else _HEX.match(text, index + 1) if escape == "x" else None
        if digits is None:
            raise PoSyntaxError(line, f"unknown escape \\{escape}" if escape != "x" else "\\x without hexadecimal digits")
        number = digits.group(0)
        value = int(number, 16 if escape == "x" else 8) if len(number) <= 8 else 0
        if not 0 < value < 0x80:
            raise PoSyntaxError(line, f"write the character itself, not the escape \\{text[index:digits.end()]} (gettext reads it as a byte)")
        out.append(chr(value))
        index = digits.end()
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
    pieces: list[str] = []  # continuation lines of the last field, joined once so a long string stays linear
    state = "start"  # start | ctxt | id | plural | str

    def flush() -> None:
        if not pieces:
            return
        value = "".join(pieces)
        pieces.clear()
        name, index = last_field
        if name == "msgctxt":
            current.context += value
        elif name == "msgid":
            current.msgid += value
        elif name == "msgid_plural":
            current.msgid_plural += value
        else:
            current.msgstr[index] += value

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
            flush()
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
                    pending_comments["previous"] = [_unquote_lenient(previous[6:])]
                elif previous.startswith('"') and pending_comments["previous"] is not None:
                    pending_comments["previous"].append(_unquote_lenient(previous))
            elif stripped.startswith("#:"):
                pass
            else:
                pending_comments["translator"].append(stripped[1:].strip())
            continue
        if stripped.startswith('"'):
            if last_field is None or current is None:
                raise PoSyntaxError(number, "a string continuation line outside an entry")
            pieces.append(_unquote(stripped, number))
            continue
        match = _KEYWORD.match(stripped)
        if not match:
            raise PoSyntaxError(number, f"unknown keyword or stray text: {shorten(stripped, 40)!r}")
        keyword, plural_index, rest = match.group(1), match.group(2), match.group(3)
        value = _unquote(rest, number)
        flush()
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
    flush()
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
        previous_msgid="".join(pending["previous"]) if pending["previous"] is not None else None,
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




@dataclass(frozen=True)
class PoFile:
    """A .po file read once: its bytes and its entries (the header entry first when there is one)."""

    data: bytes
    entries: tuple[PoEntry, ...]

    @property
    def header(self) -> PoEntry | None:
        """The header entry (empty msgid, no msgctxt), or None."""
        return next((entry for entry in self.entries if entry.is_header), None)

    @property
    def header_fields(self) -> dict[str, str]:
        """The header's ``Key: value`` fields."""
        header = self.header
        return parse_header(header) if header else {}

    @property
    def messages(self) -> tuple[PoEntry, ...]:
        """Every entry but the header."""
        return tuple(entry for entry in self.entries if not entry.is_header)

    def keys(self) -> set[tuple[str | None, str]]:
        """The (msgctxt, msgid) of every message, for comparisons with a template."""
        return {(entry.context, entry.msgid) for entry in self.messages}


def decode_po(data: bytes) -> str:
    """The text of .po bytes: UTF-8 without a byte-order mark; PoDecodeError otherwise.

    A byte-order mark is refused rather than dropped because GNU msgfmt refuses it (a syntax
    error on line 1): a catalog that gettext's own tools cannot compile is not accepted here
    either, whichever path reads it (check, compile, preview, publish, start-up).
    """
    if not isinstance(data, (bytes, bytearray)):
        raise PoDecodeError("unparsable", 1, "expected the bytes of a .po file")
    data = bytes(data)
    if data.startswith(BOM):
        raise PoDecodeError("byte-order-mark", 1, BOM_HINT)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise PoDecodeError("encoding", line, "the file is not valid UTF-8; save it as UTF-8 (Poedit always does)") from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise PoDecodeError("unparsable", line, "NUL byte in the file: this is not a text .po file")
    return text


def read_po(data: bytes) -> PoFile:
    """Decode and parse .po bytes; PoDecodeError or PoSyntaxError say why they cannot be read."""
    return PoFile(bytes(data), tuple(parse_po_text(decode_po(data))))


def compile_mo(po: PoFile) -> bytes:
    """The .mo bytes of a parsed catalog, fuzzy and untranslated entries left out (as msgfmt does).

    The entries are handed to Babel's MO writer as they were parsed here, so what is compiled is
    exactly what was checked: the file is never read a second time by another parser.
    """
    catalog = Catalog(fuzzy=False)
    header = po.header
    if header is not None:
        catalog.mime_headers = list(po.header_fields.items())
    for entry in po.messages:
        if entry.fuzzy:
            continue
        identifier = (entry.msgid, entry.msgid_plural) if entry.is_plural else entry.msgid
        string = tuple(entry.forms) if entry.is_plural else entry.forms[0]
        catalog.add(identifier, string, context=entry.context)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()
