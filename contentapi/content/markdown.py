"""Turn a block's Markdown (English or translated) into plain text and safe HTML.

Translations are untrusted input: Markdown is parsed with raw HTML disabled and
the result is cleaned again with nh3, so a catalog can never put markup other
than emphasis, code, links and lists on a page.
"""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})

ALLOWED_TAGS = {"a", "em", "strong", "code", "ul", "ol", "li", "br"}
ALLOWED_ATTRIBUTES = {"a": {"href"}}
ALLOWED_SCHEMES = {"http", "https", "mailto", "tel"}

# Bidirectional embedding/override/isolate controls can visually reverse a dose
# ("01 mg" shown as "10 mg"); they have no place in patient text.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


class BlockShapeError(ValueError):
    """The Markdown does not have the shape of its block (a list that is no longer a list)."""


@dataclass(frozen=True)
class RenderedBlock:
    """A block ready to serve: plain ``text`` for paragraphs, ``items`` for lists, and ``html``."""

    type: str
    html: str
    text: str | None = None
    items: tuple[str, ...] | None = None
    ordered: bool = False


def sanitize(html: str) -> str:
    """Clean HTML down to the inline and list markup content may use."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        link_rel="noopener noreferrer",
    )


def plain_text(html: str) -> str:
    """The text of an HTML fragment, with markup removed and whitespace collapsed."""
    text = nh3.clean(html, tags=set())
    return " ".join(html_lib.unescape(text).split())


def inline_tokens(source: str) -> list[Token]:
    """The inline tokens ``render_inline`` turns into HTML for ``source`` (bidi controls removed first).

    The catalog checker reads translations through this and ``block_tokens``, so what it compares
    is what a page will show, parsed once by the same parser with the same settings.
    """
    parsed = _markdown.parseInline(BIDI_CONTROLS.sub("", source))
    return list(parsed[0].children or ()) if parsed else []


def block_tokens(source: str) -> list[Token]:
    """The block tokens ``render_block`` reads for a list (bidi controls removed first)."""
    return _markdown.parse(BIDI_CONTROLS.sub("", source))


def render_inline(source: str) -> str:
    """Render one line of Markdown (a heading, a title) as sanitised inline HTML."""
    return sanitize(_markdown.renderInline(BIDI_CONTROLS.sub("", source)))


def render_block(block_type: str, source: str, ordered: bool = False) -> RenderedBlock:
    """Render a block's Markdown; raise BlockShapeError if it is not a block of that type."""
    source = BIDI_CONTROLS.sub("", source)
    if block_type == "paragraph":
        if "\n" in source.strip():
            raise BlockShapeError("a paragraph must be one line")
        html = render_inline(source.strip())
        text = plain_text(html)
        if not text:
            raise BlockShapeError("empty paragraph")
        return RenderedBlock("paragraph", html=html, text=text)
    if block_type == "list":
        tokens = _markdown.parse(source)
        opener = "ordered_list_open" if ordered else "bullet_list_open"
        if not tokens or tokens[0].type != opener or tokens[-1].type != opener.replace("open", "close"):
            raise BlockShapeError("a list must stay a single list of the same kind")
        depth = 0
        items: list[str] = []
        for token in tokens:
            depth += token.nesting if token.type.endswith("list_open") or token.type.endswith("list_close") else 0
            if depth > 1:
                raise BlockShapeError("lists must be flat")
            if token.type == "inline":
                items.append(render_inline(token.content.replace("\n", " ")))
        if not items or not all(plain_text(item) for item in items):
            raise BlockShapeError("a list needs non-empty items")
        tag = "ol" if ordered else "ul"
        html = f"<{tag}>" + "".join(f"<li>{item}</li>" for item in items) + f"</{tag}>"
        return RenderedBlock("list", html=html, items=tuple(plain_text(item) for item in items), ordered=ordered)
    raise BlockShapeError(f"unknown block type {block_type!r}")
