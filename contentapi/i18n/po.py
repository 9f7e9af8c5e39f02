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
    """One entry of a .po file as written, with the line of its first keyword.

    ``first_line`` and ``last_line`` span the whole entry as written, its comments included, so an
    entry can be moved to another file byte for byte (``contentapi.i18n.domains``).
    """

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
    first_line: int = 0
    last_line: int = 0

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
_SPACES = re.compile(r"[ \t]*")
_OCTAL = re.compile(r"[0-7]{1,3}")
_HEX = re.compile(r"[0-9A-Fa-f]+")


def _unquote(text: str, line: int) -> str:
    """Decode the C-style quoted string (or adjacent strings) that must make up the whole of ``text``.

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
            index = _SPACES.match(text, index + 1).end()
            if index == len(text):
                return "".join(out)
            if text[index] != '"':
                raise PoSyntaxError(line, "text after the closing quote")
            index += 1  # adjacent strings on one line are one string, as in C and msgfmt
            continue
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


def _read_previous(pending: dict, text: str, line: int, obsolete: bool) -> None:
    """One ``#|`` line (the previous msgctxt/msgid an update kept), read as strictly as msgfmt reads it."""
    if not text:
        return
    if text.startswith('"'):
        if pending["previous_state"] is None:
            raise PoSyntaxError(line, "a #| string without #| msgid above it")
        if pending["previous_state"] == "id":
            pending["previous"].append(_unquote(text, line))
        else:
            _unquote(text, line)
        return
    match = _KEYWORD.match(text)
    order = {"msgctxt": (None,), "msgid": (None, "ctxt"), "msgid_plural": ("id",)}
    if not match or match.group(1) not in order or pending["previous_state"] not in order[match.group(1)]:
        raise PoSyntaxError(line, "a #| line holds the previous msgctxt, msgid or msgid_plural, in that order")
    value = _unquote(match.group(3), line)
    if match.group(1) == "msgid":
        pending["previous"] = [value]
    pending["previous_state"] = {"msgctxt": "ctxt", "msgid": "id", "msgid_plural": "plural"}[match.group(1)]
    pending["previous_obsolete"] = obsolete


@dataclass(frozen=True)
class ObsoleteBlock:
    """A ``#~`` entry as written: kept by .po editors, never compiled."""

    first_line: int
    last_line: int
    context: str | None


def parse_po_text(text: str, obsolete: list[ObsoleteBlock] | None = None) -> list[PoEntry]:
    """Parse .po text strictly into entries; raise PoSyntaxError.

    Obsolete (``#~``) entries are read with the same syntax, as msgfmt reads them, then left out
    (when ``obsolete`` is given, their spans are added to it): an entry is obsolete as a whole, so a
    ``#~`` line cannot continue an active entry or the reverse.
    """
    entries: list[PoEntry] = []
    pending_comments: dict = {"flags": set(), "translator": [], "extracted": [], "previous": None,
                              "previous_state": None, "previous_obsolete": False, "first": 0}
    current: PoEntry | None = None
    current_obsolete = False
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
        if not current_obsolete:
            entries.append(current)
        elif obsolete is not None:
            obsolete.append(ObsoleteBlock(current.first_line, current.last_line, current.context))
        current = None

    for number, raw, last_number in _logical_lines(text):
        stripped = raw.rstrip("\r").strip()
        is_obsolete = stripped.startswith("#~")
        obsolete_comment = False
        if is_obsolete:
            stripped = stripped[2:].strip()
            if stripped.startswith("|"):
                stripped = "#" + stripped  # its previous msgid, read as an active entry's is
            else:
                obsolete_comment = stripped.startswith("#")
        if not stripped:
            continue
        if stripped.startswith("#"):
            flush()
            if state in ("ctxt", "id", "plural"):
                raise PoSyntaxError(number, "a comment inside an entry: comments go above its msgctxt or msgid")
            if state == "str":
                finish()
                state = "start"
                last_field = None
            if not pending_comments["first"]:
                pending_comments["first"] = number
            if obsolete_comment:
                continue  # an obsolete entry's own comment: part of its span, nothing to read
            if stripped.startswith("#,"):
                pending_comments["flags"].update(flag.strip() for flag in stripped[2:].split(",") if flag.strip())
            elif stripped.startswith("#."):
                pending_comments["extracted"].append(stripped[2:].strip())
            elif stripped.startswith("#|"):
                _read_previous(pending_comments, stripped[2:].strip(), number, is_obsolete)
            elif stripped.startswith("#:"):
                pass
            else:
                pending_comments["translator"].append(stripped[1:].strip())
            continue
        match = None if stripped.startswith('"') else _KEYWORD.match(stripped)
        starts_entry = match is not None and match.group(1) in ("msgctxt", "msgid") and state in ("start", "str")
        if current is not None and not starts_entry and is_obsolete != current_obsolete:
            raise PoSyntaxError(number, "inconsistent use of #~: an entry is obsolete (#~) on all its lines or on none")
        if match is None:
            if not stripped.startswith('"'):
                raise PoSyntaxError(number, f"unknown keyword or stray text: {shorten(stripped, 40)!r}")
            if last_field is None or current is None:
                raise PoSyntaxError(number, "a string continuation line outside an entry")
            pieces.append(_unquote(stripped, number))
            current.last_line = last_number
            continue
        keyword, plural_index, rest = match.group(1), match.group(2), match.group(3)
        value = _unquote(rest, number)
        flush()
        if starts_entry:
            if pending_comments["previous_state"] == "ctxt":
                raise PoSyntaxError(number, "#| msgctxt without #| msgid above this entry")
            if pending_comments["previous_state"] and pending_comments["previous_obsolete"] != is_obsolete:
                raise PoSyntaxError(number, "inconsistent use of #~: the #| lines above and this entry differ")
            finish()
            current, current_obsolete = _new_entry(number, pending_comments), is_obsolete
        if keyword == "msgctxt":
            if state not in ("start", "str"):
                raise PoSyntaxError(number, "msgctxt in the middle of an entry")
            current.context = value
            state, last_field = "ctxt", ("msgctxt", None)
        elif keyword == "msgid":
            if state not in ("start", "str", "ctxt"):
                raise PoSyntaxError(number, "msgid in the middle of an entry (missing msgstr?)")
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
            if index != len(current.msgstr):
                raise PoSyntaxError(number, f"msgstr[{index}] out of order: plural forms go msgstr[0], msgstr[1], ... in order")
            current.msgstr[index] = value
            state, last_field = "str", ("msgstr", index)
        current.last_line = last_number
    flush()
    finish()
    seen: dict[tuple, int] = {}
    for entry in entries:
        key = (entry.context, entry.msgid)
        if key in seen:
            raise PoSyntaxError(entry.line, f"duplicate entry (first at line {seen[key]})")
        seen[key] = entry.line
    return entries


