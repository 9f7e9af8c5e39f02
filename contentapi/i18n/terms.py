"""A medical termbase per locale, in TBX, and the matching behind the ``terminology`` check.

Plain Python, no Flask. Each locale's termbase is ``translations/<babel_id>/terms.tbx``: TBX-Basic
(ISO 30042, the exchange format every CAT tool imports), one concept per entry, with its English
terms and the locale's terms, each ``preferred``, ``admitted`` or ``deprecated`` (TBX's
administrativeStatus), and optionally a SNOMED CT concept id. ``read_tbx`` reads TBX v2
(``<martif>``, ``termEntry/langSet/tig``) and v3 (``<tbx>``, ``conceptEntry/langSec/termSec``);
``write_tbx`` writes either.

A TBX file is untrusted input: it is parsed by the standard library's expat with every entity
declaration refused (no internal or external entities, so no "billion laughs" expansion and no
file or network read, XXE), at most ``MAX_TBX_BYTES``. This is what defusedxml does for
ElementTree, without a new dependency.

Matching (``TermMatcher``) finds a term in a text the way a reader would, so inflection and script
do not cause false alarms:

* English, Spanish and Russian: words compared by stem (a light suffix stripper: English plurals
  and -ed; Spanish plural, gender and accents, so "balón" matches "balones"; Russian case, number
  and gender endings, so "костный цемент" matches "костного цемента");
* Arabic: a word matches when it is the term's word with the clitics and endings Arabic attaches
  (و ف ب ك ل ال, ـا ـه ـات ـين ـون ...), after removing diacritics and unifying alef forms;
* Vietnamese: whole syllables, in order (no inflection);
* Chinese, Japanese and Korean: the term as a substring, spaces removed from both (Chinese and
  Japanese have none between words; Korean attaches particles and spaces compounds either way:
  "골 시멘트" and "골시멘트"). Weblate's glossary check, which looks for space-separated words,
  misses these.
"""

from __future__ import annotations

import re
import unicodedata
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from contentapi.i18n.locales import DEFAULT_LOCALE, to_babel_id

TERMS_FILE = "terms.tbx"
MAX_TBX_BYTES = 10 * 1024 * 1024
PREFERRED = "preferred"
ADMITTED = "admitted"
DEPRECATED = "deprecated"
STATUSES = (PREFERRED, ADMITTED, DEPRECATED)
# TBX administrativeStatus values (TBX-Basic), and the older normativeAuthorization ones.
_TBX_STATUS = {
    "preferredterm-admn-sts": PREFERRED, "preferredterm": PREFERRED, "preferred": PREFERRED,
    "admittedterm-admn-sts": ADMITTED, "admittedterm": ADMITTED, "admitted": ADMITTED,
    "deprecatedterm-admn-sts": DEPRECATED, "deprecatedterm": DEPRECATED, "deprecated": DEPRECATED,
    "supersededterm-admn-sts": DEPRECATED, "supersededterm": DEPRECATED, "superseded": DEPRECATED,
    "forbidden": DEPRECATED,
}
_STATUS_TBX = {PREFERRED: "preferredTerm-admn-sts", ADMITTED: "admittedTerm-admn-sts", DEPRECATED: "deprecatedTerm-admn-sts"}
SNOMED_URI = "http://snomed.info/id/"
TBX3_NAMESPACE = "urn:iso:std:iso:30042:ed-2"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_SNOMED_ID = re.compile(r"^\d{6,18}$")


class TermbaseError(ValueError):
    """A termbase cannot be read or written; one line naming the file and what is wrong."""


@dataclass(frozen=True)
class Term:
    """One term of one language: its text, its status and an optional note (why it is deprecated)."""

    text: str
    status: str = PREFERRED
    note: str | None = None


