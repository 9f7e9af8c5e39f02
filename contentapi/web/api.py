"""The JSON API, version 1 (the public contract documented in openapi.yaml)."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml
from flask import Blueprint, current_app, jsonify

from contentapi.service import ContentService, Representation, dump_json
from contentapi.web.http import Problem, requested_locale, send_representation

blueprint = Blueprint("api", __name__)

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
OPENAPI_PATH = Path(__file__).with_name("openapi.yaml")


def service() -> ContentService:
    """The content service of the current app."""
    return current_app.extensions["contentapi"]


def unknown_procedure(slug: str) -> Problem:
    """The 404 problem for a slug that names no procedure."""
    shown = slug if len(slug) <= 100 else slug[:100] + "..."
    return Problem(
        404,
        "Unknown procedure",
        f"No procedure has the slug {shown!r}. GET /api/v1/procedures lists the slugs that exist.",
    )


def find_procedure_json(slug: str, locale: str) -> Representation:
    """The JSON representation of a procedure or a 404 problem."""
    representation = service().procedure_json(slug, locale) if SLUG.match(slug) else None
    if representation is None:
        raise unknown_procedure(slug)
    return representation


@blueprint.get("/healthz")
def healthz():
    """Liveness and readiness: content and catalogs are loaded before the app accepts requests."""
    return jsonify(status="ok")


@blueprint.get("/api/v1/procedures")
def procedures():
    """Every procedure's title and summary in the negotiated locale."""
    return send_representation(service().procedures_json(requested_locale()))


@blueprint.get("/api/v1/procedures/<slug>")
def procedure(slug: str):
    """One procedure in the negotiated locale, English per block where a translation is missing."""
    return send_representation(find_procedure_json(slug, requested_locale()))


@blueprint.get("/api/v1/locales")
def locales():
    """The supported locales with their names, direction and translation completeness."""
    return send_representation(service().locales_json(), vary_language=False)


@lru_cache(maxsize=1)
def openapi_representation() -> Representation:
    """The OpenAPI document, read once."""
    document = yaml.safe_load(OPENAPI_PATH.read_text(encoding="utf-8"))
    return Representation.build(dump_json(document), "application/json", OPENAPI_PATH.stat().st_mtime, None)


@blueprint.get("/api/v1/openapi.json")
def openapi():
    """The OpenAPI 3.1 description of this API."""
    return send_representation(openapi_representation(), vary_language=False)