def _logical_lines(text: str) -> list[tuple[int, str, int]]:
    """The lines of a .po text with backslash-newline joined, as gettext's reader joins them anywhere
    (a comment ending in ``\\`` swallows the next line): (first line number, text, last line number)."""
    lines = text.split("\n")
    if "\\\n" not in text:
        return [(number, line, number) for number, line in enumerate(lines, start=1)]
    joined: list[tuple[int, str, int]] = []
    pieces: list[str] = []
    for number, line in enumerate(lines, start=1):
        pieces.append(line[:-1] if line.endswith("\\") else line)
        if not line.endswith("\\"):
            joined.append((number - len(pieces) + 1, "".join(pieces), number))
            pieces = []
    if pieces:
        joined.append((len(lines) - len(pieces) + 1, "".join(pieces), len(lines)))
    return joined


def _new_entry(line: int, pending: dict) -> PoEntry:
    entry = PoEntry(
        line=line,
        flags=set(pending["flags"]),
        translator_comments=list(pending["translator"]),
        extracted_comments=list(pending["extracted"]),
        previous_msgid="".join(pending["previous"]) if pending["previous"] is not None else None,
        first_line=pending["first"] or line,
        last_line=line,
    )
    pending["flags"] = set()
    pending["translator"] = []
    pending["extracted"] = []
    pending["previous"] = None
    pending["previous_state"] = None
    pending["first"] = 0
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
    obsolete: tuple[ObsoleteBlock, ...] = ()

    @property
    def lines(self) -> list[str]:
        """The file's text as lines (line N is ``lines[N - 1]``), for moving entries as written."""
        return decode_po(self.data).split("\n")

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
    obsolete: list[ObsoleteBlock] = []
    entries = parse_po_text(decode_po(data), obsolete)
    return PoFile(bytes(data), tuple(entries), tuple(obsolete))


def compile_mo(po: PoFile, extra: dict[tuple[str, str], str] | None = None) -> bytes:
    """The .mo bytes of a parsed catalog, fuzzy and untranslated entries left out (as msgfmt does).

    The entries are handed to Babel's MO writer as they were parsed here, so what is compiled is
    exactly what was checked: the file is never read a second time by another parser. ``extra``
    adds messages the .po does not have, keyed (msgctxt, msgid): the review states of
    ``contentapi.i18n.review``, which a worker reads from the .mo it loads anyway.
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
    for (context, msgid), string in (extra or {}).items():
        catalog.add(msgid, string, context=context)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()