@dataclass(frozen=True)
class Concept:
    """One concept: its id, English terms, terms per locale, SNOMED CT id, subject field and definition."""

    id: str
    terms: dict[str, tuple[Term, ...]] = field(default_factory=dict)  # language code -> terms
    snomed: str | None = None
    subject: str | None = None
    definition: str | None = None

    def of(self, language: str) -> tuple[Term, ...]:
        """The terms of one language (none when the concept has no entry for it)."""
        return self.terms.get(language, ())

    def english(self) -> tuple[Term, ...]:
        """The English terms that, when a message uses them, call for the concept's translations."""
        return self.of(DEFAULT_LOCALE)


@dataclass(frozen=True)
class Termbase:
    """Concepts, in file order."""

    concepts: tuple[Concept, ...] = ()

    def languages(self) -> set[str]:
        """Every language the termbase has terms in."""
        return {language for concept in self.concepts for language in concept.terms}

    def only(self, languages: set[str]) -> "Termbase":
        """The concepts with only these languages' terms (concepts left with none are dropped)."""
        concepts = []
        for concept in self.concepts:
            terms = {language: terms for language, terms in concept.terms.items() if language in languages}
            if terms:
                concepts.append(Concept(concept.id, terms, concept.snomed, concept.subject, concept.definition))
        return Termbase(tuple(concepts))

    def for_locale(self, locale: str) -> "Termbase":
        """The concepts that have terms in ``locale``, with their English and that locale's terms only."""
        return Termbase(tuple(concept for concept in self.only({DEFAULT_LOCALE, locale}).concepts if concept.of(locale)))

    def merged(self, other: "Termbase") -> "Termbase":
        """This termbase with ``other``'s concepts: a concept with the same id (else the same
        preferred English term) takes ``other``'s terms for each language ``other`` has; new ones are added."""
        concepts = list(self.concepts)
        index = {concept.id: position for position, concept in enumerate(concepts)}
        by_english = {_english_key(concept): position for position, concept in enumerate(concepts) if _english_key(concept)}
        for concept in other.concepts:
            position = index.get(concept.id, by_english.get(_english_key(concept)))
            if position is None:
                index[concept.id] = len(concepts)
                concepts.append(concept)
                continue
            old = concepts[position]
            concepts[position] = Concept(old.id, {**old.terms, **concept.terms}, concept.snomed or old.snomed,
                                         concept.subject or old.subject, concept.definition or old.definition)
        return Termbase(tuple(concepts))


def _english_key(concept: Concept) -> str | None:
    preferred = [term.text for term in concept.english() if term.status == PREFERRED]
    return preferred[0].casefold() if preferred else None


# -- reading and writing TBX ---------------------------------------------------------------------


def _refuse(*_args) -> None:
    raise TermbaseError("the file declares XML entities (a DTD internal subset); termbases may not: "
                        "they can expand without bound or read files")


def _parse_xml(data: bytes, name: str) -> ET.Element:
    """Parse untrusted XML with every entity declaration refused: expat reads it once with handlers
    that stop at the first declaration (before any could be used), then ElementTree builds the tree
    of a document that has none."""
    import xml.parsers.expat as expat

    if len(data) > MAX_TBX_BYTES:
        raise TermbaseError(f"{name}: larger than {MAX_TBX_BYTES // (1024 * 1024)} MiB")
    scanner = expat.ParserCreate()
    scanner.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    scanner.EntityDeclHandler = _refuse
    scanner.UnparsedEntityDeclHandler = _refuse
    scanner.ExternalEntityRefHandler = _refuse
    try:
        scanner.Parse(data, True)
        return ET.fromstring(data)
    except TermbaseError as error:
        raise TermbaseError(f"{name}: {error}") from None
    except (expat.ExpatError, ET.ParseError) as error:
        raise TermbaseError(f"{name}: not well-formed XML ({error})") from None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _text(element: ET.Element | None) -> str:
    return " ".join("".join(element.itertext()).split()) if element is not None else ""


def _language(code: str | None) -> str | None:
    """A TBX language (``es``, ``es-ES``, ``zh-CN``, ``zh-Hans``, ``en-US``) as our code, or None."""
    from contentapi.i18n.locales import SUPPORTED_LOCALES, match_tag

    if not code:
        return None
    return match_tag(code.strip(), SUPPORTED_LOCALES)


