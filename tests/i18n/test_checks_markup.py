"""Markup checks read translations with the renderer's own parser: the links, autolinks, entities and
list shapes the page would show are what is compared, so what passes the check renders with exactly
the English's link targets (a property test against the real renderer)."""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contentapi.content.markdown import BlockShapeError, render_block, render_inline
from contentapi.i18n.checks import check_po_bytes, has_errors
from tests.helpers import po_catalog, po_entry

GUIDE = "See [the guide](https://example.org/guide)."


def findings(source: str, translation: str) -> dict[str, str]:
    """check id -> hint for one entry."""
    data = po_catalog(po_entry(source, translation))
    return {finding.check: finding.hint for finding in check_po_bytes(data, "es/LC_MESSAGES/messages.po")}


@pytest.mark.parametrize("translation, target", [
    ("Vea [a [b] c](HTTPS:\\/\\/evil.example).", "HTTPS://evil.example"),
    ("Vea [a [b] c](//evil.example/).", "//evil.example/"),
    ("Vea [a\\]b](//evil.example/x).", "//evil.example/x"),
    ("Vea <x@evil.example> y [la guía](https://example.org/guide).", "mailto:x@evil.example"),
    ("Vea [la guía](<https://evil.example/guide>).", "https://evil.example/guide"),
    ("Vea [la guía][g].\n\n[g]: https://evil.example", None),  # a reference is not a link on one line: refused
])
def test_the_issues_links_are_caught_with_the_target_the_page_would_get(translation, target):
    found = findings(GUIDE, translation)
    assert "urls" in found or "markup" in found
    if target is not None:
        assert target in found["urls"]


@pytest.mark.parametrize("same", [
    "Vea [la guía](https://example.org/guide).", "Vea [la guía]( https://example.org/guide ).",
    'Vea [la guía](https://example.org/guide "guía").', "Vea [la guía](<https://example.org/guide>).",
    "Vea [la guía](https://example.org/gu&#x69;de).",
])
def test_the_same_link_written_another_way_is_the_same_link(same):
    assert findings(GUIDE, same) == {}


@pytest.mark.parametrize("written", ["&#x202E;", "&#8238;", "&rlm;", "&lrm;", "&#x2067;", "&#x061C;"])
def test_bidi_controls_written_as_entities_are_caught_after_decoding(written):
    assert "control-characters" in findings("Take 10 mg.", f"Tome {written}10 mg.")


def test_an_entity_that_decodes_to_text_is_that_text():
    assert findings("Rest & drink.", "Descanse &amp; beba.") == {}
    assert "urls" in findings("See https://example.org/a.", "Vea https:&#x2F;&#x2F;evil.example/a.")


@pytest.mark.parametrize("translation, complaint", [
    ("- sangrado infección", "the English is a bulleted list of 2 items; this is a bulleted list of 1 item"),
    ("- sangrado\n  - infección", "a bulleted list of 1 item with 1 nested list"),
    ("1. sangrado\n2. infección", "this is a numbered list of 2 items"),
    ("sangrado, infección", "this is a paragraph"),
    ("- sangrado\n\n- infección\n\nY más.", "this is a bulleted list of 2 items + a paragraph"),
    ("- sangrado\n-\n- infección", "a bulleted list of 3 items (1 empty)"),
    ("- sangrado\n* infección", "this is a bulleted list of 1 item + a bulleted list of 1 item"),  # a new bullet, a new list
])
def test_a_list_keeps_its_shape_as_the_renderer_parses_it(translation, complaint):
    assert complaint in findings("- bleeding\n- infection", translation)["markup"]
    assert "markup" not in findings("- bleeding\n- infection", "-   sangrado\n- infección")


def test_a_line_break_in_a_one_line_message_is_caught():
    assert "line break" in findings("Rest at home.", "Descanse\nen casa.")["markup"]


@pytest.mark.parametrize("translation, danger", [
    ("Vea [esto](javascript:alert(1)).", "javascript:"),
    ("Vea <javascript:alert(1)>.", "javascript:"),
    ("Vea ![x](data:image/png;base64,AAAA).", "data: URL"),
    ("Vea &lt;img src=x onerror=alert(1)&gt;.", "on* event attribute"),
    ("Vea `<script>alert(1)</script>`.", "<script> element"),
])
def test_what_would_run_if_the_text_reached_html_is_unsafe(translation, danger):
    assert danger in findings("See it.", translation)["unsafe-markup"]


