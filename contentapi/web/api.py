"""The JSON API, version 1 (the public contract documented in openapi.yaml)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from flask import jsonify, request

from contentapi.content.codes import CodeError, parse_code_query
from contentapi.delivery.representations import Representation, dump_json
from contentapi.web.http import SLUG, Problem, content_service, requested_locale, send_representation, unknown_procedure
from contentapi.web.routes import blueprint as make_blueprint
from contentapi.web.routes import route

blueprint = make_blueprint("api", __name__, json_errors=True, cors=True, cacheable=True)

OPENAPI_PATH = Path(__file__).with_name("openapi.yaml")


@blueprint.get("/healthz")
@route(cors=False, cacheable=False)
def healthz():
    """Liveness and readiness: content and catalogs are loaded before the app accepts requests.

    ``status`` is ``degraded`` when a locale serves something other than its current revisions
    (a damaged file, a store out of reach); ``?verbose`` adds, per locale, the last revision, a hash
    of what this worker serves, and what is degraded, so a load balancer can tell "published everywhere".
    """
    health = content_service().catalogs.health()
    if "verbose" in request.args:
        return jsonify(health)
    return jsonify(status=health["status"])


@blueprint.get("/api/v1/procedures")
def procedures():
    """Every procedure's title and summary in the negotiated locale; ``?code=SYSTEM|CODE`` keeps those
    carrying that clinical code."""
    code = None
    if "code" in request.args:
        try:
            code = parse_code_query(request.args["code"])
        except CodeError as error:
            raise Problem(400, "Malformed code", str(error)) from None
    return send_representation(content_service().procedures_json(requested_locale(), code))


@blueprint.get("/api/v1/procedures/<slug>")
def procedure(slug: str):
    """One procedure in the negotiated locale, English per block where a translation is missing."""
    representation = content_service().procedure_json(slug, requested_locale()) if SLUG.match(slug) else None
    if representation is None:
        raise unknown_procedure(slug)
    return send_representation(representation)


@blueprint.get("/api/v1/locales")
def locales():
    """The supported locales with their names, direction and translation completeness."""
    return send_representation(content_service().locales_json())


@lru_cache(maxsize=1)
def openapi_representation() -> Representation:
    """The OpenAPI document, read once."""
    document = yaml.safe_load(OPENAPI_PATH.read_text(encoding="utf-8"))
    return Representation.build(dump_json(document), "application/json", OPENAPI_PATH.stat().st_mtime, None)


@blueprint.get("/api/v1/openapi.json")
def openapi():
    """The OpenAPI 3.1 description of this API."""
    return send_representation(openapi_representation())
