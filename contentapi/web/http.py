"""HTTP helpers shared by the blueprints: problem+json, conditional requests, locale choice."""

from __future__ import annotations

from flask import Response, current_app, request
from werkzeug.exceptions import HTTPException

from contentapi.i18n.locales import is_valid_accept_language, is_well_formed, negotiate
from contentapi.service import Representation

PROBLEM = "application/problem+json"


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


def requested_locale() -> str:
    """The locale to serve: ``?lang=``, then ``Accept-Language``, then English; 400 for malformed input."""
    lang = request.args.get("lang")
    if lang is not None and not is_well_formed(lang):
        raise Problem(
            400,
            "Malformed language tag",
            "The lang parameter must be a BCP 47 language tag such as 'es', 'es-MX' or 'zh-Hans' "
            "(at most 35 characters).",
        )
    header = request.headers.get("Accept-Language")
    if not is_valid_accept_language(header):
        raise Problem(
            400,
            "Malformed Accept-Language header",
            "Accept-Language must be a comma-separated list of language ranges with optional q-values, "
            "such as 'es-MX, es;q=0.9, en;q=0.5' (at most 1024 characters).",
        )
    return negotiate(lang, header, current_app.extensions["contentapi"].locales)


def send_representation(representation: Representation, vary_language: bool = True) -> Response:
    """Send a cached representation with validators; answer 304 when the client's copy is current."""
    response = Response(representation.body, mimetype=None, content_type=representation.media_type)
    response.set_etag(representation.etag.strip('"'))
    response.last_modified = representation.last_modified
    response.cache_control.public = True
    response.cache_control.max_age = current_app.config["CACHE_MAX_AGE"]
    if representation.content_language:
        response.headers["Content-Language"] = representation.content_language
    if vary_language:
        response.vary.add("Accept-Language")
    return response.make_conditional(request)
