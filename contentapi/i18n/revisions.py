"""Published translations as immutable revisions and one pointer per locale.

Plain Python. A *revision* is one domain's catalog (``contentapi.i18n.domains``) as published: its
.po bytes, the .mo compiled from them, their SHA-256, who, when, the revision it replaced and its
stats. A revision never changes once written. A locale's *manifest* is its pointer: which revision
of each domain is current. Publishing writes the new revisions first, then replaces the manifest
in one atomic step, the only commit point: a rename here (``FileRevisionStore``), one transaction
in PostgreSQL (``contentapi.i18n.postgres``). Killed at any instant, a publish has either happened
(the new manifest names it) or not (the old one is intact and what was written for it is never
listed and is cleaned up later).

Revision ids count up per locale across its domains, so "revision 12 of es" names one catalog.
"""

from __future__ import annotations

import datetime as dt
import errno
import fcntl
import hashlib
import json
import os
import re
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import NamedTuple

from contentapi.i18n.locales import to_babel_id

MANIFEST = "current.json"
PENDING = "pending.json"
STAGING = ".staging"
FORMAT = 2


def content_hash(data: bytes) -> str:
    """The SHA-256 of a catalog's bytes, hex: the same in every process and on every machine."""
    return hashlib.sha256(data).hexdigest()


def etag_of(digest: str) -> str:
    """The strong ETag of a catalog with this content hash."""
    return f'"{digest[:40]}"'


def now() -> str:
    """The time of a revision, ISO 8601 in UTC with milliseconds."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


class StoreError(Exception):
    """The store cannot be read or written; ``kind`` is ``full``, ``read-only`` or ``unavailable``."""

    def __init__(self, kind: str, detail: str):
        super().__init__(detail)
        self.kind = kind
        self.detail = detail


def storage_error(error: OSError, what: str) -> StoreError:
    """Name an OS error as the store being full or not writable."""
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return StoreError("full", f"the translations store is full: {what} could not be written")
    return StoreError("read-only", f"the translations store is not writable: {what} could not be written "
                                   f"({error.strerror or error})")


@dataclass(frozen=True)
class Revision:
    """One published catalog of one domain of one locale."""

    id: int
    locale: str
    domain: str
    action: str  # import | publish | restore
    translator: str | None
    time: str
    hash: str
    previous: int | None = None
    previous_hash: str | None = None
    stats: dict = field(default_factory=dict)
    restored_from: int | None = None
    source: str | None = None  # import: the repository file it came from

    @property
    def etag(self) -> str:
        """The ETag of the catalog's bytes."""
        return etag_of(self.hash)

    def to_dict(self) -> dict:
        """The JSON form (the API's revision objects)."""
        document = asdict(self)
        document["etag"] = self.etag
        document["previous_etag"] = etag_of(self.previous_hash) if self.previous_hash else None
        return document

    @classmethod
    def from_dict(cls, document: dict) -> "Revision":
        """Read the stored form."""
        names = {name for name in cls.__dataclass_fields__}
        return cls(**{key: value for key, value in document.items() if key in names})


class Pointer(NamedTuple):
    """What a manifest says of one domain: its current revision, and the hashes that prove its files.

    A tuple: a manifest of a library of thousands is read back into thousands of these.
    """

    revision: int
    hash: str  # of the .po bytes
    time: str
    mo_hash: str  # of the .mo bytes: a damaged compiled file is noticed before it is loaded


@dataclass(frozen=True)
class Manifest:
    """A locale's pointer: the current revision of each domain, and counters."""

    locale: str
    sequence: int = 0  # one more at every commit
    last_revision: int = 0  # the highest revision id ever committed in this locale
    domains: dict[str, Pointer] = field(default_factory=dict)

    def to_json(self) -> bytes:
        """The stored form."""
        document = {
            "format": FORMAT,
            "locale": self.locale,
            "sequence": self.sequence,
            "last_revision": self.last_revision,
            "domains": dict(sorted(self.domains.items())),
        }
        return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes) -> "Manifest":
        """Read the stored form (ValueError when it is not one)."""
        document = json.loads(data)
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise ValueError("not a manifest of this format")
        domains = {name: Pointer(*item) for name, item in document["domains"].items()}
        if not all(len(item) == 4 and isinstance(item[0], int) for item in domains.values()):
            raise ValueError("a pointer is not [revision, hash, time, mo_hash]")
        return cls(str(document["locale"]), int(document["sequence"]), int(document["last_revision"]), domains)


