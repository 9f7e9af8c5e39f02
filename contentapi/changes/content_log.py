"""The log of changes to procedures' English content, detected when a process loads the library.

Plain Python. The revision stores already keep every published translation; content files change
with a deploy, so each start compares the library with the state last recorded (a digest of every
block) and appends one entry per procedure added, changed or removed, naming its changed sections and
blocks and the new ETag of its English JSON. Entries are numbered from 1 and never change, so a
cursor holding a number stays valid across restarts. Two stores, like the revision stores': a folder
(``content-log/`` in TRANSLATION_REVISIONS_DIR, serialised by a lock file) and two PostgreSQL tables
(migration 2, serialised by a row lock).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

from contentapi.content.model import Library, Procedure
from contentapi.delivery.documents import procedure_document
from contentapi.delivery.localize import localize
from contentapi.delivery.representations import JSON, Representation, dump_json
from contentapi.i18n.catalogs import LocaleCatalog
from contentapi.i18n.locales import DEFAULT_LOCALE
from contentapi.i18n.revisions import now


@dataclass(frozen=True)
class ContentChange:
    """One recorded change of a procedure's English."""

    sequence: int
    slug: str
    time: str
    kind: str  # added | changed | removed
    sections: tuple[str, ...]
    blocks: tuple[str, ...]
    etag: str | None


def block_digests(procedure: Procedure) -> dict[str, str]:
    """Every message of a procedure by its place (``risks-2``, ``title``...) -> a digest of its English."""
    out = {}
    for message in procedure.messages():
        place = message.context.split("/", 1)[1]
        section, _, block = place.partition("/")
        key = f"{section}-{block}" if block.isdigit() else place.replace("/", "-")
        out[key] = hashlib.sha256(message.source.encode("utf-8")).hexdigest()[:16]
    return out


def english_etag(procedure: Procedure, locales: tuple[str, ...]) -> str:
    """The ETag of ``GET /api/v1/procedures/{slug}?lang=en`` for this content."""
    document = procedure_document(localize(procedure, LocaleCatalog.empty(DEFAULT_LOCALE)), locales)
    return Representation.build(dump_json(document), JSON, 0, DEFAULT_LOCALE).etag


def _section_of(key: str, procedure: Procedure | None) -> str | None:
    if procedure is None:
        return None
    return next((section.id for section in procedure.sections if key.startswith(f"{section.id}-")), None)


def differences(previous: dict[str, str] | None, procedure: Procedure | None) -> tuple[str, list[str], list[str]]:
    """(kind, sections, blocks) between a recorded state and a procedure (None: removed)."""
    current = block_digests(procedure) if procedure else {}
    if previous is None:
        kind = "added"
    elif procedure is None:
        kind = "removed"
    else:
        kind = "changed"
    keys = sorted(key for key in set(current) | set(previous or {}) if current.get(key) != (previous or {}).get(key))
    blocks = [key for key in keys if _section_of(key, procedure) or key.rsplit("-", 1)[-1].isdigit()]
    sections = sorted({section for key in keys if (section := _section_of(key, procedure))})
    return kind, sections, blocks


class ContentLog(ABC):
    """Where content changes are recorded."""

    @abstractmethod
    def record(self, library: Library, locales: tuple[str, ...]) -> list[ContentChange]:
        """Compare the library with the recorded state; append and return the changes (none when equal)."""

    @abstractmethod
    def after(self, sequence: int, limit: int) -> list[ContentChange]:
        """Entries numbered after ``sequence``, oldest first, at most ``limit``."""

    @abstractmethod
    def last(self) -> int:
        """The highest entry number (0: none)."""


def _plan(state: dict[str, dict], library: Library, locales) -> list[tuple[str, str, list, list, str | None, dict | None]]:
    """(slug, kind, sections, blocks, etag, new digests) for every procedure whose digests differ."""
    out = []
    for procedure in library:
        digests = block_digests(procedure)
        if state.get(procedure.slug) != digests:
            kind, sections, blocks = differences(state.get(procedure.slug), procedure)
            out.append((procedure.slug, kind, sections, blocks, english_etag(procedure, locales), digests))
    for slug in sorted(set(state) - {procedure.slug for procedure in library}):
        kind, sections, blocks = differences(state[slug], None)
        out.append((slug, kind, sections, blocks, None, None))
    return out


