"""The catalog workflow behind ``contentapi i18n``: extract, init, update, compile and stats.

Plain Python, no Flask. Every file is written through ``atomic_write`` (temporary
file, fsync, rename), so an interrupted command never leaves half a catalog.

Extraction uses Babel with the project's own mapping (``babel.cfg``) and the
options of ``setup.cfg [extract_messages]``, so ``pybabel extract`` with that
mapping and ``contentapi i18n extract`` write the same messages.
"""

from __future__ import annotations

import configparser
import datetime as dt
import io
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.pofile import read_po as babel_read_po
from babel.messages.pofile import write_po

from contentapi.config import DEFAULTS, REPOSITORY_DIR
from contentapi.i18n.catalogs import atomic_write, catalog_paths, compile_po
from contentapi.i18n.checks import Finding, has_errors, read_and_check
from contentapi.i18n.locales import SUPPORTED_LOCALES, locale_info, to_babel_id, translatable_locale
from contentapi.i18n.po import BOM, PoDecodeError, PoFile, PoSyntaxError, read_po

TEMPLATE_NAME = "messages.pot"
PROJECT = "contentapi"
COPYRIGHT_HOLDER = "contentapi contributors"
PROCEDURES_METHOD = "contentapi_procedures"


class WorkflowError(Exception):
    """A workflow step cannot be done; the message is one line for the command line."""


# -- extract -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExtractOptions:
    """The extraction settings of ``setup.cfg [extract_messages]`` and the mapping of ``babel.cfg``."""

    method_map: list[tuple[str, str]]
    options_map: dict
    keywords: dict
    comment_tags: tuple[str, ...]


def extract_options(root: Path = REPOSITORY_DIR) -> ExtractOptions:
    """Read the project's mapping and extraction options, as ``pybabel extract`` is given them."""
    parser = configparser.ConfigParser()
    parser.read(root / "setup.cfg", encoding="utf-8")
    section = parser["extract_messages"] if parser.has_section("extract_messages") else {}
    mapping_file = root / section.get("mapping_file", "babel.cfg")
    with open(mapping_file, encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle, str(mapping_file))
    keywords = dict(DEFAULT_KEYWORDS)
    keywords.update(parse_keywords(section.get("keywords", "").split()))
    tags = tuple(tag.strip() for tag in section.get("add_comments", "").split(",") if tag.strip())
    return ExtractOptions(method_map, options_map, keywords, tags)


def extract_catalog(content_dir: Path | str | None = None, root: Path = REPOSITORY_DIR) -> Catalog:
    """Every UI string (code and templates) and every content block, as a template catalog.

    ``content_dir`` replaces the repository's procedures folder (``CONTENTAPI_CONTENT_DIR``).
    """
    options = extract_options(root)
    default_content = Path(DEFAULTS["CONTENT_DIR"]).resolve()
    content = Path(content_dir).resolve() if content_dir else default_content
    method_map = options.method_map
    if content != default_content:
        method_map = [(pattern, method) for pattern, method in method_map if method != PROCEDURES_METHOD]
    catalog = Catalog(project=PROJECT, copyright_holder=COPYRIGHT_HOLDER, charset="utf-8")
    sources = [(Path(root), method_map)]
    if content != default_content:
        sources.append((content, [("**.md", PROCEDURES_METHOD)]))
    for directory, mapping in sources:
        for filename, lineno, message, comments, context in extract_from_dir(
            directory, mapping, options.options_map, options.keywords, options.comment_tags
        ):
            location = os.path.relpath(Path(directory) / filename, root).replace(os.sep, "/")
            catalog.add(message, None, [(location, lineno)], auto_comments=comments, context=context)
    return catalog


def write_template(catalog: Catalog, path: Path) -> None:
    """Write a template as ``pybabel extract`` does with our options (sorted by file, no wrapping)."""
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=0, sort_by_file=True)
    atomic_write(Path(path), buffer.getvalue())


def extract(translations_dir: Path, content_dir: Path | str | None = None, output: Path | None = None) -> Path:
    """``contentapi i18n extract``: write ``messages.pot`` (or ``output``); return its path."""
    target = Path(output) if output else Path(translations_dir) / TEMPLATE_NAME
    write_template(extract_catalog(content_dir), target)
    return target


def template_messages(path: Path) -> set[tuple[str | None, str]]:
    """The (msgctxt, msgid) of every message in a template, for comparisons."""
    return read_po(Path(path).read_bytes()).keys()


# -- init / update -------------------------------------------------------------------------


