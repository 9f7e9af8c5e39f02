"""FHIR R4 over real HTTP: every resource we send is accepted by SMART's FHIR R4 (4.0.1) models
(fhirclient, strict), searches by code (URI, OID, urn:oid) and language find the procedure, the
attachments' size and SHA-1 hash are those of the bytes their URLs serve, and errors are
OperationOutcome resources."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import quote, urlsplit

import pytest
from fhirclient.models.bundle import Bundle
from fhirclient.models.capabilitystatement import CapabilityStatement
from fhirclient.models.documentreference import DocumentReference
from fhirclient.models.operationoutcome import OperationOutcome

from contentapi.i18n.locales import SUPPORTED_LOCALES
from tests.helpers import SLUG

FHIR_JSON = "application/fhir+json; charset=utf-8"


def fhir(live_server, path: str, status: int = 200) -> dict:
    response = live_server.get(path)
    assert response.status == status, response.body[:300]
    assert response.headers["Content-Type"] == FHIR_JSON
    return response.json()


def test_the_capability_statement_is_valid_r4(live_server):
    document = fhir(live_server, "/fhir/metadata")
    statement = CapabilityStatement(document, strict=True)
    assert statement.fhirVersion == "4.0.1"
    assert statement.rest[0].resource[0].type == "DocumentReference"


@pytest.mark.parametrize("system", ["http://www.ama-assn.org/go/cpt", "2.16.840.1.113883.6.12", "urn:oid:2.16.840.1.113883.6.12"])
def test_search_by_code_and_language_is_a_valid_searchset(live_server, system):
    document = fhir(live_server, f"/fhir/DocumentReference?code={quote(system + '|22513')}&language=es")
    bundle = Bundle(document, strict=True)
    assert bundle.type == "searchset" and bundle.total == 1
    resource = bundle.entry[0].resource
    assert isinstance(resource, DocumentReference)
    assert resource.id == f"{SLUG}-es" and resource.language == "es" and resource.status == "current"
    codes = {(coding.system, coding.code) for coding in resource.type.coding}
    assert ("http://www.ama-assn.org/go/cpt", "22513") in codes
    assert {(related.identifier.system, related.identifier.value) for related in resource.context.related} == codes


def test_every_locale_has_a_document_whose_attachments_are_the_bytes_served(live_server):
    bundle = Bundle(fhir(live_server, "/fhir/DocumentReference?code=2.16.840.1.113883.6.4|0QU03JZ"), strict=True)
    assert bundle.total == len(SUPPORTED_LOCALES)
    for entry in bundle.entry:
        read = DocumentReference(fhir(live_server, urlsplit(entry.fullUrl).path), strict=True)
        assert read.as_json() == entry.resource.as_json()
        for content in read.content:
            attachment = content.attachment
            served = live_server.get(urlsplit(attachment.url).path + "?" + urlsplit(attachment.url).query)
            assert served.status == 200 and served.headers["Content-Language"] == attachment.language == read.language
            assert attachment.size == len(served.body)
            assert attachment.hash == base64.b64encode(hashlib.sha1(served.body).digest()).decode()  # noqa: S324


def test_no_match_is_an_empty_searchset(live_server):
    bundle = Bundle(fhir(live_server, "/fhir/DocumentReference?code=http://snomed.info/sct|71388002"), strict=True)
    assert bundle.total == 0 and not bundle.entry


def test_paging_links_to_the_next_page(live_server):
    bundle = Bundle(fhir(live_server, "/fhir/DocumentReference?_count=3"), strict=True)
    assert bundle.total == len(SUPPORTED_LOCALES) and len(bundle.entry) == 3
    [following] = [link.url for link in bundle.link if link.relation == "next"]
    second = Bundle(fhir(live_server, urlsplit(following).path + "?" + urlsplit(following).query), strict=True)
    assert {entry.resource.id for entry in second.entry}.isdisjoint({entry.resource.id for entry in bundle.entry})


@pytest.mark.parametrize(("query", "found"), [
    ("code=22513", True),  # a code in any system
    ("code=http://www.ama-assn.org/go/cpt|", True),  # any code of a system
    ("code=2.16.840.1.113883.6.12|", True),
    ("code=http://snomed.info/sct|71388002,http://www.ama-assn.org/go/cpt|22514", True),  # commas: any of them
    ("code=22513&type=0QU03JZ", True),  # every parameter must match
    ("code=22513&code=http://snomed.info/sct|71388002", False),
    ("code=http://loinc.org|1234-5", False),  # a system we do not carry
    ("code=http://loinc.org|", False),
    ("code=|22513", False),  # a code without a system: ours all have one
    ("code=http://snomed.info/sct|", False),
])
def test_code_searches_follow_fhir_token_rules(live_server, query, found):
    bundle = Bundle(fhir(live_server, f"/fhir/DocumentReference?{query}&language=es"), strict=True)
    assert bundle.total == (1 if found else 0)
    if found:
        assert bundle.entry[0].resource.id == f"{SLUG}-es"


def test_count_zero_gives_the_total_and_no_page_to_follow(live_server):
    bundle = Bundle(fhir(live_server, "/fhir/DocumentReference?_count=0"), strict=True)
    assert bundle.total == len(SUPPORTED_LOCALES) and not bundle.entry
    assert [link.relation for link in bundle.link] == ["self"]


@pytest.mark.parametrize(("path", "status", "code"), [
    ("/fhir/DocumentReference?code=", 400, "invalid"),
    ("/fhir/DocumentReference?code=%7C", 400, "invalid"),
    ("/fhir/DocumentReference?code=22513,", 400, "invalid"),
    ("/fhir/DocumentReference?language=!!", 400, "invalid"),
    ("/fhir/DocumentReference?_count=many", 400, "invalid"),
    (f"/fhir/DocumentReference/{SLUG}-fr", 404, "not-found"),
    ("/fhir/DocumentReference/" + "x" * 80, 404, "not-found"),
    ("/fhir/Patient/1", 404, "not-found"),
    ("/fhir", 404, "not-found"),
    ("/fhir/", 404, "not-found"),
])
def test_errors_are_operation_outcomes(live_server, path, status, code):
    outcome = OperationOutcome(fhir(live_server, path, status), strict=True)
    assert outcome.issue[0].severity == "error" and outcome.issue[0].code == code


def test_a_method_fhir_does_not_allow_here_is_an_operation_outcome(live_server):
    response = live_server.request("POST", "/fhir/metadata")
    assert response.status == 405 and response.headers["Content-Type"] == FHIR_JSON
    OperationOutcome(response.json(), strict=True)
