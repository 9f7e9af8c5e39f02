"""Response bodies with their validators, and the cache that builds each one once per catalog version.

A Representation carries the bytes and everything the HTTP layer needs (strong ETag from the
bytes, Last-Modified, Content-Language), so views only choose one and send it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

JSON = "application/json"
HTML = "text/html; charset=utf-8"


@dataclass(frozen=True)
class Representation:
    """One response body with its validators."""

    body: bytes
    media_type: str
    etag: str
    last_modified: dt.datetime
    content_language: str | None

    @classmethod
    def build(cls, body: bytes, media_type: str, modified: float, content_language: str | None) -> "Representation":
        """Hash the body into a strong ETag (equal in every worker and after a restart)."""
        digest = hashlib.sha256(body).hexdigest()[:32]
        last_modified = dt.datetime.fromtimestamp(int(modified), dt.timezone.utc)
        return cls(body, media_type, f'"{digest}"', last_modified, content_language)


def dump_json(document) -> bytes:
    """Compact, deterministic UTF-8 JSON."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class VersionedCache:
    """A bounded LRU of values built from the catalogs: an entry is good while its version is current.

    ``get(key, version, build)`` returns the kept value when it was built for ``version`` and
    builds (outside the lock, so a slow build never blocks other readers) otherwise. Two
    threads may build the same value at once; both results are equal, the last one is kept.
    """

    def __init__(self, size: int):
        self.size = size
        self._entries: OrderedDict[Hashable, tuple[Hashable, object]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, version: Hashable, build: Callable[[], object]):
        """The value for ``key`` built for ``version``."""
        entry = self._entries.get(key)
        if entry is not None and entry[0] == version:
            return entry[1]
        value = build()
        with self._lock:
            self._entries[key] = (version, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return value
