"""Procedures parsed once: a file's parse is kept, keyed by the file's identity, and read back
while the file is unchanged, so a library of thousands of procedures starts in seconds rather
than minutes (parsing Markdown is most of a start-up's time).

Plain Python. The cache is one JSON file; anything wrong with it (missing, damaged, written by
another version of the loader) only means the files are parsed again. A procedure read back is
equal to the one parsing gives (a test compares them).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import threading
from collections.abc import Callable
from pathlib import Path

from contentapi.content.codes import Code
from contentapi.content.model import Block, Procedure, Section

FORMAT = 1


def _loader_version() -> str:
    """A digest of the code that parses procedures: a change to it invalidates every kept parse."""
    folder = Path(__file__).parent
    digest = hashlib.sha256()
    for name in ("loader.py", "model.py", "cache.py"):
        digest.update((folder / name).read_bytes())
    return digest.hexdigest()[:16]


def _signature(path: Path) -> list[int]:
    status = path.stat()
    return [status.st_ino, status.st_size, status.st_mtime_ns]


def procedure_to_json(procedure: Procedure) -> dict:
    """A procedure as JSON-able data."""
    return {
        "slug": procedure.slug, "title": procedure.title, "summary": procedure.summary,
        "also_known_as": list(procedure.also_known_as), "reviewed": procedure.reviewed.isoformat(),
        "next_review": procedure.next_review.isoformat(), "updated": procedure.updated.isoformat(),
        "attribution": procedure.attribution, "source": procedure.source, "related": list(procedure.related),
        "procedure_type": procedure.procedure_type, "body_location": procedure.body_location,
        "sections": [[section.id, section.heading, section.line,
                      [[block.type, block.index, block.source, block.line, block.ordered] for block in section.blocks]]
                     for section in procedure.sections],
        "path": str(procedure.path), "line": procedure.line, "modified": procedure.modified,
        "key_lines": procedure.key_lines,
        "codes": [[code.system, code.code, code.display] for code in procedure.codes],
    }


def procedure_from_json(data: dict) -> Procedure:
    """A procedure from ``procedure_to_json``'s data."""
    return Procedure(
        slug=data["slug"], title=data["title"], summary=data["summary"], also_known_as=tuple(data["also_known_as"]),
        reviewed=dt.date.fromisoformat(data["reviewed"]), next_review=dt.date.fromisoformat(data["next_review"]),
        updated=dt.date.fromisoformat(data["updated"]), attribution=data["attribution"], source=data["source"],
        related=tuple(data["related"]), procedure_type=data["procedure_type"], body_location=data["body_location"],
        sections=tuple(Section(section_id, heading, line, tuple(Block(*block) for block in blocks))
                       for section_id, heading, line, blocks in data["sections"]),
        path=Path(data["path"]), line=data["line"], modified=data["modified"], key_lines=dict(data["key_lines"]),
        codes=tuple(Code(*code) for code in data["codes"]),
    )


class ParsedFiles:
    """The parses kept in one cache file (none when ``cache`` is None)."""

    def __init__(self, cache: Path | None):
        self.cache = cache
        self._kept: dict = {}
        self._used: dict = {}
        self._changed = False
        if cache is not None:
            try:
                document = json.loads(cache.read_bytes())
                if document.get("format") == FORMAT and document.get("loader") == _loader_version():
                    self._kept = document["files"]
            except (OSError, ValueError, KeyError, TypeError, AttributeError):
                self._kept = {}

    def get(self, path: Path, parse: Callable[[], Procedure]) -> Procedure:
        """The procedure of ``path``: the kept parse while the file is unchanged, else ``parse()``."""
        signature = _signature(path)
        key = str(path)
        kept = self._kept.get(key)
        if kept is not None and kept["signature"] == signature:
            try:
                procedure = procedure_from_json(kept["procedure"])
                self._used[key] = kept
                return procedure
            except (KeyError, TypeError, ValueError):
                pass
        procedure = dataclasses.replace(parse(), modified=path.stat().st_mtime)
        self._used[key] = {"signature": signature, "procedure": procedure_to_json(procedure)}
        self._changed = True
        return procedure

    def save(self) -> None:
        """Keep this load's parses (only when something changed); a failure to write is not an error."""
        if self.cache is None or not (self._changed or set(self._kept) != set(self._used)):
            return
        document = {"format": FORMAT, "loader": _loader_version(), "files": self._used}
        temporary = self.cache.with_name(f".{self.cache.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            self.cache.parent.mkdir(parents=True, exist_ok=True)
            temporary.write_text(json.dumps(document, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
            os.replace(temporary, self.cache)
        except OSError:
            temporary.unlink(missing_ok=True)
