"""HL7 Infobutton over real HTTP, with request examples from the URL-based implementation guide, from
the literature that cites it and from MedlinePlus Connect clients: every example is accepted, a code we
do not carry is an empty feed, our codes (or our procedure's names, for a concept given only by name)
give the procedure in the requested language, and malformed parameters are 400."""

from __future__ import annotations

from urllib.parse import quote
from xml.etree import ElementTree

import pytest

from tests.helpers import SLUG

ATOM = "{http://www.w3.org/2005/Atom}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
CPT = "2.16.840.1.113883.6.12"

# The URL-based implementation guide's example (appendix), as an open-source parameter parser quotes
# it in its test, placeholder included (URL-encoded as a client sends it): an ICD-10-CM problem code, for a patient, Atom as text/XML.
GUIDE_EXAMPLE = (
    "representedOrganization.id.root=%5BOID+of+the+organization+submitting+the+request%5D&taskContext.c.c=PROBLISTREV"
    "&mainSearchCriteria.v.c=E11&mainSearchCriteria.v.cs=2.16.840.1.113883.6.90"
    "&mainSearchCriteria.v.dn=Type+2+Diabetes+Mellitus&mainSearchCriteria.v.ot=diabetes+type+2"
    "&patientPerson.administrativeGenderCode.c=M&age.v.v=45&age.v.u=a&informationRecipient=PAT&performer=PROV"
    "&performer.languageCode.c=en&performer.healthCareProvider.c.c=163W00000X&knowledgeResponseType=text/XML"
)
# "HL7 IB example request implemented as a URL" (Del Fiol et al., ACI 2016, table 1): an RxNorm drug
# code, for a provider, JSON.
ACI_EXAMPLE = (
    "representedOrganization.id.root=1.3.6.1.4.1.3768&patientPerson.administrativeGenderCode.c=F&age.v.v=67"
    "&age.v.u=a&mainSearchCriteria.v.c=749196&mainSearchCriteria.v.cs=2.16.840.1.113883.6.88"
    "&mainSearchCriteria.v.dn=Clopidogrel&performer=PROV&taskContext.c.c=MLREV&informationRecipient=PROV"
    "&knowledgeResponseType=application/json"
)

# Requests open-source MedlinePlus Connect clients send (MedlinePlus Connect follows the same guide): an
# ICD-9-CM code in Spanish as JSON, an ICD-10-CM code with an empty display name, and drugs named only
# (the guide lets a criterion be a name without a code), one with the NDC system's OID, one for a provider.
MEDLINEPLUS_CLIENT_EXAMPLES = [
    "mainSearchCriteria.v.cs=2.16.840.1.113883.6.103&mainSearchCriteria.v.c=250&knowledgeResponseType=application/json"
    "&informationRecipient.languageCode.c=es",
    "knowledgeResponseType=application%2Fjson&mainSearchCriteria.v.cs=2.16.840.1.113883.6.90"
    "&mainSearchCriteria.v.c=J45.40&mainSearchCriteria.v.dn=&informationRecipient.languageCode.c=en",
    "mainSearchCriteria.v.cs=2.16.840.1.113883.6.69&mainSearchCriteria.v.dn=Aspirin&informationRecipient.languageCode.c=en"
    "&knowledgeResponseType=application/json",
    "mainSearchCriteria.v.dn=Clopidogrel&informationRecipient=PROV&knowledgeResponseType=application/json",
]


def atom(response) -> ElementTree.Element:
    """The feed, checked against what RFC 4287 requires of a feed and of each entry."""
    assert response.status == 200
    assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    feed = ElementTree.fromstring(response.body)
    assert feed.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated", "author"):
        assert feed.find(f"{ATOM}{required}") is not None, required
    for entry in feed.findall(f"{ATOM}entry"):
        for required in ("id", "title", "updated", "summary"):
            assert entry.find(f"{ATOM}{required}") is not None, required
        assert entry.find(f"{ATOM}link[@rel='alternate']") is not None
    return feed


def with_our_code(example: str, code: str = "22513", system: str = CPT) -> str:
    """The example with its main search criterion replaced by one of our codes."""
    parts = [part for part in example.split("&") if not part.startswith("mainSearchCriteria.v.c")]
    return "&".join(parts + [f"mainSearchCriteria.v.c={code}", f"mainSearchCriteria.v.cs={system}"])


def test_the_guides_example_is_accepted_and_answers_an_empty_feed(live_server):
    feed = atom(live_server.get(f"/infobutton?{GUIDE_EXAMPLE}"))
    assert feed.findall(f"{ATOM}entry") == []
    categories = {(c.get("scheme"), c.get("term")) for c in feed.findall(f"{ATOM}category")}
    assert ("mainSearchCriteria.v.c", "E11") in categories and ("taskContext.c.c", "PROBLISTREV") in categories


def test_the_aci_example_is_accepted_and_answers_empty_json(live_server):
    response = live_server.get(f"/infobutton?{ACI_EXAMPLE}")
    assert response.status == 200 and response.headers["Content-Type"] == "application/json"
    assert response.json()["feed"]["entry"] == []


