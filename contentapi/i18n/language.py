"""Language facts the checks need: right-to-left languages and a small offline guess at the
language of a piece of text (by writing system, then by common words for Latin-script languages).

The guess is deliberately conservative: it answers None unless the evidence is clear, so the
``lang`` check flags only text that is plainly in another language than the one declared for it.
"""

from __future__ import annotations

import re
import unicodedata

RTL_LANGUAGES = frozenset({"ar", "arc", "ckb", "dv", "fa", "ha-arab", "he", "khw", "ks", "ps", "sd", "syr", "ug", "ur", "yi"})

# Writing systems that name one language among the ones we can meet.
SCRIPT_LANGUAGES = {"HAN": "zh", "HANGUL": "ko", "ARABIC": "ar", "HEBREW": "he", "CYRILLIC": "ru", "HIRAGANA": "ja", "KATAKANA": "ja", "THAI": "th", "GREEK": "el"}

# Frequent short words; a Latin-script text is attributed to a language only when these clearly agree.
COMMON_WORDS = {
    "en": ["the", "and", "of", "to", "you", "your", "is", "are", "a", "in", "for", "with", "that", "this", "be", "it", "or", "on", "can", "will", "may", "have", "not", "do", "if", "as", "at", "by", "from"],
    "es": ["el", "la", "los", "las", "de", "del", "y", "que", "en", "un", "una", "es", "para", "por", "con", "su", "sus", "se", "no", "lo", "al", "usted", "puede", "más", "o", "le", "como", "si"],
    "vi": ["và", "của", "là", "các", "có", "được", "bạn", "không", "cho", "một", "những", "với", "trong", "này", "để", "khi", "sẽ", "người", "thì", "hoặc", "bác", "sĩ"],
    "fr": ["le", "la", "les", "des", "et", "est", "pour", "dans", "que", "une", "vous", "pas", "sur", "avec", "au", "du", "ce", "qui"],
    "de": ["der", "die", "das", "und", "ist", "nicht", "mit", "für", "sie", "den", "ein", "eine", "zu", "auf", "ich", "sich", "von"],
    "pt": ["o", "os", "as", "de", "do", "da", "e", "que", "em", "um", "uma", "para", "com", "não", "você", "é", "por", "se"],
}
_WORDS = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?", re.UNICODE)
VIETNAMESE_LETTERS = set("ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ")


def primary(tag: str | None) -> str:
    """The primary language subtag, lower-cased (``zh-Hans`` -> ``zh``); '' for no tag."""
    return (tag or "").strip().split("-")[0].split("_")[0].lower()


def is_rtl(tag: str | None) -> bool:
    """Whether a language tag names a language written right to left (``ar``, ``he``, ``fa``, ...)."""
    tag = (tag or "").lower()
    if "-arab" in tag or "-hebr" in tag:
        return True
    if "-latn" in tag or "-cyrl" in tag:
        return False
    return primary(tag) in RTL_LANGUAGES


def script_of(character: str) -> str | None:
    """The writing system of a letter, from its Unicode name (LATIN, CYRILLIC, HAN, ...)."""
    if not character.isalpha():
        return None
    name = unicodedata.name(character, "")
    if name.startswith("CJK") or "IDEOGRAPH" in name:
        return "HAN"
    first = name.split(" ")[0]
    return first or None


def guess_language(text: str, min_letters: int = 12) -> str | None:
    """The primary language a text is plainly written in, or None when the evidence is thin.

    Non-Latin scripts decide by themselves; Latin-script text needs several common words of one
    language and clearly fewer of any other (Vietnamese is also told by its own letters).
    """
    letters = [character for character in text if character.isalpha()]
    if len(letters) < min_letters:
        return None
    counts: dict[str, int] = {}
    for character in letters:
        script = script_of(character)
        if script:
            counts[script] = counts.get(script, 0) + 1
    script, count = max(counts.items(), key=lambda item: item[1])
    if count < 0.6 * len(letters):
        return None
    if script != "LATIN":
        if script == "HAN" and counts.get("HIRAGANA", 0) + counts.get("KATAKANA", 0) > 0.05 * len(letters):
            return "ja"
        return SCRIPT_LANGUAGES.get(script)
    lowered = text.lower()
    if sum(1 for character in lowered if character in VIETNAMESE_LETTERS) >= max(3, 0.04 * len(letters)):
        return "vi"
    words = [word.lower() for word in _WORDS.findall(text)]
    if len(words) < 4:
        return None
    scores = {language: sum(1 for word in words if word in vocabulary) for language, vocabulary in COMMON_WORDS.items()}
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    (best, best_score), (_, second_score) = ranked[0], ranked[1]
    if best_score >= 3 and best_score >= 0.12 * len(words) and best_score >= 2 * second_score + 1:
        return best
    return None


def same_language(tag: str | None, language: str) -> bool:
    """Whether a declared language tag and a guessed primary language agree."""
    return primary(tag) == language