# -- the property: what passes renders with exactly the English's link targets -------------------

class _Targets(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found = Counter()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if (tag, name) in (("a", "href"), ("img", "src")):
                self.found[value] += 1


def rendered_targets(kind: str, text: str) -> Counter | None:
    """The link targets in the HTML the real renderer makes of ``text`` (None when it refuses it)."""
    try:
        html = render_inline(text.strip()) if kind == "title" else render_block(kind, text).html
    except BlockShapeError:
        return None  # the page shows the English instead
    parser = _Targets()
    parser.feed(html)
    return parser.found


SOURCES = [  # (how the renderer treats it, English, a faithful translation)
    ("paragraph", "See [the guide](https://example.org/guide) or write to <help@example.org>.",
     "Vea [la guía](https://example.org/guide) o escriba a <help@example.org>."),
    ("paragraph", "Read **the leaflet** on [our site](https://example.org/a?b=c&d=e).",
     "Lea **el folleto** en [nuestro sitio](https://example.org/a?b=c&d=e)."),
    ("list", "- see [the guide](https://example.org/guide)\n- rest", "- vea [la guía](https://example.org/guide)\n- descanse"),
    ("title", "Kyphoplasty and vertebroplasty", "Cifoplastia y vertebroplastia"),
]
HOSTILE = [
    "[", "]", "(", ")", "<", ">", "\\", "!", "*", "_", "`", "\n", "\n- ", " ", '"', "'", ":", "/", "@",
    "&#x5D;", "&#91;", "&lt;", "&amp;", "&#x202E;", "%20", "texto ", "más ",
    "//evil.example/", "HTTPS:\\/\\/evil.example", "x@evil.example", "https://example.org/guide", "javascript:",
    "mailto:", "[a [b] c]", "(//evil.example)", "<https://evil.example>", "[x]: //evil.example\n", "[x]",
    "![i](//evil.example/i.png)", "[a\\]b]", "[la guía]", "(https://example.org/guide)", "<", "](",
]


@st.composite
def translations(draw):
    """A faithful translation of one of SOURCES with up to five hostile fragments put anywhere in it."""
    kind, source, text = draw(st.sampled_from(SOURCES))
    for _ in range(draw(st.integers(0, 5))):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(HOSTILE)) + text[at:]
    return kind, source, text


@settings(max_examples=1500, deadline=None)
@given(translations())
def test_a_translation_that_passes_renders_exactly_the_englishs_link_targets(case):
    kind, source, translation = case
    if not translation.strip() or has_errors(check_po_bytes(po_catalog(po_entry(source, translation)), "es.po")):
        return
    targets = rendered_targets(kind, translation)
    if targets is not None:
        assert targets == rendered_targets(kind, source), translation


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\r\x00"), max_size=40))
def test_a_line_without_markdown_punctuation_is_what_the_parser_says_it_is(text):
    """render_message skips markdown-it for a line with none of its terminator characters; the
    parser's own reading of such a line must be the same (one text token, or nothing)."""
    from contentapi.content.markdown import BIDI_CONTROLS, inline_tokens
    from contentapi.i18n.markup import MARKDOWN_PUNCTUATION, render_message

    line = BIDI_CONTROLS.sub("", text).strip()
    if any(char in line for char in MARKDOWN_PUNCTUATION):
        return
    tokens = inline_tokens(line)
    assert [(token.type, token.content) for token in tokens] == ([("text", line)] if line else [])
    assert render_message(text, as_list=False).text == line


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(list(" \t\n-+*1.)>#ab\u200e\u00a0")), max_size=12))
def test_reads_as_list_is_the_parsers_answer(text):
    """reads_as_list only parses text that can start with a list marker; it answers what a parse does."""
    from contentapi.content.markdown import block_tokens
    from contentapi.i18n.markup import LIST_KINDS, reads_as_list

    tokens = block_tokens(text)
    assert reads_as_list(text) == (bool(tokens) and tokens[0].type in LIST_KINDS)
