"""HTTP helpers every blueprint shares: the content service, problem+json, conditional responses,
the locale of a request, procedures named in URLs, and bearer credentials."""

from __future__ import annotations

import re

from flask import Response, current_app, g, request
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from contentapi.delivery.factory import EXTENSION
from contentapi.delivery.representations import Representation, choose_coding
from contentapi.delivery.service import ContentService
from contentapi.i18n.locales import is_valid_accept_language, is_well_formed, match_tag, negotiate

PROBLEM = "application/problem+json"
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def content_service() -> ContentService:
    """The content service of the current app (the one way views reach it)."""
    return current_app.extensions[EXTENSION].service


class Problem(HTTPException):
    """An RFC 9457 problem: raise it from a view and the error handler answers with JSON."""

    def __init__(self, status: int, title: str, detail: str, type_: str = "about:blank", **extra):
        super().__init__(description=detail)
        self.code = status
        self.title = title
        self.detail = detail
        self.type = type_
        self.extra = extra
        self.headers: dict[str, str] = {}


def problem_response(status: int, title: str, detail: str, type_: str = "about:blank", **extra) -> Response:
    """A problem+json response."""
    document = {"type": type_, "title": title, "status": status, "detail": detail, **extra}
    if request:
        document.setdefault("instance", request.path)
    response = current_app.json.response(document)
    response.status_code = status
    response.mimetype = PROBLEM
    response.headers["Content-Language"] = "en"  # problem details are written in English
    return response


WHOLE_NUMBER = re.compile(r"[0-9]{1,9}")


def whole_number_argument(name: str, default: str | None, low: int, high: int, title: str, unit: str = "") -> int | None:
    """The query argument ``name`` as a number from ``low`` to ``high`` (``default`` when absent;
    None when absent with no default), or a 400 problem. ASCII digits only: ``str.isdigit()`` also
    accepts '²' and other digits that ``int()`` refuses."""
    value = request.args.get(name, default)
    if value is None:
        return None
    if not WHOLE_NUMBER.fullmatch(value) or not low <= int(value) <= high:
        raise Problem(400, title, f"{name} must be a whole number{unit} from {low} to {high}.")
    return int(value)


def bearer_token() -> str | None:
    """The credentials of an ``Authorization: Bearer ...`` header, or None. Never logged."""
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    return (credentials.strip() or None) if scheme.lower() == "bearer" else None


def requested_locale() -> str:
    """The locale to serve: ``?lang=``, then ``Accept-Language``, then English; 400 for malformed input.

    Only when there is no ``lang`` is the header read (and checked): the response then says
    ``Vary: Accept-Language`` (``send_representation``), and only then.
    """
    lang = request.args.get("lang")
    if lang is not None:
        if not is_well_formed(lang):
            raise Problem(
                400,
                "Malformed language tag",
                "The lang parameter must be a BCP 47 language tag such as 'es', 'es-MX' or 'zh-Hans' "
                "(at most 35 characters).",
            )
        return negotiate(lang, None, content_service().locales)
    g.negotiated_language = True
    header = request.headers.get("Accept-Language")
    if not is_valid_accept_language(header):
        raise Problem(
            400,
            "Malformed Accept-Language header",
            "Accept-Language must be a comma-separated list of language ranges with optional q-values, "
            "such as 'es-MX, es;q=0.9, en;q=0.5' (at most 1024 characters).",
        )
    return negotiate(None, header, content_service().locales)


def canonical_locale(locale: str) -> str:
    """The supported locale named in a path, redirecting variants (``es-MX``, ``zh-cn``) to it."""
    locales = content_service().locales
    if locale in locales:
        return locale
    matched = match_tag(locale, locales) if is_well_formed(locale) else None
    if matched is None:
        raise Problem(
            404,
            "Unknown locale",
            f"This service has no pages in {locale[:35]!r}. Supported locales: {', '.join(locales)}.",
        )
    target = request.full_path.replace(f"/{locale}/", f"/{matched}/", 1).rstrip("?")
    raise RequestRedirect(target)


def unknown_procedure(slug: str) -> Problem:
    """The 404 problem for a slug that names no procedure."""
    shown = slug if len(slug) <= 100 else slug[:100] + "..."
    return Problem(
        404,
        "Unknown procedure",
        f"No procedure has the slug {shown!r}. GET /api/v1/procedures lists the slugs that exist.",
    )


def known_slug(slug: str) -> str:
    """A slug that names a procedure, or the 404 problem."""
    if not SLUG.match(slug) or content_service().procedure(slug) is None:
        raise unknown_procedure(slug)
    return slug


def send_representation(representation: Representation, max_age: int | None = None) -> Response:
    """Send a kept representation in the coding the client accepts best, with that coding's validators;
    304 when the client's copy is current.

    ``Vary`` names exactly what chose the bytes: Accept-Encoding for text, Accept-Language when
    the locale was negotiated from it (``requested_locale`` without ``lang``).
    """
    encoded = representation.encoded(choose_coding(request.headers.get("Accept-Encoding")))
    response = Response(encoded.body, mimetype=None, content_type=representation.media_type)
    if encoded.coding:
        response.headers["Content-Encoding"] = encoded.coding
    response.set_etag(encoded.etag.strip('"'))
    response.last_modified = representation.last_modified
    response.cache_control.public = True
    response.cache_control.max_age = current_app.config["CACHE_MAX_AGE"] if max_age is None else max_age
    if representation.content_language:
        response.headers["Content-Language"] = representation.content_language
    if g.get("negotiated_language"):
        response.vary.add("Accept-Language")
    if representation.compressible:
        response.vary.add("Accept-Encoding")
    return response.make_conditional(request)
