"""CDS Hooks 2.0 over real HTTP with the specification's own order-select example: as published (its
orders are a diet and a drug) it gets no cards; with a drafted ServiceRequest for CPT 22513 selected
and a Spanish-speaking patient prefetched it gets the card the issue describes, whose links work."""

from __future__ import annotations

import copy
import json
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fhirclient.models.patient import Patient
from fhirclient.models.servicerequest import ServiceRequest

EXAMPLE = json.loads((Path(__file__).with_name("data") / "order-select-r4.json").read_text(encoding="utf-8"))
SERVICE_REQUEST = {
    "resourceType": "ServiceRequest", "id": "vertebral-augmentation-1", "status": "draft", "intent": "order",
    "code": {"coding": [{"system": "http://www.ama-assn.org/go/cpt", "code": "22513",
                         "display": "Percutaneous vertebral augmentation, thoracic"}]},
    "subject": {"reference": "Patient/1288992"},
}
PATIENT = {
    "resourceType": "Patient", "id": "1288992",
    "communication": [
        {"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": "en"}]}},
        {"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": "es-MX", "display": "Spanish (Mexico)"}]},
         "preferred": True},
    ],
}


def call(live_server, body: dict, path: str = "/cds-services/patient-education"):
    return live_server.request("POST", path, {"Content-Type": "application/json"}, json.dumps(body).encode())


def request_of(context: dict, prefetch: dict | None = None) -> dict:
    body = {"hook": "order-select", "hookInstance": str(uuid.uuid4()), "context": context}
    if prefetch is not None:
        body["prefetch"] = prefetch
    return body


def test_discovery_names_the_order_select_service(live_server):
    response = live_server.get("/cds-services")
    assert response.status == 200 and response.headers["Content-Type"] == "application/json"
    [service] = response.json()["services"]
    assert service["hook"] == "order-select" and service["id"] == "patient-education" and service["description"]
    assert service["prefetch"] == {"patient": "Patient/{{context.patientId}}"}


def test_the_specifications_example_gets_no_cards(live_server):
    response = call(live_server, request_of(EXAMPLE["context"]))
    assert response.status == 200 and response.json() == {"cards": []}


def test_a_selected_procedure_order_gets_a_card_in_the_patients_language(live_server):
    ServiceRequest(SERVICE_REQUEST, strict=True)  # our additions to the example are valid R4
    Patient(PATIENT, strict=True)
    context = copy.deepcopy(EXAMPLE["context"])
    context["draftOrders"]["entry"].append({"resource": SERVICE_REQUEST})
    context["selections"].append("ServiceRequest/vertebral-augmentation-1")
    response = call(live_server, request_of(context, {"patient": PATIENT}))
    assert response.status == 200
    [card] = response.json()["cards"]
    assert card["summary"] == "Patient education: Kyphoplasty and vertebroplasty (Español)"
    assert len(card["summary"]) < 140 and card["indicator"] == "info" and card["source"]["label"]
    assert uuid.UUID(card["uuid"])
    assert len(card["links"]) == 3
    page, embed, handout = (link["url"] for link in card["links"])
    assert urlsplit(embed).path.startswith("/embed/es/") and handout == page + "#print"
    for link in card["links"]:
        assert link["type"] == "absolute" and link["label"]
        url = urlsplit(link["url"])
        assert "/es/" in url.path
        page = live_server.get(url.path)
        assert page.status == 200 and page.headers["Content-Language"] == "es"


def test_an_unselected_order_gets_no_card(live_server):
    context = copy.deepcopy(EXAMPLE["context"])
    context["draftOrders"]["entry"].append({"resource": SERVICE_REQUEST})
    assert call(live_server, request_of(context, {"patient": PATIENT})).json() == {"cards": []}


def test_without_a_patient_prefetch_the_card_is_in_english(live_server):
    context = {**copy.deepcopy(EXAMPLE["context"]), "selections": ["ServiceRequest/vertebral-augmentation-1"]}
    context["draftOrders"]["entry"].append({"resource": SERVICE_REQUEST})
    [card] = call(live_server, request_of(context)).json()["cards"]
    assert card["summary"] == "Patient education: Kyphoplasty and vertebroplasty (English)"


@pytest.mark.parametrize("body", [
    {"hook": "patient-view", "hookInstance": "x", "context": EXAMPLE["context"]},
    {"hook": "order-select", "context": EXAMPLE["context"]},
    {"hook": "order-select", "hookInstance": "x", "context": {"selections": "all"}},
    {"hook": "order-select", "hookInstance": "x", "context": {"selections": [], "draftOrders": {"entry": []}}},
    ["not", "an", "object"],
])
def test_malformed_requests_are_400_problems(live_server, body):
    response = call(live_server, body)
    assert response.status == 400 and response.headers["Content-Type"] == "application/problem+json"


def test_an_unknown_service_is_404_and_a_non_json_body_415(live_server):
    assert call(live_server, request_of(EXAMPLE["context"]), "/cds-services/other").status == 404
    response = live_server.request("POST", "/cds-services/patient-education", {"Content-Type": "text/plain"}, b"{}")
    assert response.status == 415


@pytest.mark.parametrize("patient", [
    {"resourceType": "Patient", "communication": 5},
    {"resourceType": "Patient", "communication": [{"language": {"coding": 7}}]},
    {"resourceType": "Patient", "communication": [{"language": {"coding": [{"code": "x" * 5000}]}}, "es"]},
    {"resourceType": "Patient", "communication": {"language": "es"}},
    ["not", "a", "patient"],
])
def test_a_prefetched_patient_of_the_wrong_shape_gets_the_card_in_english(live_server, patient):
    context = {**copy.deepcopy(EXAMPLE["context"]), "selections": ["ServiceRequest/vertebral-augmentation-1"]}
    context["draftOrders"]["entry"].append({"resource": SERVICE_REQUEST})
    response = call(live_server, request_of(context, {"patient": patient}))
    assert response.status == 200
    [card] = response.json()["cards"]
    assert card["summary"].endswith("(English)")


@pytest.mark.parametrize("code", [{"coding": 7}, {"coding": {"system": "http://www.ama-assn.org/go/cpt"}}, "22513", None])
def test_an_order_code_of_the_wrong_shape_matches_nothing(live_server, code):
    order = {**SERVICE_REQUEST, "code": code}
    context = {**copy.deepcopy(EXAMPLE["context"]), "selections": ["ServiceRequest/vertebral-augmentation-1"]}
    context["draftOrders"]["entry"].append({"resource": order})
    response = call(live_server, request_of(context, {"patient": PATIENT}))
    assert response.status == 200 and response.json() == {"cards": []}
