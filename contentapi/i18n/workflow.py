"""The catalog workflow behind ``contentapi i18n``: extract, init, update, compile, stats and migrate,
on every domain of a translations folder or on one procedure (``contentapi.i18n.domains``).

Plain Python, no Flask. Every file is written through ``atomic_write`` (temporary
file, fsync, rename), so an interrupted command never leaves half a catalog.

Extraction uses Babel with the project's own mapping (``babel.cfg``, the interface strings of the
code and templates) and the options of ``setup.cfg [extract_messages]``, so ``pybabel extract`` with
that mapping writes the same interface template; procedures are extracted by the
``contentapi_procedures`` Babel extractor, one template per procedure.
"""

from __future__ import annotations

import configparser
import datetime as dt
import io
import os
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir, extract_from_file
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.pofile import read_po as babel_read_po
from babel.messages.pofile import write_po

from contentapi.config import REPOSITORY_DIR
from contentapi.i18n.catalogs import atomic_write, compile_po
from contentapi.i18n.checks import Finding, has_errors, message_key, read_and_check
from contentapi.i18n.domains import (
    UI_DOMAIN,
    catalog_domains,
    catalog_path,
    domain_of,
    split_catalog,
    template_domains,
    template_path,
)
from contentapi.i18n.locales import SUPPORTED_LOCALES, locale_info, to_babel_id, translatable_locale
from contentapi.i18n.po import BOM, PoDecodeError, PoFile, PoSyntaxError, read_po, shorten
from contentapi.i18n.review import MO_CONTEXT, SERVE_APPROVED, policy_path, write_policy

PROJECT = "contentapi"
COPYRIGHT_HOLDER = "contentapi contributors"
PROCEDURES_METHOD = "contentapi_procedures"


class WorkflowError(Exception):
    """A workflow step cannot be done; the message is one line for the command line."""


def _served_locale(locale: str) -> str:
    code = translatable_locale(locale)
    if code is not None:
        return code
    if locale.strip().lower() == "en":
        raise WorkflowError("en is the source language; it has no catalog")
    raise WorkflowError(f"{locale!r} is not a served locale ({', '.join(SUPPORTED_LOCALES[1:])})")


def _locales(locales: list[str] | None) -> list[str]:
    return [_served_locale(code) for code in locales] if locales else list(SUPPORTED_LOCALES[1:])


def _read(path: Path) -> PoFile:
    """A catalog or template on disk, parsed; WorkflowError naming the file when it cannot be."""
    try:
        return read_po(path.read_bytes())
    except (PoDecodeError, PoSyntaxError) as error:
        raise WorkflowError(f"{path}:{error.line}: cannot be read ({error.message}); run 'contentapi i18n check'") from None


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


def _template() -> Catalog:
    return Catalog(project=PROJECT, copyright_holder=COPYRIGHT_HOLDER, charset="utf-8")


def interface_template(root: Path = REPOSITORY_DIR) -> Catalog:
    """Every interface string of the code and templates, as ``pybabel extract -F babel.cfg`` finds them."""
    options = extract_options(root)
    catalog = _template()
    for filename, lineno, message, comments, context in extract_from_dir(
        root, options.method_map, options.options_map, options.keywords, options.comment_tags
    ):
        catalog.add(message, None, [(filename.replace(os.sep, "/"), lineno)], auto_comments=comments, context=context)
    return catalog


def procedure_template(path: Path, root: Path = REPOSITORY_DIR) -> tuple[str, Catalog]:
    """(slug, template) of one procedure file, through the project's Babel extractor.

    A malformed file raises ContentError with its line, so a template never silently lacks a block.
    """
    location = os.path.relpath(path, root).replace(os.sep, "/")
    catalog = _template()
    slug = None
    for lineno, message, comments, context in extract_from_file(PROCEDURES_METHOD, str(path)):
        slug = slug or domain_of(context)
        catalog.add(message, None, [(location, lineno)], auto_comments=comments, context=context)
    if slug is None or slug == UI_DOMAIN:
        raise WorkflowError(f"{path}: no procedure messages found")
    return slug, catalog


