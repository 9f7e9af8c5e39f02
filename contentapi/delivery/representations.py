"""Response bodies with their validators, and the cache that builds each one once per catalog version.

A Representation carries the bytes and everything the HTTP layer needs (strong ETag from the
bytes, Last-Modified, Content-Language), so views only choose one and send it. Its gzip and br
forms are compressed once, the first time a client accepts them, and kept with it: each is a
different representation in HTTP's terms, so each has its own strong ETag (``"<hash>"``,
``"<hash>-gzip"``, ``"<hash>-br"``), the same in every worker, after a restart and in the export.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field

import brotli
from werkzeug.http import parse_accept_header

JSON = "application/json"
HTML = "text/html; charset=utf-8"
XML = "application/xml; charset=utf-8"

IDENTITY = "identity"
# Content codings we send, best first: what a client accepting several equally gets.
CODINGS = ("br", "gzip")
# Media types worth compressing (text); images such as PNG are compressed already.
_COMPRESSIBLE = ("text/", "application/json", "application/xml", "application/javascript", "image/svg+xml")


@dataclass(frozen=True)
class Encoded:
    """A representation's body in one content coding, with that coding's ETag."""

    body: bytes
    etag: str
    coding: str | None  # the Content-Encoding, None for identity


def choose_coding(accept_encoding: str | None) -> str:
    """The coding to send for an ``Accept-Encoding`` header: br, then gzip, at the client's best q-value.

    Identity when the header is absent or empty (RFC 9110 12.5.3 lets a server assume identity
    then; clients that decompress always send the header), or when the client prefers it.
    """
    if not accept_encoding:
        return IDENTITY
    return parse_accept_header(accept_encoding).best_match((*CODINGS, IDENTITY)) or IDENTITY


def compress(body: bytes, coding: str) -> bytes:
    """``body`` in a content coding: deterministic (no timestamp), best compression (done once per body)."""
    if coding == "gzip":
        return gzip.compress(body, compresslevel=9, mtime=0)
    if coding == "br":
        return brotli.compress(body, quality=11)
    raise ValueError(f"unknown content coding {coding!r}")


@dataclass(frozen=True)
class Representation:
    """One response body with its validators."""

    body: bytes
    media_type: str
    etag: str
    last_modified: dt.datetime
    content_language: str | None
    _encodings: dict = field(default_factory=dict, init=False, compare=False, repr=False)

    @classmethod
    def build(cls, body: bytes, media_type: str, modified: float, content_language: str | None) -> "Representation":
        """Hash the body into a strong ETag (equal in every worker and after a restart)."""
        digest = hashlib.sha256(body).hexdigest()[:32]
        last_modified = dt.datetime.fromtimestamp(int(modified), dt.timezone.utc)
        return cls(body, media_type, f'"{digest}"', last_modified, content_language)

    @property
    def compressible(self) -> bool:
        """Whether the body may be sent compressed (text), so responses vary on Accept-Encoding."""
        return self.media_type.startswith(_COMPRESSIBLE)

    def encoded(self, coding: str) -> Encoded:
        """The body in ``coding`` (``identity``, ``gzip``, ``br``), compressed the first time it is asked for.

        Identity when the body is not compressible or compressing would not make it smaller, so
        a client is never sent more bytes than the plain body. Two threads may compress at once;
        both results are equal.
        """
        kept = self._encodings.get(coding)
        if kept is None:
            kept = Encoded(self.body, self.etag, None)
            if coding != IDENTITY and self.compressible:
                body = compress(self.body, coding)
                if len(body) < len(self.body):
                    kept = Encoded(body, f'{self.etag[:-1]}-{coding}"', coding)
            self._encodings[coding] = kept
        return kept


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
