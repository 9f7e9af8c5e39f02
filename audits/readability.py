"""Reading grade of page text, offline: syllables from pyphen's hyphenation dictionaries.

English uses Flesch-Kincaid grade level; Spanish uses Fernandez-Huerta reading ease, converted to an
approximate school grade with Fernandez-Huerta's own table so both compare with one target grade.
Other languages have no formula here and are reported as not measured.
"""

from __future__ import annotations

import itertools
import re
from functools import lru_cache

import pyphen

from contentapi.i18n.language import primary

MIN_WORDS = 50
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", re.UNICODE)
_SENTENCE_END = re.compile(r"[.!?…。！？]+(?:[\"'”’)\]]*)(?:\s+|$)")
DICTIONARIES = {"en": "en_US", "es": "es"}
FORMULAS = {"en": "flesch-kincaid-grade", "es": "fernandez-huerta"}
# Fernandez-Huerta's table (ease -> school grade), as points to interpolate between.
EASE_TO_GRADE = ((100.0, 3.0), (95.0, 4.0), (85.0, 5.0), (75.0, 6.0), (65.0, 7.5), (55.0, 9.5), (40.0, 12.0), (15.0, 16.0), (0.0, 18.0))


@lru_cache(maxsize=8)
def dictionary(language: str) -> pyphen.Pyphen:
    """The hyphenation dictionary for a language, allowing breaks one letter from the ends."""
    return pyphen.Pyphen(lang=DICTIONARIES[language], left=1, right=1)


def syllables(word: str, language: str) -> int:
    """Syllables in a word: hyphenation points plus one (pyphen), at least one."""
    return max(1, len(dictionary(language).positions(word.lower())) + 1)


def count(blocks: list[dict], language: str) -> tuple[int, int, int]:
    """(words, sentences, syllables) in text blocks; every heading or list item is a sentence of its own."""
    words = sentences = syllable_total = 0
    for block in blocks:
        text = block["text"]
        block_words = _WORD.findall(text)
        if not block_words:
            continue
        words += len(block_words)
        syllable_total += sum(syllables(word, language) for word in block_words)
        ends = len(_SENTENCE_END.findall(text))
        if text.rstrip()[-1:] not in ".!?…。！？\"'”’)]":
            ends += 1  # the block ends without punctuation (a heading, a list item): still a sentence
        sentences += max(1, ends)
    return words, sentences, syllable_total


def ease_to_grade(ease: float) -> float:
    """Approximate school grade for a Fernandez-Huerta (or Flesch) reading ease."""
    for (high, high_grade), (low, low_grade) in itertools.pairwise(EASE_TO_GRADE):
        if ease >= low:
            share = (high - ease) / (high - low) if high != low else 0.0
            return round(high_grade + max(0.0, share) * (low_grade - high_grade), 1)
    return EASE_TO_GRADE[-1][1]


def measure(blocks: list[dict], language: str | None) -> dict:
    """The reading level of text blocks in a language: formula, score, grade and counts (or why not measured)."""
    lang = primary(language)
    if lang not in FORMULAS:
        return {"measured": False, "language": language, "reason": f"no readability formula for {language or 'an undeclared language'}"}
    words, sentences, syllable_total = count(blocks, lang)
    if words < MIN_WORDS:
        return {"measured": False, "language": language, "reason": f"too little text to measure ({words} words, {MIN_WORDS} needed)",
                "words": words}
    per_sentence = words / sentences
    per_word = syllable_total / words
    result = {"measured": True, "language": language, "formula": FORMULAS[lang], "words": words,
              "sentences": sentences, "syllables": syllable_total,
              "words_per_sentence": round(per_sentence, 2), "syllables_per_word": round(per_word, 3)}
    if lang == "en":
        grade = 0.39 * per_sentence + 11.8 * per_word - 15.59
        flesch_ease = 206.835 - 1.015 * per_sentence - 84.6 * per_word
        result.update(score=round(grade, 1), grade=round(grade, 1), flesch_reading_ease=round(flesch_ease, 1))
    else:
        ease = 206.84 - 0.60 * (100 * per_word) - 1.02 * (100 / per_sentence)
        # Szigriszt-Pazos (INFLESZ) perspicuity, given alongside for Spanish-speaking reviewers.
        perspicuity = 206.835 - 62.3 * per_word - per_sentence
        result.update(score=round(ease, 1), grade=ease_to_grade(ease), szigriszt_pazos=round(perspicuity, 1))
    return result