class FileContentLog(ContentLog):
    """``<root>/content-log/``: ``state.json`` (digests per slug) and ``changes.jsonl`` (one entry a line)."""

    def __init__(self, root: Path | str):
        self.folder = Path(root) / "content-log"

    def _read_changes(self) -> list[ContentChange]:
        try:
            lines = (self.folder / "changes.jsonl").read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        out = []
        for line in lines:
            try:
                item = json.loads(line)
                out.append(ContentChange(item["sequence"], item["slug"], item["time"], item["kind"],
                                         tuple(item["sections"]), tuple(item["blocks"]), item["etag"]))
            except (ValueError, KeyError, TypeError):
                break  # a line cut by a crash ends the log; the next record rewrites from the state
        return out

    def record(self, library: Library, locales: tuple[str, ...]) -> list[ContentChange]:
        """Under the log's lock: compare, append the changes (flushed), then replace the state."""
        self.folder.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(self.folder / "lock", os.O_WRONLY | os.O_CREAT, 0o644)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            try:
                state = json.loads((self.folder / "state.json").read_text(encoding="utf-8"))
            except (FileNotFoundError, ValueError):
                state = {}
            existing = self._read_changes()
            sequence = existing[-1].sequence if existing else 0
            planned = _plan(state, library, locales)
            if not planned:
                return []
            made, time = [], now()
            for slug, kind, sections, blocks, etag, digests in planned:
                sequence += 1
                made.append(ContentChange(sequence, slug, time, kind, tuple(sections), tuple(blocks), etag))
                if digests is None:
                    state.pop(slug, None)
                else:
                    state[slug] = digests
            lines = "".join(json.dumps({"sequence": c.sequence, "slug": c.slug, "time": c.time, "kind": c.kind,
                                        "sections": list(c.sections), "blocks": list(c.blocks), "etag": c.etag},
                                       ensure_ascii=False) + "\n" for c in made)
            with open(self.folder / "changes.jsonl", "a", encoding="utf-8") as handle:
                handle.write(lines)
                handle.flush()
                os.fsync(handle.fileno())
            temporary = self.folder / f".state.{os.getpid()}.tmp"
            temporary.write_text(json.dumps(state), encoding="utf-8")
            os.replace(temporary, self.folder / "state.json")
            return made
        finally:
            os.close(descriptor)

    def after(self, sequence: int, limit: int) -> list[ContentChange]:
        """Entries numbered after ``sequence``."""
        return [change for change in self._read_changes() if change.sequence > sequence][:limit]

    def last(self) -> int:
        """The highest entry number."""
        changes = self._read_changes()
        return changes[-1].sequence if changes else 0


class PostgresContentLog(ContentLog):
    """``contentapi_content_state`` and ``contentapi_content_changes`` in the revision store's database."""

    def __init__(self, store):
        self.store = store

    def record(self, library: Library, locales: tuple[str, ...]) -> list[ContentChange]:
        """One transaction holding a lock on the state, so two starting instances record a change once."""
        def run(connection):
            with connection.transaction():
                connection.execute("LOCK TABLE contentapi_content_state IN EXCLUSIVE MODE")
                state = {slug: blocks for slug, blocks in connection.execute(
                    "SELECT slug, blocks FROM contentapi_content_state").fetchall()}
                made = []
                time = dt.datetime.fromisoformat(now())
                for slug, kind, sections, blocks, etag, digests in _plan(state, library, locales):
                    change = {"kind": kind, "sections": sections, "blocks": blocks, "etag": etag}
                    number = connection.execute(
                        "INSERT INTO contentapi_content_changes (slug, time, hash, change) VALUES (%s, %s, %s, %s) "
                        "RETURNING sequence", (slug, time, etag or "", json.dumps(change))).fetchone()[0]
                    if digests is None:
                        connection.execute("DELETE FROM contentapi_content_state WHERE slug = %s", (slug,))
                    else:
                        connection.execute(
                            "INSERT INTO contentapi_content_state (slug, hash, blocks) VALUES (%s, %s, %s) "
                            "ON CONFLICT (slug) DO UPDATE SET hash = EXCLUDED.hash, blocks = EXCLUDED.blocks",
                            (slug, etag or "", json.dumps(digests)))
                    made.append(ContentChange(number, slug, time.isoformat(timespec="milliseconds"), kind,
                                              tuple(sections), tuple(blocks), etag))
                return made

        return self.store.execute(run)

    def after(self, sequence: int, limit: int) -> list[ContentChange]:
        """Entries numbered after ``sequence``."""
        rows = self.store.execute(lambda connection: connection.execute(
            "SELECT sequence, slug, time, change FROM contentapi_content_changes WHERE sequence > %s "
            "ORDER BY sequence LIMIT %s", (sequence, limit)).fetchall())
        return [ContentChange(number, slug, when.astimezone(dt.UTC).isoformat(timespec="milliseconds"), change["kind"],
                              tuple(change["sections"]), tuple(change["blocks"]), change["etag"])
                for number, slug, when, change in rows]

    def last(self) -> int:
        """The highest entry number."""
        return self.store.execute(lambda connection: connection.execute(
            "SELECT coalesce(max(sequence), 0) FROM contentapi_content_changes").fetchone()[0])
