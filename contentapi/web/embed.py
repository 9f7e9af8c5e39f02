"""Embedding over HTTP: the iframe document, its theme stylesheet, embed.js and the HTML fragment.

What is rendered comes from the delivery pipeline (``ContentService.embed_page``) and the
partner registry; these views only choose it and say who may frame it.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import quote

from flask import request

from contentapi.delivery.localize import LocalizedProcedure
from contentapi.delivery.representations import Representation
from contentapi.delivery.urls import STATIC_DIR
from contentapi.partners.registry import Partner, logo_origin, normalize_origin
from contentapi.partners.themes import theme_stylesheet
from contentapi.web.hosts import public_base
from contentapi.web.http import (
    Problem,
    canonical_locale,
    content_service,
    known_slug,
    requested_locale,
    send_representation,
)
from contentapi.web.partners import named_partner, partner_registry
from contentapi.web.routes import blueprint as make_blueprint
from contentapi.web.routes import route
from contentapi.web.security import DEFAULT_POLICY, ContentSecurityPolicy, use_policy

# What partners load on every page view: kept by the response cache like the content itself.
blueprint = make_blueprint("embed", __name__, cacheable=True)


def localized_page(slug: str, locale: str) -> LocalizedProcedure:
    """The procedure in a locale, or the 404 problem."""
    return content_service().localized(known_slug(slug), locale)


def embed_policy(partner: Partner | None) -> ContentSecurityPolicy:
    """The embed's policy: our own scripts and styles only, framed by exactly the partner's origins."""
    policy = DEFAULT_POLICY.replace(form_action="'none'", frame_ancestors=partner.origins if partner else "'none'")
    if partner and partner.theme.logo_url:
        policy = policy.extend(img_src=logo_origin(partner.theme))
    return policy


@blueprint.get("/embed/<locale>/procedures/<slug>")
def embed(locale: str, slug: str):
    """A themed procedure document for a partner's iframe, frameable only by that partner."""
    locale = canonical_locale(locale)
    partner = named_partner()
    parent_origin = request.args.get("origin")
    if parent_origin is not None:
        try:
            parent_origin = normalize_origin(parent_origin)
        except ValueError:
            parent_origin = None
        if parent_origin is None or partner is None or parent_origin not in partner.origins:
            raise Problem(
                403,
                "Origin not registered",
                "origin must be one of the partner's registered origins (and needs ?partner=); "
                "the embed posts its height only to a registered origin.",
            )
    representation = content_service().embed_page(
        localized_page(slug, locale),
        public_base(),
        "embed.html",
        "_top",
        partner=partner,
        parent_origin=parent_origin,
        theme_url=theme_url(partner) if partner else None,
    )
    use_policy(embed_policy(partner))
    return send_representation(representation)


def theme_url(partner: Partner) -> str:
    """The partner's theme stylesheet, versioned by its content so caches see a changed theme."""
    return f"/embed/themes/{quote(partner.id)}.css?v={theme_representation(partner).etag.strip(chr(34))[:12]}"


@lru_cache(maxsize=256)
def theme_representation(partner: Partner) -> Representation:
    """A partner's theme stylesheet with its validators."""
    return Representation.build(theme_stylesheet(partner).encode("utf-8"), "text/css; charset=utf-8", 0, None)


@blueprint.get("/embed/themes/<partner_id>.css")
def theme(partner_id: str):
    """A partner's theme as a stylesheet from our own origin."""
    partner = partner_registry().get(partner_id)
    if partner is None:
        raise Problem(404, "Unknown partner", f"No partner has the id {partner_id[:64]!r}.")
    return send_representation(theme_representation(partner))


@lru_cache(maxsize=1)
def embed_script() -> Representation:
    """embed.js, read once."""
    path = STATIC_DIR / "embed.js"
    return Representation.build(path.read_bytes(), "text/javascript; charset=utf-8", path.stat().st_mtime, None)


@blueprint.get("/embed.js")
def script():
    """The script partners load once to turn their placeholders into sized iframes."""
    return send_representation(embed_script())


@blueprint.get("/api/v1/procedures/<slug>/fragment")
@route(json_errors=True, cors=True)
def fragment(slug: str):
    """Sanitised HTML for server-side inclusion: lang/dir on the root, scoped classes, absolute links."""
    page = localized_page(slug, requested_locale())
    return send_representation(content_service().embed_page(page, public_base(), "embed_fragment.html", None))
