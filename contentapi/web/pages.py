"""The HTML pages: the procedure list and each procedure, in every locale, and the sitemap."""

from __future__ import annotations

from flask import redirect

from contentapi.delivery import urls
from contentapi.web.hosts import public_base
from contentapi.web.http import (
    SLUG,
    canonical_locale,
    content_service,
    known_slug,
    requested_locale,
    send_representation,
    unknown_procedure,
)
from contentapi.web.routes import blueprint as make_blueprint
from contentapi.web.routes import route

blueprint = make_blueprint("pages", __name__, cacheable=True)


@blueprint.get("/")
def home():
    """The procedure list in the negotiated locale."""
    return send_representation(content_service().index_html(requested_locale()))


@blueprint.get("/<locale>/")
def index(locale: str):
    """The procedure list in one locale."""
    return send_representation(content_service().index_html(canonical_locale(locale)))


@blueprint.get("/<locale>/procedures/<slug>")
def procedure(locale: str, slug: str):
    """One procedure's page in one locale."""
    locale = canonical_locale(locale)
    representation = content_service().procedure_html(slug, locale) if SLUG.match(slug) else None
    if representation is None:
        raise unknown_procedure(slug)
    return send_representation(representation)


@blueprint.get("/procedures/<slug>")
@route(cacheable=False)
def procedure_negotiated(slug: str):
    """Send a locale-less procedure URL to the page in the reader's language."""
    response = redirect(urls.page_procedure(known_slug(slug), requested_locale()), code=302)
    response.vary.add("Accept-Language")
    return response


@blueprint.get("/sitemap.xml")
def sitemap():
    """Every page in every locale, with its language alternates (sitemaps.org and hreflang)."""
    return send_representation(content_service().sitemap(public_base()))