def read_tbx(data: bytes, name: str = "<termbase>") -> Termbase:
    """A TBX file (v2 ``martif`` or v3 ``tbx``, TBX-Basic or TBX-Core) as a Termbase; TermbaseError
    when it cannot be read. Languages we do not serve are left out; so are concepts without English."""
    root = _parse_xml(data, name)
    if _local(root.tag) not in ("martif", "tbx"):
        raise TermbaseError(f"{name}: not a TBX file (the root element is <{_local(root.tag)}>, not <martif> or <tbx>)")
    concepts = []
    seen: set[str] = set()
    for number, entry in enumerate((element for element in root.iter() if _local(element.tag) in ("termEntry", "conceptEntry")), start=1):
        # Tools write ids as they like (translate-toolkit: the English term, spaces included), or none.
        concept_id = " ".join((entry.get("id") or "").split())[:200] or f"c{number}"
        if concept_id in seen:
            concept_id = f"{concept_id}-{number}"
        seen.add(concept_id)
        snomed = subject = definition = None
        terms: dict[str, list[Term]] = {}
        for child in entry.iter():
            tag = _local(child.tag)
            kind = (child.get("type") or "").strip()
            if tag in ("xref", "ref") and kind in ("externalCrossReference", "xref"):
                target = child.get("target") or _text(child)
                if target.startswith(SNOMED_URI):
                    snomed = target[len(SNOMED_URI):].strip("/")
            elif tag == "descrip" and kind == "subjectField":
                subject = _text(child) or None
            elif tag == "descrip" and kind == "definition":
                definition = definition or _text(child) or None
            elif tag == "admin" and kind in ("snomedCT", "conceptOrigin") and _SNOMED_ID.match(_text(child)):
                snomed = _text(child)
        if snomed is not None and not _SNOMED_ID.match(snomed):
            raise TermbaseError(f"{name}: concept {concept_id!r}: {snomed!r} is not a SNOMED CT concept id (6 to 18 digits)")
        for language_set in (element for element in entry if _local(element.tag) in ("langSet", "langSec")):
            language = _language(language_set.get(XML_LANG) or language_set.get("lang"))
            if language is None:
                continue
            for holder in (element for element in language_set.iter() if _local(element.tag) in ("tig", "ntig", "termSec")):
                term = next((element for element in holder.iter() if _local(element.tag) == "term"), None)
                text = _text(term)
                if not text:
                    continue
                status = PREFERRED
                note = None
                for item in holder.iter():
                    if _local(item.tag) == "termNote" and item.get("type") in ("administrativeStatus", "normativeAuthorization"):
                        value = _text(item).lower()
                        if value not in _TBX_STATUS:
                            raise TermbaseError(f"{name}: concept {concept_id!r}: unknown term status {value!r}")
                        status = _TBX_STATUS[value]
                    elif _local(item.tag) == "note":
                        note = _text(item) or None
                terms.setdefault(language, []).append(Term(text, status, note))
        if DEFAULT_LOCALE not in terms:
            continue
        concepts.append(Concept(concept_id, {language: tuple(items) for language, items in terms.items()}, snomed, subject, definition))
    return Termbase(tuple(concepts))


