"""CDS Hooks 2.0: the discovery document and the ``order-select`` service that answers a drafted order
with a patient-education card in the patient's language.

Plain Python. The request's context has ``selections`` (ids such as ``ServiceRequest/abc``) and
``draftOrders`` (a FHIR Bundle); every selected order's codes (``ServiceRequest.code`` and the like)
are looked up, and the patient's language comes from the ``patient`` prefetch
(``Patient.communication``: the preferred one first). A request the specification does not allow is
a CdsError (400); a request whose orders match nothing gets no cards, as the specification says.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from contentapi.clinical.documents import ClinicalCatalog, ClinicalDocument
from contentapi.content.codes import code_system
from contentapi.i18n.locales import DEFAULT_LOCALE

SERVICE_ID = "patient-education"
HOOK = "order-select"
ORDER_TYPES = ("ServiceRequest", "DeviceRequest", "MedicationRequest", "NutritionOrder", "VisionPrescription")
_CODE_FIELDS = ("code", "medicationCodeableConcept", "codeCodeableConcept")
MAX_ORDERS = 200


class CdsError(ValueError):
    """A CDS Hooks request that cannot be answered; the message names the field."""


def discovery() -> dict:
    """``GET /cds-services``: our one service, its hook and what it asks the EHR to prefetch."""
    return {"services": [{
        "hook": HOOK,
        "id": SERVICE_ID,
        "title": "Patient education",
        "description": "When a procedure is ordered, a card with patient-education pages about it, in the "
                       "patient's language (read from Patient.communication), to read, embed or print.",
        "prefetch": {"patient": "Patient/{{context.patientId}}"},
    }]}


def _object(value, where: str) -> dict:
    if not isinstance(value, dict):
        raise CdsError(f"{where} must be a JSON object")
    return value


def selected_orders(context: Mapping) -> list[dict]:
    """The draft orders the clinician selected (all draft orders when ``selections`` names none of them)."""
    selections = context.get("selections")
    if not isinstance(selections, list) or not all(isinstance(item, str) for item in selections):
        raise CdsError("context.selections must be a list of ids such as ServiceRequest/123")
    bundle = _object(context.get("draftOrders"), "context.draftOrders")
    if bundle.get("resourceType") != "Bundle":
        raise CdsError("context.draftOrders must be a FHIR Bundle")
    entries = bundle.get("entry") or []
    if not isinstance(entries, list) or len(entries) > MAX_ORDERS:
        raise CdsError(f"context.draftOrders.entry must be a list of at most {MAX_ORDERS} entries")
    resources = [entry["resource"] for entry in entries if isinstance(entry, dict) and isinstance(entry.get("resource"), dict)]
    chosen = [resource for resource in resources
              if f"{resource.get('resourceType')}/{resource.get('id')}" in selections]
    return chosen


def _list(value) -> list:
    """A JSON array as a list; anything else (a FHIR element sent in the wrong shape) as no items."""
    return value if isinstance(value, list) else []


def _codings(resource: dict) -> list[tuple[str, str]]:
    out = []
    for name in _CODE_FIELDS:
        concept = resource.get(name)
        for coding in _list(concept.get("coding") if isinstance(concept, dict) else None):
            if isinstance(coding, dict) and isinstance(coding.get("system"), str) and isinstance(coding.get("code"), str):
                out.append((coding["system"], coding["code"]))
    return out


def patient_languages(prefetch) -> list[str]:
    """The patient's languages from the ``patient`` prefetch, preferred first (BCP 47 codes)."""
    patient = prefetch.get("patient") if isinstance(prefetch, dict) else None
    if not isinstance(patient, dict) or patient.get("resourceType") != "Patient":
        return []
    ranked = []
    for item in _list(patient.get("communication")):
        if not isinstance(item, dict) or not isinstance(item.get("language"), dict):
            continue
        codes = [coding.get("code") for coding in _list(item["language"].get("coding")) if isinstance(coding, dict)]
        for code in codes:
            if isinstance(code, str) and 0 < len(code) <= 100:
                ranked.append((0 if item.get("preferred") is True else 1, code))
    return [code for _, code in sorted(ranked, key=lambda pair: pair[0])]


def card(document: ClinicalDocument, english_title: str) -> dict:
    """One card: the procedure's pages in the patient's language."""
    language = document.language_name
    return {
        "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, document.page_url)),
        "summary": f"Patient education: {english_title} ({language})"[:140],
        "detail": document.summary,
        "indicator": "info",
        "source": {"label": "contentapi patient education", "url": document.base_url + "/"},
        "links": [
            {"label": f"Read: {document.title} ({language})", "url": document.page_url, "type": "absolute"},
            {"label": f"Show in the record (embed, {language})", "url": document.embed_url, "type": "absolute"},
            {"label": f"Print a handout ({language})", "url": document.print_url, "type": "absolute"},
        ],
    }


def order_select(catalog: ClinicalCatalog, request) -> dict:
    """``POST /cds-services/patient-education``: one card per procedure a selected order names."""
    request = _object(request, "the request body")
    if request.get("hook") != HOOK:
        raise CdsError(f'hook must be "{HOOK}"')
    if not isinstance(request.get("hookInstance"), str) or not request["hookInstance"]:
        raise CdsError("hookInstance must be a string (a UUID)")
    context = _object(request.get("context"), "context")
    orders = selected_orders(context)
    locale = DEFAULT_LOCALE
    for tag in patient_languages(request.get("prefetch")):
        try:
            matched = catalog.locale_for(tag)
        except ValueError:
            continue
        if matched != DEFAULT_LOCALE or tag.lower().startswith("en"):
            locale = matched
            break
    found: dict[str, ClinicalDocument] = {}
    for order in orders:
        if order.get("resourceType") not in ORDER_TYPES:
            continue
        for system, code in _codings(order):
            if code_system(system) is None:
                continue
            for procedure in catalog.by_code(system, code):
                found.setdefault(procedure.slug, catalog.document(procedure, locale))
    return {"cards": [card(document, document.procedure.title) for document in found.values()]}
