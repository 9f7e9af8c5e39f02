"""The public URLs of every representation, in one place.

Root-relative, so that the same bytes are right behind any host name and in a
static export; the embed fragment and oEmbed make them absolute where a partner
needs that.
"""

from __future__ import annotations

from urllib.parse import quote


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


def static(filename: str) -> str:
    """A file under contentapi/static."""
    return f"/static/{filename}"
