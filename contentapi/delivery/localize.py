"""A procedure in one locale, block by block, with English wherever a translation is missing, or
is not approved in a locale whose policy serves only approved translations.

Plain Python: the JSON API, the HTML pages, the export and the audit suite all
read the same LocalizedProcedure, so they cannot disagree on what was served.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, replace

from contentapi.content.markdown import BlockShapeError, RenderedBlock, plain_text, render_block, render_inline
from contentapi.content.model import Block, Message, Procedure, Section
from contentapi.i18n.catalogs import LocaleCatalog
from contentapi.i18n.locales import DEFAULT_LOCALE
from contentapi.i18n.review import (
    APPROVED,
    ENGLISH,
    RANK,
    SERVE_APPROVED,
    SOURCE,
    UNTRANSLATED,
    MessageReview,
)


@dataclass(frozen=True)
class LocalizedText:
    """A short string (title, heading) and the language it is actually in."""

    text: str
    html: str
    lang: str
    review: MessageReview = ENGLISH  # the message's review state (also when English is served instead)


@dataclass(frozen=True)
class LocalizedBlock:
    """A rendered block and the language it is actually in."""

    block: RenderedBlock
    lang: str
    context: str
    id: str
    review: MessageReview = ENGLISH

    @property
    def withheld(self) -> bool:
        """Served in English although translated: its translation awaits approval."""
        return self.review.state not in (UNTRANSLATED, SOURCE) and self.lang == DEFAULT_LOCALE


@dataclass(frozen=True)
class Provenance:
    """Where a page's translation comes from and who checked it (``translation`` in JSON, the
    provenance line and notice on pages, ``translator`` and ``reviewedBy`` in JSON-LD)."""

    state: str  # the least reviewed state of what is served in the locale (``source`` in English)
    translators: tuple[str, ...]
    translated_on: str | None
    reviewed_by: tuple[str, ...]
    reviewed_on: str | None
    approved_by: tuple[str, ...]
    approved_on: str | None
    revision: int | None  # the catalog revision served
    source_revision: str  # the English this translation is of (a hash of every message's key and text)
    last_translator: str | None = None  # the catalog's Last-Translator (name only), when no translator is recorded
    serve: str | None = None  # the locale's policy: "approved" or "translated" (None in English)

    @property
    def unreviewed(self) -> bool:
        """True when something served in the locale is not approved: pages then say so."""
        return self.state not in (APPROVED, SOURCE, UNTRANSLATED)

    def to_dict(self) -> dict:
        """The ``translation`` fields of a procedure document."""
        return {
            "state": self.state,
            "translators": list(self.translators),
            "translated_on": self.translated_on,
            "reviewed_by": list(self.reviewed_by),
            "reviewed_on": self.reviewed_on,
            "approved_by": list(self.approved_by),
            "approved_on": self.approved_on,
            "revision": self.revision,
            "source_revision": self.source_revision,
            "serve": self.serve,
        }


@dataclass(frozen=True)
class LocalizedSection:
    """A section's heading and blocks in one locale."""

    id: str
    heading: LocalizedText
    blocks: tuple[LocalizedBlock, ...]


@dataclass(frozen=True)
class LocalizedProcedure:
    """Everything a page or a JSON document shows of a procedure in one locale."""

    procedure: Procedure
    locale: str
    title: LocalizedText
    summary: LocalizedText
    also_known_as: tuple[LocalizedText, ...]
    attribution: LocalizedText
    sections: tuple[LocalizedSection, ...]
    provenance: Provenance | None = None

    @property
    def fallback_count(self) -> int:
        """How many strings are served in English because their translation is missing or fuzzy."""
        texts = [self.title, self.summary, *self.also_known_as, self.attribution]
        for section in self.sections:
            texts.append(section.heading)
            texts.extend(section.blocks)
        return sum(1 for item in texts if item.lang != self.locale)

    @property
    def complete(self) -> bool:
        """True when every string is in the requested locale."""
        return self.fallback_count == 0

    def texts(self) -> list[LocalizedText | LocalizedBlock]:
        """Every string of the page, in reading order."""
        out: list[LocalizedText | LocalizedBlock] = [self.title, self.summary, *self.also_known_as]
        for section in self.sections:
            out.append(section.heading)
            out.extend(section.blocks)
        out.append(self.attribution)
        return out

    @property
    def withheld_count(self) -> int:
        """How many translated strings are served in English because they are not approved yet."""
        return sum(1 for item in self.texts() if _withheld(item))

    @property
    def untranslated_count(self) -> int:
        """How many strings are served in English because they have no usable translation."""
        return self.fallback_count - self.withheld_count


def _withheld(item: LocalizedText | LocalizedBlock) -> bool:
    return item.review.state not in (UNTRANSLATED, SOURCE) and item.lang == DEFAULT_LOCALE


def _served(catalog: LocaleCatalog, context: str, source: str) -> tuple[str | None, MessageReview]:
    """The translation to serve (None: English) and the message's review state. A locale whose
    policy is ``approved`` serves only approved translations."""
    if catalog.locale == DEFAULT_LOCALE:
        return None, ENGLISH
    translated = catalog.translate(context, source)
    review = catalog.review(context, source) if translated else MessageReview(UNTRANSLATED)
    if catalog.policy == SERVE_APPROVED and review.state != APPROVED:
        return None, review
    return translated, review