def _read_template(translations_dir: Path, template: Path | None, locale: str | None = None) -> Catalog:
    path = Path(template) if template else Path(translations_dir) / TEMPLATE_NAME
    if not path.exists():
        raise WorkflowError(f"{path} does not exist; run 'contentapi i18n extract' first")
    with open(path, "rb") as handle:
        try:
            # Read with the locale, as pybabel init does, so Plural-Forms come from CLDR.
            return babel_read_po(handle, locale=to_babel_id(locale) if locale else None)
        except Exception as error:  # noqa: BLE001  (Babel raises many types for a broken file)
            raise WorkflowError(f"{path}: not a readable template ({error})") from None


def _served_locale(locale: str) -> str:
    code = translatable_locale(locale)
    if code is not None:
        return code
    if locale.strip().lower() == "en":
        raise WorkflowError("en is the source language; it has no catalog")
    raise WorkflowError(f"{locale!r} is not a served locale ({', '.join(SUPPORTED_LOCALES[1:])})")


# Catalogs are written without any wrapping: Babel wraps comments even with no_wrap,
# which would split a "#| msgid" string in the middle and break other .po tools.
_NO_WRAP = 10**9


def _write_catalog(catalog: Catalog, path: Path) -> None:
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=_NO_WRAP, include_previous=True)
    atomic_write(path, buffer.getvalue())


def init(translations_dir: Path, locale: str, template: Path | None = None, force: bool = False) -> Path:
    """``contentapi i18n init LOCALE``: a new catalog from the template; refuses to replace one."""
    locale = _served_locale(locale)
    po_path, _ = catalog_paths(translations_dir, locale)
    if po_path.exists() and not force:
        raise WorkflowError(f"{po_path} already exists; use 'contentapi i18n update' to bring it up to date")
    catalog = _read_template(translations_dir, template, locale)
    catalog.locale = Locale.parse(to_babel_id(locale))
    catalog.fuzzy = False  # a fuzzy header makes gettext tools skip the whole catalog
    catalog.revision_date = dt.datetime.now(dt.UTC)
    catalog.language_team = locale_info(locale).english_name
    _write_catalog(catalog, po_path)
    return po_path


def update_catalog(
    catalog: Catalog,
    template: Catalog,
    no_fuzzy_matching: bool = False,
    kept_previous: dict[tuple[str | None, str], str] | None = None,
) -> None:
    """Merge a template into a catalog in place.

    A message whose English changed keeps its msgctxt, so with fuzzy matching on,
    the translation of the *same* msgctxt is carried over, marked fuzzy, with the
    previous msgid kept (``#| msgid``) for the translator to compare. Babel's own
    difflib matching would pick the most similar text of any block; it is only used
    for messages without such a match. With ``no_fuzzy_matching`` a changed message
    is simply untranslated and the old one obsolete. ``kept_previous`` maps (msgctxt,
    msgid) of entries already fuzzy to their ``#| msgid``, which Babel would drop on a
    second update, so a translator still sees what changed.
    """
    template_keys = {(message.context, message.id) for message in template if message.id}
    previous: dict[str | None, object] = {}
    if not no_fuzzy_matching:
        by_context = {}
        for message in list(catalog):
            if message.id and message.context and message.string and (message.context, message.id) not in template_keys:
                by_context[message.context] = message
        for new in template:
            if not new.id or not new.context or catalog.get(new.id, new.context) is not None:
                continue
            old = by_context.pop(new.context, None)
            if old is None or isinstance(old.id, tuple) != isinstance(new.id, tuple):
                continue
            catalog.delete(old.id, old.context)
            catalog.add(
                new.id,
                old.string,
                flags=set(old.flags) | {"fuzzy"},
                user_comments=list(old.user_comments),
                context=new.context,
            )
            previous[new.context] = old.id
    catalog.update(template, no_fuzzy_matching=no_fuzzy_matching, update_header_comment=False)
    for message in catalog:
        key = (message.context, message.id[0] if isinstance(message.id, tuple) else message.id)
        if message.fuzzy and not message.previous_id and kept_previous and key in kept_previous:
            message.previous_id = [kept_previous[key]]
    for context, old_id in previous.items():
        for message in catalog:
            if message.context == context and message.id:
                message.previous_id = list(old_id) if isinstance(old_id, tuple) else [old_id]
                message.flags.add("fuzzy")


def update(
    translations_dir: Path,
    template: Path | None = None,
    no_fuzzy_matching: bool = False,
    locales: list[str] | None = None,
) -> list[Path]:
    """``contentapi i18n update``: merge the template into every existing catalog; return those written."""
    translations_dir = Path(translations_dir)
    written = []
    for locale in [_served_locale(code) for code in locales] if locales else SUPPORTED_LOCALES[1:]:
        po_path, _ = catalog_paths(translations_dir, locale)
        if not po_path.exists():
            continue
        template_catalog = _read_template(translations_dir, template)
        data = po_path.read_bytes()
        try:
            parsed = read_po(data)
        except (PoDecodeError, PoSyntaxError):
            raise WorkflowError(f"{po_path}: cannot be read; run 'contentapi i18n check {locale}'") from None
        # Babel's catalog model does the merge (it keeps obsolete entries and writes the file back).
        catalog = babel_read_po(io.BytesIO(parsed.data.removeprefix(BOM)), locale=to_babel_id(locale))
        kept_previous = {
            (entry.context, entry.msgid): entry.previous_msgid
            for entry in parsed.messages
            if entry.fuzzy and entry.previous_msgid
        }
        update_catalog(catalog, template_catalog, no_fuzzy_matching, kept_previous)
        _write_catalog(catalog, po_path)
        written.append(po_path)
    return written


