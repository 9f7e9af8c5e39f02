"""What a translatable string contains that must survive translation: format placeholders,
URLs, numbers, markup, and anything unsafe. Plain Python; the checker compares these between an
English source and its translation.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections import Counter

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
    return sum(1 for char in text if char.isalpha())


def describe(counter: Counter) -> str:
    """``a, b x2`` for a count of items."""
    return ", ".join(f"{item}" if count == 1 else f"{item} x{count}" for item, count in sorted(counter.items(), key=str)) or "none"


def difference(source: Counter, target: Counter) -> str:
    """``missing ...; unexpected ...`` between two counts, or an empty string when they are equal."""
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
