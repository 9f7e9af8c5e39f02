"""Hospital systems over HTTP: HL7 Infobutton (``/infobutton``), FHIR R4 (``/fhir/...``) and CDS Hooks
(``/cds-services``). The documents are built in ``contentapi.clinical``; views only read parameters and
send bytes. FHIR errors, routing ones included, are OperationOutcome resources."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import urlencode

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from contentapi.clinical import cds, fhir, infobutton
from contentapi.clinical.documents import ClinicalCatalog, iso_instant
from contentapi.web.hosts import public_base
from contentapi.web.http import Problem, content_service
from contentapi.web.routes import blueprint as make_blueprint

blueprint = make_blueprint("clinical", __name__, json_errors=True)
FHIR_PREFIX = "/fhir/"


def catalog() -> ClinicalCatalog:
    """The clinical view of the content service, with links to our public origin."""
    return ClinicalCatalog(content_service(), public_base())


def _arguments() -> dict[str, list[str]]:
    return {name: request.args.getlist(name) for name in request.args}


def _json(document, media_type: str = "application/json", status: int = 200) -> Response:
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(body, status=status, content_type=media_type)


@blueprint.get("/infobutton")
def infobutton_request():
    """An HL7 Infobutton knowledge request: Atom (default) or JSON, an empty feed when nothing matches."""
    try:
        knowledge = infobutton.answer(catalog(), infobutton.parse_request(_arguments()))
    except infobutton.InfobuttonError as error:
        raise Problem(400, "Malformed knowledge request", str(error)) from None
    query = request.query_string.decode("latin-1")
    if knowledge.request.response_type == infobutton.JSON:
        response = _json(infobutton.json_feed(knowledge, query))
    else:
        response = Response(infobutton.atom_feed(knowledge, query), content_type="application/atom+xml; charset=utf-8")
    response.headers["Content-Language"] = knowledge.locale
    return response


def fhir_response(document: dict, status: int = 200) -> Response:
    """A FHIR resource as application/fhir+json."""
    return _json(document, fhir.FHIR_JSON + "; charset=utf-8", status)


def fhir_error(status: int, code: str, diagnostics: str) -> Response:
    """An OperationOutcome response."""
    return fhir_response(fhir.operation_outcome(code, diagnostics), status)


@blueprint.get("/fhir")
@blueprint.get("/fhir/")
def fhir_base():
    """The base URL itself is no FHIR interaction: an OperationOutcome naming the ones there are."""
    return fhir_error(404, "not-found", "This is the FHIR base: GET /fhir/metadata (the CapabilityStatement), "
                                        "/fhir/DocumentReference?code=SYSTEM|CODE, /fhir/DocumentReference/{id}")


@blueprint.get("/fhir/metadata")
def fhir_metadata():
    """The CapabilityStatement: DocumentReference read and search, JSON."""
    modified = max((procedure.modified for procedure in content_service().library), default=0.0)
    date = iso_instant(dt.datetime.fromtimestamp(int(modified), dt.UTC))
    return fhir_response(fhir.capability_statement(public_base(), date))


@blueprint.get("/fhir/DocumentReference/<identifier>")
def fhir_read(identifier: str):
    """One DocumentReference by id (``{slug}-{locale}``)."""
    try:
        return fhir_response(fhir.read(catalog(), identifier))
    except fhir.FhirError as error:
        return fhir_error(error.status, error.code, error.diagnostics)


@blueprint.get("/fhir/DocumentReference")
def fhir_search():
    """A DocumentReference search: ``code=SYSTEM|CODE``, ``language``, ``_id``, ``_count``."""
    arguments = _arguments()
    try:
        query = fhir.parse_search(arguments)
    except fhir.FhirError as error:
        return fhir_error(error.status, error.code, error.diagnostics)
    base = public_base() + "/fhir/DocumentReference"

    def page(offset: int) -> str:
        kept = [(name, value) for name, values in arguments.items() if name != "_offset" for value in values]
        return f"{base}?{urlencode(kept + [('_offset', str(offset))])}"

    self_url = f"{base}?{request.query_string.decode('latin-1')}" if request.query_string else base
    return fhir_response(fhir.search(catalog(), query, self_url, page))


@blueprint.get("/cds-services")
def cds_discovery():
    """CDS Hooks discovery: the order-select patient-education service."""
    return _json(cds.discovery())


@blueprint.post("/cds-services/<service_id>")
def cds_service(service_id: str):
    """A CDS Hooks call of one of our services: cards for the selected orders."""
    if service_id != cds.SERVICE_ID:
        raise Problem(404, "Unknown CDS service", f"This server has one CDS service, {cds.SERVICE_ID!r} (GET /cds-services).")
    if not request.is_json:
        raise Problem(415, "JSON required", "Send the CDS Hooks request as application/json.")
    body = request.get_json(silent=True)
    if body is None:
        raise Problem(400, "Malformed CDS Hooks request", "The body is not valid JSON.")
    try:
        return _json(cds.order_select(catalog(), body))
    except cds.CdsError as error:
        raise Problem(400, "Malformed CDS Hooks request", str(error)) from None


def init_app(app: Flask) -> None:
    """Register the blueprint, and answer every error under /fhir/ (a 404 or 405 of routing too) with an
    OperationOutcome, as FHIR clients expect."""
    app.register_blueprint(blueprint)
    general = app.error_handler_spec[None][None].get(HTTPException)

    def handle(error: HTTPException):
        if request.path.startswith(FHIR_PREFIX) or request.path == FHIR_PREFIX.rstrip("/"):
            status = error.code or 500
            code = {404: "not-found", 405: "not-supported", 406: "not-supported"}.get(status, "invalid" if status < 500 else "exception")
            diagnostics = getattr(error, "detail", None) or error.description or error.name
            response = fhir_error(status, code, diagnostics)
            for name, value in error.get_headers() if not isinstance(error, Problem) else ():
                if name.lower() == "allow":
                    response.headers[name] = value
            return response
        return general(error) if general else error

    app.register_error_handler(HTTPException, handle)
