"""Publishing catalogs as revisions: publish one domain or a whole locale, restore, preview, and
keep the repository's catalogs and the published ones in step (import at start-up, ``pull``).

Plain Python, no Flask. A publish:

1. reads the upload once (``contentapi.i18n.po``), checks, compiles and loads it: any error
   refuses it and nothing changes;
2. asks the revision store to commit it (``contentapi.i18n.revisions``): while no other publisher
   of the locale can commit, the caller's ``If-Match`` is compared with the current revision's ETag
   (a stale one is refused, so two uploads based on the same version give exactly one success),
   the revision is written whole, and the locale's manifest is replaced in one atomic step.

Workers follow the manifests (``contentapi.i18n.catalogs``), so the new text is served everywhere
within the check interval, and a publish killed at any instant has either happened or not.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from pathlib import Path

from contentapi.i18n.catalogs import CatalogError, LocaleCatalog, atomic_write, compile_po, load_mo
from contentapi.i18n.checks import ERROR, Finding, has_errors, read_and_check, removed_translations
from contentapi.i18n.domains import (
    UI_DOMAIN,
    catalog_path,
    is_domain,
    merge_catalogs,
    split_catalog,
    template_path,
)
from contentapi.i18n.locales import SUPPORTED_LOCALES, to_babel_id, translatable_locale
from contentapi.i18n.po import PoDecodeError, PoFile, PoSyntaxError, read_po
from contentapi.i18n.review import Reviewed, ReviewRequest, carry, carry_restored, counts, reviewed
from contentapi.i18n.revisions import (
    Manifest,
    NewRevision,
    Revision,
    RevisionStore,
    StoreError,
    content_hash,
    etag_of,
)
from contentapi.i18n.workflow import catalog_stats, template_messages

logger = logging.getLogger("contentapi")
_ENTITY_TAG = re.compile(r'\s*(W/)?("[^"]*")\s*(?:,|$)')
IMPORT_CACHE = "imports.json"


class PublishError(Exception):
    """A publish or restore was refused; nothing changed."""


class PreconditionFailed(PublishError):
    """The If-Match ETag is not the current one."""

    def __init__(self, current_etag: str | None):
        super().__init__("the catalog changed since it was fetched")
        self.current_etag = current_etag


class CatalogRejected(PublishError):
    """The catalog has check errors."""

    def __init__(self, findings: list[Finding]):
        super().__init__(f"{sum(1 for f in findings if f.severity == 'error')} check errors")
        self.findings = findings


class TranslationsWouldBeLost(PublishError):
    """The upload leaves messages untranslated that the current revision translates (not allowed)."""

    def __init__(self, findings: list[Finding]):
        super().__init__(f"{len(findings)} translated messages would be lost")
        self.findings = findings


class UnknownRevision(PublishError):
    """No revision has this id."""


class NoCatalog(PublishError):
    """Nothing is published for this locale (and domain) yet."""


def po_etag(data: bytes) -> str:
    """The strong ETag of a .po file: the same for the same bytes in every process."""
    return etag_of(content_hash(data))


def locale_etag(manifest: Manifest) -> str | None:
    """The ETag of a whole locale: it changes when any of its domains does."""
    if not manifest.domains:
        return None
    lines = "\n".join(f"{name}:{pointer.hash}" for name, pointer in sorted(manifest.domains.items()))
    return etag_of(hashlib.sha256(lines.encode("utf-8")).hexdigest())


def if_match_allows(header: str, etag: str | None) -> bool:
    """RFC 9110 If-Match with strong comparison: ``*`` or a list of entity tags."""
    if etag is None:
        return False
    if header.strip() == "*":
        return True
    position = 0
    while position < len(header):
        match = _ENTITY_TAG.match(header, position)
        if not match or match.end() == position:
            return False
        if not match.group(1) and match.group(2) == etag:
            return True
        position = match.end()
    return False


def filename_of(locale: str, domain: str) -> str:
    """How findings name an upload: the path it has in a translations folder."""
    return f"{to_babel_id(locale)}/LC_MESSAGES/{domain}.po"


def checked_and_compiled(locale: str, data: bytes, filename: str, termbase=None) -> tuple[PoFile, bytes, list[Finding]]:
    """An upload read once, checked, compiled and loaded: (parsed, .mo bytes, findings).

    CatalogRejected when it has errors or, should gettext still refuse what passed the checks,
    cannot be compiled or loaded: a rejection, never a crash.
    """
    po, findings = read_and_check(data, filename, locale, termbase)
    if po is None or has_errors(findings):
        raise CatalogRejected(findings)
    return po, _compiled(po, locale, filename), findings


def _compiled(po: PoFile, locale: str, filename: str) -> bytes:
    try:
        compiled = compile_po(po, locale)
        load_mo(compiled)
    except CatalogError as error:
        raise CatalogRejected([Finding(filename, 1, None, "unparsable", ERROR, f"the catalog cannot be compiled ({error})")]) from None
    return compiled


class ReviewRefused(PublishError):
    """A review was refused (``error`` says why, with the messages concerned); nothing changed."""

    def __init__(self, error):
        super().__init__(error.message)
        self.error = error


def shorten_id(msgid: str) -> str:
    """A msgid as findings name it."""
    from contentapi.i18n.po import shorten

    return shorten(msgid, 80)


def _readable(data: bytes) -> PoFile | None:
    try:
        return read_po(data)
    except (PoDecodeError, PoSyntaxError):
        return None


class Publisher:
    """Publishes, lists, restores and imports the catalogs of a revision store."""

    def __init__(self, store: RevisionStore, translations_dir: Path | str, cache_dir: Path | str | None = None):
        self.store = store
        self.translations_dir = Path(translations_dir)
        self.cache_dir = Path(cache_dir) if cache_dir else None
        self._templates: dict[str, tuple[tuple, set]] = {}
        self._termbase_errors: set[str] = set()

    # -- reading -------------------------------------------------------------------------------

    def current(self, locale: str, domain: str) -> tuple[bytes, str]:
        """The published .po of a domain and its ETag; NoCatalog if there is none."""
        pointer = self.store.manifest(locale).domains.get(domain)
        if pointer is None:
            raise NoCatalog(f"{locale} has no published {domain} catalog")
        return self._po(locale, domain, pointer.revision), etag_of(pointer.hash)

    def current_locale(self, locale: str) -> tuple[bytes, str]:
        """Every published domain of a locale as one catalog (the interface's header first) and its ETag."""
        manifest = self.store.manifest(locale)
        if not manifest.domains:
            raise NoCatalog(f"{locale} has no catalog yet")
        names = sorted(manifest.domains, key=lambda name: (name != UI_DOMAIN, name))
        parts = [read_po(self._po(locale, name, manifest.domains[name].revision)) for name in names]
        return merge_catalogs(parts), locale_etag(manifest)

    def _po(self, locale: str, domain: str, revision: int) -> bytes:
        """A revision's .po bytes, proved by the hash of its record (StoreError when damaged or missing)."""
        try:
            data = self.store.read_file(locale, domain, revision, "po")
        except OSError as error:
            raise StoreError("unavailable", f"revision {revision} of {locale}/{domain} cannot be read "
                                            f"({error.strerror or error})") from None
        record = self.store.record(locale, domain, revision)
        if record is not None and record.hash != content_hash(data):
            raise StoreError("unavailable", f"revision {revision} of {locale}/{domain} is damaged (its hash is not the recorded one)")
        return data

    def revisions(self, locale: str, domain: str | None = None) -> list[Revision]:
        """The history of a locale (or of one domain), newest first."""
        return self.store.history(locale, domain)

    def revision(self, locale: str, revision_id: int, domain: str | None = None) -> Revision:
        """A committed revision (of ``domain`` when given); UnknownRevision otherwise."""
        found = self.store.record(locale, domain, revision_id) if domain else self.store.revision(locale, revision_id)
        if found is None:
            raise UnknownRevision(f"{locale} has no revision {revision_id}" + (f" of {domain}" if domain else ""))
        return found

    def template_keys(self, domain: str) -> set[tuple[str | None, str]] | None:
        """The (msgctxt, msgid) of a domain's template, or None without one (read again only when
        the file changed: an import reads each template once for every locale)."""
        path = template_path(self.translations_dir, domain)
        try:
            status = path.stat()
        except OSError:
            return None
        signature = (status.st_ino, status.st_size, status.st_mtime_ns)
        kept = self._templates.get(domain)
        if kept is not None and kept[0] == signature:
            return kept[1]
        try:
            keys = template_messages(path)
        except Exception:  # noqa: BLE001  (stats are informative; a publish never fails on them)
            return None
        self._templates[domain] = (signature, keys)
        return keys

    def _stats(self, locale: str, domain: str, po: PoFile | None) -> dict:
        if po is None:
            return {}
        return {**catalog_stats(po, locale, self.template_keys(domain)).to_dict(), "review": counts(po)}

    def termbase(self, locale: str):
        """The locale's termbase in the translations folder (read again only when its file changed), or
        None. One that cannot be read turns the terminology check off (logged once): a termbase is
        advice, never a reason to refuse a catalog."""
        from contentapi.i18n.terms import TermbaseError, load_termbase

        try:
            return load_termbase(self.translations_dir, locale)
        except (TermbaseError, OSError) as error:
            if str(error) not in self._termbase_errors:
                self._termbase_errors.add(str(error))
                logger.error("termbase not used (the terminology check is off for %s): %s", locale, error)
            return None

    # -- writing -------------------------------------------------------------------------------

    def _prepared(self, locale: str, domain: str, data: bytes, action: str, translator: str | None,
                  restored_from: int | None = None) -> tuple[PoFile, NewRevision, list[Finding]]:
        po, compiled, findings = checked_and_compiled(locale, data, filename_of(locale, domain), self.termbase(locale))
        change = NewRevision(domain, data, compiled, action, translator, self._stats(locale, domain, po), restored_from)
        return po, change, findings

    def _with_reviews(self, locale: str, domain: str, change: NewRevision, data: bytes) -> NewRevision:
        """``change`` with its .po bytes replaced by ``data``, the same catalog with other review
        comments (so the same checks hold): compiled again for the states its .mo carries."""
        if data == change.po:
            return change
        po = read_po(data)
        compiled = _compiled(po, locale, filename_of(locale, domain))
        return NewRevision(domain, data, compiled, change.action, change.translator, self._stats(locale, domain, po),
                           change.restored_from, change.source, change.current)

    def _commit(self, locale: str, plan) -> tuple[Manifest, list[Revision]]:
        try:
            return self.store.commit(locale, plan)
        except StoreError:
            raise
        except OSError as error:
            from contentapi.i18n.revisions import storage_error

            raise storage_error(error, "the catalog") from None

    def publish(self, locale: str, domain: str, data: bytes, if_match: str | None, translator: str | None,
                action: str = "publish", restored_from: int | None = None,
                allow_removals: bool = False, whole_locale_if_match: bool = False) -> tuple[Revision, list[Finding]]:
        """Make ``data`` the current catalog of a domain if ``if_match`` names the current one.

        ``if_match`` None skips the comparison. An upload that leaves untranslated (empty or
        missing) a message the current revision translates is refused (TranslationsWouldBeLost)
        unless ``allow_removals``: a file cut short or made from an old copy never silently sends
        patients back to English. With ``whole_locale_if_match``, ``if_match`` names the whole
        locale's ETag instead of the domain's. Raises CatalogRejected, PreconditionFailed,
        TranslationsWouldBeLost or StoreError, each with nothing changed. Returns the revision and
        the warnings (with the removals, when allowed).
        """
        po, change, findings = self._prepared(locale, domain, data, action, translator, restored_from)
        removed: list[Finding] = []

        def plan(manifest: Manifest) -> list[NewRevision]:
            pointer = manifest.domains.get(domain)
            current_etag = locale_etag(manifest) if whole_locale_if_match else etag_of(pointer.hash) if pointer else None
            if if_match is not None and not if_match_allows(if_match, current_etag):
                raise PreconditionFailed(current_etag)
            before = _readable(self._po(locale, domain, pointer.revision)) if pointer else None
            removed[:] = removed_translations(before, po, filename_of(locale, domain)) if before else []
            if removed and not allow_removals:
                raise TranslationsWouldBeLost(removed)
            # Reviews come from what is published, never from the upload (contentapi.i18n.review).
            published = carry_restored(before, po) if action == "restore" else carry(before, po, translator)
            return [self._with_reviews(locale, domain, change, published)]

        _, (revision,) = self._commit(locale, plan)
        warnings = [finding for finding in findings if finding.severity != ERROR and finding.check != "review"]
        return revision, warnings + removed

    def publish_locale(self, locale: str, data: bytes, if_match: str | None, translator: str | None,
                       allow_removals: bool = False) -> tuple[list[Revision], list[Finding]]:
        """Publish a whole-locale catalog: every domain whose part changed, in one commit.

        The upload is checked as one file (findings name its own lines), then cut into domains;
        a domain with no entry in the upload is left as it is. Lost translations are refused as
        for one domain.
        """
        filename = filename_of(locale, UI_DOMAIN)
        po, findings = read_and_check(data, filename, locale)
        if po is None or has_errors(findings):
            raise CatalogRejected(findings)
        parts = split_catalog(po)
        removed: list[Finding] = []

        def plan(manifest: Manifest) -> list[NewRevision]:
            current_etag = locale_etag(manifest)
            if if_match is not None and not if_match_allows(if_match, current_etag):
                raise PreconditionFailed(current_etag)
            changes = []
            removed.clear()
            for domain, part in parts.items():
                pointer = manifest.domains.get(domain)
                before = _readable(self._po(locale, domain, pointer.revision)) if pointer else None
                published = carry(before, read_po(part), translator)
                if pointer is not None and pointer.hash == content_hash(published):
                    continue
                if before:  # compared with the whole upload, so findings name its lines
                    removed.extend(removed_translations(before, po, filename))
                change = self._prepared(locale, domain, part, "publish", translator)[1]
                changes.append(self._with_reviews(locale, domain, change, published))
            if removed and not allow_removals:
                raise TranslationsWouldBeLost(removed)
            return changes

        _, revisions = self._commit(locale, plan)
        warnings = [finding for finding in findings if finding.severity != ERROR and finding.check != "review"]
        return revisions, warnings + removed

    def review(self, locale: str, requests: dict[str, ReviewRequest], reviewer: str, if_match: str | None,
               date: str | None = None) -> tuple[list[Revision], list[Reviewed], list[Finding], str | None]:
        """Review messages of one or more domains of a locale as ``reviewer``, in one commit.

        ``if_match`` names the whole locale's ETag, or the domain's when one domain is reviewed.
        Each domain whose catalog changes becomes a new revision (action ``review``), checked and
        compiled like any other. Raises PreconditionFailed, NoCatalog, ReviewRefused (``error``:
        a ``contentapi.i18n.review.ReviewError``), CatalogRejected or StoreError, each with nothing
        changed. Returns (revisions, messages changed, warnings of the reviewed catalogs on the
        messages reviewed, the new ETag of what ``if_match`` named).
        """
        from contentapi.i18n.review import ReviewError

        changed: list[Reviewed] = []
        warnings: list[Finding] = []
        matched: list[str] = []

        def plan(manifest: Manifest) -> list[NewRevision]:
            changed.clear()
            warnings.clear()
            single = next(iter(requests)) if len(requests) == 1 else None
            pointer = manifest.domains.get(single) if single else None
            if if_match is not None:
                if if_match_allows(if_match, locale_etag(manifest)):
                    matched[:] = ["locale"]
                elif pointer is not None and if_match_allows(if_match, etag_of(pointer.hash)):
                    matched[:] = ["domain"]
                else:
                    raise PreconditionFailed(locale_etag(manifest) if single is None else etag_of(pointer.hash) if pointer else None)
            changes = []
            for domain, request in requests.items():
                pointer = manifest.domains.get(domain)
                if pointer is None:
                    raise NoCatalog(f"{locale} has no published {domain} catalog")
                data = self._po(locale, domain, pointer.revision)
                try:
                    new, done = reviewed(read_po(data), request, reviewer, date)
                except ReviewError as error:
                    raise ReviewRefused(error) from None
                if new == data:
                    continue
                po, change, findings = self._prepared(locale, domain, new, "review", reviewer)
                keys = {(item.msgctxt, item.msgid) for item in done}
                warnings.extend(finding for finding in findings if finding.severity != ERROR
                                and (finding.msgctxt, finding.msgid) in {(c, shorten_id(m)) for c, m in keys})
                changed.extend(done)
                changes.append(change)
            return changes

        manifest, revisions = self._commit(locale, plan)
        if matched == ["domain"]:
            domain = next(iter(requests))
            etag = etag_of(manifest.domains[domain].hash) if domain in manifest.domains else None
        else:
            etag = locale_etag(manifest)
        return revisions, changed, warnings, etag

    def restore(self, locale: str, revision_id: int, translator: str | None, if_match: str | None = None,
                domain: str | None = None) -> Revision:
        """Publish an earlier revision's catalog again, as a new revision (checked again first).

        ``if_match`` names the current catalog of ``domain``, or of the whole locale when ``domain``
        is None (the whole-locale route, whose client holds that ETag).
        """
        revision = self.revision(locale, revision_id, domain)
        data = self._po(locale, revision.domain, revision.id)
        # Going back to a revision is a decision to have what it had, fewer translations included.
        restored, _ = self.publish(locale, revision.domain, data, if_match, translator, action="restore",
                                   restored_from=revision_id, allow_removals=True,
                                   whole_locale_if_match=domain is None)
        return restored

    def preview(self, served: LocaleCatalog, domain: str | None, data: bytes,
                translator: str | None = None) -> tuple[LocaleCatalog, list[Finding]]:
        """The locale as it would be with an upload (one domain's, or a whole-locale catalog when
        ``domain`` is None), checked and loaded in memory, with the reviews publishing would give it
        (never the upload's own); CatalogRejected on errors; nothing is written."""
        locale = served.locale
        name = domain or UI_DOMAIN
        po, _, findings = checked_and_compiled(locale, data, filename_of(locale, name), self.termbase(locale))
        # The whole upload answers for every domain it has messages of (contexts name their domain).
        parts = {domain: data} if domain is not None else split_catalog(po)
        manifest = self.store.manifest(locale)
        preview = served
        for part_domain, part in parts.items():
            pointer = manifest.domains.get(part_domain)
            before = _readable(self._po(locale, part_domain, pointer.revision)) if pointer else None
            carried = read_po(carry(before, read_po(part), translator))
            preview = preview.with_domain(part_domain, _compiled(carried, locale, filename_of(locale, part_domain)))
        return preview, [finding for finding in findings if finding.check != "review"]

    # -- the repository's catalogs -------------------------------------------------------------

    def _cache(self) -> dict:
        if self.cache_dir is None:
            return {}
        try:
            return json.loads((self.cache_dir / IMPORT_CACHE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def _save_cache(self, cache: dict) -> None:
        if self.cache_dir is not None:
            try:
                atomic_write(self.cache_dir / IMPORT_CACHE, json.dumps(cache, sort_keys=True).encode("utf-8"))
            except OSError:
                pass  # only an optimisation: the next start reads the files again

    def import_repository(self, locales: tuple[str, ...] = SUPPORTED_LOCALES) -> list[Revision]:
        """Import the translations folder's catalogs that differ from every known revision.

        A catalog equal to a revision already known is skipped (a deploy of older files never
        replaces a newer publish). A new one becomes a revision ("import"), and current unless the
        domain's current revision was published or restored over HTTP: then it is kept, listed and
        logged, and the published one stays current. One that fails its checks is not imported
        (logged with its first error). Files unchanged since the last start are not read again.
        """
        cache = self._cache()
        imported: list[Revision] = []
        for locale in filter(translatable_locale, locales):
            candidates = []
            folder = catalog_path(self.translations_dir, locale).parent
            # os.scandir, not pathlib: this looks at every catalog of the library at every start.
            try:
                entries = sorted(os.scandir(folder), key=lambda entry: (entry.name != f"{UI_DOMAIN}.po", entry.name))
            except OSError:
                continue
            for entry in entries:
                domain, suffix = entry.name[:-3], entry.name[-3:]
                if suffix != ".po" or not is_domain(domain):
                    continue
                try:
                    status = entry.stat()
                except OSError:
                    continue
                key, signature = f"{locale}/{domain}", [status.st_ino, status.st_size, status.st_mtime_ns]
                if cache.get(key) == signature:
                    continue
                candidates.append((domain, Path(entry.path), key, signature))
            if candidates:
                imported += self._import_locale(locale, candidates, cache)
        self._save_cache(cache)
        return imported

    def _import_locale(self, locale: str, candidates: list, cache: dict) -> list[Revision]:
        kept_aside: list[tuple[str, Path]] = []

        def plan(manifest: Manifest) -> list[NewRevision]:
            changes = []
            for domain, path, key, signature in candidates:
                data = path.read_bytes()
                digest = content_hash(data)
                pointer = manifest.domains.get(domain)
                if pointer is not None and (pointer.hash == digest or
                                            any(item.hash == digest for item in self.store.history(locale, domain))):
                    cache[key] = signature
                    continue
                try:
                    _, change, _ = self._prepared(locale, domain, data, "import", None)
                except CatalogRejected as error:
                    first = next((f for f in error.findings if f.severity == ERROR), None)
                    logger.error("%s: not imported: %s", path, first.format() if first else error)
                    continue
                source = str(path.relative_to(self.translations_dir.parent)) if path.is_relative_to(self.translations_dir.parent) else str(path)
                current = self.store.record(locale, domain, pointer.revision) if pointer else None
                make_current = current is None or current.action == "import"
                if not make_current:
                    kept_aside.append((domain, path))
                changes.append(NewRevision(domain, change.po, change.mo, "import", None, change.stats, None, source,
                                           current=make_current))
                cache[key] = signature
            return changes

        manifest, revisions = self._commit(locale, plan)
        for domain, path in kept_aside:
            kept = next(revision for revision in revisions if revision.domain == domain)
            logger.warning(
                "%s differs from every published revision of %s/%s: kept as revision %s, not served (revision %s, "
                "published over HTTP, stays current); publish or restore it, or run 'contentapi i18n pull' and commit",
                path, locale, domain, kept.id, manifest.domains[domain].revision)
        return revisions

    def pull(self, locales: tuple[str, ...] = SUPPORTED_LOCALES, force: bool = False) -> tuple[list[Path], list[Path]]:
        """Write the current published catalogs into the translations folder, so they can be reviewed
        and committed: (files written, files left alone because they hold work never published,
        which ``force`` overwrites)."""
        written, kept = [], []
        for locale in filter(translatable_locale, locales):
            manifest = self.store.manifest(locale)
            for domain, pointer in sorted(manifest.domains.items()):
                path = catalog_path(self.translations_dir, locale, domain)
                data = self._po(locale, domain, pointer.revision)
                if path.exists():
                    existing = path.read_bytes()
                    if existing == data:
                        continue
                    known = {item.hash for item in self.store.history(locale, domain)}
                    if content_hash(existing) not in known and not force:
                        kept.append(path)
                        continue
                atomic_write(path, data)
                written.append(path)
        return written, kept
