"""Catalogs come in gettext *domains*: one per procedure, named by its slug, and ``messages`` for the
interface strings. Translation teams and their tools work per document, and a library of thousands
of procedures publishes one procedure at a time.

Plain Python. A message belongs to the domain its msgctxt names (``slug/section/3``); messages
without a slash in their msgctxt are the interface's. Files::

    translations/messages.pot                       the interface template
    translations/procedures/<slug>.pot              one template per procedure
    translations/<locale>/LC_MESSAGES/messages.po   the interface catalog of a locale
    translations/<locale>/LC_MESSAGES/<slug>.po     a procedure's catalog in a locale

A whole-locale catalog (the single file of small libraries, and of the ``/api/v1/translations/{locale}``
route) is the interface catalog's header and the entries of every domain, moved as written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from contentapi.i18n.locales import to_babel_id
from contentapi.i18n.po import PoFile

UI_DOMAIN = "messages"
TEMPLATES_FOLDER = "procedures"
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def domain_of(context: str | None) -> str:
    """The domain of a message: the procedure its msgctxt names, else the interface."""
    if context and "/" in context:
        slug = context.split("/", 1)[0]
        if SLUG.match(slug) and slug != UI_DOMAIN:
            return slug
    return UI_DOMAIN


def is_domain(name: str) -> bool:
    """True for ``messages`` and for anything that can be a procedure's slug."""
    return name == UI_DOMAIN or bool(SLUG.match(name))


def catalog_path(translations_dir: Path | str, locale: str, domain: str = UI_DOMAIN) -> Path:
    """The .po of a domain in a locale."""
    return Path(translations_dir) / to_babel_id(locale) / "LC_MESSAGES" / f"{domain}.po"


def template_path(translations_dir: Path | str, domain: str = UI_DOMAIN) -> Path:
    """The template (.pot) of a domain."""
    if domain == UI_DOMAIN:
        return Path(translations_dir) / f"{UI_DOMAIN}.pot"
    return Path(translations_dir) / TEMPLATES_FOLDER / f"{domain}.pot"


def catalog_domains(translations_dir: Path | str, locale: str) -> list[str]:
    """The domains a locale has a catalog for in a translations folder, interface first."""
    folder = catalog_path(translations_dir, locale).parent
    names = sorted(path.stem for path in folder.glob("*.po") if is_domain(path.stem)) if folder.is_dir() else []
    return sorted(names, key=lambda name: (name != UI_DOMAIN, name))


def template_domains(translations_dir: Path | str) -> list[str]:
    """The domains that have a template, interface first."""
    procedures = Path(translations_dir) / TEMPLATES_FOLDER
    names = sorted(path.stem for path in procedures.glob("*.pot") if SLUG.match(path.stem)) if procedures.is_dir() else []
    return ([UI_DOMAIN] if template_path(translations_dir).exists() else []) + names


def _block(lines: list[str], first: int, last: int) -> str:
    return "\n".join(lines[first - 1 : last])


def split_catalog(po: PoFile) -> dict[str, bytes]:
    """A whole-locale catalog cut into one catalog per domain, each entry (and each obsolete ``#~``
    entry) moved as written, each part under a copy of the header. Nothing is lost: comments,
    flags and previous msgids travel with their entries."""
    lines = po.lines
    header = po.header
    head = _block(lines, header.first_line, header.last_line) if header else ""
    blocks: dict[str, list[str]] = {}
    for entry in po.messages:
        blocks.setdefault(domain_of(entry.context), []).append(_block(lines, entry.first_line, entry.last_line))
    for block in po.obsolete:
        blocks.setdefault(domain_of(block.context), []).append(_block(lines, block.first_line, block.last_line))
    return {domain: _join([head, *parts]) for domain, parts in sorted(blocks.items(), key=lambda item: (item[0] != UI_DOMAIN, item[0]))}


def merge_catalogs(parts: Iterable[PoFile]) -> bytes:
    """One whole-locale catalog: the first part's header, then every part's entries as written."""
    out: list[str] = []
    for index, po in enumerate(parts):
        lines = po.lines
        header = po.header
        if index == 0 and header is not None:
            out.append(_block(lines, header.first_line, header.last_line))
        out.extend(_block(lines, entry.first_line, entry.last_line) for entry in po.messages)
        out.extend(_block(lines, block.first_line, block.last_line) for block in po.obsolete)
    return _join(out)


def _join(blocks: list[str]) -> bytes:
    # Entries end with a blank line, the last one too, as Babel and Poedit write them: a catalog
    # cut and joined again is byte for byte the one published.
    return "".join(block + "\n\n" for block in blocks if block).encode("utf-8")
