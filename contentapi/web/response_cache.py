"""Finished responses kept per worker and sent again without running Flask (the hot path).

The content responses (a procedure's JSON or page, the lists, the locales, the embeds, the static
files) are pure functions of the request, of the catalogs in service and of settings read at
start-up. So the first time a request is answered, the whole finished response (status, every
header that every hook added, body) is kept, together with the catalog versions it was built
from, and the same request again, while the catalogs are unchanged, gets those bytes back with a
fresh ``Date`` and no routing, view or hook (see README "Performance"). A published catalog
changes the versions, so the next request rebuilds the response.

What "the same request" means follows HTTP's own rule for caches (RFC 9111 4.1): the *primary
key* is the method, the (trusted) host, the path and the query, plus the conditional and Range
headers (they choose 304, 412 or 206); the response's ``Vary`` then names the only other request
headers it depends on, and those form the *secondary key*, each *normalised* to what the app
actually decided from it: ``Accept-Encoding`` to the coding sent, ``Accept-Language`` to the
locale negotiated, ``Origin`` to the CORS answer. Browsers that differ in User-Agent, Referer,
cookies-free headers or in the exact wording of Accept-Language therefore share one entry, and a
header that no response varies on (junk, tracing ids) is never stored at all.

Bounded twice: at most ``HTTP_RESPONSE_CACHE_SIZE`` entries and ``HTTP_RESPONSE_CACHE_BYTES``
bytes per worker; the oldest entries go first. Only responses of routes declared ``cacheable``
(``contentapi.web.routes``) are kept (an ``after_request`` hook marks them), only 200 and 304,
only GET and HEAD, never for a request that carries credentials (Authorization, X-API-Key,
Cookie: partner keys are checked every time), never a response that sets a cookie or says
``Vary: *``. A hook that adds a header varying per request (an id, a nonce) must call
``mark_uncacheable()``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from email.utils import formatdate

from flask import request

from contentapi.delivery.factory import EXTENSION
from contentapi.delivery.representations import choose_coding
from contentapi.i18n.locales import is_valid_accept_language, negotiate
from contentapi.web.partners import EXTENSION as PARTNERS
from contentapi.web.routes import current_route

ENVIRON_FLAG = "contentapi.response_cache"
CREDENTIALS = ("HTTP_AUTHORIZATION", "HTTP_X_API_KEY", "HTTP_COOKIE")
# Request headers that choose between 200, 304, 412 and 206 for the same representation.
CONDITIONAL = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_MATCH", "HTTP_IF_UNMODIFIED_SINCE",
               "HTTP_IF_RANGE", "HTTP_RANGE")
# Returned by a normaliser for a header value the app would refuse (the request goes to the app).
UNCACHEABLE = object()
# Distinct raw values remembered per normalised header (real traffic has a few dozen).
NORMALISED_VALUES = 1024
# What an entry costs beyond its body and headers (the tuples and dict slots), for the byte bound.
ENTRY_OVERHEAD = 400


def mark_cacheable(environ: dict) -> None:
    """Let the response cache keep this request's response (unless something marks it uncacheable)."""
    environ.setdefault(ENVIRON_FLAG, True)


def mark_uncacheable(environ: dict) -> None:
    """Never keep this request's response (it varies by more than the request and the catalogs)."""
    environ[ENVIRON_FLAG] = False


def environ_name(header: str) -> str:
    """``Accept-Language`` to ``HTTP_ACCEPT_LANGUAGE``."""
    return "HTTP_" + header.strip().upper().replace("-", "_")


class _Clock:
    """The HTTP Date of the current second, formatted once per second."""

    def __init__(self):
        self._second = -1
        self._text = ""

    def now(self) -> str:
        second = int(time.time())
        if second != self._second:
            self._text = formatdate(second, usegmt=True)
            self._second = second
        return self._text


class _Normaliser:
    """One request header's value reduced to what the app decides from it, remembered per raw value."""

    def __init__(self, reduce: Callable[[str | None], object]):
        self.reduce = reduce
        self._known: dict = {}

    def __call__(self, raw: str | None):
        value = self._known.get(raw, self)
        if value is self:
            value = self.reduce(raw)
            if len(self._known) >= NORMALISED_VALUES:
                self._known.clear()  # unique junk values must not grow memory
            self._known[raw] = value
        return value