def _text(catalog: LocaleCatalog, message: Message) -> LocalizedText:
    translated, review = _served(catalog, message.context, message.source)
    if translated and translated.strip():
        html = render_inline(translated.strip())
        text = plain_text(html)
        if text:
            return LocalizedText(text, html, catalog.locale, review)
    html = render_inline(message.source)
    return LocalizedText(plain_text(html), html, DEFAULT_LOCALE, review if translated is None else MessageReview(UNTRANSLATED))


def _block(catalog: LocaleCatalog, slug: str, section: Section, block: Block) -> LocalizedBlock:
    context = block.message(slug, section).context
    block_id = f"{section.id}-{block.index}"
    translated, review = _served(catalog, context, block.source)
    if translated:
        try:
            rendered = render_block(block.type, translated, block.ordered)
            return LocalizedBlock(rendered, catalog.locale, context, block_id, review)
        except BlockShapeError:
            review = MessageReview(UNTRANSLATED)  # A translation that broke the block's shape is not served; English is.
    return LocalizedBlock(render_block(block.type, block.source, block.ordered), DEFAULT_LOCALE, context, block_id, review)


def source_revision(procedure: Procedure) -> str:
    """The English version of a procedure: a hash of every message's key and text (12 hex digits)."""
    digest = hashlib.sha256()
    for message in procedure.messages():
        digest.update(f"{message.context}\x04{message.source}\x00".encode("utf-8"))
    return digest.hexdigest()[:12]


def _header_date(value: str | None) -> str | None:
    """The date of a header's ``2026-11-24 04:36+0000``."""
    try:
        return dt.date.fromisoformat((value or "")[:10]).isoformat()
    except ValueError:
        return None


def _person(value: str | None) -> str | None:
    """The name of a header's ``Name <email>``, without the address (never published)."""
    name = (value or "").split("<", 1)[0].strip()
    return name or None


def provenance(page: "LocalizedProcedure", catalog: LocaleCatalog) -> Provenance:
    """Who translated, reviewed and approved what the page serves in its locale, and when."""
    procedure = page.procedure
    source = source_revision(procedure)
    if page.locale == DEFAULT_LOCALE:
        return Provenance(SOURCE, (), None, (), None, (), None, None, source)
    served = [item.review for item in page.texts() if item.lang == page.locale]
    state = min((review.state for review in served), key=RANK.__getitem__, default=UNTRANSLATED)
    info = catalog.info(procedure.slug)

    def marks(name: str) -> list:
        return [getattr(review, name) for review in served if getattr(review, name) is not None]

    translated, reviewed, approved = marks("translated"), marks("reviewed"), marks("approved")
    reviewed_on = max((mark.date for mark in reviewed), default=None)
    approved_on = max((mark.date for mark in approved), default=None)
    translated_on = max((mark.date for mark in translated), default=None) or (
        (_header_date(info.get("po-revision-date")) or reviewed_on or approved_on) if served else None)
    return Provenance(
        state=state,
        translators=tuple(sorted({mark.name for mark in translated})),
        translated_on=translated_on,
        reviewed_by=tuple(sorted({mark.name for mark in reviewed})),
        reviewed_on=reviewed_on,
        approved_by=tuple(sorted({mark.name for mark in approved})),
        approved_on=approved_on,
        revision=catalog.revision_of(procedure.slug),
        source_revision=source,
        last_translator=None if translated else _person(info.get("last-translator")),
        serve=catalog.policy,
    )


@dataclass(frozen=True)
class LocalizedHeading:
    """What a list of procedures shows of one: its title and summary in one locale."""

    procedure: Procedure
    locale: str
    title: LocalizedText
    summary: LocalizedText


def localize_heading(procedure: Procedure, catalog: LocaleCatalog) -> LocalizedHeading:
    """The title and summary of ``procedure`` only: lists of a thousand procedures need no blocks."""
    return LocalizedHeading(
        procedure=procedure,
        locale=catalog.locale,
        title=_text(catalog, procedure.title_message),
        summary=_text(catalog, procedure.summary_message),
    )


def localize(procedure: Procedure, catalog: LocaleCatalog) -> LocalizedProcedure:
    """Translate every string of ``procedure`` with ``catalog``, falling back to English per string."""
    slug = procedure.slug
    heading = localize_heading(procedure, catalog)
    page = LocalizedProcedure(
        procedure=procedure,
        locale=catalog.locale,
        title=heading.title,
        summary=heading.summary,
        also_known_as=tuple(_text(catalog, message) for message in procedure.also_known_as_messages),
        attribution=_text(catalog, procedure.attribution_message),
        sections=tuple(
            LocalizedSection(
                id=section.id,
                heading=_text(catalog, procedure.heading_message(section)),
                blocks=tuple(_block(catalog, slug, section, block) for block in section.blocks),
            )
            for section in procedure.sections
        ),
    )
    return replace(page, provenance=provenance(page, catalog))