@dataclass(frozen=True)
class NewRevision:
    """A revision to commit: validated and compiled by the caller (``contentapi.i18n.publishing``)."""

    domain: str
    po: bytes
    mo: bytes
    action: str
    translator: str | None
    stats: dict = field(default_factory=dict)
    restored_from: int | None = None
    source: str | None = None
    current: bool = True  # False: listed in history, not made current (an import kept aside)


class RevisionStore(ABC):
    """Where revisions and manifests live. Two backends share this interface: files on one machine,
    PostgreSQL for several."""

    @abstractmethod
    def manifest(self, locale: str) -> Manifest:
        """The locale's current manifest (an empty one before its first commit)."""

    @abstractmethod
    def identity(self, locale: str) -> object:
        """A cheap value that changes whenever the locale's manifest does (checked every interval)."""

    @abstractmethod
    def read_file(self, locale: str, domain: str, revision: int, kind: str) -> bytes:
        """The ``po`` or ``mo`` bytes of a committed revision; StoreError or OSError if they cannot be read."""

    def read(self, locale: str, domain: str, revision: int) -> tuple[bytes, bytes]:
        """The (.po, .mo) bytes of a committed revision."""
        return self.read_file(locale, domain, revision, "po"), self.read_file(locale, domain, revision, "mo")

    @abstractmethod
    def history(self, locale: str, domain: str | None = None) -> list[Revision]:
        """The committed revisions of a locale (or of one domain), newest first."""

    @abstractmethod
    def record(self, locale: str, domain: str, revision_id: int) -> Revision | None:
        """One committed revision of a domain, or None."""

    @abstractmethod
    def commit(self, locale: str, plan: Callable[[Manifest], list[NewRevision]]) -> tuple[Manifest, list[Revision]]:
        """Make revisions current in one atomic step.

        ``plan(manifest)`` is called with the current manifest while no other publisher of the
        locale can commit; it checks preconditions (raising to refuse) and returns what to commit.
        Returns the new manifest and the revisions made (none when the plan was empty).
        """

    def revision(self, locale: str, revision_id: int) -> Revision | None:
        """A committed revision by id, whatever its domain, or None."""
        return next((item for item in self.history(locale) if item.id == revision_id), None)

    def recover(self) -> None:
        """Clean what a killed publisher left behind (called at start-up)."""

    def close(self) -> None:
        """Release connections."""


def new_manifest(manifest: Manifest, changes: list[NewRevision], revisions: list[Revision]) -> Manifest:
    """The manifest after committing ``revisions`` (made from ``changes``)."""
    domains = dict(manifest.domains)
    for change, revision in zip(changes, revisions):
        if change.current:
            domains[revision.domain] = Pointer(revision.id, revision.hash, revision.time, content_hash(change.mo))
    last = max([manifest.last_revision, *(revision.id for revision in revisions)])
    return replace(manifest, sequence=manifest.sequence + 1, last_revision=last, domains=domains)


def numbered(manifest: Manifest, changes: list[NewRevision]) -> list[Revision]:
    """Revision records for ``changes``, numbered after the manifest's last revision."""
    out = []
    time = now()
    for offset, change in enumerate(changes, start=1):
        current = manifest.domains.get(change.domain)
        out.append(Revision(
            id=manifest.last_revision + offset, locale=manifest.locale, domain=change.domain, action=change.action,
            translator=change.translator, time=time, hash=content_hash(change.po),
            previous=current.revision if current else None, previous_hash=current.hash if current else None,
            stats=change.stats, restored_from=change.restored_from, source=change.source,
        ))
    return out


# -- files ---------------------------------------------------------------------------------------

_REVISION_FILE = re.compile(r"^(\d+)\.(po|mo|json)$")
_STAGED = re.compile(r"^(\d+)\.\d+\.")


