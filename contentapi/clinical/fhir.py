"""FHIR R4 (4.0.1) resources of our procedures: one DocumentReference per procedure and language,
the searchset Bundle of a search, the server's CapabilityStatement, and OperationOutcome errors.

Plain Python, dictionaries in FHIR's JSON form. A DocumentReference points at the HTML page and the
JSON document of one procedure in one locale (``content.attachment`` with language, title, SHA-1 hash
and size, as FHIR defines Attachment.hash) and carries the procedure's codes in ``type`` and
``context.related`` (logical references by identifier), so an EHR finds it by the code it ordered.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from contentapi.clinical.documents import ClinicalCatalog, ClinicalDocument, fhir_hash, iso_instant
from contentapi.content.codes import code_system

FHIR_JSON = "application/fhir+json"
FHIR_VERSION = "4.0.1"
MAX_ID = 64  # FHIR ids: [A-Za-z0-9\-\.]{1,64}
DEFAULT_COUNT = 50
MAX_COUNT = 500
SEARCH_PARAMETERS = ("code", "type", "language", "_id", "_count", "_offset")
_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")


class FhirError(ValueError):
    """A request FHIR answers with an OperationOutcome: ``status`` and the issue's ``code``."""

    def __init__(self, status: int, code: str, diagnostics: str):
        super().__init__(diagnostics)
        self.status = status
        self.code = code
        self.diagnostics = diagnostics


def operation_outcome(code: str, diagnostics: str, severity: str = "error") -> dict:
    """An OperationOutcome with one issue (``code`` from FHIR's IssueType: invalid, not-found...)."""
    return {"resourceType": "OperationOutcome",
            "issue": [{"severity": severity, "code": code, "diagnostics": diagnostics}]}


def resource_id(slug: str, locale: str) -> str:
    """The DocumentReference id of a procedure in a locale: ``slug-locale`` when it fits FHIR's 64
    characters, else a digest of the slug with the locale."""
    plain = f"{slug}-{locale}"
    if len(plain) <= MAX_ID:
        return plain
    return f"{hashlib.sha256(slug.encode()).hexdigest()[:MAX_ID - len(locale) - 1]}-{locale}"


def _coding(code) -> dict:
    return {"system": code.system, "code": code.code, "display": code.display}


def document_reference(document: ClinicalDocument) -> dict:
    """One procedure in one locale as a FHIR R4 DocumentReference."""
    title = document.title
    resource = {
        "resourceType": "DocumentReference",
        "id": resource_id(document.slug, document.locale),
        "meta": {"lastUpdated": iso_instant(document.updated)},
        "language": document.locale,
        "masterIdentifier": {"system": "urn:ietf:rfc:3986", "value": document.page_url},
        "status": "current",
        "docStatus": "final",
        "type": {"coding": [_coding(code) for code in document.codes], "text": title},
        "category": [{"text": "Patient education"}],
        "date": iso_instant(document.updated),
        "description": document.summary,
        "content": [
            {"attachment": {"contentType": "text/html", "language": document.locale, "url": document.page_url,
                            "size": len(document.html.body), "hash": fhir_hash(document.html), "title": title}},
            {"attachment": {"contentType": "application/json", "language": document.locale, "url": document.json_url,
                            "size": len(document.json.body), "hash": fhir_hash(document.json), "title": title}},
        ],
    }
    if not document.codes:
        resource["type"].pop("coding")
    related = [{"identifier": {"system": code.system, "value": code.code}, "display": code.display}
               for code in document.codes]
    if related:
        resource["context"] = {"related": related}
    return resource


def read(catalog: ClinicalCatalog, identifier: str) -> dict:
    """``GET /fhir/DocumentReference/{id}`` (FhirError 404 when no procedure and locale has this id)."""
    if not _ID.match(identifier):
        raise FhirError(404, "not-found", "DocumentReference ids are 1 to 64 letters, digits, '-' and '.'")
    for locale in catalog.locales:
        if identifier.endswith(f"-{locale}"):
            for procedure in catalog.service.library:
                if resource_id(procedure.slug, locale) == identifier:
                    return document_reference(catalog.document(procedure, locale))
    raise FhirError(404, "not-found", f"There is no DocumentReference {identifier!r}; search /fhir/DocumentReference?code=SYSTEM|CODE")


@dataclass(frozen=True)
class CodeToken:
    """One value of a token search parameter, as FHIR reads it: ``system|code``, ``code`` (any
    system), ``system|`` (any code of the system) or ``|code`` (a code without a system)."""

    system: str | None  # our canonical URI; None: any system
    code: str | None  # None: any code
    matches_nothing: bool = False  # a system we do not carry, or "no system" (ours all have one)

    def matches(self, procedure) -> bool:
        """True when one of the procedure's codes is this token."""
        if self.matches_nothing:
            return False
        return any((self.system is None or code.system == self.system) and (self.code is None or code.code == self.code)
                   for code in procedure.codes)