def write_template(catalog: Catalog, path: Path) -> None:
    """Write a template as ``pybabel extract`` does with our options (sorted by file, no wrapping)."""
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=0, sort_by_file=True)
    atomic_write(Path(path), buffer.getvalue())


def extract(translations_dir: Path, content_dir: Path | str, procedure: str | None = None) -> list[Path]:
    """``contentapi i18n extract``: write the interface template and one template per procedure
    (or only ``procedure``'s); templates of procedures that no longer exist are removed."""
    translations_dir = Path(translations_dir)
    content_dir = Path(content_dir)
    written = []
    if procedure is None:
        write_template(interface_template(), template_path(translations_dir))
        written.append(template_path(translations_dir))
        files = sorted(content_dir.glob("*.md"))
    else:
        files = [path for path in sorted(content_dir.glob("*.md")) if path.stem == procedure]
        if not files:
            # The file name need not be the slug: look inside.
            files = [path for path in sorted(content_dir.glob("*.md")) if f"slug: {procedure}\n" in path.read_text("utf-8")]
        if not files:
            raise WorkflowError(f"no procedure {procedure!r} in {content_dir}")
    slugs = set()
    for path in files:
        slug, catalog = procedure_template(path)
        slugs.add(slug)
        write_template(catalog, template_path(translations_dir, slug))
        written.append(template_path(translations_dir, slug))
    if procedure is None:
        for domain in template_domains(translations_dir):
            if domain != UI_DOMAIN and domain not in slugs:
                template_path(translations_dir, domain).unlink()
    return written


def template_messages(path: Path) -> set[tuple[str | None, str]]:
    """The (msgctxt, msgid) of every message in a template, for comparisons."""
    return _read(Path(path)).keys()


# -- init / update -------------------------------------------------------------------------


def _read_template(translations_dir: Path, domain: str, locale: str | None = None) -> Catalog:
    path = template_path(translations_dir, domain)
    if not path.exists():
        raise WorkflowError(f"{path} does not exist; run 'contentapi i18n extract' first")
    with open(path, "rb") as handle:
        try:
            # Read with the locale, as pybabel init does, so Plural-Forms come from CLDR.
            return babel_read_po(handle, locale=to_babel_id(locale) if locale else None)
        except Exception as error:  # noqa: BLE001  (Babel raises many types for a broken file)
            raise WorkflowError(f"{path}: not a readable template ({error})") from None


# Catalogs are written without any wrapping: Babel wraps comments even with no_wrap,
# which would split a "#| msgid" string in the middle and break other .po tools.
_NO_WRAP = 10**9


def _write_catalog(catalog: Catalog, path: Path) -> None:
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=_NO_WRAP, include_previous=True)
    atomic_write(path, buffer.getvalue())


def _new_catalog(translations_dir: Path, locale: str, domain: str) -> Path:
    """A domain's catalog in a locale, from its template; the header's Plural-Forms are the
    locale's own (its interface catalog's) when it has one, so every domain agrees with it."""
    catalog = _read_template(translations_dir, domain, locale)
    catalog.locale = Locale.parse(to_babel_id(locale))
    catalog.fuzzy = False  # a fuzzy header makes gettext tools skip the whole catalog
    catalog.revision_date = dt.datetime.now(dt.UTC)
    catalog.language_team = locale_info(locale).english_name
    interface = catalog_path(translations_dir, locale)
    if domain != UI_DOMAIN and interface.exists():
        plural_forms = _read(interface).header_fields.get("Plural-Forms")
        if plural_forms:
            catalog.mime_headers = [*(item for item in catalog.mime_headers if item[0] != "Plural-Forms"),
                                    ("Plural-Forms", plural_forms)]
    path = catalog_path(translations_dir, locale, domain)
    _write_catalog(catalog, path)
    return path


