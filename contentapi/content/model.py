"""The content model: a procedure is front matter plus sections of blocks.

Every translatable string carries a *message context* (msgctxt) naming the
procedure, the section and the block, so that a change to one English paragraph
makes only that paragraph's translations stale.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from contentapi.content.codes import Code

# The section vocabulary. A fixed list lets partners rely on ids, lets the page
# map sections onto schema.org MedicalProcedure properties, and turns a typo in
# a content file into a start-up error instead of a silently renamed section.
SECTION_IDS: dict[str, str | None] = {
    "overview": None,
    "how-it-works": None,
    "preparation": "preparation",
    "procedure": "howPerformed",
    "aftercare": "followup",
    "recovery": "followup",
    "risks": None,
    "when-to-get-help": None,
    "more-information": None,
}

BLOCK_TYPES = ("paragraph", "list")


def message_context(slug: str, *parts: str | int) -> str:
    """The msgctxt of a procedure's string: ``slug/section/3``, ``slug/title``..."""
    return "/".join((slug, *map(str, parts)))


@dataclass(frozen=True)
class Message:
    """One translatable string: its msgctxt, its English source and where it came from."""

    context: str
    source: str
    line: int
    comment: str


@dataclass(frozen=True)
class Block:
    """A paragraph or a list. ``source`` is the block's Markdown, the msgid translators see."""

    type: str
    index: int
    source: str
    line: int
    ordered: bool = False

    def message(self, slug: str, section: "Section") -> Message:
        """The catalog message for this block."""
        return Message(
            context=message_context(slug, section.id, self.index),
            source=self.source,
            line=self.line,
            comment=f'{self.type} {self.index} of section "{section.heading}"',
        )


@dataclass(frozen=True)
class Section:
    """A titled part of a procedure page with a stable id from SECTION_IDS."""

    id: str
    heading: str
    line: int
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Procedure:
    """One procedure file, parsed and validated."""

    slug: str
    title: str
    summary: str
    also_known_as: tuple[str, ...]
    reviewed: dt.date
    next_review: dt.date
    updated: dt.date
    attribution: str
    source: str
    related: tuple[str, ...]
    procedure_type: str | None
    body_location: str | None
    sections: tuple[Section, ...]
    path: Path
    line: int = 1
    # Modification time of the source file (seconds since the epoch), for Last-Modified.
    modified: float = 0.0
    # Line numbers of front-matter keys, for messages that point at the source.
    key_lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)
    # Clinical codes naming the procedure (SNOMED CT, CPT, ICD-10-PCS), for hospital systems.
    codes: tuple[Code, ...] = ()

    # Every translatable string has exactly one of these accessors: the catalog template, the
    # localised page and the completeness figures all enumerate messages through them.

    @property
    def title_message(self) -> Message:
        """The procedure's title."""
        return Message(message_context(self.slug, "title"), self.title, self.key_lines.get("title", 1), "procedure title")

    @property
    def summary_message(self) -> Message:
        """The one-sentence summary."""
        return Message(message_context(self.slug, "summary"), self.summary, self.key_lines.get("summary", 1), "procedure summary")

    @property
    def also_known_as_messages(self) -> tuple[Message, ...]:
        """The other names of the procedure, in order."""
        line = self.key_lines.get("also_known_as", 1)
        return tuple(
            Message(message_context(self.slug, "also-known-as", number), name, line, "another name for the procedure")
            for number, name in enumerate(self.also_known_as, start=1)
        )

    @property
    def attribution_message(self) -> Message:
        """Where the content comes from."""
        line = self.key_lines.get("attribution", 1)
        return Message(message_context(self.slug, "attribution"), self.attribution, line, "attribution of the content")

    def heading_message(self, section: Section) -> Message:
        """A section's heading."""
        return Message(message_context(self.slug, section.id, "heading"), section.heading, section.line, "section heading")

    def messages(self) -> list[Message]:
        """Every translatable string of the procedure, in page order."""
        out = [self.title_message, self.summary_message, *self.also_known_as_messages, self.attribution_message]
        for section in self.sections:
            out.append(self.heading_message(section))
            out.extend(block.message(self.slug, section) for block in section.blocks)
        return out


@dataclass(frozen=True)
class Library:
    """All procedures, by slug, in a stable order (by slug)."""

    procedures: dict[str, Procedure]

    def __iter__(self):
        return iter(self.procedures.values())

    def __len__(self) -> int:
        return len(self.procedures)

    def get(self, slug: str) -> Procedure | None:
        """The procedure with this slug, or None."""
        return self.procedures.get(slug)

    def by_code(self, system: str, code: str) -> list[Procedure]:
        """The procedures carrying a code (``system`` a URI, an OID or a urn:oid), in slug order."""
        return [procedure for procedure in self if any(item.matches(system, code) for item in procedure.codes)]