def write_tbx(termbase: Termbase, version: int = 2, description: str = "contentapi termbase") -> bytes:
    """The termbase as TBX-Basic: version 2 (``<martif>``, ISO 30042:2008, what memoQ, Trados
    MultiTerm, OmegaT, Weblate and translate-toolkit import) or 3 (``<tbx>``, ISO 30042:2019)."""
    if version not in (2, 3):
        raise TermbaseError("TBX version is 2 or 3")
    v3 = version == 3
    if v3:
        root = ET.Element("tbx", {"type": "TBX-Basic", "style": "dca", XML_LANG: "en", "xmlns": TBX3_NAMESPACE})
        header = ET.SubElement(root, "tbxHeader")
    else:
        root = ET.Element("martif", {"type": "TBX-Basic", XML_LANG: "en"})
        header = ET.SubElement(root, "martifHeader")
    source = ET.SubElement(ET.SubElement(ET.SubElement(header, "fileDesc"), "sourceDesc"), "p")
    source.text = description
    body = ET.SubElement(ET.SubElement(root, "text"), "body")
    for concept in termbase.concepts:
        entry = ET.SubElement(body, "conceptEntry" if v3 else "termEntry", {"id": concept.id})
        if concept.subject:
            ET.SubElement(entry, "descrip", {"type": "subjectField"}).text = concept.subject
        if concept.definition:
            ET.SubElement(entry, "descrip", {"type": "definition"}).text = concept.definition
        if concept.snomed:
            ET.SubElement(entry, "xref", {"type": "externalCrossReference", "target": SNOMED_URI + concept.snomed}).text = \
                f"SNOMED CT {concept.snomed}"
        languages = sorted(concept.terms, key=lambda code: (code != DEFAULT_LOCALE, code))
        for language in languages:
            language_set = ET.SubElement(entry, "langSec" if v3 else "langSet", {XML_LANG: language})
            for term in concept.terms[language]:
                holder = ET.SubElement(language_set, "termSec" if v3 else "tig")
                ET.SubElement(holder, "term").text = term.text
                ET.SubElement(holder, "termNote", {"type": "administrativeStatus"}).text = _STATUS_TBX[term.status]
                if term.note:
                    ET.SubElement(holder, "note").text = term.note
    ET.indent(root, space=" ")
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8") + b"\n"


# -- termbases in a translations folder ----------------------------------------------------------


def termbase_path(translations_dir: Path | str, locale: str) -> Path:
    """``translations/<babel_id>/terms.tbx``."""
    return Path(translations_dir) / to_babel_id(locale) / TERMS_FILE


_LOADED: dict[Path, tuple[tuple, "Termbase"]] = {}


def load_termbase(translations_dir: Path | str, locale: str) -> Termbase | None:
    """A locale's termbase (its English and the locale's terms), or None without one; read again only
    when the file changed. A file that cannot be read is TermbaseError."""
    path = termbase_path(translations_dir, locale)
    try:
        status = path.stat()
    except OSError:
        return None
    signature = (status.st_ino, status.st_size, status.st_mtime_ns)
    kept = _LOADED.get(path)
    if kept is not None and kept[0] == signature:
        return kept[1]
    termbase = read_tbx(path.read_bytes(), str(path)).for_locale(locale)
    _LOADED[path] = (signature, termbase)
    return termbase


# -- matching ------------------------------------------------------------------------------------

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)
_SPACES = re.compile(r"\s+")
_ARABIC_MARKS = re.compile(r"[\u0610-\u061A\u064B-\u065F\u0670\u06D6-\u06ED\u0640]")
SUBSTRING_LANGUAGES = {"zh", "ja", "ko"}
_RU_ENDINGS = sorted("""
    иями ями ами иях ией ого его ому ему ыми ими ией ием
    ая яя ое ее ые ие ый ий ой ей ым им ых их ую юю ом ем ах ях ам ям ов ев ию ия ии ью
    а я о е ы и у ю ь й
""".split(), key=len, reverse=True)
_AR_PREFIXES = ("وبال", "وال", "بال", "كال", "فال", "لل", "ال", "و", "ف", "ب", "ك", "ل", "")
_AR_SUFFIXES = ("ات", "ان", "ين", "ون", "ها", "هم", "ية", "يه", "يا", "ا", "ه", "ي", "")


def language_of(locale: str) -> str:
    """``zh-Hans`` -> ``zh``."""
    return locale.split("-", 1)[0].lower()


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _strip_accents(text: str) -> str:
    return "".join(char for char in unicodedata.normalize("NFD", text) if not unicodedata.combining(char))


