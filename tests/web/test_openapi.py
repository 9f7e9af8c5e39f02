"""The OpenAPI 3.1 document is valid, and live responses match the schemas it declares."""

from __future__ import annotations

import jsonschema
import pytest
from openapi_spec_validator import validate

from contentapi.i18n.locales import SUPPORTED_LOCALES
from tests.helpers import SLUG, openapi_schema


def test_document_is_valid_openapi_31(spec):
    validate(spec)
    assert spec["openapi"].startswith("3.1")


def test_every_route_of_the_app_is_documented(spec, app):
    documented = set(spec["paths"])
    for rule in app.url_map.iter_rules():
        path = rule.rule.replace("<", "{").replace(">", "}")
        if path.startswith("/api/") or path in ("/healthz", "/oembed"):
            assert path in documented, f"{path} is not in openapi.yaml"


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_responses_match_their_schemas(spec, live_server, locale):
    checks = [
        ("/api/v1/procedures", f"/api/v1/procedures?lang={locale}", 200, "application/json"),
        ("/api/v1/procedures/{slug}", f"/api/v1/procedures/{SLUG}?lang={locale}", 200, "application/json"),
        ("/api/v1/locales", "/api/v1/locales", 200, "application/json"),
        ("/healthz", "/healthz", 200, "application/json"),
        ("/api/v1/procedures/{slug}", "/api/v1/procedures/nope", 404, "application/problem+json"),
        ("/api/v1/procedures", "/api/v1/procedures?lang=!!", 400, "application/problem+json"),
    ]
    for path, url, status, media in checks:
        response = live_server.get(url)
        assert response.status == status
        jsonschema.validate(response.json(), openapi_schema(spec, path, "get", status, media))


def test_schema_rejects_a_document_missing_a_field(spec, live_server):
    document = live_server.get(f"/api/v1/procedures/{SLUG}").json()
    del document["translation"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, openapi_schema(spec, "/api/v1/procedures/{slug}", "get", 200))
