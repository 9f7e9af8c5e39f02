"""Partner embedding over HTTP: iframe documents, embed.js, theme stylesheets, HTML fragments,
oEmbed, and the CORS and API-key rules of the JSON API (wired by ``init_app``).

Views stay thin: the registry, contrast checks, keys and link rewriting are plain Python in
``contentapi.embed``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote, urlsplit

from flask import Blueprint, Flask, Response, current_app, g, make_response, request
from markupsafe import escape

from contentapi import urls
from contentapi.embed.markup import absolute_links
from contentapi.embed.registry import Partner, Registry, RegistryError, load_registry, logo_origin, normalize_origin
from contentapi.i18n.locales import is_well_formed, locale_info, match_tag
from contentapi.localize import LocalizedProcedure
from contentapi.service import HTML, ContentService, Representation
from contentapi.web.api import SLUG, unknown_procedure
from contentapi.web.http import Problem, requested_locale, send_representation
from contentapi.web.pages import canonical_locale

blueprint = Blueprint("embed", __name__)

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
EMBED_PATH = re.compile(r"^/(?:embed/)?(?P<locale>[^/]+)/procedures/(?P<slug>[^/]+)/?$")
CORS_METHODS = ("GET", "HEAD")
CORS_REQUEST_HEADERS = ("accept", "accept-language", "authorization", "if-none-match", "x-api-key")
CORS_EXPOSED_HEADERS = "Content-Language, ETag, Last-Modified"
CORS_MAX_AGE = "600"
# oEmbed sizes when a consumer gives no maxima: a readable column and a first screenful.
OEMBED_WIDTH = 640
OEMBED_HEIGHT = 800
OEMBED_LIMIT = 10000


def service() -> ContentService:
    """The content service of the current app."""
    return current_app.extensions["contentapi"]


def registry() -> Registry:
    """The partner registry of the current app."""
    return current_app.extensions["contentapi.partners"]


def public_base() -> str:
    """Our origin as partners must link to it: PUBLIC_URL when set, else the request's host."""
    return (current_app.config.get("PUBLIC_URL") or request.host_url).rstrip("/")


# -- partner and key checks (every route) ------------------------------------------------------


def presented_key() -> str | None:
    """The API key of the request: ``X-API-Key`` or ``Authorization: Bearer``. Never logged."""
    key = request.headers.get("X-API-Key")
    if key:
        return key
    authorization = request.headers.get("Authorization", "")
    scheme, _, credentials = authorization.partition(" ")
    return credentials.strip() or None if scheme.lower() == "bearer" else None


def check_named_partner() -> None:
    """Resolve ``?partner=``: 404 for an unknown partner, 401 when its key is missing or wrong."""
    g.partner = None
    partner_id = request.args.get("partner")
    if partner_id is None or request.method == "OPTIONS":
        return
    partner = registry().get(partner_id)
    if partner is None:
        shown = partner_id[:64]
        raise Problem(
            404,
            "Unknown partner",
            f"No partner has the id {shown!r}. Use the id your registry entry was given, or leave partner out.",
        )
    if not partner.key_matches(presented_key()):
        problem = Problem(
            401,
            "API key required",
            f"Partner {partner.id!r} requires its API key in an X-API-Key header "
            "(or Authorization: Bearer KEY); the key was missing or wrong.",
        )
        problem.headers["WWW-Authenticate"] = 'Bearer realm="contentapi partners"'
        raise problem
    g.partner = partner


# -- CORS for the JSON API ----------------------------------------------------------------------


def is_api_request() -> bool:
    """True for the JSON API, where CORS applies."""
    return request.path.startswith("/api/v1/")


def answer_preflight() -> Response | None:
    """Answer a CORS preflight for the API; registered origins only, GET and HEAD only."""
    if request.method != "OPTIONS" or not is_api_request():
        return None
    if "Access-Control-Request-Method" not in request.headers or request.url_rule is None:
        return None
    response = make_response("", 204)
    response.vary.update(("Origin", "Access-Control-Request-Method", "Access-Control-Request-Headers"))
    allowed = registry().cors_origin(request.headers.get("Origin"))
    method = request.headers["Access-Control-Request-Method"]
    asked = [name.strip().lower() for name in request.headers.get("Access-Control-Request-Headers", "").split(",")]
    asked = [name for name in asked if name]
    if allowed and method in CORS_METHODS and all(name in CORS_REQUEST_HEADERS for name in asked):
        response.headers["Access-Control-Allow-Origin"] = allowed
        response.headers["Access-Control-Allow-Methods"] = ", ".join(CORS_METHODS)
        if asked:
            response.headers["Access-Control-Allow-Headers"] = ", ".join(asked)
        response.headers["Access-Control-Max-Age"] = CORS_MAX_AGE
    return response