def test_our_code_in_the_guides_example_gives_the_procedure_in_spanish(live_server):
    query = with_our_code(GUIDE_EXAMPLE) + "&informationRecipient.languageCode.c=es"
    response = live_server.get(f"/infobutton?{query}")
    feed = atom(response)
    assert response.headers["Content-Language"] == "es"
    [entry] = feed.findall(f"{ATOM}entry")
    assert entry.get(XML_LANG) == "es"
    assert entry.find(f"{ATOM}title").text == "Cifoplastia y vertebroplastia"
    link = entry.find(f"{ATOM}link[@type='text/html']")
    assert link.get("hreflang") == "es" and link.get("href").endswith(f"/es/procedures/{SLUG}")
    page = live_server.get(link.get("href").split(str(live_server.port), 1)[1])
    assert page.status == 200 and page.headers["Content-Language"] == "es"


@pytest.mark.parametrize(("tag", "served"), [("es-MX", "es"), ("zh-CN", "zh-Hans"), ("fr", "en"), (None, "en")])
def test_the_language_goes_through_our_matching(live_server, tag, served):
    query = with_our_code(ACI_EXAMPLE, "0QU03JZ", "2.16.840.1.113883.6.4")
    if tag:
        query += f"&informationRecipient.languageCode.c={tag}"
    document = live_server.get(f"/infobutton?{query}").json()["feed"]
    [entry] = document["entry"]
    assert document["lang"] == served and entry["lang"] == served
    assert entry["link"][0]["href"].endswith(f"/{served}/procedures/{SLUG}")
    assert entry["title"]["_value"] and entry["summary"]["_value"] and entry["updated"]["_value"].endswith("Z")


@pytest.mark.parametrize("query", MEDLINEPLUS_CLIENT_EXAMPLES)
def test_what_medlineplus_connect_clients_send_is_accepted(live_server, query):
    response = live_server.get(f"/infobutton?{query}")
    assert response.status == 200 and response.headers["Content-Type"] == "application/json"
    feed = response.json()["feed"]
    assert feed["entry"] == [] and feed["lang"] == ("es" if "languageCode.c=es" in query else "en")


@pytest.mark.parametrize(("name", "language", "title"), [
    ("mainSearchCriteria.v.dn=Balloon+Kyphoplasty", "es", "Cifoplastia y vertebroplastia"),  # an English name
    ("mainSearchCriteria.v.ot=" + quote("cifoplastía"), "es", "Cifoplastia y vertebroplastia"),  # a Spanish one, accented
    ("mainSearchCriteria.v.cs=2.16.840.1.113883.6.12&mainSearchCriteria.v.dn=vertebroplasty", None,
     "Kyphoplasty and vertebroplasty"),
])
def test_a_concept_named_without_a_code_finds_the_procedure_by_its_names(live_server, name, language, title):
    query = name + (f"&informationRecipient.languageCode.c={language}" if language else "")
    [entry] = atom(live_server.get(f"/infobutton?{query}")).findall(f"{ATOM}entry")
    assert entry.find(f"{ATOM}title").text == title


@pytest.mark.parametrize("name", ["kyphoplasty+of+the+knee", "vertebro", "Clopidogrel"])
def test_a_name_finds_a_procedure_only_when_its_names_hold_every_word(live_server, name):
    assert atom(live_server.get(f"/infobutton?mainSearchCriteria.v.dn={name}")).findall(f"{ATOM}entry") == []


def test_several_codes_find_each_procedure_once(live_server):
    query = ("mainSearchCriteria.v.c=22510&mainSearchCriteria.v.cs=" + CPT
             + "&mainSearchCriteria.v.c1=22513&mainSearchCriteria.v.cs1=" + CPT
             + "&mainSearchCriteria.v.c2=E11&mainSearchCriteria.v.cs2=2.16.840.1.113883.6.90")
    feed = atom(live_server.get(f"/infobutton?{query}"))
    assert len(feed.findall(f"{ATOM}entry")) == 1


@pytest.mark.parametrize("query", [
    "",  # no criterion
    "mainSearchCriteria.v.c=22513",  # no code system
    "mainSearchCriteria.v.cs=" + CPT,  # no code
    "mainSearchCriteria.v.c=22513&mainSearchCriteria.v.cs=CPT",  # a name, not an OID
    f"mainSearchCriteria.v.c=22513&mainSearchCriteria.v.cs={CPT}&informationRecipient=NURSE",
    f"mainSearchCriteria.v.c=22513&mainSearchCriteria.v.cs={CPT}&knowledgeResponseType=text/html",
    f"mainSearchCriteria.v.c=22513&mainSearchCriteria.v.cs={CPT}&informationRecipient.languageCode.c=" + quote("es!!"),
    f"mainSearchCriteria.v.c=22513&mainSearchCriteria.v.cs={CPT}&age.v.v=old",
    f"mainSearchCriteria.v.c=22513&mainSearchCriteria.v.c=22514&mainSearchCriteria.v.cs={CPT}",
    "mainSearchCriteria.v.cs=CPT&mainSearchCriteria.v.dn=kyphoplasty",  # a name with a system that is no OID
    "mainSearchCriteria.v.dn=" + "a" * 201,
    "mainSearchCriteria.v.dn=&mainSearchCriteria.v.ot=",  # nothing to find
])
def test_malformed_requests_are_400_problems(live_server, query):
    response = live_server.get(f"/infobutton?{query}")
    assert response.status == 400
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["detail"]
