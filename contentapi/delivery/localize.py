"""A procedure in one locale, block by block, with English wherever a translation is missing.

Plain Python: the JSON API, the HTML pages, the export and the audit suite all
read the same LocalizedProcedure, so they cannot disagree on what was served.
"""

from __future__ import annotations

from dataclasses import dataclass

from contentapi.content.markdown import BlockShapeError, RenderedBlock, plain_text, render_block, render_inline
from contentapi.content.model import Block, Message, Procedure, Section
from contentapi.i18n.catalogs import LocaleCatalog
from contentapi.i18n.locales import DEFAULT_LOCALE


@dataclass(frozen=True)
class LocalizedText:
    """A short string (title, heading) and the language it is actually in."""

    text: str
    html: str
    lang: str


@dataclass(frozen=True)
class LocalizedBlock:
    """A rendered block and the language it is actually in."""

    block: RenderedBlock
    lang: str
    context: str
    id: str


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


def _text(catalog: LocaleCatalog, message: Message) -> LocalizedText:
    translated = catalog.translate(message.context, message.source) if catalog.locale != DEFAULT_LOCALE else None
    if translated and translated.strip():
        html = render_inline(translated.strip())
        text = plain_text(html)
        if text:
            return LocalizedText(text, html, catalog.locale)
    html = render_inline(message.source)
    return LocalizedText(plain_text(html), html, DEFAULT_LOCALE)


def _block(catalog: LocaleCatalog, slug: str, section: Section, block: Block) -> LocalizedBlock:
    context = block.message(slug, section).context
    block_id = f"{section.id}-{block.index}"
    translated = catalog.translate(context, block.source) if catalog.locale != DEFAULT_LOCALE else None
    if translated:
        try:
            rendered = render_block(block.type, translated, block.ordered)
            return LocalizedBlock(rendered, catalog.locale, context, block_id)
        except BlockShapeError:
            pass  # A translation that broke the block's shape is not served; English is.
    return LocalizedBlock(render_block(block.type, block.source, block.ordered), DEFAULT_LOCALE, context, block_id)


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
    return LocalizedProcedure(
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