def add_cors_headers(response: Response) -> Response:
    """Allow registered origins (or any, when content is public) to read API responses."""
    if not is_api_request() or request.method == "OPTIONS":
        return response
    response.vary.add("Origin")
    allowed = registry().cors_origin(request.headers.get("Origin"))
    if allowed and request.method in CORS_METHODS:
        response.headers["Access-Control-Allow-Origin"] = allowed
        response.headers["Access-Control-Expose-Headers"] = CORS_EXPOSED_HEADERS
    return response


def init_app(app: Flask) -> None:
    """Load the partner registry (stop start-up on a bad one) and register the blueprint and hooks."""
    try:
        app.extensions["contentapi.partners"] = load_registry(app.config.get("PARTNERS"))
    except RegistryError as error:
        raise SystemExit(f"contentapi cannot start: {error}") from None
    app.before_request(answer_preflight)
    app.before_request(check_named_partner)
    app.after_request(add_cors_headers)
    app.register_blueprint(blueprint)


# -- embeds -------------------------------------------------------------------------------------


def embed_csp(partner: Partner | None) -> str:
    """The embed's policy: our own scripts and styles only, framed by exactly the partner's origins."""
    ancestors = " ".join(partner.origins) if partner else "'none'"
    images = "'self'"
    if partner and partner.theme.logo_url:
        images += f" {logo_origin(partner.theme)}"
    return (
        f"default-src 'none'; script-src 'self'; style-src 'self'; img-src {images}; font-src 'self'; "
        f"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors {ancestors}"
    )


def find_localized(slug: str, locale: str) -> LocalizedProcedure:
    """The procedure in a locale, or the 404 problem."""
    page = service().localized(slug, locale) if SLUG.match(slug) else None
    if page is None:
        raise unknown_procedure(slug)
    return page


def modified(page: LocalizedProcedure) -> float:
    """When the procedure or its locale's catalog last changed (Last-Modified)."""
    version = service().catalogs.get(page.locale).version
    return max(page.procedure.modified, version.mtime_ns / 1e9 if version else 0.0)


def render_embed_template(template: str, page: LocalizedProcedure, link_target: str | None, **context) -> str:
    """Render an embed template from the LocalizedProcedure the pages and the JSON use."""
    base = public_base()
    return service().renderer.render(
        template,
        service().catalogs.get(page.locale),
        page=page,
        level=1,
        link_target=link_target,
        canonical_url=base + urls.page_procedure(page.procedure.slug, page.locale),
        absolute=lambda html: absolute_links(html, base, link_target),
        **context,
    )


@blueprint.get("/embed/<locale>/procedures/<slug>")
def embed(locale: str, slug: str):
    """A themed procedure document for a partner's iframe, frameable only by that partner."""
    locale = canonical_locale(locale)
    partner: Partner | None = g.partner
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
    page = find_localized(slug, locale)
    html = render_embed_template(
        "embed.html",
        page,
        "_top",
        partner=partner,
        parent_origin=parent_origin,
        theme_url=theme_url(partner) if partner else None,
    )
    representation = Representation.build(html.encode("utf-8"), HTML, modified(page), locale)
    response = send_representation(representation, vary_language=False)
    response.headers["Content-Security-Policy"] = embed_csp(partner)
    return response


def theme_url(partner: Partner) -> str:
    """The partner's theme stylesheet, versioned by its content so caches see a changed theme."""
    return f"/embed/themes/{quote(partner.id)}.css?v={theme_stylesheet(partner).etag.strip(chr(34))[:12]}"


@lru_cache(maxsize=256)
def theme_stylesheet(partner: Partner) -> Representation:
    """CSS custom properties for a partner's validated theme (no inline styles: CSP forbids them)."""
    theme = partner.theme
    lines = [
        f"/* Theme of partner {partner.id}; contrast checked when the registry was loaded. */",
        ".contentapi-embed {",
        f"  --contentapi-text: {theme.text};",
        f"  --contentapi-background: {theme.background};",
        f"  --contentapi-link: {theme.link};",
        f"  --contentapi-accent: {theme.accent};",
        f"  --contentapi-accent-text: {theme.accent_text};",
        f"  --contentapi-focus: {theme.focus};",
    ]
    if theme.font_stack:
        lines.append(f"  --contentapi-font: {theme.font_stack};")
    lines.append("}")
    lines.append(f"html.contentapi-embed-document body {{ background: {theme.background}; }}")
    body = ("\n".join(lines) + "\n").encode("utf-8")
    return Representation.build(body, "text/css; charset=utf-8", 0, None)


