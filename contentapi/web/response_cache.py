"""Finished responses kept per worker and sent again without running Flask (the hot path).

The content responses (a procedure's JSON or page, the lists, the locales, the embeds, the static
files) are pure functions of the request, of the catalogs in service and of settings read at
start-up. So the first time a request is answered, the whole
finished response (status, every header that every hook added, body) is kept under a key made of
the method, path, query and all request headers, together with the catalog versions it was built
from. The same request again, while the catalogs are unchanged, gets those bytes back with a
fresh ``Date`` and no routing, view or hook: this is what brings a content request near the cost of
a bare WSGI app (see README "Performance"). A published catalog changes the versions, so the next
request rebuilds the response (within CATALOG_CHECK_INTERVAL, as before).

Only responses of routes declared ``cacheable`` (``contentapi.web.routes``) are kept (an
``after_request`` hook marks them with ``mark_cacheable``), and only 200 and 304; only GET and HEAD; never a request
that carries credentials (Authorization, X-API-Key, Cookie), so partner keys are checked every
time; never a response that sets a cookie. A hook that adds a header varying per request (an id,
a nonce) must call ``mark_uncacheable()``.
"""

from __future__ import annotations

import threading
import time
from email.utils import formatdate

from flask import request

from contentapi.delivery.factory import EXTENSION
from contentapi.web.routes import current_route

ENVIRON_FLAG = "contentapi.response_cache"
CREDENTIALS = ("HTTP_AUTHORIZATION", "HTTP_X_API_KEY", "HTTP_COOKIE")
# Request properties outside the headers that a response may depend on (URLs built from them);
# the server's name and port only count when there is no Host header (as in Werkzeug's get_host).
ENVIRON_KEYS = ("wsgi.url_scheme", "SCRIPT_NAME")
SERVER_KEYS = ("SERVER_NAME", "SERVER_PORT")


def mark_cacheable(environ: dict) -> None:
    """Let the response cache keep this request's response (unless something marks it uncacheable)."""
    environ.setdefault(ENVIRON_FLAG, True)


def mark_uncacheable(environ: dict) -> None:
    """Never keep this request's response (it varies by more than the request and the catalogs)."""
    environ[ENVIRON_FLAG] = False


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


class ResponseCache:
    """WSGI middleware: answer repeated cacheable requests from kept responses."""

    def __init__(self, wsgi_app, state, max_entries: int = 8192):
        """``state()`` returns a hashable identity of what responses are built from (catalog versions)."""
        self.wsgi_app = wsgi_app
        self.state = state
        self.max_entries = max_entries
        self._entries: dict[tuple, tuple] = {}
        # One object per distinct key part, status and header kept (see _share).
        self._shared: dict = {}
        self._lock = threading.Lock()
        self._clock = _Clock()

    def key(self, environ: dict) -> tuple | None:
        """The request's identity, or None when it must go through the app."""
        method = environ.get("REQUEST_METHOD")
        if method != "GET" and method != "HEAD":
            return None
        headers = []
        for name, value in environ.items():
            if name[:5] == "HTTP_":
                if name in CREDENTIALS:
                    return None
                headers.append((name, value))
        return (
            method,
            environ.get("PATH_INFO", ""),
            environ.get("QUERY_STRING", ""),
            environ.get("CONTENT_LENGTH", ""),
            *(environ.get(name) for name in ENVIRON_KEYS),
            *(() if "HTTP_HOST" in environ else (environ.get(name) for name in SERVER_KEYS)),
            *headers,
        )

    def _share(self, value):
        """The kept object equal to ``value`` (``value`` itself the first time).

        Most key parts and headers are the same in every entry (the Host header, Content-Type,
        Cache-Control, the security headers). Keeping one object for each means a hit reads a few
        objects that stay in the CPU caches instead of a dozen scattered ones per entry: with
        14,000 entries (1000 procedures) that is what keeps a hit as cheap as with 14. Cleared
        whenever entries are dropped, so it never outgrows the entries it serves.
        """
        return self._shared.setdefault(value, value)

    def __call__(self, environ: dict, start_response):
        key = self.key(environ) if self.max_entries > 0 else None
        if key is None:
            return self.wsgi_app(environ, start_response)
        state = self.state()
        entry = self._entries.get(key)
        if entry is not None and entry[0] == state:
            _, status, kept_headers, date_index, body = entry
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
        if status is None or environ.get(ENVIRON_FLAG) is not True or exc_info is not None or not (
            status.startswith("200") or status.startswith("304")
        ) or any(name.lower() == "set-cookie" for name, _ in headers):
            if status is not None:
                start_response(status, headers, exc_info)
            return result
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        date_index = next((i for i, (name, _) in enumerate(headers) if name.lower() == "date"), None)
        with self._lock:
            if len(self._entries) >= self.max_entries:
                # Drop the oldest entries (dicts keep insertion order); a miss only costs a rebuild.
                for old in list(self._entries)[: max(1, self.max_entries // 8)]:
                    self._entries.pop(old, None)
                self._shared.clear()
            share = self._share
            self._entries[tuple(share(part) for part in key)] = (
                state, share(status), tuple(share(header) for header in headers), date_index, body)
        start_response(status, headers)
        return [body]


def init_app(app) -> None:
    """Put the cache in front of the app; HTTP_RESPONSE_CACHE_SIZE entries per worker (0 turns it off)."""

    @app.after_request
    def mark_cacheable_routes(response):
        """Let the cache keep responses of the routes declared cacheable."""
        if request.endpoint is not None and current_route().cacheable:
            mark_cacheable(request.environ)
        return response

    slot = app.extensions[EXTENSION]  # read directly: a hit must not pay for an app context

    def state():
        return slot.service.state()

    app.wsgi_app = ResponseCache(app.wsgi_app, state, int(app.config["HTTP_RESPONSE_CACHE_SIZE"]))
