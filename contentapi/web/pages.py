"""The HTML pages: the procedure list and each procedure, in every locale."""

from __future__ import annotations

from xml.sax.saxutils import escape

from flask import Blueprint, Response, current_app, redirect, request
from werkzeug.routing import RequestRedirect

from contentapi import urls
from contentapi.i18n.locales import is_well_formed, match_tag, negotiate
from contentapi.service import ContentService
from contentapi.web.api import SLUG, unknown_procedure
from contentapi.web.http import Problem, requested_locale, send_representation

blueprint = Blueprint("pages", __name__)


def service() -> ContentService:
    """The content service of the current app."""
    return current_app.extensions["contentapi"]


def canonical_locale(locale: str) -> str:
    """The supported locale named in a path, redirecting variants (``es-MX``, ``zh-cn``) to it."""
    if locale in service().locales:
        return locale
    matched = match_tag(locale, service().locales) if is_well_formed(locale) else None
    if matched is None:
        raise Problem(
            404,
            "Unknown locale",
            f"This service has no pages in {locale[:35]!r}. Supported locales: {', '.join(service().locales)}.",
        )
    target = request.full_path.replace(f"/{locale}/", f"/{matched}/", 1).rstrip("?")
    raise RequestRedirect(target)


@blueprint.get("/")
def home():
    """The procedure list in the negotiated locale."""
    return send_representation(service().index_html(requested_locale()))


@blueprint.get("/<locale>/")
def index(locale: str):
    """The procedure list in one locale."""
    return send_representation(service().index_html(canonical_locale(locale)))


@blueprint.get("/<locale>/procedures/<slug>")
def procedure(locale: str, slug: str):
    """One procedure's page in one locale."""
    locale = canonical_locale(locale)
    representation = service().procedure_html(slug, locale) if SLUG.match(slug) else None
    if representation is None:
        raise unknown_procedure(slug)
    return send_representation(representation)


@blueprint.get("/procedures/<slug>")
def procedure_negotiated(slug: str):
    """Send a locale-less procedure URL to the page in the reader's language."""
    if not SLUG.match(slug) or service().procedure(slug) is None:
        raise unknown_procedure(slug)
    response = redirect(urls.page_procedure(slug, requested_locale()), code=302)
    response.vary.add("Accept-Language")
    return response


@blueprint.get("/sitemap.xml")
def sitemap():
    """Every page in every locale, with its language alternates (sitemaps.org and hreflang)."""
    base = request.host_url.rstrip("/")
    locales = service().locales
    body = sitemap_xml(base, [p.slug for p in service().library], locales)
    return Response(body, content_type="application/xml; charset=utf-8")


def sitemap_xml(base_url: str, slugs: list[str], locales: tuple[str, ...]) -> str:
    """A sitemap of the index and procedure pages with xhtml:link alternates."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">',
    ]
    pages = [urls.page_index] + [lambda code, slug=slug: urls.page_procedure(slug, code) for slug in slugs]
    for page in pages:
        for locale in locales:
            lines.append(f"<url><loc>{escape(base_url + page(locale))}</loc>")
            for other in locales:
                href = escape(base_url + page(other))
                lines.append(f'<xhtml:link rel="alternate" hreflang="{other}" href="{href}"/>')
            lines.append("</url>")
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"


def error_page(status: int) -> Response:
    """An accessible HTML error page in the reader's language."""
    header = request.headers.get("Accept-Language")
    lang = request.args.get("lang")
    locale = negotiate(lang if lang and is_well_formed(lang) else None, header, service().locales)
    catalog = service().catalogs.get(locale)
    if status == 404:
        title, detail = catalog.gettext("Page not found"), catalog.gettext("We could not find the page you asked for.")
    elif status < 500:
        title = catalog.gettext("This request could not be answered")
        detail = catalog.gettext("Please check the address and try again.")
    else:
        title = catalog.gettext("Something went wrong")
        detail = catalog.gettext("Please try again in a few minutes.")
    html = service().renderer.render(
        "error.html",
        catalog,
        title=title,
        detail=detail,
        alternate_url=urls.page_index,
    )
    response = Response(html, status=status, content_type="text/html; charset=utf-8")
    response.headers["Content-Language"] = locale
    response.vary.add("Accept-Language")
    return response

