"""Searching procedures in a locale: the index follows the content and the published catalogs (a
publish is searchable at the next query after it reaches this worker), and results are ranked with
a snippet from the text as served (English where a block falls back to it).

Plain Python.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass

from contentapi.delivery import urls
from contentapi.delivery.service import ContentService
from contentapi.search.engines import Hit, IndexedDocument, SearchEngine
from contentapi.search.text import index_form, parse_query, snippet

MAX_RESULTS = 50


def fingerprint(procedure) -> str:
    """A digest of a procedure's English (every message): changes when its content does."""
    digest = hashlib.sha256()
    for message in procedure.messages():
        digest.update(json.dumps([message.context, message.source]).encode("utf-8"))
    return digest.hexdigest()[:20]


@dataclass(frozen=True)
class SearchResult:
    """One procedure found: what the result list shows of it."""

    slug: str
    title: str
    title_lang: str
    summary: str
    snippet: str
    snippet_html: str
    snippet_lang: str
    rank: float
    html_url: str
    json_url: str


class Searcher:
    """Keeps an engine's rows in step with a content service and answers queries."""

    def __init__(self, service: ContentService, engine: SearchEngine):
        self.service = service
        self.engine = engine
        self._checked: dict[str, tuple] = {}  # locale -> the catalog version and library it was synced at
        self._fingerprints: dict[str, tuple[object, str]] = {}
        self._lock = threading.Lock()

    def _fingerprint(self, procedure) -> str:
        kept = self._fingerprints.get(procedure.slug)
        if kept is None or kept[0] is not procedure:
            kept = (procedure, fingerprint(procedure))
            self._fingerprints[procedure.slug] = kept
        return kept[1]

    def _document(self, procedure, locale: str, version: str) -> IndexedDocument:
        page = self.service.localized(procedure.slug, locale)
        passages = [(page.title.lang, page.title.text), (page.summary.lang, page.summary.text)]
        passages += [(name.lang, name.text) for name in page.also_known_as]
        body = []
        for section in page.sections:
            passages.append((section.heading.lang, section.heading.text))
            body.append(section.heading.text)
            for block in section.blocks:
                text = block.block.text if block.block.text is not None else " ".join(block.block.items or ())
                passages.append((block.lang, text))
                body.append(text)
        return IndexedDocument(
            slug=procedure.slug, version=version, title=index_form(page.title.text),
            also_known_as=index_form(" ".join(name.text for name in page.also_known_as)),
            summary=index_form(page.summary.text), body=index_form(" ".join(body)), passages=tuple(passages))

    def sync(self, locale: str) -> int:
        """Bring a locale's rows in step with what is served now; how many rows were written.

        Cheap when nothing changed: the locale's catalog version and the library are compared first.
        """
        catalog = self.service.catalogs.get(locale)
        state = (catalog.version, id(self.service.library))
        if self._checked.get(locale) == state:
            return 0
        with self._lock:
            if self._checked.get(locale) == state:
                return 0
            indexed = self.engine.versions(locale)
            wanted = {p.slug: f"{self._fingerprint(p)}:{catalog.revision_of(p.slug)}" for p in self.service.library}
            stale = [self.service.library.get(slug) for slug, version in wanted.items() if indexed.get(slug) != version]
            removed = [slug for slug in indexed if slug not in wanted]
            documents = [self._document(procedure, locale, wanted[procedure.slug]) for procedure in stale]
            if documents or removed:
                self.engine.replace(locale, documents, removed)
            self._checked[locale] = state
            return len(documents)

    def search(self, query: str, locale: str, limit: int = 20) -> tuple[int, list[SearchResult]]:
        """(how many procedures match, the best ``limit``), ranked, each with a snippet."""
        terms = parse_query(query)
        if not terms:
            return 0, []
        self.sync(locale)
        total, hits = self.engine.search(locale, terms, min(limit, MAX_RESULTS))
        return total, [self._result(hit, terms, locale) for hit in hits if self.service.library.get(hit.slug)]

    def _result(self, hit: Hit, terms, locale: str) -> SearchResult:
        heading = self.service.heading(hit.slug, locale)
        found = None
        # The snippet comes from the summary or body first (the title is shown anyway), else the title.
        for lang, text in list(hit.passages[1:]) + list(hit.passages[:1]):
            found = snippet(text, terms)
            if found:
                break
        plain, marked, lang = (*found, lang) if found else (heading.summary.text, heading.summary.text, heading.summary.lang)
        return SearchResult(
            slug=hit.slug, title=heading.title.text, title_lang=heading.title.lang, summary=heading.summary.text, snippet=plain, snippet_html=marked,
            snippet_lang=lang, rank=round(hit.rank, 6), html_url=urls.page_procedure(hit.slug, locale),
            json_url=urls.api_procedure(hit.slug, locale))
