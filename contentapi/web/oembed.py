"""oEmbed 1.0 for CMSs: ``/oembed?url=...`` answers the embed snippet of one of our procedure pages."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import current_app, request

from contentapi.i18n.locales import is_well_formed, match_tag
from contentapi.web.embed import localized_page
from contentapi.web.hosts import public_base
from contentapi.web.http import SLUG, Problem, content_service, whole_number_argument
from contentapi.web.partners import named_partner, partner_registry
from contentapi.web.routes import blueprint as make_blueprint

# Errors are problem+json (a CMS calls it, not a browser); not read across origins.
blueprint = make_blueprint("oembed", __name__, json_errors=True)

EMBED_PATH = re.compile(r"^/(?:embed/)?(?P<locale>[^/]+)/procedures/(?P<slug>[^/]+)/?$")
# Sizes when a consumer gives no maxima: a readable column and a first screenful.
OEMBED_WIDTH = 640
OEMBED_HEIGHT = 800
OEMBED_LIMIT = 10000


def _dimension(name: str) -> int | None:
    if request.args.get(name) == "":
        return None
    return whole_number_argument(name, None, 1, OEMBED_LIMIT, f"Invalid {name}", " of pixels")


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
    locales = content_service().locales
    if locale not in locales:
        locale = match_tag(locale, locales) if is_well_formed(locale) else None
    if locale is None or not SLUG.match(slug) or content_service().procedure(slug) is None:
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
    registry = partner_registry()
    partner = named_partner() or registry.get(registry.default_partner)
    if partner is None:
        raise Problem(
            400,
            "Partner required",
            "This registry has no default_partner: name yours with ?partner=ID so the embed is framed for your origins.",
        )
    document = content_service().oembed_document(
        localized_page(slug, locale),
        public_base(),
        partner.id,
        width=min(OEMBED_WIDTH, max_width or OEMBED_WIDTH),
        height=min(OEMBED_HEIGHT, max_height or OEMBED_HEIGHT),
        cache_age=int(current_app.config["CACHE_MAX_AGE"]),
    )
    response = current_app.json.response(document)
    response.headers["Content-Language"] = locale
    return response