class ResponseCache:
    """WSGI middleware: answer repeated cacheable requests from kept responses."""

    def __init__(self, wsgi_app, state, max_entries: int = 8192, max_bytes: int = 128 * 2**20,
                 normalisers: dict[str, Callable[[str | None], object]] | None = None):
        """``state()`` returns a hashable identity of what responses are built from (catalog versions);
        ``normalisers`` maps a header name (as in ``Vary``, any case) to what the app decides from it."""
        self.wsgi_app = wsgi_app
        self.state = state
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._normalisers = {environ_name(name): _Normaliser(reduce) for name, reduce in (normalisers or {}).items()}
        # primary key -> the environ names of the headers its responses vary on
        self._vary: dict[tuple, tuple[str, ...]] = {}
        # (primary key, secondary key) -> (state, status, headers, Date index, body, size)
        self._entries: dict[tuple, tuple] = {}
        self._bytes = 0
        # One object per distinct key part, status and header kept (see _share).
        self._shared: dict = {}
        self._lock = threading.Lock()
        self._clock = _Clock()

    @property
    def size_in_bytes(self) -> int:
        """What the kept entries cost, as counted against HTTP_RESPONSE_CACHE_BYTES."""
        return self._bytes

    def primary_key(self, environ: dict) -> tuple | None:
        """The request's identity before Vary, or None when it must go through the app."""
        method = environ.get("REQUEST_METHOD")
        if method != "GET" and method != "HEAD":
            return None
        for name in CREDENTIALS:
            if name in environ:
                return None
        return (
            method,
            environ.get("HTTP_HOST") or (environ.get("SERVER_NAME"), environ.get("SERVER_PORT")),
            environ.get("wsgi.url_scheme"),
            environ.get("SCRIPT_NAME", ""),
            environ.get("PATH_INFO", ""),
            environ.get("QUERY_STRING", ""),
            environ.get("CONTENT_LENGTH", ""),
            *(environ.get(name) for name in CONDITIONAL),
        )

    def secondary_key(self, environ: dict, names: tuple[str, ...]) -> tuple | None:
        """The values of the headers a response varies on, normalised; None when one would be refused."""
        values = []
        for name in names:
            normalise = self._normalisers.get(name)
            value = normalise(environ.get(name)) if normalise else environ.get(name)
            if value is UNCACHEABLE:
                return None
            values.append(value)
        return tuple(values)

    def _share(self, value):
        """The kept object equal to ``value`` (``value`` itself the first time).

        Most key parts and headers are the same in every entry (the host, Content-Type,
        Cache-Control, the security headers). Keeping one object for each means a hit reads a few
        objects that stay in the CPU caches instead of a dozen scattered ones per entry: with
        14,000 entries (1000 procedures) that is what keeps a hit as cheap as with 14. Cleared
        whenever entries are dropped, so it never outgrows the entries it serves.
        """
        return self._shared.setdefault(value, value)

    def __call__(self, environ: dict, start_response):
        primary = self.primary_key(environ) if self.max_entries > 0 else None
        if primary is None:
            return self.wsgi_app(environ, start_response)
        state = self.state()
        names = self._vary.get(primary)
        if names is not None:
            secondary = self.secondary_key(environ, names)
            entry = self._entries.get((primary, secondary)) if secondary is not None else None
            if entry is not None and entry[0] == state:
                _, status, kept_headers, date_index, body, _ = entry
                headers = list(kept_headers)
                if date_index is not None:
                    headers[date_index] = ("Date", self._clock.now())
                start_response(status, headers)
                return [body]

        captured: list = []

        def defer(status, headers, exc_info=None):
            captured[:] = [status, headers, exc_info]
            return lambda data: None  # Flask never uses write()

        # Pass through at once (no buffering) unless the view marked the response cacheable;
        # start_response is then deferred until the body is read.
        result = self.wsgi_app(environ, defer)
        status, headers, exc_info = captured[:3] if len(captured) >= 3 else (None, None, None)
        vary = self._vary_names(headers) if status is not None else None
        if vary is None or environ.get(ENVIRON_FLAG) is not True or exc_info is not None or not (
            status.startswith("200") or status.startswith("304")
        ):
            if status is not None:
                start_response(status, headers, exc_info)
            return result
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        secondary = self.secondary_key(environ, vary)
        if secondary is not None:
            self._keep(primary, vary, secondary, state, status, headers, body)
        start_response(status, headers)
        return [body]

    def _vary_names(self, headers: list[tuple[str, str]]) -> tuple[str, ...] | None:
        """The environ names of the response's Vary headers, or None when it must not be kept."""
        names: list[str] = []
        for name, value in headers:
            lowered = name.lower()
            if lowered == "set-cookie":
                return None
            if lowered == "vary":
                for item in value.split(","):
                    if item.strip() == "*":
                        return None
                    if item.strip():
                        names.append(environ_name(item))
        return tuple(sorted(set(names)))

    def _keep(self, primary, vary, secondary, state, status, headers, body) -> None:
        date_index = next((i for i, (name, _) in enumerate(headers) if name.lower() == "date"), None)
        size = len(body) + sum(len(name) + len(value) for name, value in headers) + ENTRY_OVERHEAD
        if size > self.max_bytes // 8:
            return  # one response must not push out an eighth of the cache
        with self._lock:
            key = (primary, secondary)
            if self._vary.get(primary, vary) != vary:
                self._drop_primary(primary)  # the route's Vary changed (a new deploy's settings)
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old[5]
            if len(self._entries) >= self.max_entries or self._bytes + size > self.max_bytes:
                self._evict(size)
            share = self._share
            self._vary[share(primary)] = share(vary)
            self._entries[(share(primary), tuple(share(part) for part in secondary))] = (
                state, share(status), tuple(share(header) for header in headers), date_index, body, size)
            self._bytes += size

    def _drop_primary(self, primary) -> None:
        for key in [key for key in self._entries if key[0] == primary]:
            self._bytes -= self._entries.pop(key)[5]
        self._vary.pop(primary, None)

    def _evict(self, needed: int) -> None:
        """Drop the oldest entries (dicts keep insertion order) until an eighth of each bound is free."""
        entries_goal = self.max_entries - max(1, self.max_entries // 8)
        bytes_goal = self.max_bytes - max(needed, self.max_bytes // 8)
        dropped = set()
        for key in list(self._entries):
            if len(self._entries) <= entries_goal and self._bytes <= bytes_goal:
                break
            self._bytes -= self._entries.pop(key)[5]
            dropped.add(key[0])
        remaining = {key[0] for key in self._entries} if dropped else set()
        for primary in dropped - remaining:
            self._vary.pop(primary, None)
        self._shared.clear()


def init_app(app) -> None:
    """Put the cache in front of the app: HTTP_RESPONSE_CACHE_SIZE entries and HTTP_RESPONSE_CACHE_BYTES
    bytes per worker (a size of 0 turns it off)."""

    @app.after_request
    def mark_cacheable_routes(response):
        """Let the cache keep responses of the routes declared cacheable."""
        if request.endpoint is not None and current_route().cacheable:
            mark_cacheable(request.environ)
        return response

    slot = app.extensions[EXTENSION]  # read directly: a hit must not pay for an app context
    registry = app.extensions[PARTNERS]

    def state():
        return slot.service.state()

    def locale(header: str | None):
        # As contentapi.web.http.requested_locale decides; a malformed header is the app's 400.
        return negotiate(None, header, slot.service.locales) if is_valid_accept_language(header) else UNCACHEABLE

    normalisers = {
        "Accept-Encoding": choose_coding,
        "Accept-Language": locale,
        "Origin": lambda origin: registry.cors_origin(origin) or "",
    }
    app.wsgi_app = ResponseCache(app.wsgi_app, state, int(app.config["HTTP_RESPONSE_CACHE_SIZE"]),
                                 int(app.config["HTTP_RESPONSE_CACHE_BYTES"]), normalisers)
