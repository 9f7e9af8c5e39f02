"""Every response body the service can send, built once per catalog version and cached.

A Representation carries the bytes and everything the HTTP layer needs (strong
ETag from the bytes, Last-Modified, Content-Language), so views only choose one
and send it: no Markdown parsing, catalog lookup or template rendering on a
cache hit. The same objects feed ``contentapi export``, so the static tree is
byte-identical to live responses.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from contentapi import urls
from contentapi.content.model import SECTION_IDS, Library, Procedure
from contentapi.documents import locale_document, procedure_document, procedure_summary
from contentapi.i18n.catalogs import CatalogStore, CatalogVersion
from contentapi.i18n.locales import DEFAULT_LOCALE, locale_info
from contentapi.localize import LocalizedHeading, LocalizedProcedure, localize, localize_heading
from contentapi.rendering import PageRenderer

JSON = "application/json"
# Whole localised procedures kept per worker: only needed while a procedure's JSON and page are
# built (the bytes are kept, not these), so a few hundred, not procedures x locales.
LOCALIZED_CACHE_SIZE = 256
HTML = "text/html; charset=utf-8"


@dataclass(frozen=True)
class Representation:
    """One response body with its validators."""

    body: bytes
    media_type: str
    etag: str
    last_modified: dt.datetime
    content_language: str | None

    @classmethod
    def build(cls, body: bytes, media_type: str, modified: float, content_language: str | None) -> "Representation":
        """Hash the body into a strong ETag (equal in every worker and after a restart)."""
        digest = hashlib.sha256(body).hexdigest()[:32]
        last_modified = dt.datetime.fromtimestamp(int(modified), dt.timezone.utc)
        return cls(body, media_type, f'"{digest}"', last_modified, content_language)


def dump_json(document) -> bytes:
    """Compact, deterministic UTF-8 JSON."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _mtime(version: CatalogVersion | None) -> float:
    return version.mtime_ns / 1e9 if version else 0.0