# -- compile -------------------------------------------------------------------------------


@dataclass
class CompileReport:
    """What ``compile`` did: catalogs written, and findings of the catalogs it refused."""

    compiled: list[str] = field(default_factory=list)
    refused: dict[str, list[Finding]] = field(default_factory=dict)


def compile_catalogs(translations_dir: Path, locales: list[str] | None = None) -> CompileReport:
    """``contentapi i18n compile``: check, then compile each catalog atomically; a catalog with errors is refused.

    A refused catalog's existing .mo is left as it was, so the service keeps serving
    the last good translations.
    """
    report = CompileReport()
    for locale in [_served_locale(code) for code in locales] if locales else SUPPORTED_LOCALES[1:]:
        po_path, mo_path = catalog_paths(translations_dir, locale)
        if not po_path.exists():
            continue
        po, findings = read_and_check(po_path.read_bytes(), str(po_path), locale)
        if po is None or has_errors(findings):
            report.refused[locale] = [finding for finding in findings if finding.severity == "error"]
            continue
        atomic_write(mo_path, compile_po(po, locale))
        report.compiled.append(locale)
    return report


def compiled_copy(source: Path, destination: Path) -> Path:
    """Copy a translations folder's template and catalogs (not its .mo files) and compile them there.

    How the tests, the audit and the benchmarks get real compiled catalogs without touching the
    repository's folder; WorkflowError if a catalog would be refused.
    """
    import shutil

    shutil.copytree(source, destination, ignore=shutil.ignore_patterns("*.mo", ".revisions"))
    report = compile_catalogs(destination)
    if report.refused:
        first = next(iter(report.refused.values()))[0]
        raise WorkflowError(f"cannot compile {', '.join(report.refused)}: {first.format()}")
    return destination


# -- stats ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CatalogStats:
    """Progress of one locale against the template.

    ``stale`` counts messages whose English changed since they were translated (a
    fuzzy entry with a previous msgid, or a msgctxt whose msgid changed before
    ``update`` ran); they are also counted in ``fuzzy`` or ``untranslated``.
    """

    locale: str
    total: int
    translated: int
    fuzzy: int
    untranslated: int
    stale: int
    percent: float

    def to_dict(self) -> dict:
        """The JSON form."""
        return asdict(self)


def catalog_stats(po: PoFile, locale: str, template: set[tuple[str | None, str]] | None = None) -> CatalogStats:
    """Count translated, fuzzy, untranslated and stale messages of a catalog (against the template if given)."""
    entries = po.messages
    by_key = {(entry.context, entry.msgid): entry for entry in entries}
    keys = template if template is not None else set(by_key)
    contexts = {entry.context: entry for entry in entries if entry.context}
    translated = fuzzy = stale = 0
    for key in keys:
        entry = by_key.get(key)
        if entry is None:
            old = contexts.get(key[0]) if key[0] else None
            if old is not None and (old.context, old.msgid) not in keys and old.translated:
                stale += 1
            continue
        if not entry.translated:
            continue
        if entry.fuzzy:
            fuzzy += 1
            if entry.previous_msgid is not None and entry.previous_msgid != entry.msgid:
                stale += 1
        else:
            translated += 1
    total = len(keys)
    percent = round(100.0 * translated / total, 1) if total else 100.0
    return CatalogStats(locale, total, translated, fuzzy, total - translated - fuzzy, stale, percent)


def stats(translations_dir: Path, template: Path | None = None) -> list[CatalogStats]:
    """``contentapi i18n stats``: one line of figures per locale that has a catalog."""
    translations_dir = Path(translations_dir)
    template_path = Path(template) if template else translations_dir / TEMPLATE_NAME
    keys = template_messages(template_path) if template_path.exists() else None
    out = []
    for locale in SUPPORTED_LOCALES[1:]:
        po_path, _ = catalog_paths(translations_dir, locale)
        if po_path.exists():
            try:
                po = read_po(po_path.read_bytes())
            except (PoDecodeError, PoSyntaxError) as error:
                raise WorkflowError(f"{po_path}: catalog cannot be read (line {error.line}: {error.message})") from None
            out.append(catalog_stats(po, locale, keys))
    return out
