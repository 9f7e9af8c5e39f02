"""HL7 Infobutton knowledge requests (URL-based implementation guide, Release 4) and their
responses (the SOA implementation guide's Atom feed, or its JSON rendering as MedlinePlus Connect
serves it).

Plain Python. A request names one or more concepts (``mainSearchCriteria.v.c`` with its code system
OID ``mainSearchCriteria.v.cs``, more as ``.c1``/``.cs1``...; or, as the guide allows, only a name,
``mainSearchCriteria.v.dn`` or ``.ot``), the recipient (``informationRecipient`` PAT, PROV or PAYOR, and
its ``languageCode.c``), the task (``taskContext.c.c``) and the response type (``knowledgeResponseType``).
Every procedure carrying a requested code, or whose names hold every word of a requested name, is one
entry, in the requested language through our usual matching (``es-MX`` is ``es``; a language we do not
serve is English). No match is an empty feed; a parameter that cannot be what the guide allows is an
InfobuttonError (400).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from xml.etree import ElementTree

from contentapi.clinical.documents import ClinicalCatalog, ClinicalDocument, iso_instant

ATOM_NS = "http://www.w3.org/2005/Atom"
ATOM = "application/atom+xml"
JSON = "application/json"
# knowledgeResponseType values the guide names, and the one we answer for each.
RESPONSE_TYPES = {"text/xml": ATOM, "application/xml": ATOM, ATOM: ATOM, JSON: JSON}
RECIPIENTS = ("PAT", "PROV", "PAYOR")
MAX_CRITERIA = 20
MAX_NAME = 200  # characters of a display name or original text
_OID = re.compile(r"^[0-2](\.(0|[1-9][0-9]{0,9})){1,30}$")
_TOKEN = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")
_CRITERION = re.compile(r"^mainSearchCriteria\.v\.(c|cs|dn|ot)([0-9]{0,2})$")
_AGE_UNITS = ("a", "mo", "wk", "d", "h", "min")
FEED_TITLE = "Patient education"


class InfobuttonError(ValueError):
    """A knowledge request the guide does not allow; the message says which parameter and why."""


@dataclass(frozen=True)
class Criterion:
    """One main search criterion: a code and its code system OID (display and original text kept), or
    only a name (``code`` and maybe ``system`` None: the display name, else the original text)."""

    code: str | None
    system: str | None
    display: str | None = None
    original_text: str | None = None

    @property
    def name(self) -> str | None:
        """What a criterion without a code is matched by: its display name, else its original text."""
        return (self.display or "").strip() or (self.original_text or "").strip() or None


@dataclass(frozen=True)
class KnowledgeRequest:
    """A parsed knowledge request."""

    criteria: tuple[Criterion, ...]
    language: str | None  # informationRecipient.languageCode.c as sent
    recipient: str | None
    task: str | None
    response_type: str  # ATOM or JSON


def _single(arguments: Mapping[str, list[str]], name: str) -> str | None:
    values = arguments.get(name) or []
    if len(values) > 1:
        raise InfobuttonError(f"{name} is given {len(values)} times; send it once")
    return values[0] if values else None


def parse_request(arguments: Mapping[str, list[str]]) -> KnowledgeRequest:
    """Read a knowledge request from its URL parameters (name -> every value given).

    Parameters the guide defines that we do not use (patient age and gender, performer,
    organization...) are accepted and ignored when well-formed.
    """
    groups: dict[str, dict[str, str]] = {}
    for name in arguments:
        match = _CRITERION.match(name)
        if match:
            part, suffix = match.groups()
            groups.setdefault(suffix, {})[part] = _single(arguments, name) or ""
    if len(groups) > MAX_CRITERIA:
        raise InfobuttonError(f"at most {MAX_CRITERIA} main search criteria are accepted")
    criteria = []
    for suffix, group in sorted(groups.items(), key=lambda item: int(item[0] or 0)):
        code, system = group.get("c", "").strip(), group.get("cs", "").strip()
        display, original = group.get("dn", "").strip() or None, group.get("ot", "").strip() or None
        name = f"mainSearchCriteria.v.c{suffix}"
        for text, parameter in ((display, "dn"), (original, "ot")):
            if text is not None and len(text) > MAX_NAME:
                raise InfobuttonError(f"mainSearchCriteria.v.{parameter}{suffix} may have at most {MAX_NAME} characters")
        if system and not _OID.match(system):
            raise InfobuttonError(f"mainSearchCriteria.v.cs{suffix} must be an OID such as 2.16.840.1.113883.6.96, "
                                  f"not {system[:60]!r}")
        if not code:
            if display or original:
                criteria.append(Criterion(None, system or None, display, original))  # a concept named only
                continue
            if system:
                raise InfobuttonError(f"{name} is missing: mainSearchCriteria.v.cs{suffix} names a code system but "
                                      f"neither a code nor a name (mainSearchCriteria.v.dn{suffix})")
            continue
        if not system:
            raise InfobuttonError(f"mainSearchCriteria.v.cs{suffix} is missing: {name} needs the OID of its code system "
                                  "(for example 2.16.840.1.113883.6.12 for CPT)")
        if len(code) > 64 or any(character.isspace() for character in code):
            raise InfobuttonError(f"{name} must be a code of at most 64 characters without spaces")
        criteria.append(Criterion(code, system, display, original))
    if not criteria:
        raise InfobuttonError("mainSearchCriteria.v.c and mainSearchCriteria.v.cs are required: the code to find "
                              "and the OID of its code system (or mainSearchCriteria.v.dn, a name)")
    recipient = _single(arguments, "informationRecipient")
    if recipient is not None and recipient not in RECIPIENTS:
        raise InfobuttonError(f"informationRecipient must be one of {', '.join(RECIPIENTS)}")
    task = _single(arguments, "taskContext.c.c")
    if task is not None and not _TOKEN.match(task):
        raise InfobuttonError("taskContext.c.c must be a code such as PROBLISTREV or OE")
    requested_type = _single(arguments, "knowledgeResponseType")
    response_type = ATOM if requested_type is None else RESPONSE_TYPES.get(requested_type.strip().lower())
    if response_type is None:
        raise InfobuttonError("knowledgeResponseType must be text/xml (Atom, the default) or application/json")
    age = _single(arguments, "age.v.v")
    if age is not None and not re.fullmatch(r"[0-9]{1,3}(\.[0-9]{1,2})?", age):
        raise InfobuttonError("age.v.v must be a number")
    unit = _single(arguments, "age.v.u")
    if unit is not None and unit not in _AGE_UNITS:
        raise InfobuttonError(f"age.v.u must be one of {', '.join(_AGE_UNITS)}")
    return KnowledgeRequest(tuple(criteria), _single(arguments, "informationRecipient.languageCode.c"),
                            recipient, task, response_type)


@dataclass(frozen=True)
class KnowledgeResponse:
    """The feed: what was asked (as categories) and one entry per matching procedure."""

    request: KnowledgeRequest
    locale: str
    entries: tuple[ClinicalDocument, ...]
    base_url: str


def answer(catalog: ClinicalCatalog, request: KnowledgeRequest) -> KnowledgeResponse:
    """Every procedure carrying one of the requested codes, in the requested language, once each."""
    try:
        locale = catalog.locale_for(request.language)
    except ValueError as error:
        raise InfobuttonError(f"informationRecipient.languageCode.c: {error}") from None
    found: dict[str, ClinicalDocument] = {}
    for criterion in request.criteria:
        if criterion.code is not None:
            procedures = catalog.by_code(criterion.system, criterion.code)
        else:
            procedures = catalog.by_name(criterion.name, locale)
        for procedure in procedures:
            found.setdefault(procedure.slug, catalog.document(procedure, locale))
    return KnowledgeResponse(request, locale, tuple(found.values()), catalog.base_url)


def _categories(response: KnowledgeResponse) -> list[tuple[str, str]]:
    out = []
    for number, criterion in enumerate(response.request.criteria):
        suffix = str(number) if number else ""
        for part, value in (("c", criterion.code), ("cs", criterion.system), ("dn", criterion.display),
                            ("ot", criterion.original_text)):
            if value is not None and (part in ("c", "cs") or criterion.code is None):
                out.append((f"mainSearchCriteria.v.{part}{suffix}", value))
    out.append(("informationRecipient.languageCode.c", response.locale))
    if response.request.recipient:
        out.append(("informationRecipient", response.request.recipient))
    if response.request.task:
        out.append(("taskContext.c.c", response.request.task))
    return out


def _feed_updated(response: KnowledgeResponse) -> str:
    moments = [entry.updated for entry in response.entries]
    return iso_instant(max(moments)) if moments else "1970-01-01T00:00:00Z"


def _feed_id(response: KnowledgeResponse, query: str) -> str:
    return f"{response.base_url}/infobutton?{query}"


def atom_feed(response: KnowledgeResponse, query: str) -> bytes:
    """The response as an Atom 1.0 feed (RFC 4287), as the SOA implementation guide profiles it."""
    ElementTree.register_namespace("", ATOM_NS)

    def element(parent, tag: str, text: str | None = None, **attributes) -> ElementTree.Element:
        node = ElementTree.SubElement(parent, f"{{{ATOM_NS}}}{tag}", {k.replace("_", ":"): v for k, v in attributes.items()})
        if text is not None:
            node.text = text
        return node

    feed = ElementTree.Element(f"{{{ATOM_NS}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": response.locale,
                                                      "{http://www.w3.org/XML/1998/namespace}base": response.base_url + "/"})
    element(feed, "title", FEED_TITLE, type="text")
    element(feed, "subtitle", f"{len(response.entries)} matching procedure(s)", type="text")
    author = element(feed, "author")
    element(author, "name", "contentapi")
    element(author, "uri", response.base_url + "/")
    element(feed, "updated", _feed_updated(response))
    element(feed, "id", _feed_id(response, query))
    for scheme, term in _categories(response):
        element(feed, "category", scheme=scheme, term=term)
    for entry in response.entries:
        node = element(feed, "entry", **{"{http://www.w3.org/XML/1998/namespace}lang": entry.locale})
        element(node, "title", entry.title, type="text")
        element(node, "link", href=entry.page_url, rel="alternate", type="text/html", hreflang=entry.locale, title=entry.title)
        element(node, "link", href=entry.json_url, rel="alternate", type="application/json", hreflang=entry.locale)
        element(node, "id", entry.page_url)
        element(node, "updated", iso_instant(entry.updated))
        element(node, "summary", entry.summary, type="text")
        for code in entry.codes:
            element(node, "category", scheme=code.oid, term=code.code, label=code.display)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ElementTree.tostring(feed, encoding="utf-8", xml_declaration=False)


def json_feed(response: KnowledgeResponse, query: str) -> dict:
    """The response as JSON in the shape MedlinePlus Connect gives the same feed (attributes as keys,
    text as ``_value``)."""
    return {"feed": {
        "lang": response.locale,
        "base": response.base_url + "/",
        "title": {"_value": FEED_TITLE, "type": "text"},
        "subtitle": {"_value": f"{len(response.entries)} matching procedure(s)", "type": "text"},
        "author": {"name": {"_value": "contentapi"}, "uri": {"_value": response.base_url + "/"}},
        "updated": {"_value": _feed_updated(response)},
        "id": {"_value": _feed_id(response, query)},
        "category": [{"scheme": scheme, "term": term} for scheme, term in _categories(response)],
        "entry": [{
            "lang": entry.locale,
            "title": {"_value": entry.title, "type": "text"},
            "link": [{"href": entry.page_url, "rel": "alternate", "type": "text/html", "hreflang": entry.locale,
                      "title": entry.title},
                     {"href": entry.json_url, "rel": "alternate", "type": "application/json", "hreflang": entry.locale}],
            "id": {"_value": entry.page_url},
            "updated": {"_value": iso_instant(entry.updated)},
            "summary": {"_value": entry.summary, "type": "text"},
            "category": [{"scheme": code.oid, "term": code.code, "label": code.display} for code in entry.codes],
        } for entry in response.entries],
    }}
