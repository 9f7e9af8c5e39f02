"""Errors: problem+json (RFC 9457) for the API and for clients that do not ask for HTML,
an accessible HTML page in the reader's language for browsers. A client's mistake is never a 500.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException, InternalServerError

from contentapi.i18n.locales import is_well_formed, negotiate
from contentapi.web.http import Problem, content_service, problem_response
from contentapi.web.routes import current_route

logger = logging.getLogger("contentapi")

DETAILS = {
    404: "There is no resource at this URL. The API lists procedures at /api/v1/procedures.",
    405: "This method is not allowed on this URL.",
    413: "The request body is too large.",
}


def wants_html() -> bool:
    """True when a browser asked for a page from a route whose errors may be pages."""
    if current_route().json_errors:
        return False
    best = request.accept_mimetypes.best_match(["application/json", "application/problem+json", "text/html"])
    return best == "text/html"


def error_page(status: int) -> Response:
    """An accessible HTML error page in the reader's language (never 400 for a bad language: it is ignored)."""
    lang = request.args.get("lang")
    locale = negotiate(lang if lang and is_well_formed(lang) else None, request.headers.get("Accept-Language"),
                       content_service().locales)
    response = Response(content_service().error_page(locale, status), status=status,
                        content_type="text/html; charset=utf-8")
    response.headers["Content-Language"] = locale
    response.vary.add("Accept-Language")
    return response


def handle_http_error(error: HTTPException) -> Response:
    """Answer any HTTP error in the form the client wants."""
    status = error.code or 500
    if isinstance(error, Problem):
        title, detail, type_, extra = error.title, error.detail, error.type, error.extra
    else:
        title = error.name
        detail = DETAILS.get(status) or error.description or title
        type_, extra = "about:blank", {}
    response = error_page(status) if wants_html() else problem_response(status, title, detail, type_, **extra)
    for name, value in (error.get_headers() if not isinstance(error, Problem) else error.headers.items()):
        if name.lower() not in ("content-type", "content-length"):
            response.headers[name] = value
    return response


def handle_unexpected(error: Exception) -> Response:
    """Log the bug and answer 500 as a problem, without internals."""
    logger.exception("unhandled error on %s %s", request.method, request.path)
    return handle_http_error(InternalServerError())


def init_app(app: Flask) -> None:
    """Register the error handlers."""
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected)