class ContentService:
    """The procedures in every locale, as cached JSON and HTML representations."""

    def __init__(
        self,
        library: Library,
        catalogs: CatalogStore,
        renderer: PageRenderer | None = None,
        cache_size: int = 4096,
        template_messages: tuple[tuple[str | None, str], ...] = (),
    ):
        self.library = library
        self.catalogs = catalogs
        self.locales = catalogs.locales
        self.renderer = renderer or PageRenderer(self.locales)
        # Room for every representation, list heading and completeness figure of the library, so
        # a large library never evicts (and re-renders) what it serves: request cost stays flat.
        self.cache_size = max(cache_size, len(library) * (3 * len(self.locales) + 1) + 2 * len(self.locales) + 8)
        # Every (msgctxt, msgid) a translator is asked for, for completeness figures.
        content_messages = tuple((m.context, m.source) for procedure in library for m in procedure.messages())
        self.messages = content_messages + tuple(template_messages)
        self._cache: OrderedDict[tuple, tuple[tuple, object]] = OrderedDict()
        self._localized: OrderedDict[tuple, tuple[tuple, object]] = OrderedDict()
        self._lock = threading.Lock()
        self._state: tuple = ()

    # -- cache ---------------------------------------------------------------------------

    def _cached(self, key: tuple, version: tuple, build, small: bool = False):
        cache, size = (self._localized, LOCALIZED_CACHE_SIZE) if small else (self._cache, self.cache_size)
        entry = cache.get(key)
        if entry is not None and entry[0] == version:
            return entry[1]
        value = build()
        with self._lock:
            cache[key] = (version, value)
            cache.move_to_end(key)
            while len(cache) > size:
                cache.popitem(last=False)
        return value

    def state(self) -> tuple:
        """Identity of the catalogs in service (checked on disk at most every check interval).

        Responses are functions of the request and of this, so a kept response is good while it
        is unchanged; publishing a catalog changes it.
        """
        self.catalogs.refresh()
        current = tuple(self.catalogs.versions().values())
        if current != self._state:
            self._state = current
        # The same object while nothing changed: every kept response holds this one tuple, so
        # checking it reads memory that stays in the CPU caches.
        return self._state

    def _version(self, locale: str) -> CatalogVersion | None:
        return self.catalogs.get(locale).version

    # -- domain ---------------------------------------------------------------------------

    def procedure(self, slug: str) -> Procedure | None:
        """The procedure with this slug, or None."""
        return self.library.get(slug)

    def localized(self, slug: str, locale: str) -> LocalizedProcedure | None:
        """A procedure translated into a locale (English per block where needed)."""
        procedure = self.library.get(slug)
        if procedure is None:
            return None
        catalog = self.catalogs.get(locale)
        return self._cached(("localized", slug, locale), (catalog.version,), lambda: localize(procedure, catalog),
                            small=True)

    def heading(self, slug: str, locale: str) -> LocalizedHeading | None:
        """A procedure's title and summary in a locale, for the lists."""
        procedure = self.library.get(slug)
        if procedure is None:
            return None
        catalog = self.catalogs.get(locale)
        return self._cached(("heading", slug, locale), (catalog.version,), lambda: localize_heading(procedure, catalog))

    def complete_locales(self, procedure: Procedure) -> list[str]:
        """Locales in which every string of the procedure is translated."""
        return self._cached(("complete", procedure.slug), self._all_versions(),
                            lambda: self._complete_locales(procedure))

    def _complete_locales(self, procedure: Procedure) -> list[str]:
        messages = procedure.messages()
        complete = []
        for locale in self.locales:
            catalog = self.catalogs.get(locale)
            if locale == DEFAULT_LOCALE or all(catalog.has(m.context, m.source) for m in messages):
                complete.append(locale)
        return complete

    def completeness(self, locale: str) -> float:
        """Share of all messages (content and UI) translated in a locale, 0 to 1."""
        if locale == DEFAULT_LOCALE or not self.messages:
            return 1.0
        catalog = self.catalogs.get(locale)
        translated = sum(1 for context, message in self.messages if catalog.has(context, message))
        return translated / len(self.messages)

    def _modified(self, procedure: Procedure, locale: str) -> float:
        return max(procedure.modified, _mtime(self._version(locale)))

    def _all_versions(self) -> tuple:
        return tuple(self._version(locale) for locale in self.locales)

    # -- representations ------------------------------------------------------------------

    def procedure_json(self, slug: str, locale: str) -> Representation | None:
        """``GET /api/v1/procedures/{slug}?lang=locale``."""
        procedure = self.library.get(slug)
        if procedure is None:
            return None

        def build():
            document = procedure_document(self.localized(slug, locale), self.locales)
            return Representation.build(dump_json(document), JSON, self._modified(procedure, locale), locale)

        return self._cached(("procedure.json", slug, locale), (self._version(locale),), build)

    def procedure_html(self, slug: str, locale: str) -> Representation | None:
        """``GET /{locale}/procedures/{slug}``."""
        procedure = self.library.get(slug)
        if procedure is None:
            return None

        def build():
            page = self.localized(slug, locale)
            html = self.renderer.render(
                "procedure.html",
                self.catalogs.get(locale),
                page=page,
                procedure=procedure,
                json_ld=self.json_ld(page),
                alternate_url=lambda code: urls.page_procedure(slug, code),
            )
            return Representation.build(html.encode("utf-8"), HTML, self._modified(procedure, locale), locale)

        return self._cached(("procedure.html", slug, locale), (self._version(locale),), build)

    def procedures_json(self, locale: str) -> Representation:
        """``GET /api/v1/procedures?lang=locale``."""

        def build():
            entries = [
                procedure_summary(self.heading(p.slug, locale), self.complete_locales(p)) for p in self.library
            ]
            modified = max([self._modified(p, locale) for p in self.library], default=0.0)
            document = {"locale": locale, "procedures": entries}
            return Representation.build(dump_json(document), JSON, modified, locale)

        return self._cached(("procedures.json", locale), self._all_versions(), build)

    def index_html(self, locale: str) -> Representation:
        """``GET /{locale}/``: the list of procedures as a page."""

        def build():
            entries = [self.heading(p.slug, locale) for p in self.library]
            html = self.renderer.render(
                "index.html",
                self.catalogs.get(locale),
                entries=entries,
                alternate_url=urls.page_index,
            )
            modified = max([self._modified(p, locale) for p in self.library], default=_mtime(self._version(locale)))
            return Representation.build(html.encode("utf-8"), HTML, modified, locale)

        return self._cached(("index.html", locale), (self._version(locale),), build)

    def locales_json(self) -> Representation:
        """``GET /api/v1/locales``."""

        def build():
            document = [locale_document(locale_info(code), self.completeness(code)) for code in self.locales]
            modified = max([_mtime(v) for v in self._all_versions()] + [p.modified for p in self.library])
            return Representation.build(dump_json(document), JSON, modified, None)

        return self._cached(("locales.json",), self._all_versions(), build)

    def json_ld(self, page: LocalizedProcedure) -> dict:
        """schema.org MedicalWebPage about a MedicalProcedure, in the page's language."""
        procedure = page.procedure
        about: dict = {
            "@type": "MedicalProcedure",
            "name": page.title.text,
            "description": page.summary.text,
        }
        if page.also_known_as:
            about["alternateName"] = [name.text for name in page.also_known_as]
        if procedure.procedure_type:
            about["procedureType"] = procedure.procedure_type
        if procedure.body_location:
            about["bodyLocation"] = procedure.body_location
        for section in page.sections:
            prop = SECTION_IDS.get(section.id)
            if prop and prop not in about:
                about[prop] = " ".join(block.block.text or " ".join(block.block.items or ()) for block in section.blocks)
        return {
            "@context": "https://schema.org",
            "@type": "MedicalWebPage",
            "name": page.title.text,
            "inLanguage": page.locale,
            "lastReviewed": procedure.reviewed.isoformat(),
            "url": urls.page_procedure(procedure.slug, page.locale),
            "about": about,
        }


def read_template_messages(pot_path: Path) -> tuple[tuple[str | None, str], ...]:
    """The UI messages of the template catalog (messages.pot), without the content ones.

    Content messages always have a msgctxt with a slash; UI ones are read from here
    so completeness counts the strings a reader actually sees.
    """
    from babel.messages.pofile import read_po

    if not pot_path.exists():
        return ()
    with open(pot_path, "rb") as handle:
        catalog = read_po(handle)
    out = []
    for message in catalog:
        if not message.id:
            continue
        msgid = message.id[0] if isinstance(message.id, tuple) else message.id
        if message.context and "/" in message.context:
            continue
        out.append((message.context, msgid))
    return tuple(out)