def parse_token(value: str) -> CodeToken:
    """A token value (FhirError 400 when it names neither a system nor a code)."""
    system, separator, code = value.partition("|")
    system, code = system.strip(), code.strip()
    if not separator:
        system, code = "", system
        if not code:
            raise FhirError(400, "invalid", "code must be SYSTEM|CODE, CODE or SYSTEM|, for example "
                                            "http://www.ama-assn.org/go/cpt|22513")
        return CodeToken(None, code)
    if not system and not code:
        raise FhirError(400, "invalid", "code must be SYSTEM|CODE, CODE or SYSTEM|, not a lone '|'")
    if not system:
        return CodeToken(None, code, matches_nothing=True)  # |code: no system; every code of ours has one
    named = code_system(system)
    if named is None:
        return CodeToken(system, code or None, matches_nothing=True)  # a system we do not carry: no match
    return CodeToken(named.uri, code or None)


@dataclass(frozen=True)
class Search:
    """A DocumentReference search: codes (``code`` and ``type``: each parameter a list of tokens, any of
    which matches; every parameter must match), languages, ids, and a page."""

    codes: tuple[tuple[CodeToken, ...], ...]
    languages: tuple[str, ...] | None
    ids: tuple[str, ...] | None
    count: int
    offset: int

    def matches(self, procedure) -> bool:
        """True when the procedure satisfies every code parameter."""
        return all(any(token.matches(procedure) for token in tokens) for tokens in self.codes)


def _integer(arguments, name: str, default: int, maximum: int) -> int:
    value = arguments.get(name, [str(default)])[-1]
    if not re.fullmatch(r"[0-9]{1,7}", value):
        raise FhirError(400, "invalid", f"{name} must be a whole number")
    return min(int(value), maximum)


def parse_search(arguments) -> Search:
    """Read the search parameters (name -> values). Unknown parameters are ignored, as FHIR's default
    lenient handling says; a malformed known one is FhirError 400. Token parameters follow FHIR:
    commas separate alternatives (OR), a repeated parameter must match each time (AND)."""
    codes = []
    for name in ("code", "type"):
        for value in arguments.get(name, []):
            if len(value) > 2000:
                raise FhirError(400, "invalid", f"{name} is too long")
            codes.append(tuple(parse_token(part) for part in value.split(",")))
    languages = None
    if "language" in arguments:
        languages = tuple(part.strip() for value in arguments["language"] for part in value.split(",") if part.strip())
        if not languages or any(not re.fullmatch(r"[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8}){0,4}", tag) for tag in languages):
            raise FhirError(400, "invalid", "language must be language codes such as es or zh-Hans, comma-separated")
    ids = None
    if "_id" in arguments:
        ids = tuple(part for value in arguments["_id"] for part in value.split(",") if part)
    return Search(tuple(codes), languages, ids, _integer(arguments, "_count", DEFAULT_COUNT, MAX_COUNT),
                  _integer(arguments, "_offset", 0, 10_000_000))


def search(catalog: ClinicalCatalog, query: Search, self_url: str, next_url) -> dict:
    """``GET /fhir/DocumentReference?...``: a searchset Bundle of every match, one page of it
    (``_count=0``: the total only).

    ``next_url(offset)`` makes the link to the following page.
    """
    procedures = [procedure for procedure in catalog.service.library if query.matches(procedure)]
    wanted = None if query.languages is None else {tag.replace("_", "-").lower() for tag in query.languages}
    locales = [locale for locale in catalog.locales if wanted is None or locale.lower() in wanted]
    matches = [(procedure, locale) for procedure in procedures for locale in locales
               if query.ids is None or resource_id(procedure.slug, locale) in query.ids]
    page = matches[query.offset:query.offset + query.count]
    bundle = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(matches),
        "link": [{"relation": "self", "url": self_url}],
        "entry": [],
    }
    if query.count and query.offset + query.count < len(matches):
        bundle["link"].append({"relation": "next", "url": next_url(query.offset + query.count)})
    for procedure, locale in page:
        resource = document_reference(catalog.document(procedure, locale))
        bundle["entry"].append({"fullUrl": f"{catalog.base_url}/fhir/DocumentReference/{resource['id']}",
                                "resource": resource, "search": {"mode": "match"}})
    if not bundle["entry"]:
        bundle.pop("entry")
    return bundle


def capability_statement(base_url: str, date: str) -> dict:
    """``GET /fhir/metadata``: what this server does (read and search DocumentReference, JSON)."""
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": date,
        "publisher": "contentapi",
        "kind": "instance",
        "software": {"name": "contentapi"},
        "implementation": {"description": "Patient-education pages about procedures, by clinical code",
                           "url": base_url + "/fhir"},
        "fhirVersion": FHIR_VERSION,
        "format": ["json"],
        "rest": [{
            "mode": "server",
            "resource": [{
                "type": "DocumentReference",
                "interaction": [{"code": "read"}, {"code": "search-type"}],
                "searchParam": [
                    {"name": "code", "type": "token",
                     "documentation": "A procedure code: SYSTEM|CODE (system by URI or OID: SNOMED CT, CPT, "
                                      "ICD-10-PCS), CODE in any system, or SYSTEM| for any code of it; commas for "
                                      "alternatives"},
                    {"name": "type", "type": "token", "documentation": "The same as code"},
                    {"name": "language", "type": "token", "documentation": "A served locale, such as es or zh-Hans"},
                    {"name": "_id", "type": "token"},
                    {"name": "_count", "type": "number", "documentation": f"Page size, at most {MAX_COUNT}; 0 for the total only"},
                ],
            }],
        }],
    }
