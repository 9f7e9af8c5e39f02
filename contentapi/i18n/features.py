"""What a translatable string contains that must survive translation, apart from its markup:
format placeholders, numbers, bare URLs in the text, final punctuation, control characters. Plain
Python; the checker compares these between an English source and its translation.

Markup (links, emphasis, code, lists, entities) is never read here: ``contentapi.i18n.markup`` reads
it through the renderer's own parser. Every pattern here is linear: no nested or overlapping
repetition, so a hostile 1 MiB string costs one pass.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

from contentapi.i18n.po import shorten

_PRINTF = re.compile(r"%%|%\([A-Za-z_][A-Za-z0-9_]*\)[#0+-]?\d*(?:\.\d+)?[diouxXeEfFgGcrsa]|%[sd](?![A-Za-z])")
_PRINTF_SPEC = re.compile(r"(?:\d+\$)?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?[diouxXeEfFgGcrsa%]")
_BRACE = re.compile(r"\{\{|\}\}|\{(?:[A-Za-z_][A-Za-z0-9_]*|\d+)?(?:\.[A-Za-z_][A-Za-z0-9_]*|\[[^\[\]{}]*\])*(?:![rsa])?(?::[^{}]*)?\}")
_URL = re.compile(r"(?:https?://|mailto:|tel:|www\.)[^\s<>()\"'\]\[]+", re.IGNORECASE)
_URL_START = re.compile(r"http|mailto:|tel:|www\.", re.IGNORECASE)
_NUMBER = re.compile(r"\d+(?:[.,\u066b\u066c]\d+|[\u00a0\u202f\u2009 ]\d{3}(?!\d))*")
_DIGIT_GROUPS = re.compile(r"\d+")
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
ZERO_WIDTH = re.compile("[\u200b\u2060\ufeff]")
DOUBLED_WORD = re.compile(r"(?<!\w)([^\W\d_]+)\s+\1(?!\w)", re.IGNORECASE)
_CLOSERS = "\"'”’»)]}》」』）"
_END_CLASSES = {
    ".": ".。।۔．", "?": "?？؟", "!": "!！", ":": ":：", ";": ";；؛", "…": "…",
}
# How much longer or shorter than English a translation may be before a warning (characters).
_LENGTH_BOUNDS = {"zh-Hans": (0.12, 1.3), "ko": (0.2, 1.6)}
_DEFAULT_LENGTH_BOUNDS = (0.4, 2.5)


def length_bounds(locale: str | None) -> tuple[float, float]:
    """The range of translation/English length ratios that is not worth a warning in a locale."""
    return _LENGTH_BOUNDS.get(locale or "", _DEFAULT_LENGTH_BOUNDS)


def placeholders(text: str, printf_format: bool = False) -> Counter:
    """The format placeholders of a string; escapes (``%%``, ``{{``) excluded.

    By shape (``%(name)s``, ``%s``, ``{name}``) unless the entry is flagged ``python-format`` or
    ``c-format``: then every ``%`` is a directive, as msgfmt -c reads it, and one that is not valid
    (a lone ``%``) is counted as such, because msgfmt refuses a translation whose format is invalid.
    """
    found: Counter = Counter()
    if "%" in text:
        found.update(printf_directives(text) if printf_format else (match for match in _PRINTF.findall(text) if match != "%%"))
    if "{" in text or "}" in text:
        found.update(match for match in _BRACE.findall(text) if match not in ("{{", "}}"))
    return found


def printf_directives(text: str) -> Counter:
    """Every ``%`` directive as Python's ``%`` operator (and msgfmt's python-format) reads it.

    ``%(name)s`` names may hold nested parentheses; a directive that does not parse is counted as
    ``%`` and its next character (``"% "`` followed by ``o`` is the valid directive ``% o``).
    """
    found: Counter = Counter()
    index = text.find("%")
    while index >= 0:
        position = index + 1
        if text.startswith("(", position):
            depth, position = 0, position + 1
            while position < len(text) and (text[position] != ")" or depth):
                depth += {"(": 1, ")": -1}.get(text[position], 0)
                position += 1
            if position >= len(text):
                found[text[index:index + 2] + "...(unclosed)"] += 1
                break  # the rest of the text is the unclosed name
            position += 1
        spec = _PRINTF_SPEC.match(text, position)
        if spec is None:
            found[f"{text[index:position + 1]} (invalid)"] += 1
            index = text.find("%", position + 1)
            continue
        if text[index:spec.end()] != "%%":
            found[text[index:spec.end()]] += 1
        index = text.find("%", spec.end())
    return found


def text_urls(text: str) -> Counter:
    """The URLs written out in a text a reader sees (not link targets), without trailing punctuation."""
    if not _may_hold_urls(text):
        return Counter()
    return Counter(url.rstrip(".,;:!?") for url in _URL.findall(text))


def _may_hold_urls(text: str) -> bool:
    # A plain search first: the full pattern costs more at every position of a long text.
    return _URL_START.search(text) is not None


def _without_formats_and_urls(text: str) -> str:
    if _may_hold_urls(text):
        text = _URL.sub(" ", text)
    if "%" in text:
        text = _PRINTF.sub(" ", text)
    if "{" in text or "}" in text:
        text = _BRACE.sub(" ", text)
    return text


def numbers(text: str) -> Counter:
    """The numbers of a string as digit groups, whatever the digits' script and separators.

    "1.5" and "1,5" and "١٫٥" are the same number; "15" is not.
    """
    return Counter(number for number, _ in number_spans(text)[1])


def number_spans(text: str) -> tuple[str, list[tuple[tuple[str, ...], int]]]:
    """The text with placeholders and URLs blanked out, and each number in it (as digit groups) with
    the position where it ends in that text."""
    cleaned = _without_formats_and_urls(text)
    spans = []
    for match in _NUMBER.finditer(cleaned):
        token = match.group(0)
        normalized = token if token.isascii() else token.translate(_ASCII_DIGITS)
        spans.append((tuple(_DIGIT_GROUPS.findall(normalized)), match.end()))
    return cleaned, spans


class _AsciiDigits(dict):
    """str.translate's table from any decimal digit (Arabic-Indic, full-width, ...) to its ASCII digit."""

    def __missing__(self, code: int) -> int:
        character = chr(code)
        self[code] = ord(str(unicodedata.digit(character))) if character.isdigit() else code
        return self[code]


_ASCII_DIGITS = _AsciiDigits()


def end_class(text: str) -> str:
    """The kind of final punctuation of a text (``.``, ``?``, ``!``, ``:``, ``;``, ``…``), in any script."""
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


def letter_count(text: str) -> int:
    """How many letters a text has."""
    return sum(map(str.isalpha, text))


def describe(counter: Counter, most: int = 8) -> str:
    """``a, b x2`` for a count of items (the first ``most``, then how many more: a hint stays one line)."""
    items = sorted(counter.items(), key=str)
    shown = ", ".join(shorten(str(item), 60) if count == 1 else f"{shorten(str(item), 60)} x{count}" for item, count in items[:most])
    return (shown + (f" and {len(items) - most} more" if len(items) > most else "")) or "none"


def difference(source: Counter, target: Counter) -> str:
    """``missing ...; unexpected ...`` between two counts, or an empty string when they are equal."""
    if source == target:
        return ""
    missing = source - target
    extra = target - source
    parts = []
    if missing:
        parts.append(f"missing {describe(missing)}")
    if extra:
        parts.append(f"unexpected {describe(extra)}")
    return "; ".join(parts)


def describe_numbers(counter: Counter) -> Counter:
    """Numbers as people read them (``1.5``) for messages."""
    return Counter({".".join(groups): count for groups, count in counter.items()})


# -- checking ------------------------------------------------------------------------------
