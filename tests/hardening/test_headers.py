"""Security headers on every route of the app, over real HTTP: a strict CSP with no inline
script, frame-ancestors 'none' everywhere but embed documents (which name exactly the
partner's origins and send no X-Frame-Options), nosniff, referrer and permissions policies."""

from __future__ import annotations

import re

import pytest

from tests.helpers import SLUG

DEMO_ORIGINS = ["http://127.0.0.1:8001", "http://localhost:8001"]

# One concrete request per route; a route added later without an entry here fails
# test_every_route_is_covered, so no route escapes the header checks.
ROUTES = {
    "/healthz": ("GET", "/healthz"),
    "/api/v1/locales": ("GET", "/api/v1/locales"),
    "/api/v1/openapi.json": ("GET", "/api/v1/openapi.json"),
    "/api/v1/procedures": ("GET", "/api/v1/procedures?lang=es"),
    "/api/v1/procedures/<slug>": ("GET", f"/api/v1/procedures/{SLUG}"),
    "/api/v1/procedures/<slug>/fragment": ("GET", f"/api/v1/procedures/{SLUG}/fragment?lang=ar"),
    "/embed/<locale>/procedures/<slug>": ("GET", f"/embed/es/procedures/{SLUG}?partner=demo"),
    "/embed/themes/<partner_id>.css": ("GET", "/embed/themes/demo.css"),
    "/embed.js": ("GET", "/embed.js"),
    "/oembed": ("GET", f"/oembed?url=http://127.0.0.1/en/procedures/{SLUG}&format=json"),
    "/": ("GET", "/"),
    "/<locale>/": ("GET", "/ko/"),
    "/<locale>/procedures/<slug>": ("GET", f"/ru/procedures/{SLUG}"),
    "/procedures/<slug>": ("GET", f"/procedures/{SLUG}"),
    "/sitemap.xml": ("GET", "/sitemap.xml"),
    "/static/<path:filename>": ("GET", "/static/contentapi.css"),
    "/infobutton": ("GET", "/infobutton?mainSearchCriteria.v.c=22513&mainSearchCriteria.v.cs=2.16.840.1.113883.6.12"),
    "/fhir": ("GET", "/fhir"),
    "/fhir/": ("GET", "/fhir/"),
    "/fhir/metadata": ("GET", "/fhir/metadata"),
    "/fhir/DocumentReference": ("GET", "/fhir/DocumentReference?code=2.16.840.1.113883.6.12|22513"),
    "/fhir/DocumentReference/<identifier>": ("GET", f"/fhir/DocumentReference/{SLUG}-es"),
    "/cds-services": ("GET", "/cds-services"),
    "/api/v1/search": ("GET", "/api/v1/search?q=cement&lang=es"),
    "/api/v1/changes": ("GET", "/api/v1/changes?limit=2"),
    "/api/v1/changes.atom": ("GET", "/api/v1/changes.atom?limit=2"),
    "/api/v1/webhooks/deliveries": ("GET", "/api/v1/webhooks/deliveries?partner=demo"),
    "/<locale>/search": ("GET", "/ar/search?q=%D8%A7%D9%84%D9%81%D9%82%D8%B1%D8%A7%D8%AA"),
    "/cds-services/<service_id>": ("POST", "/cds-services/patient-education"),
    "/api/v1/translations/<locale>": ("GET", "/api/v1/translations/es"),
    "/api/v1/translations/<locale>/revisions": ("GET", "/api/v1/translations/es/revisions"),
    "/api/v1/translations/<locale>/preview": ("POST", f"/api/v1/translations/es/preview?procedure={SLUG}"),
    "/api/v1/translations/<locale>/revisions/<revision_id>/restore": ("POST", "/api/v1/translations/es/revisions/1/restore"),
    "/api/v1/translations/<locale>/reviews": ("GET", "/api/v1/translations/es/reviews"),
    **{f"/api/v1/translations/<locale>/{scope}{suffix}": (method, f"/api/v1/translations/es/{path}{concrete}")
       for scope, path in (("interface", "interface"), ("procedures/<slug>", f"procedures/{SLUG}"))
       for suffix, concrete, method in (("", "", "GET"), ("/revisions", "/revisions", "GET"),
                                        ("/revisions/<revision_id>/restore", "/revisions/1/restore", "POST"),
                                        ("/preview", "/preview", "POST"))},
}
EXTRA = [("GET", "/no/such/page"), ("GET", "/api/v1/procedures/missing"), ("GET", "/fr/procedures/x")]


def directives(policy: str) -> dict[str, str]:
    return {part.split()[0]: " ".join(part.split()[1:]) for part in policy.split(";") if part.strip()}


def test_every_route_is_covered(app):
    rules = {rule.rule for rule in app.url_map.iter_rules()}
    assert rules - set(ROUTES) == set()


@pytest.mark.parametrize(("method", "path"), list(ROUTES.values()) + EXTRA)
def test_security_headers(live_server, method, path):
    response = live_server.request(method, path)
    headers = response.headers
    policy = directives(headers["Content-Security-Policy"])
    assert "'unsafe-inline'" not in policy.get("script-src", "") and "'unsafe-eval'" not in policy.get("script-src", "")
    assert policy.get("script-src") == "'self'"
    assert policy["default-src"] == "'none'"  # so object-src, frame-src, worker-src... are 'none' too
    assert policy["base-uri"] == "'none'"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    permissions = headers["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert re.search(rf"\b{feature}=\(\)", permissions)
    if path.startswith("/embed/es/procedures/"):
        assert policy["frame-ancestors"].split() == DEMO_ORIGINS
        assert "X-Frame-Options" not in headers
    else:
        assert policy["frame-ancestors"] == "'none'"
