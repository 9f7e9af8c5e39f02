"""What each route is, declared where the route is defined.

A view says whether its errors are problem+json whatever the client accepts (the API, oEmbed,
the health probe) or an HTML page for browsers, whether browsers on registered partner origins
may read it across origins (CORS), and whether its responses may be kept by the response cache
(they depend only on the request, the catalogs in service and settings read at start-up). A
blueprint gives the default for its views; a view overrides it with ``@route(...)``. So adding a
route is one edit, and the error handler, CORS and the response cache all read the same answer
through ``current_route()``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from flask import Blueprint, current_app, request
from werkzeug.exceptions import MethodNotAllowed

# The JSON API's URL space, for requests that match no route (a 404 under it is still the API's).
API_PREFIX = "/api/"
_ATTRIBUTE = "contentapi_route"


@dataclass(frozen=True)
class RouteProperties:
    """What the rest of the web layer needs to know about a route."""

    json_errors: bool = False  # errors are problem+json even for browsers
    cors: bool = False  # registered partner origins may read responses from a browser
    cacheable: bool = False  # the response cache may keep its 200 and 304 responses


API = RouteProperties(json_errors=True, cors=True)
_blueprint_defaults: dict[str, RouteProperties] = {}
# Flask's own static route: files that change only with a deploy (their URLs carry a content hash).
_FLASK_ENDPOINTS = {"static": RouteProperties(cacheable=True)}


def blueprint(name: str, import_name: str, **properties) -> Blueprint:
    """A blueprint whose views have these properties unless they declare their own."""
    _blueprint_defaults[name] = RouteProperties(**properties)
    return Blueprint(name, import_name)


def route(**properties):
    """Declare a view's properties, overriding its blueprint's: ``@route(cacheable=False)``."""
    RouteProperties(**properties)  # a misspelt property fails at import, not at the first request

    def decorate(view):
        setattr(view, _ATTRIBUTE, properties)
        return view

    return decorate


def properties_of(endpoint: str) -> RouteProperties:
    """The properties of an endpoint."""
    if endpoint in _FLASK_ENDPOINTS:
        return _FLASK_ENDPOINTS[endpoint]
    blueprint_name, _, _ = endpoint.rpartition(".")
    default = _blueprint_defaults.get(blueprint_name, RouteProperties())
    declared = getattr(current_app.view_functions.get(endpoint), _ATTRIBUTE, None)
    return replace(default, **declared) if declared else default


def current_route() -> RouteProperties:
    """The properties of the route the current request is for.

    A request with a method the route does not allow still belongs to that route (its 405 is
    the route's); one that matches no route is the API's when its path is under /api/.
    """
    endpoint = request.endpoint
    if endpoint is None and isinstance(request.routing_exception, MethodNotAllowed):
        methods = request.routing_exception.valid_methods or ()
        try:
            endpoint, _ = current_app.url_map.bind("").match(request.path, method=next(iter(methods)))
        except Exception:  # noqa: BLE001  (no route after all: judged by the path below)
            endpoint = None
    if endpoint is None:
        return API if request.path.startswith(API_PREFIX) else RouteProperties()
    return properties_of(endpoint)