@blueprint.get("/embed/themes/<partner_id>.css")
def theme(partner_id: str):
    """A partner's theme as a stylesheet from our own origin."""
    partner = registry().get(partner_id)
    if partner is None:
        raise Problem(404, "Unknown partner", f"No partner has the id {partner_id[:64]!r}.")
    return send_representation(theme_stylesheet(partner), vary_language=False)


@lru_cache(maxsize=1)
def embed_script() -> Representation:
    """embed.js, read once."""
    path = STATIC_DIR / "embed.js"
    return Representation.build(path.read_bytes(), "text/javascript; charset=utf-8", path.stat().st_mtime, None)


@blueprint.get("/embed.js")
def script():
    """The script partners load once to turn their placeholders into sized iframes."""
    return send_representation(embed_script(), vary_language=False)


# -- fragment -------------------------------------------------------------------------------------


@blueprint.get("/api/v1/procedures/<slug>/fragment")
def fragment(slug: str):
    """Sanitised HTML for server-side inclusion: lang/dir on the root, scoped classes, absolute links."""
    page = find_localized(slug, requested_locale())
    html = render_embed_template("embed_fragment.html", page, None)
    representation = Representation.build(html.encode("utf-8"), HTML, modified(page), page.locale)
    return send_representation(representation)


# -- oEmbed --------------------------------------------------------------------------------------


def _dimension(name: str) -> int | None:
    value = request.args.get(name)
    if value is None or value == "":
        return None
    if not value.isdigit() or not 0 < int(value) <= OEMBED_LIMIT:
        raise Problem(400, f"Invalid {name}", f"{name} must be a whole number of pixels from 1 to {OEMBED_LIMIT}.")
    return int(value)


def resolve_page_url(url: str) -> tuple[str, str]:
    """(locale, slug) of one of our procedure pages or embeds, or the 404 problem."""
    not_found = Problem(
        404,
        "No embeddable page at this URL",
        "url must be a procedure page of this service, such as /es/procedures/SLUG (absolute or root-relative).",
    )
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        base = urlsplit(public_base())
        host = urlsplit(request.host_url)
        if (parts.scheme, parts.netloc.lower()) not in {(base.scheme, base.netloc.lower()), (host.scheme, host.netloc.lower())}:
            raise not_found
    match = EMBED_PATH.match(parts.path)
    if not match:
        raise not_found
    locale, slug = match.group("locale"), match.group("slug")
    if locale not in service().locales:
        locale = match_tag(locale, service().locales) if is_well_formed(locale) else None
    if locale is None or not SLUG.match(slug) or service().procedure(slug) is None:
        raise not_found
    return locale, slug


@blueprint.get("/oembed")
def oembed():
    """oEmbed 1.0: a ``rich`` response whose html is the embed snippet, within maxwidth/maxheight."""
    response_format = request.args.get("format", "json")
    if response_format == "xml":
        raise Problem(501, "Format not implemented", "Only format=json is served; XML is not implemented.")
    if response_format != "json":
        raise Problem(400, "Unknown format", "format must be json (xml is not implemented).")
    url = request.args.get("url")
    if not url:
        raise Problem(400, "Missing url", "Give the page to embed: /oembed?url=/es/procedures/SLUG&format=json.")
    max_width, max_height = _dimension("maxwidth"), _dimension("maxheight")
    locale, slug = resolve_page_url(url)
    partner = g.partner or registry().get(registry().default_partner)
    if partner is None:
        raise Problem(
            400,
            "Partner required",
            "This registry has no default_partner: name yours with ?partner=ID so the embed is framed for your origins.",
        )
    page = find_localized(slug, locale)
    width = min(OEMBED_WIDTH, max_width or OEMBED_WIDTH)
    height = min(OEMBED_HEIGHT, max_height or OEMBED_HEIGHT)
    base = public_base()
    canonical = base + urls.page_procedure(slug, locale)
    info = locale_info(locale)
    snippet = (
        f'<div data-contentapi-procedure="{escape(slug)}" data-lang="{escape(locale)}" '
        f'data-partner="{escape(partner.id)}" data-width="{width}" data-max-height="{height}">'
        f'<a href="{escape(canonical)}" hreflang="{escape(locale)}" lang="{escape(locale)}" dir="{info.direction}">'
        f"{escape(page.title.text)}</a></div>"
        f'<script src="{escape(base)}/embed.js" async></script>'
    )
    document = {
        "version": "1.0",
        "type": "rich",
        "title": page.title.text,
        "provider_name": service().catalogs.get(locale).gettext("Patient education"),
        "provider_url": base + "/",
        "cache_age": int(current_app.config["CACHE_MAX_AGE"]),
        "html": snippet,
        "width": width,
        "height": height,
    }
    response = current_app.json.response(document)
    response.headers["Content-Language"] = locale
    return response