def init(translations_dir: Path, locale: str, procedure: str | None = None, force: bool = False) -> list[Path]:
    """``contentapi i18n init LOCALE``: a locale's catalogs from the templates (every domain, or one
    procedure's); refuses to replace an existing catalog unless ``force``."""
    translations_dir = Path(translations_dir)
    locale = _served_locale(locale)
    domains = [procedure] if procedure else template_domains(translations_dir)
    if not domains:
        raise WorkflowError(f"{translations_dir} has no templates; run 'contentapi i18n extract' first")
    existing = [catalog_path(translations_dir, locale, domain) for domain in domains
                if catalog_path(translations_dir, locale, domain).exists()]
    if existing and not force:
        raise WorkflowError(f"{existing[0]} already exists; use 'contentapi i18n update' to bring it up to date")
    # The interface catalog first: the others take their Plural-Forms from it.
    written = [_new_catalog(translations_dir, locale, domain) for domain in sorted(domains, key=lambda d: d != UI_DOMAIN)]
    if not policy_path(translations_dir, locale).exists():
        # A new locale serves only what its clinical reviewers approve (README: Clinical review).
        written.append(write_policy(translations_dir, locale, SERVE_APPROVED))
    return written


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
    no_fuzzy_matching: bool = False,
    locales: list[str] | None = None,
    procedure: str | None = None,
) -> list[Path]:
    """``contentapi i18n update``: merge each template into its catalog in every locale that has
    catalogs (a procedure new since the last update gets its catalog); return the files written."""
    translations_dir = Path(translations_dir)
    domains = [procedure] if procedure else template_domains(translations_dir)
    written = []
    for locale in _locales(locales):
        if not catalog_domains(translations_dir, locale):
            continue  # a locale nobody translates yet: 'contentapi i18n init' starts it
        for domain in domains:
            po_path = catalog_path(translations_dir, locale, domain)
            if not po_path.exists():
                written.append(_new_catalog(translations_dir, locale, domain))
                continue
            template_catalog = _read_template(translations_dir, domain)
            parsed = _read(po_path)
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


def lost_since_compiled(po: PoFile, mo_path: Path, filename: str) -> list[Finding]:
    """Messages the existing .mo translates that the catalog now leaves empty or drops (as errors:
    compiling them would silently send readers back to English)."""
    from babel.messages.mofile import read_mo

    try:
        with open(mo_path, "rb") as handle:
            before = read_mo(handle)
    except (OSError, Exception):  # noqa: BLE001  (no .mo, or one that cannot be read: nothing to compare)
        return []
    kept = {message_key(entry) for entry in po.messages if entry.translated}
    lost = []
    for message in before:
        msgid = message.id[0] if isinstance(message.id, (tuple, list)) else message.id
        if not msgid or message.context == MO_CONTEXT:  # the review states compiled in, not a message
            continue
        key = (message.context, None) if message.context else (None, msgid)
        if key not in kept:
            hint = "translated in the compiled catalog but empty or missing now; compile --allow-removals to accept"
            lost.append(Finding(filename, 1, message.context, "translation-removed", "error", hint, shorten(msgid, 80)))
    return lost


def compile_catalogs(translations_dir: Path, locales: list[str] | None = None, procedure: str | None = None,
                     allow_removals: bool = False) -> CompileReport:
    """``contentapi i18n compile``: check, then compile each catalog atomically next to its .po;
    a catalog with errors, or one that would lose translations its .mo has (unless
    ``allow_removals``), is refused and its existing .mo left as it was.

    The service does not read these files (it serves published revisions); they are for other
    gettext tools, and the command is how a catalog is proved compilable before it is committed.
    """
    report = CompileReport()
    for locale in _locales(locales):
        for domain in [procedure] if procedure else catalog_domains(translations_dir, locale):
            po_path = catalog_path(translations_dir, locale, domain)
            if not po_path.exists():
                continue
            name = locale if domain == UI_DOMAIN else f"{locale}/{domain}"
            po, findings = read_and_check(po_path.read_bytes(), str(po_path), locale)
            if po is None or has_errors(findings):
                report.refused[name] = [finding for finding in findings if finding.severity == "error"]
                continue
            lost = [] if allow_removals else lost_since_compiled(po, po_path.with_suffix(".mo"), str(po_path))
            if lost:
                report.refused[name] = lost
                continue
            atomic_write(po_path.with_suffix(".mo"), compile_po(po, locale))
            report.compiled.append(name)
    return report


