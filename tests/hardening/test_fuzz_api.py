"""Schemathesis against our own OpenAPI document, every operation, over real HTTP: no 5xx, and
every response (status, media type, body) is one the document declares.

CI runs a bounded number of examples per operation; a longer run:

    CONTENTAPI_FUZZ_EXAMPLES=2000 scripts/test tests/hardening/test_fuzz_api.py
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from contentapi import create_app
from contentapi.i18n.locales import DEFAULT_LOCALE, SUPPORTED_LOCALES
from contentapi.i18n.tokens import TokenStore
from tests.helpers import LOOPBACK_HOSTS, LiveServer, copy_translations

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = int(os.environ.get("CONTENTAPI_FUZZ_EXAMPLES", "25"))


@pytest.fixture(scope="module")
def fuzz_target(tmp_path_factory):
    """A server on private catalogs with an admin token (translator and reviewer) for every locale."""
    folder = tmp_path_factory.mktemp("fuzz")
    translations = copy_translations(folder / "translations")
    tokens = folder / "tokens.json"
    token = TokenStore(tokens).add("fuzzer", tuple(code for code in SUPPORTED_LOCALES if code != DEFAULT_LOCALE), ("admin",))
    app = create_app(
        {
            "TRANSLATIONS_DIR": str(translations),
            "TOKENS": str(tokens),
            "TRANSLATION_REVISIONS_DIR": str(folder / "revisions"),
            "CATALOG_CHECK_INTERVAL": 0.0,
            "TRUSTED_HOSTS": LOOPBACK_HOSTS,
        }
    )
    server = LiveServer(app)
    schema = schemathesis.openapi.from_url(f"{server.url}/api/v1/openapi.json")
    operations = {
        f"{result.ok().method.upper()} {result.ok().path}": result.ok() for result in schema.get_all_operations()
    }
    yield server, operations, token
    server.stop()


def operation_ids():
    """Every documented operation but the document itself (schemathesis skips the URL it loaded from;
    tests/test_openapi.py validates that one)."""
    app = create_app({"TESTING": True})
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    return sorted(
        f"{method.upper()} {path}"
        for path, item in spec["paths"].items()
        for method in item
        if method != "parameters" and path != "/api/v1/openapi.json"
    )


def test_every_route_of_the_api_is_fuzzed(fuzz_target):
    _, operations, _ = fuzz_target
    assert set(operations) == set(operation_ids())
    assert len(operations) >= 14


@pytest.mark.parametrize("operation_id", operation_ids())
def test_responses_match_the_document(fuzz_target, operation_id):
    server, operations, token = fuzz_target
    operation = operations[operation_id]

    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def run(case):
        for headers in ({"Authorization": f"Bearer {token}"}, {}):
            response = case.call(base_url=server.url, headers=headers, timeout=30)
            case.validate_response(response, checks=CHECKS)

    run()
