"""Schemathesis against the translators' API: whatever it sends, every response is documented in
openapi.yaml (status, media type, schema) and none is a server error."""

from __future__ import annotations

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
from contentapi.i18n.tokens import TokenStore
from tests.conftest import copy_translations

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz")
    translations = copy_translations(folder / "translations")
    tokens = folder / "tokens.json"
    token = TokenStore(tokens).add("fuzzer", ("es", "zh-Hans", "vi", "ko", "ar", "ru"))
    app = create_app({"TESTING": True, "TRANSLATIONS_DIR": str(translations), "TOKENS": str(tokens), "CATALOG_CHECK_INTERVAL": 0.0})
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.include(path_regex="^/api/v1/translations").get_all_operations()]
    return operations, token


def test_the_translations_operations_are_all_fuzzed(fuzzed):
    operations, _ = fuzzed
    assert len(operations) == 5


@pytest.mark.parametrize("index", range(5))
def test_every_response_matches_the_document(fuzzed, index):
    operations, token = fuzzed
    operation = operations[index]

    @given(case=operation.as_strategy())
    @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def run(case):
        for headers in ({"Authorization": f"Bearer {token}"}, {}):
            response = case.call(headers=headers)
            case.validate_response(response, checks=CHECKS)

    run()