def compiled_copy(source: Path, destination: Path) -> Path:
    """Copy a translations folder's templates and catalogs (not .mo files, not published revisions)
    and compile them there.

    How the tests, the audit and the benchmarks get real catalogs without touching the repository's
    folder; WorkflowError if a catalog would be refused.
    """
    shutil.copytree(source, destination, ignore=shutil.ignore_patterns("*.mo", ".revisions"))
    report = compile_catalogs(destination)
    if report.refused:
        first = next(iter(report.refused.values()))[0]
        raise WorkflowError(f"cannot compile {', '.join(report.refused)}: {first.format()}")
    return destination


# -- migrate -------------------------------------------------------------------------------


def migrate(translations_dir: Path) -> list[Path]:
    """``contentapi i18n migrate``: cut single whole-locale catalogs (every procedure in
    ``messages.po``) into one catalog per domain, each entry moved as written (translations, fuzzy
    flags, comments and obsolete entries all kept), and the template into one per domain.

    Safe to run again: a catalog with no procedure messages left is not touched.
    """
    translations_dir = Path(translations_dir)
    written = []
    for locale in SUPPORTED_LOCALES[1:]:
        interface = catalog_path(translations_dir, locale)
        if not interface.exists():
            continue
        parts = split_catalog(_read(interface))
        if set(parts) <= {UI_DOMAIN}:
            continue
        parts.setdefault(UI_DOMAIN, _header_only(_read(interface)))
        # Procedures first, the interface catalog (until now the whole file) last: stopped half-way,
        # the command can simply be run again.
        for domain, data in sorted(parts.items(), key=lambda item: item[0] == UI_DOMAIN):
            target = catalog_path(translations_dir, locale, domain)
            if domain != UI_DOMAIN and target.exists() and target.read_bytes() != data:
                raise WorkflowError(f"{target} exists already and differs; migrate would replace it (move it aside first)")
            atomic_write(target, data)
            written.append(target)
    template = template_path(translations_dir)
    if template.exists():
        parts = split_catalog(_read(template))
        if set(parts) - {UI_DOMAIN}:
            for domain, data in sorted(parts.items(), key=lambda item: item[0] == UI_DOMAIN):
                atomic_write(template_path(translations_dir, domain), data)
                written.append(template_path(translations_dir, domain))
    return written


def _header_only(po: PoFile) -> bytes:
    header = po.header
    if header is None:
        return b""
    return ("\n".join(po.lines[header.first_line - 1 : header.last_line]) + "\n").encode("utf-8")


# -- stats ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CatalogStats:
    """Progress of one locale (or one of its domains) against the templates.

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

    def __add__(self, other: "CatalogStats") -> "CatalogStats":
        total = self.total + other.total
        translated = self.translated + other.translated
        percent = round(100.0 * translated / total, 1) if total else 100.0
        return CatalogStats(self.locale, total, translated, self.fuzzy + other.fuzzy,
                            self.untranslated + other.untranslated, self.stale + other.stale, percent)


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


def stats(translations_dir: Path, procedure: str | None = None) -> list[CatalogStats]:
    """``contentapi i18n stats``: per locale with catalogs, its figures over every domain that has a
    template (or over one procedure's); a missing catalog counts as untranslated."""
    translations_dir = Path(translations_dir)
    domains = [procedure] if procedure else template_domains(translations_dir)
    templates = {domain: template_messages(template_path(translations_dir, domain)) for domain in domains
                 if template_path(translations_dir, domain).exists()}
    empty = PoFile(b"", ())
    out = []
    for locale in SUPPORTED_LOCALES[1:]:
        if not catalog_domains(translations_dir, locale):
            continue
        figures = CatalogStats(locale, 0, 0, 0, 0, 0, 100.0)
        for domain, keys in templates.items():
            po_path = catalog_path(translations_dir, locale, domain)
            figures += catalog_stats(_read(po_path) if po_path.exists() else empty, locale, keys)
        out.append(figures)
    return out
