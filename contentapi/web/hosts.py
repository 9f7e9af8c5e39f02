"""The public origin, and the only Host names requests may carry.

Partners copy our absolute links (the embed's and the fragment's links, oEmbed's ``<script src>``,
the sitemap). Built from the request's ``Host`` header, a forged ``Host: evil.example`` would put
``http://evil.example/...`` into a response that a shared cache then hands to everyone. So links
come from ``PUBLIC_URL``, and a request naming any other host than ``PUBLIC_URL``'s and the
``TRUSTED_HOSTS`` is refused with a 400 (Flask's own ``TRUSTED_HOSTS`` check, which Werkzeug
applies before routing). A server refuses to start with neither, unless it is a development or
test app: behind any cache, "any host" is never safe.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, current_app, request
from werkzeug.exceptions import SecurityError

from contentapi.web.errors import handle_http_error
from contentapi.web.http import Problem


class PublicUrlError(ValueError):
    """PUBLIC_URL or TRUSTED_HOSTS is not usable."""


def normalize_public_url(value: str) -> str:
    """``https://content.example.org`` (scheme and host, optional port and path), without a trailing slash."""
    if not value:
        return ""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment or parts.username:
        raise PublicUrlError(
            f"PUBLIC_URL must be an absolute http(s) URL such as https://content.example.org, not {value!r}")
    if any(character in value for character in " ;,\"'<>\\"):
        raise PublicUrlError(f"PUBLIC_URL {value!r} contains a character a URL in a header or page cannot carry")
    return f"{parts.scheme}://{parts.netloc.lower()}{parts.path.rstrip('/')}"


def trusted_host_list(public_url: str, extra) -> list[str]:
    """PUBLIC_URL's host name, then the extra names (a list, or a comma-separated string)."""
    names = extra.split(",") if isinstance(extra, str) else list(extra or ())
    hosts = [urlsplit(public_url).hostname] if public_url else []
    for name in (name.strip().lower() for name in names):
        if not name:
            continue
        if any(character in name for character in "/:@ ;"):
            raise PublicUrlError(f"TRUSTED_HOSTS entries are host names without scheme or port, not {name!r}")
        hosts.append(name)
    return list(dict.fromkeys(hosts))


def public_base() -> str:
    """Our origin as partners must link to it: PUBLIC_URL, else (development) the request's trusted host."""
    return current_app.config["PUBLIC_URL"] or request.host_url.rstrip("/")


def refuse_untrusted_host(error: SecurityError) -> Problem:
    """Werkzeug's untrusted-host error as a problem the client can act on."""
    return Problem(
        400,
        "Untrusted host",
        "This service answers only for its public host names (PUBLIC_URL and TRUSTED_HOSTS); "
        "the Host of this request is not one of them.",
    )


def init_app(app: Flask) -> None:
    """Check PUBLIC_URL and TRUSTED_HOSTS and hand the host list to Flask; stop a server that has neither."""
    try:
        public_url = normalize_public_url(app.config["PUBLIC_URL"])
        hosts = trusted_host_list(public_url, app.config["TRUSTED_HOSTS"])
    except PublicUrlError as error:
        raise SystemExit(f"contentapi cannot start: {error}") from None
    serving = app.config["LOAD_CONTENT_AT_START"]  # the command line makes no links from requests
    if not hosts and serving and not (app.testing or app.debug or app.config["DEVELOPMENT"]):
        raise SystemExit(
            "contentapi cannot start: set CONTENTAPI_PUBLIC_URL to the public origin "
            "(https://content.example.org), or CONTENTAPI_TRUSTED_HOSTS, so that absolute links never "
            "come from a client's Host header (CONTENTAPI_DEVELOPMENT=true serves any host, for development)"
        )
    app.config["PUBLIC_URL"] = public_url
    app.config["TRUSTED_HOSTS"] = hosts or None  # None: any host (development and tests only)

    @app.errorhandler(SecurityError)
    def untrusted_host(error: SecurityError):
        return handle_http_error(refuse_untrusted_host(error))
