"""Routes declare what they are where they are defined: every route of the app has properties,
and the error handler, CORS and the response cache read them (never a list of paths)."""

from __future__ import annotations

import pytest

from contentapi.web.routes import RouteProperties, properties_of, route
from tests.helpers import SLUG

# What each route must be: (problem+json errors, CORS, kept by the response cache).
EXPECTED = {
    "/healthz": (True, False, False),
    "/api/v1/locales": (True, True, True),
    "/api/v1/openapi.json": (True, True, True),
    "/api/v1/procedures": (True, True, True),
    "/api/v1/procedures/<slug>": (True, True, True),
    "/api/v1/procedures/<slug>/fragment": (True, True, True),
    "/embed/<locale>/procedures/<slug>": (False, False, True),
    "/embed/themes/<partner_id>.css": (False, False, True),
    "/embed.js": (False, False, True),
    "/oembed": (True, False, False),
    "/": (False, False, True),
    "/<locale>/": (False, False, True),
    "/<locale>/procedures/<slug>": (False, False, True),
    "/procedures/<slug>": (False, False, False),
    "/sitemap.xml": (False, False, True),
    "/static/<path:filename>": (False, False, True),
    "/infobutton": (True, False, False),
    "/fhir": (True, False, False),
    "/fhir/": (True, False, False),
    "/fhir/metadata": (True, False, False),
    "/fhir/DocumentReference": (True, False, False),
    "/fhir/DocumentReference/<identifier>": (True, False, False),
    "/cds-services": (True, False, False),
    "/api/v1/search": (True, True, False),
    "/api/v1/changes": (True, True, False),
    "/api/v1/changes.atom": (True, True, False),
    "/api/v1/webhooks/deliveries": (True, False, False),
    "/<locale>/search": (False, False, False),
    "/cds-services/<service_id>": (True, False, False),
    "/api/v1/translations/<locale>": (True, True, False),
    "/api/v1/translations/<locale>/revisions": (True, True, False),
    "/api/v1/translations/<locale>/preview": (True, True, False),
    "/api/v1/translations/<locale>/revisions/<revision_id>/restore": (True, True, False),
    "/api/v1/translations/<locale>/reviews": (True, True, False),
    **{f"/api/v1/translations/<locale>/{scope}{suffix}": (True, True, False)
       for scope in ("interface", "procedures/<slug>")
       for suffix in ("", "/revisions", "/revisions/<revision_id>/restore", "/preview")},
}


def test_every_route_has_the_properties_it_is_meant_to_have(app):
    with app.app_context():
        found = {}
        for rule in app.url_map.iter_rules():
            properties = properties_of(rule.endpoint)
            found[rule.rule] = (properties.json_errors, properties.cors, properties.cacheable)
    assert found == EXPECTED


def test_a_misspelt_property_fails_at_import_time():
    with pytest.raises(TypeError):
        route(cachable=True)
    assert RouteProperties() == RouteProperties(json_errors=False, cors=False, cacheable=False)


@pytest.mark.parametrize(
    ("method", "path", "headers", "problem"),
    [
        ("GET", "/api/v1/nothing", {"Accept": "text/html"}, True),  # no route, under the API
        ("POST", "/healthz", {"Accept": "text/html"}, True),  # 405: still the probe's route
        ("DELETE", f"/api/v1/procedures/{SLUG}", {"Accept": "text/html"}, True),
        ("GET", "/en/nothing/here", {"Accept": "text/html"}, False),  # a page for a browser
        ("POST", "/es/", {"Accept": "text/html"}, False),
    ],
)
def test_errors_take_their_form_from_the_route(client, method, path, headers, problem):
    response = client.open(path, method=method, headers=headers)
    assert response.status_code in (404, 405)
    assert (response.mimetype == "application/problem+json") == problem
