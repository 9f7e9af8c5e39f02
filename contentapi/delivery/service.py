"""Every response body the service can send, built once per catalog version and kept.

The pipeline is: a procedure and a locale's catalog are *localised* (``localize``), turned into
a JSON *document* (``documents``) or an HTML *page* (``html``), and kept as a *representation*
(``representations``): bytes plus validators. Views only choose a representation and send it:
no Markdown parsing, catalog lookup or template rendering on a kept one. The same objects feed
``contentapi export``, so the static tree is byte-identical to live responses.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import cached_property

from contentapi.content.model import Library, Procedure
from contentapi.delivery import urls
from contentapi.delivery.documents import json_ld, locale_document, procedure_document, procedure_summary
from contentapi.delivery.html import PageRenderer
from contentapi.delivery.localize import LocalizedHeading, LocalizedProcedure, localize, localize_heading
from contentapi.delivery.representations import HTML, JSON, XML, Representation, VersionedCache, dump_json
from contentapi.i18n.catalogs import LocaleCatalog, ServedCatalogs
from contentapi.i18n.domains import UI_DOMAIN
from contentapi.i18n.locales import DEFAULT_LOCALE, locale_info
from contentapi.i18n.review import APPROVED, SERVE_APPROVED, UNTRANSLATED, shares
from contentapi.delivery.links import absolute_links
from contentapi.delivery.sitemap import sitemap_xml

# Whole localised procedures kept per worker: only needed while a procedure's JSON and page are
# built (the bytes are kept, not these), so a few hundred, not procedures x locales.
LOCALIZED_CACHE_SIZE = 256


def _seconds(iso_time: str | None) -> float:
    return dt.datetime.fromisoformat(iso_time).timestamp() if iso_time else 0.0


def _published_at(catalog: LocaleCatalog, domain: str) -> float:
    """When the revision of a domain served in a catalog was published, in seconds (0: none)."""
    served = catalog.served(domain)
    return _seconds(served.time if served else None)


def _last_published(catalog: LocaleCatalog) -> float:
    """When anything of a locale was last published (from its manifest: nothing is loaded)."""
    return _seconds(max((pointer.time for pointer in catalog.manifest.domains.values()), default=None))


class ContentService:
    """The procedures in every locale, as kept JSON and HTML representations."""

    def __init__(
        self,
        library: Library,
        catalogs: ServedCatalogs,
        renderer: PageRenderer | None = None,
        cache_size: int = 4096,
        ui_messages: Iterable[tuple[str | None, str]] = (),
        public_url: str = "",
    ):
        """``public_url`` is the normalised PUBLIC_URL (empty in development): pages link oEmbed
        discovery absolutely to it, so a page served by a static host still finds our oEmbed."""
        self.library = library
        self.catalogs = catalogs
        self.locales = catalogs.locales
        self.renderer = renderer or PageRenderer(self.locales)
        # Room for every representation, list heading and completeness figure of the library, so
        # a large library never evicts (and re-renders) what it serves: request cost stays flat.
        size = max(cache_size, len(library) * (3 * len(self.locales) + 1) + 2 * len(self.locales) + 8)
        self._kept = VersionedCache(size)
        self._localized = VersionedCache(LOCALIZED_CACHE_SIZE)
        self._ui_messages = tuple(ui_messages)
        self.public_url = public_url.rstrip("/")

    @cached_property
    def messages(self) -> tuple[tuple[str | None, str], ...]:
        """Every (msgctxt, msgid) a translator is asked for, for completeness figures (made when first
        needed: a large library starts without it)."""
        content = tuple((m.context, m.source) for procedure in self.library for m in procedure.messages())
        return content + self._ui_messages

    def state(self) -> tuple:
        """Identity of the catalogs in service: responses are functions of the request and of this."""
        return self.catalogs.state()

    # Each response is built from one snapshot of the catalogs, and kept under the versions of what
    # it was built from (read from that same snapshot, never from a newer one: a worker that reloads
    # in between must not keep old text under a new version). A procedure's JSON depends on its own
    # catalog, its page on that and the interface's, the lists on everything in the locale.

    def _snapshot(self) -> dict[str, LocaleCatalog]:
        return {locale: self.catalogs.get(locale) for locale in self.locales}

    def _list_modified(self, catalog: LocaleCatalog) -> float:
        """Last-Modified of what lists every procedure in a locale."""
        return max([p.modified for p in self.library] + [_last_published(catalog)])

    def modified(self, procedure: Procedure, locale: str, catalog: LocaleCatalog | None = None) -> float:
        """When a procedure or its translation last changed (Last-Modified), in seconds."""
        return max(procedure.modified, _published_at(catalog or self.catalogs.get(locale), procedure.slug))

    # -- domain ---------------------------------------------------------------------------

    def procedure(self, slug: str) -> Procedure | None:
        """The procedure with this slug, or None."""
        return self.library.get(slug)

    def _localize(self, procedure: Procedure, catalog: LocaleCatalog) -> LocalizedProcedure:
        version = (catalog.revision_of(procedure.slug),)
        return self._localized.get(("localized", procedure.slug, catalog.locale), version,
                                   lambda: localize(procedure, catalog))

    def localized(self, slug: str, locale: str) -> LocalizedProcedure | None:
        """A procedure translated into a locale (English per block where needed)."""
        procedure = self.library.get(slug)
        return self._localize(procedure, self.catalogs.get(locale)) if procedure else None

    def _heading(self, procedure: Procedure, catalog: LocaleCatalog) -> LocalizedHeading:
        version = (catalog.revision_of(procedure.slug),)
        return self._kept.get(("heading", procedure.slug, catalog.locale), version,
                              lambda: localize_heading(procedure, catalog))

    def heading(self, slug: str, locale: str) -> LocalizedHeading | None:
        """A procedure's title and summary in a locale, for the lists."""
        procedure = self.library.get(slug)
        return self._heading(procedure, self.catalogs.get(locale)) if procedure else None

    def _figures(self, procedure: Procedure, catalogs: dict[str, LocaleCatalog]) -> tuple[list[str], dict]:
        """(locales in which readers get every string of the procedure in that language: translated,
        and approved where the locale serves only approved translations; per locale the approved,
        reviewed and translated shares of its strings), kept per catalog version."""

        def build() -> tuple[list[str], dict]:
            messages = procedure.messages()
            complete, review = [], {}
            for locale, catalog in catalogs.items():
                states = [catalog.review(m.context, m.source).state for m in messages]
                served = {APPROVED} if catalog.policy == SERVE_APPROVED else None
                if locale == DEFAULT_LOCALE or (UNTRANSLATED not in states if served is None else set(states) <= served):
                    complete.append(locale)
                review[locale] = shares(states)
            return complete, review

        version = tuple(catalog.revision_of(procedure.slug) for catalog in catalogs.values())
        return self._kept.get(("complete", procedure.slug), version, build)

    def _complete_locales(self, procedure: Procedure, catalogs: dict[str, LocaleCatalog]) -> list[str]:
        return self._figures(procedure, catalogs)[0]

    def complete_locales(self, procedure: Procedure) -> list[str]:
        """Locales in which readers get every string of the procedure in that language (under
        ``serve: approved``, every string approved)."""
        return self._complete_locales(procedure, self._snapshot())

    def review_shares(self, locale: str, catalog: LocaleCatalog | None = None) -> dict[str, float]:
        """Approved, reviewed and translated shares of all messages (content and UI) in a locale."""
        if locale == DEFAULT_LOCALE or not self.messages:
            return shares([])
        catalog = catalog or self.catalogs.get(locale)
        return shares(catalog.review(context, message).state for context, message in self.messages)

    def completeness(self, locale: str, catalog: LocaleCatalog | None = None) -> float:
        """Share of all messages (content and UI) translated in a locale, 0 to 1."""
        if locale == DEFAULT_LOCALE or not self.messages:
            return 1.0
        catalog = catalog or self.catalogs.get(locale)
        translated = sum(1 for context, message in self.messages if catalog.has(context, message))
        return translated / len(self.messages)

    # -- pages ----------------------------------------------------------------------------

    def procedure_page(self, page: LocalizedProcedure, catalog: LocaleCatalog) -> str:
        """The HTML page of a localised procedure (served, exported and previewed alike)."""
        slug = page.procedure.slug
        return self.renderer.render(
            "procedure.html",
            catalog,
            page=page,
            procedure=page.procedure,
            json_ld=json_ld(page),
            alternate_url=lambda code: urls.page_procedure(slug, code),
            public_url=self.public_url,
        )

    def embed_page(self, page: LocalizedProcedure, base_url: str, template: str, link_target: str | None,
                   **context) -> Representation:
        """An embed document or fragment: the same localised procedure, with absolute links to ``base_url``."""
        base = base_url.rstrip("/")
        html = self.renderer.render(
            template,
            self.catalogs.get(page.locale),
            page=page,
            level=1,
            link_target=link_target,
            canonical_url=base + urls.page_procedure(page.procedure.slug, page.locale),
            absolute=lambda fragment: absolute_links(fragment, base, link_target),
            **context,
        )
        return Representation.build(html.encode("utf-8"), HTML, self.modified(page.procedure, page.locale), page.locale)

    def oembed_document(self, page: LocalizedProcedure, base_url: str, partner_id: str, width: int, height: int,
                        cache_age: int) -> dict:
        """oEmbed 1.0 ``rich`` JSON for a procedure page: its html is the copy-paste embed snippet."""
        base = base_url.rstrip("/")
        catalog = self.catalogs.get(page.locale)
        snippet = self.renderer.render(
            "oembed_snippet.html",
            catalog,
            slug=page.procedure.slug,
            partner_id=partner_id,
            width=width,
            height=height,
            title=page.title.text,
            canonical_url=base + urls.page_procedure(page.procedure.slug, page.locale),
            base_url=base,
        )
        return {
            "version": "1.0",
            "type": "rich",
            "title": page.title.text,
            "provider_name": catalog.gettext("Patient education"),
            "provider_url": base + "/",
            "cache_age": cache_age,
            "html": snippet,
            "width": width,
            "height": height,
        }

    def error_page(self, locale: str, status: int) -> str:
        """An accessible page saying, in the reader's language, that a request failed and what to do."""
        catalog = self.catalogs.get(locale)
        if status == 404:
            title, detail = catalog.gettext("Page not found"), catalog.gettext("We could not find the page you asked for.")
        elif status < 500:
            title = catalog.gettext("This request could not be answered")
            detail = catalog.gettext("Please check the address and try again.")
        else:
            title = catalog.gettext("Something went wrong")
            detail = catalog.gettext("Please try again in a few minutes.")
        return self.renderer.render("error.html", catalog, title=title, detail=detail, alternate_url=urls.page_index)

    # -- representations ------------------------------------------------------------------

    def procedure_json(self, slug: str, locale: str) -> Representation | None:
        """``GET /api/v1/procedures/{slug}?lang=locale``."""
        procedure = self.library.get(slug)
        if procedure is None:
            return None
        catalog = self.catalogs.get(locale)

        def build():
            document = procedure_document(self._localize(procedure, catalog), self.locales)
            return Representation.build(dump_json(document), JSON, self.modified(procedure, locale, catalog), locale)

        return self._kept.get(("procedure.json", slug, locale), (catalog.revision_of(slug),), build)

    def procedure_html(self, slug: str, locale: str) -> Representation | None:
        """``GET /{locale}/procedures/{slug}``."""
        procedure = self.library.get(slug)
        if procedure is None:
            return None
        catalog = self.catalogs.get(locale)

        def build():
            html = self.procedure_page(self._localize(procedure, catalog), catalog)
            return Representation.build(html.encode("utf-8"), HTML, self.modified(procedure, locale, catalog), locale)

        version = (catalog.revision_of(slug), catalog.revision_of(UI_DOMAIN))
        return self._kept.get(("procedure.html", slug, locale), version, build)

    def procedures_json(self, locale: str, code: tuple[str, str] | None = None) -> Representation:
        """``GET /api/v1/procedures?lang=locale`` (``code``: only the procedures carrying that (system, code))."""
        catalogs = self._snapshot()
        catalog = catalogs[locale]
        chosen = self.library.by_code(*code) if code else list(self.library)

        def build():
            entries = [procedure_summary(self._heading(p, catalog), *self._figures(p, catalogs)) for p in chosen]
            document = {"locale": locale, "procedures": entries}
            return Representation.build(dump_json(document), JSON, self._list_modified(catalog), locale)

        version = tuple(item.version for item in catalogs.values())
        if code:
            return build()  # a filtered list is made when asked: codes are many, kept lists few
        return self._kept.get(("procedures.json", locale), version, build)

    def index_html(self, locale: str) -> Representation:
        """``GET /{locale}/``: the list of procedures as a page."""
        catalog = self.catalogs.get(locale)

        def build():
            entries = [self._heading(p, catalog) for p in self.library]
            html = self.renderer.render(
                "index.html",
                catalog,
                entries=entries,
                alternate_url=urls.page_index,
            )
            return Representation.build(html.encode("utf-8"), HTML, self._list_modified(catalog), locale)

        return self._kept.get(("index.html", locale), (catalog.version,), build)

    def locales_json(self) -> Representation:
        """``GET /api/v1/locales``."""
        catalogs = self._snapshot()

        def build():
            document = [locale_document(locale_info(code), self.completeness(code, catalogs[code]),
                                        self.review_shares(code, catalogs[code]), catalogs[code].policy)
                        for code in self.locales]
            modified = max(self._list_modified(catalog) for catalog in catalogs.values())
            return Representation.build(dump_json(document), JSON, modified, None)

        return self._kept.get(("locales.json",), tuple(item.version for item in catalogs.values()), build)

    def sitemap(self, base_url: str) -> Representation:
        """``GET /sitemap.xml``: every page in every locale under ``base_url`` (the public origin)."""

        def build():
            body = sitemap_xml(base_url.rstrip("/"), [p.slug for p in self.library], self.locales)
            modified = max((p.modified for p in self.library), default=0.0)
            return Representation.build(body.encode("utf-8"), XML, modified, None)

        return self._kept.get(("sitemap.xml", base_url), (), build)