def stem(word: str, language: str) -> str:
    """A light stem of one word (already case-folded) for English, Spanish or Russian; the word
    itself for other languages."""
    if language == "en":
        word = word.replace("’", "'")
        if word.endswith("'s"):
            word = word[:-2]
        if len(word) > 4 and word.endswith("ies"):
            return word[:-3] + "y"
        if len(word) > 4 and word.endswith(("sses", "shes", "ches", "xes", "zes")):
            word = word[:-2]
        elif len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
            word = word[:-1]
        if len(word) > 4 and word.endswith("ed"):
            word = word[:-2]
        return word[:-1] if len(word) > 4 and word.endswith("e") else word
    if language == "es":
        word = _strip_accents(word)
        if len(word) > 4 and word.endswith("es") and word[-3] not in "aeiou":
            word = word[:-2]
        elif len(word) > 3 and word.endswith("s"):
            word = word[:-1]
        return word[:-1] if len(word) > 3 and word[-1] in "aoe" else word
    if language == "ru":
        word = word.replace("ё", "е")
        for ending in _RU_ENDINGS:
            if word.endswith(ending) and len(word) - len(ending) >= 3:
                return word[: -len(ending)]
        return word
    return word


def _arabic(text: str) -> str:
    text = _ARABIC_MARKS.sub("", unicodedata.normalize("NFKC", text))
    return text.translate(str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه"}))


def _arabic_core(word: str) -> str:
    """A term's word without its article (terms are written with or without it)."""
    for prefix in ("ال",):
        if word.startswith(prefix) and len(word) - len(prefix) >= 3:
            return word[len(prefix):]
    return word


def _arabic_matches(word: str, core: str) -> bool:
    """True when ``word`` is ``core`` with clitics in front and endings behind."""
    start = word.find(core)
    while start >= 0:
        prefix, suffix = word[:start], word[start + len(core):]
        if prefix in _AR_PREFIXES and (suffix in _AR_SUFFIXES or (len(suffix) == 3 and suffix[:1] in ("ه", "ت") and suffix[1:] in _AR_SUFFIXES)):
            return True
        start = word.find(core, start + 1)
    return False


@dataclass(frozen=True)
class Found:
    """Where a term was found in a text (character offsets of the text as given)."""

    term: Term
    start: int
    end: int


class TermMatcher:
    """Finds terms of one language in texts of that language."""

    def __init__(self, locale: str):
        self.language = language_of(locale)

    @lru_cache(maxsize=1024)  # noqa: B019  (a text is looked at once per concept of the termbase)
    def _words(self, text: str) -> tuple[tuple[tuple[str, str], int, int], ...]:
        """Each word as (stem, word), with its offsets."""
        folded = _arabic(text) if self.language == "ar" else text
        out = []
        for match in _WORD.finditer(folded):
            word = _fold(match.group(0))
            out.append(((word if self.language == "ar" else stem(word, self.language), word), match.start(), match.end()))
        return tuple(out)

    @lru_cache(maxsize=1024)  # noqa: B019
    def _squeezed(self, text: str) -> tuple[str, tuple[int, ...]]:
        """The text case-folded without spaces, and where each of its characters was."""
        squeezed, offsets = [], []
        for position, char in enumerate(unicodedata.normalize("NFKC", text)):
            if not char.isspace():
                squeezed.append(char.casefold())
                offsets.append(position)
        return "".join(squeezed), tuple(offsets)

    @lru_cache(maxsize=4096)  # noqa: B019  (a matcher per locale lives as long as the process)
    def _pattern(self, term: str) -> tuple[tuple[str, str], ...]:
        if self.language == "ar":
            return tuple((_arabic_core(word), word) for (word, _), _, _ in self._words(term))
        return tuple(key for key, _, _ in self._words(term))

    @staticmethod
    def _same(word: tuple[str, str], wanted: tuple[str, str]) -> bool:
        # Stems agree, or the text's stem is the term's own (base) form: "переломов" -> "перелом"
        # matches the term "перелом", whose own stem a light stemmer cuts to "перел".
        return word[0] == wanted[0] or word[0] == wanted[1] or word[1] == wanted[1]

    def find(self, terms: tuple[Term, ...], text: str) -> list[Found]:
        """Every occurrence of each term in ``text``."""
        found: list[Found] = []
        if self.language in SUBSTRING_LANGUAGES:
            haystack, offsets = self._squeezed(text)
            for term in terms:
                needle = _SPACES.sub("", _fold(term.text))
                start = haystack.find(needle) if needle else -1
                while start >= 0:
                    found.append(Found(term, offsets[start], offsets[start + len(needle) - 1] + 1))
                    start = haystack.find(needle, start + 1)
            return found
        words = self._words(text)
        index = self._index(text)
        for term in terms:
            pattern = self._pattern(term.text)
            if not pattern:
                continue
            if self.language == "ar":
                starts = [at for at, ((_, word), _, _) in enumerate(words) if pattern[0][0] in word]
            else:  # only where the first word can match: one dictionary look-up per term, not a scan
                starts = sorted(set(index.get(pattern[0][0], ())) | set(index.get(pattern[0][1], ())))
            for start in starts:
                window = words[start: start + len(pattern)]
                if len(window) < len(pattern):
                    continue
                if self.language == "ar":
                    same = all(_arabic_matches(word[1], core[0]) for (word, _, _), core in zip(window, pattern))
                else:
                    same = all(self._same(word, wanted) for (word, _, _), wanted in zip(window, pattern))
                if same:
                    found.append(Found(term, window[0][1], window[-1][2]))
        return found

    @lru_cache(maxsize=1024)  # noqa: B019
    def _index(self, text: str) -> dict[str, tuple[int, ...]]:
        """Where each stem, and each word, of a text is (word positions)."""
        positions: dict[str, list[int]] = {}
        for at, ((stemmed, word), _, _) in enumerate(self._words(text)):
            positions.setdefault(stemmed, []).append(at)
            if word != stemmed:
                positions.setdefault(word, []).append(at)
        return {key: tuple(value) for key, value in positions.items()}


@lru_cache(maxsize=32)
def matcher(locale: str) -> TermMatcher:
    """The matcher of a locale."""
    return TermMatcher(locale)


@dataclass(frozen=True)
class TermProblem:
    """A message that misses a concept's translation, or uses a deprecated one."""

    concept: Concept
    english: str  # the English term the message uses
    kind: str  # "missing" or "deprecated"
    used: Term | None = None  # the deprecated term used

    def hint(self, locale: str) -> str:
        """What to do, in one line."""
        preferred = [term.text for term in self.concept.of(locale) if term.status == PREFERRED]
        allowed = preferred + [term.text for term in self.concept.of(locale) if term.status == ADMITTED]
        wanted = " or ".join(repr(text) for text in (preferred or allowed)[:3])
        snomed = f", SNOMED CT {self.concept.snomed}" if self.concept.snomed else ""
        if self.kind == "deprecated":
            why = f" ({self.used.note})" if self.used and self.used.note else ""
            return (f"{self.used.text!r} is a deprecated translation of {self.english!r}{why}{snomed}; "
                    f"the termbase's is {wanted}")
        return f"the English says {self.english!r}{snomed}; use the termbase's {wanted} (or an inflected form)"


def term_problems(termbase: Termbase, locale: str, source: str, target: str) -> list[TermProblem]:
    """Each concept whose English term ``source`` uses and whose translation ``target`` misses, or
    whose deprecated translation it uses."""
    english = matcher(DEFAULT_LOCALE)
    local = matcher(locale)
    problems = []
    for concept in termbase.concepts:
        terms = concept.of(locale)
        if not terms or not concept.english():
            continue
        used = english.find(concept.english(), source)
        if not used:
            continue
        name = source[used[0].start:used[0].end]
        allowed = tuple(term for term in terms if term.status != DEPRECATED)
        deprecated = tuple(term for term in terms if term.status == DEPRECATED)
        # A deprecated term that is part of an allowed one found at the same place is not a use of it.
        allowed_found = local.find(allowed, target) if allowed else []
        for hit in local.find(deprecated, target) if deprecated else []:
            if not any(other.start <= hit.start and hit.end <= other.end for other in allowed_found):
                problems.append(TermProblem(concept, name, "deprecated", hit.term))
                break
        if allowed and not allowed_found:
            problems.append(TermProblem(concept, name, "missing"))
    return problems
