"""Meaning checks: what a translation says that markup and numbers alone do not show.

- **Units**: a number keeps its unit ("24 horas" for "24 hours", never "24 días"). The words for each
  unit come from CLDR through Babel's public ``babel.units`` API, in every length (long, short,
  narrow), every plural form (the sample numbers cover each of the locale's plural categories) and
  the "per" form ("/giờ", "por hora"), for English and each served locale.
- **Negation**: the English says "not" / "no" / "never" and the translation has no negation of its
  language, or the reverse ("no retome" became "retome").
- **Language**: a translation that reads as another language than the catalog's, by the audit's
  offline language guess (``contentapi.i18n.language``, which the audit uses too), sharpened for Latin-script catalogs by comparing
  the words only the catalog's language and only a rival language use.

Plain Python, no Flask. Every function reads its text in one pass; none raises on any text.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from babel import Locale
from babel.core import UnknownLocaleError
from babel.numbers import format_decimal
from babel.units import format_compound_unit, format_unit, get_unit_name

from contentapi.i18n.language import COMMON_WORDS, guess_language, primary
from contentapi.i18n.features import number_spans
from contentapi.i18n.locales import to_babel_id

# The units of patient instructions: durations, doses, volumes, sizes.
UNITS = (
    "duration-second", "duration-minute", "duration-hour", "duration-day", "duration-week", "duration-month",
    "duration-year", "mass-microgram", "mass-milligram", "mass-gram", "mass-kilogram", "volume-milliliter",
    "volume-liter", "length-millimeter", "length-centimeter",
)
_LENGTHS = ("long", "short", "narrow")
_SAMPLES = (0, 1, 2, 3, 4, 5, 6, 11, 12, 21, 22, 25, 100, 101, 102, 1.5)  # every plural category of the served locales
_NUMERAL = re.compile(r"[\d.,\u066b\u066c]+")
_BETWEEN = re.compile(r"[\s\u00a0\u202f\u2009-]*(?:[个個]\s*)?")  # space, hyphen ("24-hour"), a Chinese classifier
_NEXT_WORD = re.compile(r"[^\W\d_]+")
_CLOSED_SCRIPTS = re.compile("[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


@dataclass(frozen=True)
class UnitMention:
    """A number in a text and the units the words after it can name (empty when they name none)."""

    number: tuple[str, ...]
    units: frozenset[str]
    words: str


@lru_cache(maxsize=None)
def unit_vocabulary(locale: str) -> dict[str, frozenset[str]]:
    """Lower-cased unit words of a locale (``es``, ``zh-Hans``, ``en``) -> the units they name, from CLDR."""
    babel_id = to_babel_id(locale)
    try:
        Locale.parse(babel_id)
    except (ValueError, TypeError, UnknownLocaleError):
        return {}
    named: dict[str, set[str]] = {}
    for unit in UNITS:
        phrases = set()
        for length in _LENGTHS:
            for sample in _SAMPLES:
                written = format_unit(sample, unit, length, locale=babel_id)
                phrases.add(written.replace(format_decimal(sample, locale=babel_id), " "))
            phrases.add(get_unit_name(unit, length, locale=babel_id) or "")
            # The "per" form names some units in words the others do not ("/giờ" beside "tiếng").
            per = format_compound_unit(1, "mass-gram", denominator_unit=unit, length=length, locale=babel_id) or ""
            words = per.replace(format_unit(1, "mass-gram", length, locale=babel_id), " ").replace("/", " ").split()
            phrases.add(words[-1] if words else "")
        for phrase in phrases:
            phrase = _NUMERAL.sub(" ", phrase).strip().lower()
            # A lone letter of an alphabet ("h", "a", "ч", "س") is too often a word of its own to name a unit.
            if phrase and not (len(phrase) == 1 and not _CLOSED_SCRIPTS.match(phrase)):
                named.setdefault(phrase, set()).add(unit)
    return {phrase: frozenset(units) for phrase, units in named.items()}


def unit_mentions(text: str, locale: str) -> list[UnitMention]:
    """Every number of a text with the unit the word after it names in ``locale``.

    In alphabetic scripts the unit is the whole next word ("24 horas"); in Chinese and Korean, where
    words are not spaced, it is the longest unit at the start of the next run of characters
    ("24시간 동안", "24小时内"). Each number costs a few look-ups, whatever the text.
    """
    vocabulary = unit_vocabulary(locale)
    longest = max(map(len, vocabulary), default=0)
    mentions = []
    text, spans = number_spans(text)
    lowered = text.lower()
    for number, end in spans:
        start = _BETWEEN.match(lowered, end).end()
        word = _NEXT_WORD.match(lowered, start)
        found, size = frozenset(), 0
        if word:
            run = word.group(0)
            if run in vocabulary:
                found, size = vocabulary[run], len(run)
            elif _CLOSED_SCRIPTS.match(run):
                size = next((size for size in range(min(longest, len(run)), 0, -1) if run[:size] in vocabulary), 0)
                found = vocabulary[run[:size]] if size else frozenset()
        mentions.append(UnitMention(number, found, text[start:start + size]))
    return mentions


def unit_changes(source: str, target: str, locale: str) -> list[str]:
    """How the translation changed the unit of a number of the English, as "24 hours -> 24 días".

    Only a number whose English unit is known, and whose translation names a *different* known unit,
    is a change: unknown words after a number are given the benefit of the doubt, and a missing
    number is the numbers check's finding.
    """
    wanted = [mention for mention in unit_mentions(source, "en") if mention.units]
    if not wanted:
        return []
    available = unit_mentions(target, locale)
    changes = []
    for mention in wanted:
        same = [other for other in available if other.number == mention.number]
        match = next((other for other in same if other.units & mention.units), None) \
            or next((other for other in same if not other.units), None)
        if match is not None:
            available.remove(match)
        elif same:
            changes.append(f"{'.'.join(mention.number)} {mention.words} -> {'.'.join(same[0].number)} {same[0].words}")
            available.remove(same[0])
    return changes


# Words (or parts of words, marked "*") that make a sentence negative, per language.
NEGATION = {
    "en": ["not", "no", "never", "none", "nothing", "nobody", "nor", "neither", "cannot", "without", "*n't", "*n’t"],
    "es": ["no", "nunca", "jamás", "ni", "ningún", "ninguna", "ninguno", "nada", "nadie", "tampoco", "sin"],
    "ru": ["не", "нет", "ни", "никогда", "нельзя", "ничего", "никто", "без", "*отсутств"],
    "zh": ["*不", "*没", "*無", "*无", "*别", "*勿", "*未", "*非", "*禁止"],
    "ko": ["*않", "*못", "*없", "*지 마", "*지 말", "*지마", "*지말", "*금지", "안"],
    "ar": ["لا", "لم", "لن", "ليس", "ليست", "غير", "بدون", "دون", "عدم", "*تعذر", "*تعذّر"],
    "vi": ["không", "chưa", "chẳng", "đừng", "chớ", "cấm"],
}
# Phrases made with a negation word that do not negate: "ولا سيما" is "especially", Korean "-지 않도록"
# ("so that ... not") is how "prevent" is said.
NOT_NEGATION = {"ar": ["ولا سيما", "لا سيما"], "ko": ["지 않도록"]}
# Arabic writes "and", "so" and "by" as one letter on the next word: "ولا", "فلا", "بعدم" ("كلا" is "both").
_ARABIC_PROCLITICS = "وفب"


def is_negative(text: str, locale: str) -> bool | None:
    """Whether a text holds a negation of its language; None for a language without markers."""
    markers = NEGATION.get(primary(locale))
    if markers is None:
        return None
    lowered = text.lower()
    for phrase in NOT_NEGATION.get(primary(locale), ()):
        lowered = lowered.replace(phrase, " ")
    if any(marker[1:] in lowered for marker in markers if marker.startswith("*")):
        return True
    whole = {marker for marker in markers if not marker.startswith("*")}
    for word in _WORD.findall(lowered):
        if word in whole or (primary(locale) == "ar" and word[:1] in _ARABIC_PROCLITICS and word[1:] in whole):
            return True
    return False


def negation_differs(source: str, target: str, locale: str) -> str | None:
    """``"dropped"`` or ``"added"`` when one side is negative and the other is not; None otherwise."""
    theirs = is_negative(target, locale)
    if theirs is None:
        return None
    ours = is_negative(source, "en")
    if ours == theirs:
        return None
    return "dropped" if ours else "added"


def reads_as(text: str, locale: str, min_letters: int = 20) -> str | None:
    """The language a translation plainly reads as, when it is not the catalog's (None otherwise).

    Its first 2,000 characters are enough to tell, and keep a long text from costing more.
    """
    text = text[:2000]
    expected = primary(locale)
    guessed = guess_language(text, min_letters)
    if guessed is not None:
        return None if guessed == expected else guessed
    if expected not in COMMON_WORDS:
        return None
    # Between two languages that share many short words (Spanish and Portuguese), count only the
    # words each uses and the other does not.
    words = [word.lower() for word in _WORD.findall(text)]
    if len(words) < 6 or sum(map(len, words)) < min_letters:
        return None
    own = set(COMMON_WORDS[expected])
    best, best_count = None, 0
    for rival, vocabulary in COMMON_WORDS.items():
        if rival == expected:
            continue
        theirs, mine = set(vocabulary) - own, own - set(vocabulary)
        counts = Counter("theirs" if word in theirs else "mine" for word in words if word in theirs or word in mine)
        if counts["theirs"] >= 3 and counts["theirs"] >= 2 * counts["mine"] + 1 and counts["theirs"] > best_count:
            best, best_count = rival, counts["theirs"]
    return best


def language_name(code: str) -> str:
    """The English name of a language code, from CLDR (the code itself if CLDR has none)."""
    try:
        return Locale.parse(code).get_display_name("en") or code
    except (ValueError, TypeError, UnknownLocaleError):
        return code
