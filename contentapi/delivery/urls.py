"""The public URLs of every representation, in one place.

Root-relative, so that the same bytes are right behind any host name and in a
static export; the embed fragment and oEmbed make them absolute where a partner
needs that.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from urllib.parse import quote

from contentapi.config import PACKAGE_DIR

STATIC_DIR = PACKAGE_DIR / "static"


def api_procedures(locale: str) -> str:
    """The JSON list of procedures in a locale."""
    return f"/api/v1/procedures?lang={quote(locale)}"


def api_procedure(slug: str, locale: str) -> str:
    """The JSON document of one procedure in a locale."""
    return f"/api/v1/procedures/{quote(slug)}?lang={quote(locale)}"


def page_index(locale: str) -> str:
    """The HTML list of procedures in a locale."""
    return f"/{quote(locale)}/"


def page_procedure(slug: str, locale: str) -> str:
    """The HTML page of one procedure in a locale."""
    return f"/{quote(locale)}/procedures/{quote(slug)}"


@lru_cache(maxsize=None)
def _static_version(filename: str) -> str:
    return hashlib.sha256((STATIC_DIR / filename).read_bytes()).hexdigest()[:12]


def static(filename: str) -> str:
    """A file under contentapi/static, with its content hash in the query.

    The hash lets browsers keep static files for a year (SEND_FILE_MAX_AGE_DEFAULT) without
    asking again on every page, and still fetch a new version the moment it changes. It is
    computed once per process: restart after editing a static file.
    """
    return f"/static/{filename}?v={_static_version(filename)}"


def page_search(locale: str) -> str:
    """The HTML search page of a locale (``?q=`` carries the query)."""
    return f"/{quote(locale)}/search"
