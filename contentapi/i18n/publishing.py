"""Publishing catalogs: conditional replace of a locale's .po and .mo, revision history, restore, preview.

Plain Python, no Flask. A publish:

1. reads the uploaded .po once (``contentapi.i18n.po``), checks, compiles and loads it (any
   error refuses it, nothing changes);
2. takes an exclusive ``fcntl.flock`` on the locale's lock file, so publishes from
   every worker of every process sharing the folder are serialised;
3. compares the caller's ``If-Match`` with the ETag of the .po on disk (SHA-256 of
   its bytes) - a stale one is refused, so two uploads based on the same version
   give exactly one success;
4. records a revision (the .po bytes and who, when, previous ETag, stats);
5. replaces the .po, then the .mo, each by ``atomic_write`` (temporary file, fsync,
   rename). Servers reload a locale when its .mo changes, so the rename of the .mo
   is the single moment the new text goes live; if anything fails before it, the .po
   is put back and the revision removed, and the old catalog keeps being served.
"""

from __future__ import annotations

import datetime as dt
import errno
import fcntl
import hashlib
import json
import os
import re
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from contentapi.i18n.catalogs import (
    CatalogError,
    LocaleCatalog,
    atomic_write,
    catalog_paths,
    compile_po,
)
from contentapi.i18n.checks import (
    ERROR,
    Finding,
    has_errors,
    read_and_check,
    removed_translations,
)
from contentapi.i18n.locales import to_babel_id
from contentapi.i18n.po import PoDecodeError, PoFile, PoSyntaxError, read_po
from contentapi.i18n.workflow import TEMPLATE_NAME, catalog_stats, template_messages

REVISIONS_FOLDER = ".revisions"
_ENTITY_TAG = re.compile(r'\s*(W/)?("[^"]*")\s*(?:,|$)')


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


class StorageError(PublishError):
    """The translations folder cannot be written (``kind`` is ``full`` or ``read-only``)."""

    def __init__(self, kind: str, detail: str):
        super().__init__(detail)
        self.kind = kind
        self.detail = detail


class UnknownRevision(PublishError):
    """No revision has this id."""


class NoCatalog(PublishError):
    """The locale has no .po file yet."""


def po_etag(data: bytes) -> str:
    """The strong ETag of a .po file: the same for the same bytes in every process."""
    return '"' + hashlib.sha256(data).hexdigest()[:40] + '"'


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


def storage_error(error: OSError, what: str) -> StorageError:
    """Name an OS error as the translations folder being full or not writable."""
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return StorageError("full", f"the translations folder is full: {what} could not be written")
    return StorageError("read-only", f"the translations folder is not writable: {what} could not be written ({error.strerror or error})")


@dataclass(frozen=True)
class Revision:
    """One entry of a locale's history."""

    id: int
    locale: str
    action: str  # baseline | publish | restore
    translator: str | None
    time: str
    previous_etag: str | None
    etag: str
    stats: dict
    restored_from: int | None = None

    def to_dict(self) -> dict:
        """The JSON form."""
        return asdict(self)


