"""What the renderer makes of a message: the markup checks compare this, never the raw text.

A translation is read as ``contentapi.content.markdown`` reads it for a page: when its English is a
list, as a list (block tokens, then each item as inline Markdown, newlines joined); otherwise as one
line of inline Markdown. Everything here comes from the renderer's own markdown-it tokens: the
shape of the block, the elements (links, images, bold, emphasis, code, line breaks), the link
targets exactly as the page writes them, and the text a reader sees with entities and backslash
escapes decoded. Plain Python, no Flask.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass
from urllib.parse import unquote

from contentapi.content.markdown import BIDI_CONTROLS, block_tokens, inline_tokens

LIST_KINDS = {"bullet_list_open": "a bulleted list", "ordered_list_open": "a numbered list"}
BLOCK_KINDS = {
    "paragraph_open": "a paragraph", "heading_open": "a heading", "blockquote_open": "a quote", "code_block": "a code block",
    "fence": "a code block", "hr": "a horizontal rule", "html_block": "an HTML block",
}
ELEMENTS = {
    "link_open": "link", "image": "image", "strong_open": "**bold**", "em_open": "*emphasis*", "code_inline": "`code`",
    "hardbreak": "line break", "softbreak": "line break",
}
# Text that an HTML parser would read as a tag if a partner put the JSON "text" into a page.
_TAG_IN_TEXT = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)")
_UNSAFE_TAGS = frozenset(
    "script style iframe object embed frame frameset applet base link meta form svg math template img video audio "
    "source input button textarea select".split()
)
_EVENT_ATTRIBUTE = re.compile(r"(?<![\w-])on[a-z]+\s*=", re.IGNORECASE)
_SCRIPT_SCHEME = re.compile(r"(?<![a-z])(?:javascript|vbscript):", re.IGNORECASE)
_DATA_URL = re.compile(r"(?<![a-z])data\s*:\s*[a-z]+/[a-z0-9.+-]", re.IGNORECASE)
_SCHEME = re.compile(r"([a-z][a-z0-9+.-]*):")
_BAD_SCHEMES = frozenset({"javascript", "vbscript", "data", "file"})
_INVISIBLE = re.compile(r"[\s\x00-\x1f]+")


# The characters at which markdown-it's inline parser stops to try its rules (its terminator set).
# Text between them costs next to nothing; each of them costs a pass over the rules (with the text
# run after it about 2 microseconds of markdown-it-py 4), and some more: "[" opens a link label that
# may nest twenty deep, emphasis runs are balanced afterwards, a newline is a line for the block parser.
MARKDOWN_PUNCTUATION = "\n!#$%&*+-:<=>@[\\]^_`{}~"
_SYNTAX = re.compile("[" + re.escape(MARKDOWN_PUNCTUATION) + "\r\x00]")
_COST = dict.fromkeys(MARKDOWN_PUNCTUATION, 2) | {"[": 24, "\n": 16, "*": 4, "_": 4, "`": 3}
LIST_MARKER_STARTS = frozenset("-+*0123456789")


def markdown_cost(text: str, as_list: bool) -> int:
    """What reading ``text`` as ``render_message`` does costs markdown-it, in about microseconds
    (a list is parsed twice: as blocks, then each item inline). Counting is linear and in C."""
    if not _SYNTAX.search(text):
        return 0
    return sum(text.count(char) * cost for char, cost in _COST.items()) * (2 if as_list else 1)


@dataclass(frozen=True)
class Rendered:
    """One message as a page shows it: block shape, element counts, link targets and visible text."""

    shape: tuple[str, ...]
    elements: Counter
    targets: Counter
    text: str


def reads_as_list(source: str) -> bool:
    """True when the renderer treats a translation of ``source`` as a list block (its English is a list)."""
    start = BIDI_CONTROLS.sub("", source).lstrip()[:1]
    if not start or start not in LIST_MARKER_STARTS:
        return False  # a list's first line starts with its marker: nothing to parse
    tokens = block_tokens(source)
    return bool(tokens) and tokens[0].type in LIST_KINDS


def render_message(text: str, as_list: bool) -> Rendered:
    """Read ``text`` as the renderer does (a list block, or one line of inline Markdown)."""
    if as_list:
        blocks = block_tokens(text)
        shape = describe_blocks(blocks)
        lines = [inline_tokens(token.content.replace("\n", " ")) for token in blocks if token.type == "inline"]
    else:
        shape = ()
        line = BIDI_CONTROLS.sub("", text).strip()
        if not _SYNTAX.search(line):
            # markdown-it's inline rules fire only at its terminator characters (and it rewrites only \r
            # and NUL first): without one, a line is one text token, so there is nothing to parse
            # (tests/i18n/test_checks_markup.py holds this against the parser).
            return Rendered(shape, Counter(), Counter(), line)
        lines = [inline_tokens(line)]
    elements: Counter = Counter()
    targets: Counter = Counter()
    visible = []
    for tokens in lines:
        pieces = []
        for token in tokens:
            name = ELEMENTS.get(token.type)
            if name:
                elements[name] += 1
            if token.type == "link_open":
                targets[str(token.attrs.get("href", ""))] += 1
            elif token.type == "image":
                targets[str(token.attrs.get("src", ""))] += 1
            elif token.type in ("text", "code_inline"):
                pieces.append(token.content)
            elif token.type in ("softbreak", "hardbreak"):
                pieces.append("\n")
        visible.append("".join(pieces))
    text_seen = "\n".join(visible)
    if "<" in text_seen:
        for match in _TAG_IN_TEXT.finditer(text_seen):
            elements[f"<{match.group(1)}{match.group(2).lower()}>"] += 1
    return Rendered(shape, elements, targets, text_seen)


def describe_blocks(tokens) -> tuple[str, ...]:
    """The top-level blocks of a block parse, as a reader would name them ("a bulleted list of 5 items")."""
    shape: list[str] = []
    counts: Counter | None = None  # of the list being read
    kind = ""

    def finish_list() -> None:
        items, nested, empty = counts["items"], counts["nested"], counts["items"] - counts["filled"]
        description = f"{kind} of {items} item{'s' if items != 1 else ''}"
        if nested:
            description += f" with {nested} nested list{'s' if nested != 1 else ''}"
        if empty:
            description += f" ({empty} empty)"
        shape.append(description)

    for token in tokens:
        if token.level == 0 and token.nesting != -1:
            if counts is not None:
                finish_list()
                counts = None
            if token.type in LIST_KINDS:
                counts, kind = Counter(), LIST_KINDS[token.type]
            else:
                shape.append(BLOCK_KINDS.get(token.type, token.type.removesuffix("_open")))
        elif counts is not None:
            if token.type == "list_item_open" and token.level == 1:
                counts["items"] += 1
                counts["open"] = 1
            elif token.type in LIST_KINDS:
                counts["nested"] += 1
            elif token.type == "inline" and token.content.strip() and counts["open"]:
                counts["filled"] += 1
                counts["open"] = 0
    if counts is not None:
        finish_list()
    return tuple(shape)


def unsafe_parts(rendered: Rendered) -> list[str]:
    """What in a rendered message could run or load content: bad link schemes, and text that would be
    dangerous HTML if a partner inserted the JSON text into a page (tags, on* attributes, script URLs)."""
    problems = set()
    for target in rendered.targets:
        scheme = _SCHEME.match(_INVISIBLE.sub("", unquote(target)).lower())
        if scheme and scheme.group(1) in _BAD_SCHEMES:
            problems.add(f"{scheme.group(1)}: URL")
    if not any(char in rendered.text for char in "<:&"):
        return sorted(problems)  # no tag, no scheme, no entity that could write one
    for candidate in {rendered.text, html.unescape(rendered.text)}:
        tags = [match.group(2).lower() for match in _TAG_IN_TEXT.finditer(candidate)]
        problems.update(f"<{name}> element" for name in tags if name in _UNSAFE_TAGS)
        if tags and _EVENT_ATTRIBUTE.search(candidate):
            problems.add("on* event attribute")
        if _SCRIPT_SCHEME.search(_INVISIBLE.sub("", candidate)):
            problems.add("javascript:/vbscript: URL")
        if _DATA_URL.search(candidate):
            problems.add("data: URL")
    return sorted(problems)
