"""Where the text on our own pages comes from: the procedure file and line of each English string, the
catalog file, line and msgctxt of each translation, the template line of each interface string.

Pages carry no extra markup for this: the audit builds the map itself, at audit time, from the same
procedure files and catalogs the service serves (``contentapi.content`` and the ``.po`` files), and
matches a finding's text against it. This is the one module of the audit suite that imports the
service's domain code (``audits.localservice`` only starts the app).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from contentapi.config import DEFAULTS, REPOSITORY_DIR
from contentapi.content import load_library
from contentapi.content.markdown import plain_text, render_inline
from contentapi.i18n.domains import catalog_domains, catalog_path, template_path
from contentapi.i18n.locales import DEFAULT_LOCALE
from contentapi.i18n.po import PoDecodeError, PoSyntaxError, read_po

OUR_KINDS = frozenset({"index", "procedure", "embed"})
MIN_TEXT = 2  # a shorter text (a digit) would match anywhere; Korean and Chinese words are often two letters
_LIST_MARKER = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_REFERENCE = re.compile(r"^#:\s*(\S+):(\d+)")
_TAGS = re.compile(r"<[^>]*>")


@dataclass(frozen=True)
class TextSource:
    """One string as a reader sees it, and where it is written."""

    text: str
    uri: str  # relative to the repository root when inside it
    line: int
    msgctxt: str | None

    def location(self) -> dict:
        """The JSON form of a finding's ``source``."""
        return {"uri": self.uri, "line": self.line, "msgctxt": self.msgctxt}


def normalise(text: str) -> str:
    """Whitespace collapsed, as a reader sees text (the ellipsis our descriptions add dropped)."""
    return " ".join(text.replace("…", " ").split())


def shown_text(markdown: str) -> str:
    """The text a Markdown string shows on a page: list markers dropped, markup rendered and removed."""
    lines = [_LIST_MARKER.sub("", line) for line in markdown.splitlines()]
    return normalise(" ".join(plain_text(render_inline(line)) for line in lines if line.strip()))


def relative(path: Path) -> str:
    """A path as SARIF wants it: relative to the repository root when inside it, else absolute."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(REPOSITORY_DIR).as_posix()
    except ValueError:
        return resolved.as_uri()


def template_references(pot_text: str) -> dict[int, tuple[str, int]]:
    """For each entry's first line in the template, its first ``#: file:line`` reference."""
    references: dict[int, tuple[str, int]] = {}
    pending: tuple[str, int] | None = None
    for number, line in enumerate(pot_text.split("\n"), start=1):
        match = _REFERENCE.match(line)
        if match and pending is None:
            pending = (match.group(1), int(match.group(2)))
        elif line.startswith(("msgctxt", "msgid")) and pending is not None:
            references[number] = pending
            pending = None
        elif not line.strip():
            pending = None
    return references


@lru_cache(maxsize=16)
def text_sources(locale: str, content_dir: str | None = None, translations_dir: str | None = None) -> tuple[TextSource, ...]:
    """Every string a page of ``locale`` can show, with where it is written: a translation (not fuzzy,
    not empty) in the locale's catalog, else the English in the procedure file or the template."""
    content = Path(content_dir or DEFAULTS["CONTENT_DIR"])
    translations = Path(translations_dir or DEFAULTS["TRANSLATIONS_DIR"])
    entries = {}  # (msgctxt, msgid) -> (entry, the catalog file it is in): every domain of the locale
    if locale != DEFAULT_LOCALE:
        for domain in catalog_domains(translations, locale):
            po_path = catalog_path(translations, locale, domain)
            try:
                po = read_po(po_path.read_bytes())
            except (OSError, PoDecodeError, PoSyntaxError):
                continue  # a catalog the checks refuse is not served; its text is not on the page
            for entry in po.messages:
                if entry.msgstr.get(0, "").strip() and not entry.fuzzy:
                    entries[(entry.context, entry.msgid)] = (entry, po_path)
    found: list[TextSource] = []
    for procedure in load_library(content):
        for message in procedure.messages():
            entry, po_path = entries.get((message.context, message.source), (None, None))
            if entry is not None:
                found.append(TextSource(shown_text(entry.msgstr[0]), relative(po_path), entry.line, message.context))
            else:
                found.append(TextSource(shown_text(message.source), relative(procedure.path), message.line, message.context))
    pot = template_path(translations)
    if pot.is_file():
        pot_text = pot.read_text(encoding="utf-8")
        references = template_references(pot_text)
        for template in read_po(pot.read_bytes()).messages:
            if template.context is not None or template.is_plural:
                continue
            entry, po_path = entries.get((None, template.msgid), (None, None))
            if entry is not None:
                found.append(TextSource(normalise(entry.msgstr[0]), relative(po_path), entry.line, None))
            elif template.line in references:
                path, line = references[template.line]
                found.append(TextSource(normalise(template.msgid), relative(REPOSITORY_DIR / path), line, None))
    return tuple(source for source in found if len(source.text) >= MIN_TEXT)


def finding_text(finding) -> str:
    """The text of the element a finding is about (as much as the finding kept of it)."""
    return normalise(finding.text or _TAGS.sub(" ", finding.html or ""))


def source_of(text: str, sources: tuple[TextSource, ...]) -> TextSource | None:
    """The string a piece of page text came from: the one it equals, else the shortest one holding it."""
    text = normalise(text)
    if len(text) < MIN_TEXT:
        return None
    holding = [source for source in sources if text == source.text]
    if not holding:
        holding = sorted((source for source in sources if text in source.text), key=lambda source: len(source.text))
    return holding[0] if holding else None


def trace(pages, content_dir: str | None = None, translations_dir: str | None = None) -> int:
    """Give every finding on our own pages (discovered from a contentapi service, so their locale is
    known) the source of its text; how many were traced. Findings on other pages are left alone.
    The map is built from the shipped content and catalogs unless other folders are given."""
    traced = 0
    for page in pages:
        if page.kind not in OUR_KINDS or not page.expected_lang:
            continue
        sources = text_sources(page.expected_lang, content_dir, translations_dir)
        for check in page.checks.values():
            for finding in check.violations + check.incomplete:
                source = source_of(finding_text(finding), sources)
                if source is not None:
                    finding.source = source.location()
                    traced += 1
    return traced