class Publisher:
    """Publishes, lists and restores the catalogs of one translations folder."""

    def __init__(self, translations_dir: Path | str, revisions_dir: Path | str | None = None):
        self.translations_dir = Path(translations_dir)
        self.revisions_dir = Path(revisions_dir) if revisions_dir else self.translations_dir / REVISIONS_FOLDER

    # -- reading -----------------------------------------------------------------------------

    def current(self, locale: str) -> tuple[bytes, str]:
        """The .po bytes on disk and their ETag; NoCatalog if there is none."""
        po_path, _ = catalog_paths(self.translations_dir, locale)
        try:
            data = po_path.read_bytes()
        except FileNotFoundError:
            raise NoCatalog(f"{locale} has no catalog yet") from None
        return data, po_etag(data)

    def _history_dir(self, locale: str) -> Path:
        return self.revisions_dir / to_babel_id(locale)

    def revisions(self, locale: str) -> list[Revision]:
        """The history of a locale, newest first."""
        folder = self._history_dir(locale)
        out = []
        for path in folder.glob("*.json") if folder.is_dir() else ():
            try:
                out.append(Revision(**json.loads(path.read_text(encoding="utf-8"))))
            except (OSError, ValueError, TypeError):
                continue  # a damaged record is skipped rather than hiding the rest
        return sorted(out, key=lambda revision: revision.id, reverse=True)

    def revision_po(self, locale: str, revision_id: int) -> bytes:
        """The .po bytes a revision published; UnknownRevision if none."""
        try:
            return (self._history_dir(locale) / f"{revision_id:06d}.po").read_bytes()
        except (FileNotFoundError, ValueError, OverflowError):
            raise UnknownRevision(f"{locale} has no revision {revision_id}") from None

    def template_keys(self) -> set[tuple[str | None, str]] | None:
        """The (msgctxt, msgid) of the folder's template, or None without one."""
        template_path = self.translations_dir / TEMPLATE_NAME
        try:
            return template_messages(template_path) if template_path.exists() else None
        except (OSError, PoDecodeError, PoSyntaxError):
            return None  # stats are informative; a publish never fails on them

    @staticmethod
    def stats(locale: str, po: PoFile | None, template: set | None) -> dict:
        """Figures of a parsed catalog against a template (empty when the catalog could not be read)."""
        return catalog_stats(po, locale, template).to_dict() if po is not None else {}

    # -- writing -----------------------------------------------------------------------------

    @contextmanager
    def _locked(self, locale: str):
        lock_path = self.revisions_dir / f"{to_babel_id(locale)}.lock"
        try:
            self.revisions_dir.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(lock_path, os.O_WRONLY | os.O_CREAT, 0o644)
        except OSError as error:
            raise storage_error(error, "the publish lock") from None
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            yield
        finally:
            os.close(descriptor)  # closing releases the lock

    def _record(self, revision: Revision, data: bytes) -> list[Path]:
        folder = self._history_dir(revision.locale)
        po = folder / f"{revision.id:06d}.po"
        record = folder / f"{revision.id:06d}.json"
        written = []
        try:
            atomic_write(po, data)
            written.append(po)
            atomic_write(record, json.dumps(revision.to_dict(), ensure_ascii=False, indent=2).encode("utf-8"))
            written.append(record)
        except OSError as error:
            _remove(written)
            raise storage_error(error, "the revision history") from None
        return written

    def publish(
        self,
        locale: str,
        data: bytes,
        if_match: str | None,
        translator: str | None,
        action: str = "publish",
        restored_from: int | None = None,
    ) -> tuple[Revision, list[Finding]]:
        """Replace a locale's catalog if ``if_match`` names the current .po; return the revision and warnings.

        ``if_match`` None skips the comparison (restore without a precondition).
        Raises CatalogRejected, PreconditionFailed, NoCatalog or StorageError, each with nothing changed.
        """
        filename = f"{to_babel_id(locale)}/LC_MESSAGES/messages.po"
        po, compiled, findings = checked_and_compiled(locale, data, filename)
        template = self.template_keys()
        stats = self.stats(locale, po, template)
        po_path, mo_path = catalog_paths(self.translations_dir, locale)
        with self._locked(locale):
            current, current_etag = self.current(locale)
            if if_match is not None and not if_match_allows(if_match, current_etag):
                raise PreconditionFailed(current_etag)
            current_po = _readable(current)
            history = self.revisions(locale)
            next_id = (history[0].id if history else 0) + 1
            recorded: list[Path] = []
            if not history:
                # The first publish keeps what was there before, so it can be restored.
                baseline_stats = self.stats(locale, current_po, template)
                baseline = Revision(next_id, locale, "baseline", None, _now(), None, current_etag, baseline_stats)
                recorded += self._record(baseline, current)
                next_id += 1
            revision = Revision(next_id, locale, action, translator, _now(), current_etag, po_etag(data), stats, restored_from)
            try:
                recorded += self._record(revision, data)
            except StorageError:
                _remove(recorded)
                raise
            po_replaced = False
            try:
                atomic_write(po_path, data)
                po_replaced = True
                atomic_write(mo_path, compiled)
            except OSError as error:
                if po_replaced:
                    try:
                        atomic_write(po_path, current)
                    except OSError:
                        pass  # the .mo (what is served) is unchanged either way
                _remove(recorded)
                raise storage_error(error, "the catalog") from None
        warnings = [finding for finding in findings if finding.severity != "error"]
        removed = removed_translations(current_po, po, filename) if current_po is not None else []
        return revision, warnings + removed

    def restore(self, locale: str, revision_id: int, translator: str | None, if_match: str | None = None) -> Revision:
        """Publish an earlier revision's .po again, as a new revision."""
        data = self.revision_po(locale, revision_id)
        revision, _ = self.publish(locale, data, if_match, translator, action="restore", restored_from=revision_id)
        return revision


def checked_and_compiled(locale: str, data: bytes, filename: str) -> tuple[PoFile, bytes, list[Finding]]:
    """An upload read once, checked, compiled and loaded: (parsed, .mo bytes, findings).

    CatalogRejected when it has errors or, should gettext still refuse what passed the checks,
    cannot be compiled or loaded: a rejection, never a crash.
    """
    po, findings = read_and_check(data, filename, locale)
    if po is None or has_errors(findings):
        raise CatalogRejected(findings)
    try:
        compiled = compile_po(po, locale)
        LocaleCatalog.from_mo_bytes(locale, compiled)
    except CatalogError as error:
        raise CatalogRejected([Finding(filename, 1, None, "unparsable", ERROR, f"the catalog cannot be compiled ({error})")]) from None
    return po, compiled, findings


def preview_catalog(locale: str, data: bytes) -> tuple[LocaleCatalog, list[Finding]]:
    """An uploaded catalog, checked and loaded in memory (CatalogRejected on errors); nothing is written."""
    _, compiled, findings = checked_and_compiled(locale, data, f"{to_babel_id(locale)}/LC_MESSAGES/messages.po")
    return LocaleCatalog.from_mo_bytes(locale, compiled), findings


def _readable(data: bytes) -> PoFile | None:
    """The catalog on disk, parsed, or None if it cannot be (its replacement is checked, it is not)."""
    try:
        return read_po(data)
    except (PoDecodeError, PoSyntaxError):
        return None


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


def _remove(paths: list[Path]) -> None:
    for path in paths:
        try:
            os.unlink(path)
        except OSError:
            pass
