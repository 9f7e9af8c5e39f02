"""Partners over HTTP, on every route: the partner a request names (and its API key), and CORS for
the routes that registered partner origins may read from a browser.

The registry itself (origins, hashed keys, themes) is plain Python in ``contentapi.partners``.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, g, make_response, request

from contentapi.partners.registry import Partner, Registry, RegistryError, load_registry
from contentapi.web.http import Problem, bearer_token
from contentapi.web.routes import current_route

EXTENSION = "contentapi.partners"
CORS_METHODS = ("GET", "HEAD")
CORS_REQUEST_HEADERS = ("accept", "accept-language", "authorization", "if-none-match", "x-api-key")
CORS_EXPOSED_HEADERS = "Content-Language, ETag, Last-Modified"
CORS_MAX_AGE = "600"


def partner_registry() -> Registry:
    """The partner registry of the current app."""
    return current_app.extensions[EXTENSION]


def named_partner() -> Partner | None:
    """The partner the current request named with ``?partner=`` (its key already checked), or None."""
    return g.get("partner")


def presented_key() -> str | None:
    """The API key of the request: ``X-API-Key`` or ``Authorization: Bearer``. Never logged."""
    return request.headers.get("X-API-Key") or bearer_token()


def check_named_partner() -> None:
    """Resolve ``?partner=``: 404 for an unknown partner, 401 when its key is missing or wrong."""
    g.partner = None
    partner_id = request.args.get("partner")
    if partner_id is None or request.method == "OPTIONS":
        return
    partner = partner_registry().get(partner_id)
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


def answer_preflight() -> Response | None:
    """Answer a CORS preflight for a CORS route; registered origins only, GET and HEAD only."""
    if request.method != "OPTIONS" or not current_route().cors:
        return None
    if "Access-Control-Request-Method" not in request.headers or request.url_rule is None:
        return None
    response = make_response("", 204)
    response.vary.update(("Origin", "Access-Control-Request-Method", "Access-Control-Request-Headers"))
    allowed = partner_registry().cors_origin(request.headers.get("Origin"))
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
    """Allow registered origins (or any, when content is public) to read a CORS route's responses."""
    if request.method == "OPTIONS" or not current_route().cors:
        return response
    response.vary.add("Origin")
    allowed = partner_registry().cors_origin(request.headers.get("Origin"))
    if allowed and request.method in CORS_METHODS:
        response.headers["Access-Control-Allow-Origin"] = allowed
        response.headers["Access-Control-Expose-Headers"] = CORS_EXPOSED_HEADERS
    return response


def keep_keyed_responses_private(response: Response) -> Response:
    """A response given only for a partner's key must not be handed by a shared cache to clients without it."""
    partner = g.get("partner")
    if partner is not None and partner.requires_key and response.cache_control.public:
        response.cache_control.public = False
        response.cache_control.private = True
    return response


def init_app(app: Flask) -> None:
    """Load the partner registry (stop start-up on a bad one) and register the key and CORS hooks."""
    try:
        app.extensions[EXTENSION] = load_registry(app.config.get("PARTNERS"))
    except RegistryError as error:
        raise SystemExit(f"contentapi cannot start: {error}") from None
    app.before_request(answer_preflight)
    app.before_request(check_named_partner)
    app.after_request(add_cors_headers)
    app.after_request(keep_keyed_responses_private)
