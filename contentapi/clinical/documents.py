"""What every clinical interface says about one procedure in one locale: its title and summary as
served (per-block English fallback included), its page and JSON URLs, when it last changed, and the
validators of both representations. Infobutton entries, FHIR DocumentReferences and CDS Hooks cards
are all built from these, so they cannot disagree with the pages they point at.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from dataclasses import dataclass

from contentapi.content.codes import Code
from contentapi.content.model import Procedure
from contentapi.delivery import urls
from contentapi.delivery.representations import Representation
from contentapi.delivery.service import ContentService
from contentapi.i18n.locales import DEFAULT_LOCALE, is_well_formed, locale_info, match_tag
from contentapi.search.text import index_form


@dataclass(frozen=True)
class ClinicalDocument:
    """One procedure in one locale, as hospital systems are told about it."""

    procedure: Procedure
    locale: str
    title: str
    title_lang: str
    summary: str
    base_url: str
    html: Representation
    json: Representation

    @property
    def slug(self) -> str:
        """The procedure's slug."""
        return self.procedure.slug

    @property
    def codes(self) -> tuple[Code, ...]:
        """The procedure's clinical codes."""
        return self.procedure.codes

    @property
    def page_url(self) -> str:
        """The absolute URL of the HTML page."""
        return self.base_url + urls.page_procedure(self.slug, self.locale)

    @property
    def json_url(self) -> str:
        """The absolute URL of the JSON document."""
        return self.base_url + urls.api_procedure(self.slug, self.locale)

    @property
    def print_url(self) -> str:
        """The page's print view: the page with ``#print`` (the handout's layout, and the print dialog)."""
        return self.page_url + "#print"

    @property
    def embed_url(self) -> str:
        """The absolute URL of the embed document (no site chrome)."""
        return f"{self.base_url}/embed/{self.locale}/procedures/{self.slug}"

    @property
    def updated(self) -> dt.datetime:
        """When the page or its translation last changed (UTC)."""
        return max(self.html.last_modified, self.json.last_modified)

    @property
    def language_name(self) -> str:
        """The locale's name in itself, capitalised ("Español")."""
        name = locale_info(self.locale).name
        return name[:1].upper() + name[1:]


def fhir_hash(representation: Representation) -> str:
    """FHIR's Attachment.hash: the base64 SHA-1 of the bytes."""
    return base64.b64encode(hashlib.sha1(representation.body).digest()).decode("ascii")  # noqa: S324 (FHIR's choice)


def iso_instant(moment: dt.datetime) -> str:
    """An instant as FHIR and Atom write it: ``2026-09-15T00:00:00Z``."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class ClinicalCatalog:
    """Procedures by clinical code, in the locale a hospital system asks for."""

    def __init__(self, service: ContentService, base_url: str):
        self.service = service
        self.base_url = base_url.rstrip("/")

    @property
    def locales(self) -> tuple[str, ...]:
        """The locales served."""
        return self.service.locales

    def locale_for(self, tag: str | None) -> str:
        """The served locale for a language tag (``es-MX`` is ``es``; unsupported is English).
        ValueError for a malformed tag."""
        if tag is None or tag == "":
            return DEFAULT_LOCALE
        if not is_well_formed(tag):
            raise ValueError(f"{tag[:40]!r} is not a language tag such as 'es' or 'zh-Hans'")
        return match_tag(tag, self.locales) or DEFAULT_LOCALE

    def by_code(self, system: str, code: str) -> list[Procedure]:
        """The procedures carrying a code."""
        return self.service.library.by_code(system, code)

    def by_name(self, text: str, locale: str) -> list[Procedure]:
        """The procedures whose title and other names, in English or in ``locale``, hold every word of
        ``text`` (case, accents and marks ignored; each CJK character a word), in slug order."""
        wanted = set(index_form(text).split())
        if not wanted:
            return []
        found = []
        for procedure in self.service.library:
            names = [procedure.title, *procedure.also_known_as]
            page = self.service.localized(procedure.slug, locale)
            if page is not None:
                names += [page.title.text, *(name.text for name in page.also_known_as)]
            if wanted <= set(index_form(" ".join(names)).split()):
                found.append(procedure)
        return found

    def document(self, procedure: Procedure, locale: str) -> ClinicalDocument:
        """A procedure in a locale, with both representations as served now."""
        heading = self.service.heading(procedure.slug, locale)
        return ClinicalDocument(
            procedure=procedure,
            locale=locale,
            title=heading.title.text,
            title_lang=heading.title.lang,
            summary=heading.summary.text,
            base_url=self.base_url,
            html=self.service.procedure_html(procedure.slug, locale),
            json=self.service.procedure_json(procedure.slug, locale),
        )
