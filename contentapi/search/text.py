"""Text as the search engines see it: folded (case, accents, Arabic marks and letter variants) and
with every CJK ideograph, kana and Hangul syllable a word of its own, so text written without spaces
(Chinese, Korean compounds) is found by any run of its characters. Both engines index and query this
form, so they agree on what matches; snippets map matches back onto the text as written.

Plain Python, standard library only.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass

# Letters that do not decompose to a base letter but are read as one by searchers.
_FOLDED = {"đ": "d", "ł": "l", "ø": "o", "ß": "ss", "æ": "ae", "œ": "oe", "ı": "i",
           "ى": "ي", "ٱ": "ا", "ـ": ""}  # Arabic alef maqsura, alef wasla, tatweel
MAX_QUERY_TERMS = 12
SNIPPET_CHARACTERS = 180


def is_cjk(character: str) -> bool:
    """True for characters written without spaces between words: CJK ideographs, kana, Hangul."""
    code = ord(character)
    return (0x3040 <= code <= 0x30FF or 0x3400 <= code <= 0x4DBF or 0x4E00 <= code <= 0x9FFF
            or 0xAC00 <= code <= 0xD7AF or 0x1100 <= code <= 0x11FF or 0xF900 <= code <= 0xFAFF
            or 0x20000 <= code <= 0x2FA1F)


def fold_character(character: str) -> str:
    """One character folded: lower case, no accents or combining marks, variants unified."""
    if 0xAC00 <= ord(character) <= 0xD7AF:
        return character  # a Hangul syllable stays whole (NFKD would split it into its jamo)
    lowered = character.casefold()
    out = []
    for part in unicodedata.normalize("NFKD", lowered):
        if unicodedata.category(part) == "Mn":
            continue
        out.append(_FOLDED.get(part, part))
    return "".join(out)


def fold_with_positions(text: str) -> tuple[str, list[int]]:
    """The folded text (no CJK spacing) and, for each of its characters, the index in ``text`` it came from."""
    folded, positions = [], []
    for index, character in enumerate(text):
        for part in fold_character(character):
            folded.append(part)
            positions.append(index)
    return "".join(folded), positions


def index_form(text: str) -> str:
    """What the engines index: folded words separated by spaces, each CJK character a word."""
    out = []
    for character in text:
        folded = fold_character(character)
        if not folded:
            continue  # a mark (an Arabic vowel sign, an accent written alone) is not a word break
        if len(folded) == 1 and is_cjk(folded):
            out.append(f" {folded} ")
        elif folded and all(part.isalnum() for part in folded):
            out.append(folded)
        else:
            out.append(" ")
    return " ".join("".join(out).split())


@dataclass(frozen=True)
class Term:
    """One query term: words that must follow each other (one word, or a run of CJK characters);
    ``prefix``: the last word may be the start of a longer one."""

    words: tuple[str, ...]
    prefix: bool

    @property
    def folded(self) -> str:
        """The term as it appears in folded text (CJK runs without spaces), for snippets."""
        return "".join(self.words) if self.words and is_cjk(self.words[0][0]) else " ".join(self.words)


def parse_query(query: str) -> list[Term]:
    """The terms of a query: every word (a prefix when it has 3 letters or more) and every CJK run as
    a phrase. At most MAX_QUERY_TERMS, duplicates dropped."""
    terms: list[Term] = []
    words = index_form(query).split()
    run: list[str] = []

    def close_run() -> None:
        if run:
            terms.append(Term(tuple(run), prefix=False))
            run.clear()

    previous_cjk = False
    for word in words:
        cjk = len(word) == 1 and is_cjk(word)
        if cjk:
            if not previous_cjk:
                close_run()
            run.append(word)
        else:
            close_run()
            terms.append(Term((word,), prefix=len(word) >= 3))
        previous_cjk = cjk
    close_run()
    unique = list(dict.fromkeys(terms))
    return unique[:MAX_QUERY_TERMS]


def snippet(text: str, terms: list[Term], size: int = SNIPPET_CHARACTERS) -> tuple[str, str] | None:
    """(plain snippet, HTML snippet with <mark>) around the first match of any term in ``text``, or
    None when no term occurs in it. Matching is on folded text; the snippet is the text as written."""
    folded, positions = fold_with_positions(text)
    spans = []
    for term in terms:
        needle = term.folded
        if not needle:
            continue
        for match in re.finditer(re.escape(needle), folded):
            start, end = positions[match.start()], positions[match.end() - 1] + 1
            spans.append((start, end))
    if not spans:
        return None
    spans.sort()
    first = spans[0][0]
    begin = max(0, first - size // 3)
    if begin:
        space = text.rfind(" ", 0, begin)
        begin = space + 1 if space >= 0 and first - space < size // 2 else begin
    finish = min(len(text), begin + size)
    plain = ("…" if begin else "") + text[begin:finish] + ("…" if finish < len(text) else "")
    marked, cursor = [], begin
    for start, end in spans:
        if start < cursor or end > finish:
            continue
        marked.append(html.escape(text[cursor:start]))
        marked.append(f"<mark>{html.escape(text[start:end])}</mark>")
        cursor = end
    marked.append(html.escape(text[cursor:finish]))
    html_snippet = ("…" if begin else "") + "".join(marked) + ("…" if finish < len(text) else "")
    return plain, html_snippet