class FileRevisionStore(RevisionStore):
    """Revisions and manifests in a folder of one machine (``TRANSLATION_REVISIONS_DIR``)::

        <root>/<locale>/current.json            the manifest: the commit point is its rename
        <root>/<locale>/<domain>/<id>.po|.mo|.json   immutable revisions
        <root>/<locale>/lock                    serialises the publishers of a locale (flock)
        <root>/<locale>/pending.json             what a publish is writing, until its manifest is in place
        <root>/.staging/                        files being written, renamed into place when whole

    Every file is written in ``.staging`` (named after the writing process), flushed to disk, then
    renamed into place, and the folder flushed after the rename; ``recover`` deletes what killed
    processes left in ``.staging`` and the revisions a killed publish wrote but never committed
    (named by its ``pending.json``), reading a handful of files whatever the size of the library.
    """

    def __init__(self, root: Path | str):
        self.root = Path(root)
        self.staging = self.root / STAGING
        # The manifest last read per locale, with the identity of the file it was read from: a
        # library's manifest is parsed again only when a commit replaced it.
        self._read: dict[str, tuple[object, Manifest]] = {}

    def _locale_dir(self, locale: str) -> Path:
        return self.root / to_babel_id(locale)

    def _domain_dir(self, locale: str, domain: str) -> Path:
        return self._locale_dir(locale) / domain

    def manifest(self, locale: str) -> Manifest:
        """The locale's current manifest (an empty one before its first commit)."""
        identity = self.identity(locale)
        kept = self._read.get(locale)
        if identity is not None and kept is not None and kept[0] == identity:
            return kept[1]
        manifest = self._parse_manifest(locale)
        self._read[locale] = (identity, manifest)
        return manifest

    def _parse_manifest(self, locale: str) -> Manifest:
        path = self._locale_dir(locale) / MANIFEST
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return Manifest(locale)
        except OSError as error:
            raise StoreError("unavailable", f"{path}: cannot be read ({error.strerror or error})") from None
        try:
            return Manifest.from_json(data)
        except (ValueError, KeyError, TypeError, IndexError) as error:
            raise StoreError("unavailable", f"{path}: not a readable manifest ({error})") from None

    def identity(self, locale: str) -> object:
        """The manifest file's inode, size and times: every commit renames a new file into place."""
        try:
            status = (self._locale_dir(locale) / MANIFEST).stat()
        except FileNotFoundError:
            return None
        except OSError as error:
            raise StoreError("unavailable", f"{self._locale_dir(locale) / MANIFEST}: {error.strerror or error}") from None
        return (status.st_ino, status.st_size, status.st_mtime_ns, status.st_ctime_ns)

    def read_file(self, locale: str, domain: str, revision: int, kind: str) -> bytes:
        """The ``po`` or ``mo`` bytes of a committed revision."""
        return (self._domain_dir(locale, domain) / f"{revision}.{kind}").read_bytes()

    def history(self, locale: str, domain: str | None = None) -> list[Revision]:
        """The committed revisions, newest first; records a killed publish left behind are not listed."""
        last = self.manifest(locale).last_revision
        folder = self._locale_dir(locale)
        folders = [folder / domain] if domain else [path for path in folder.iterdir() if path.is_dir()] if folder.is_dir() else []
        out = []
        for domain_dir in folders:
            for path in domain_dir.glob("*.json") if domain_dir.is_dir() else ():
                match = _REVISION_FILE.match(path.name)
                if not match or int(match.group(1)) > last:
                    continue
                try:
                    out.append(Revision.from_dict(json.loads(path.read_text(encoding="utf-8"))))
                except (OSError, ValueError, TypeError):
                    continue  # a damaged record is skipped rather than hiding the rest
        return sorted(out, key=lambda revision: revision.id, reverse=True)

    def record(self, locale: str, domain: str, revision_id: int) -> Revision | None:
        """One committed revision of a domain, or None."""
        if revision_id > self.manifest(locale).last_revision:
            return None
        try:
            data = (self._domain_dir(locale, domain) / f"{revision_id}.json").read_text(encoding="utf-8")
            return Revision.from_dict(json.loads(data))
        except (OSError, ValueError, TypeError):
            return None

    # -- writing -------------------------------------------------------------------------------

    @contextmanager
    def _locked(self, locale: str) -> Iterator[None]:
        folder = self._locale_dir(locale)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(folder / "lock", os.O_WRONLY | os.O_CREAT, 0o644)
        except OSError as error:
            raise storage_error(error, "the publish lock") from None
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            yield
        finally:
            os.close(descriptor)  # closing releases the lock

    def _write(self, target: Path, data: bytes, flush: bool = True) -> None:
        """Write ``target`` whole or not at all: staged, (flushed,) renamed (, folder flushed)."""
        self.staging.mkdir(parents=True, exist_ok=True)
        target.parent.mkdir(parents=True, exist_ok=True)
        staged = self.staging / f"{os.getpid()}.{threading.get_ident()}.{target.parent.name}.{target.name}"
        try:
            with open(staged, "wb") as handle:
                handle.write(data)
                if flush:
                    handle.flush()
                    os.fsync(handle.fileno())
            os.replace(staged, target)
            if flush:
                _fsync_directory(target.parent)
        finally:
            if staged.exists():
                staged.unlink()

    def commit(self, locale: str, plan: Callable[[Manifest], list[NewRevision]]) -> tuple[Manifest, list[Revision]]:
        """Write the planned revisions, then rename the new manifest into place (the commit point).

        Before the revisions, a ``pending`` note names what is about to be written, so what a
        killed publish leaves can be found without reading every domain's folder; it is deleted
        once the manifest is in place.
        """
        with self._locked(locale):
            self._clean_pending(locale)
            manifest = self.manifest(locale)
            changes = plan(manifest)
            if not changes:
                return manifest, []
            revisions = numbered(manifest, changes)
            pending = self._locale_dir(locale) / PENDING
            # Few files: each flushed as it is written. Many (an import of a whole library): written,
            # then flushed all at once, before the manifest that makes them current.
            one_by_one = len(changes) <= 8
            try:
                self._write(pending, json.dumps(sorted({change.domain for change in changes})).encode(), flush=False)
                for change, revision in zip(changes, revisions):
                    folder = self._domain_dir(locale, revision.domain)
                    record = json.dumps(revision.to_dict(), ensure_ascii=False, indent=1).encode("utf-8")
                    for suffix, data in (("po", change.po), ("mo", change.mo), ("json", record)):
                        self._write(folder / f"{revision.id}.{suffix}", data, flush=one_by_one)
                if not one_by_one:
                    os.sync()
                committed = new_manifest(manifest, changes, revisions)
                self._write(self._locale_dir(locale) / MANIFEST, committed.to_json())
                self._read[locale] = (self.identity(locale), committed)
                pending.unlink(missing_ok=True)
            except OSError as error:
                raise storage_error(error, "the catalog") from None
            return committed, revisions

    def _clean_pending(self, locale: str) -> None:
        """Delete what a killed publish of the locale wrote and never committed (the lock is held)."""
        pending = self._locale_dir(locale) / PENDING
        try:
            domains = json.loads(pending.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return
        except (OSError, ValueError):
            domains = [path.name for path in self._locale_dir(locale).iterdir() if path.is_dir()]
        last = self.manifest(locale).last_revision
        for domain in domains if isinstance(domains, list) else ():
            folder = self._domain_dir(locale, str(domain))
            for path in folder.iterdir() if folder.is_dir() else ():
                match = _REVISION_FILE.match(path.name)
                if match and int(match.group(1)) > last:
                    path.unlink(missing_ok=True)
        pending.unlink(missing_ok=True)

    def recover(self) -> None:
        """Delete staged files of processes that are gone and what killed publishes never committed."""
        if self.staging.is_dir():
            for path in self.staging.iterdir():
                match = _STAGED.match(path.name)
                if match is None or not _alive(int(match.group(1))):
                    path.unlink(missing_ok=True)
        for folder in self.root.iterdir() if self.root.is_dir() else ():
            if folder.is_dir() and (folder / PENDING).exists():
                with self._locked(folder.name.replace("_", "-")):
                    self._clean_pending(folder.name.replace("_", "-"))


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _fsync_directory(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
