"""Clinical codes in front matter: systems by URI, OID or urn:oid; unknown systems, malformed codes
and duplicates stop loading with one line naming the file and the code's line; the seed's codes."""

from __future__ import annotations

import pytest

from contentapi.content import ContentError, load_library
from contentapi.content.codes import CPT, ICD_10_PCS, SNOMED_CT, parse_code_query, verhoeff_valid
from tests.content.test_loader import GOOD, SEED, write

CODES = """codes:
  - {system: "2.16.840.1.113883.6.12", code: "22513", display: "Vertebral augmentation, thoracic"}
  - {system: "urn:oid:2.16.840.1.113883.6.4", code: "0QU03JZ", display: "Supplement lumbar vertebra"}
  - {system: "http://snomed.info/sct", code: "71388002", display: "Procedure"}
"""


def with_codes(codes: str) -> str:
    return GOOD.format(slug="coded").replace("attribution: Example hospital.\n", "attribution: Example hospital.\n" + codes)


def test_codes_by_uri_oid_and_urn_are_kept_under_their_uri(tmp_path):
    write(tmp_path, "coded.md", with_codes(CODES))
    library = load_library(tmp_path)
    procedure = library.get("coded")
    assert [(code.system, code.code) for code in procedure.codes] == [(CPT, "22513"), (ICD_10_PCS, "0QU03JZ"),
                                                                      (SNOMED_CT, "71388002")]
    assert library.by_code("http://www.ama-assn.org/go/cpt", "22513") == [procedure]
    assert library.by_code("2.16.840.1.113883.6.96", "71388002") == [procedure]
    assert library.by_code(CPT, "22514") == []


@pytest.mark.parametrize(("entry", "message"), [
    ('{system: "http://loinc.org", code: "1234-5", display: "x"}', 'unknown code system "http://loinc.org"'),
    ('{system: "2.16.840.1.113883.6.12", code: "2251", display: "x"}', 'malformed CPT code "2251"'),
    ('{system: "2.16.840.1.113883.6.4", code: "0QU03IZ", display: "x"}', 'malformed ICD-10-PCS code "0QU03IZ"'),
    ('{system: "http://snomed.info/sct", code: "71388003", display: "x"}', 'malformed SNOMED CT code "71388003"'),
    ('{system: "2.16.840.1.113883.6.12", code: "22513"}', "needs a display text"),
    ('{system: "2.16.840.1.113883.6.12", code: "22513", display: "x", extra: 1}', "system, code and display only"),
    ('{system: "2.16.840.1.113883.6.12", code: "22510", display: "y"}', "listed twice (also line 9)"),
])
def test_a_bad_code_stops_loading_with_one_line(tmp_path, entry, message):
    codes = 'codes:\n  - {system: "http://www.ama-assn.org/go/cpt", code: "22510", display: "x"}\n  - ' + entry + "\n"
    path = write(tmp_path, "coded.md", with_codes(codes))
    with pytest.raises(ContentError) as raised:
        load_library(tmp_path)
    assert str(raised.value).startswith(f"{path}:10: ") and message in str(raised.value)
    assert "\n" not in str(raised.value)


def test_the_seed_carries_the_cpt_range_and_cites_its_sources():
    procedure = load_library(SEED.parent).get("kyphoplasty-and-vertebroplasty")
    assert {code.code for code in procedure.codes if code.system == CPT} == {f"2251{n}" for n in range(6)}
    assert {code.code for code in procedure.codes if code.system == ICD_10_PCS} == {"0QU03JZ", "0QU13JZ"}
    text = SEED.read_text(encoding="utf-8")
    assert "Sources" in text and "NOT CONFIRMED" in text  # every code cites where it came from


def test_verhoeff_check_digits_of_snomed_identifiers_from_the_cds_hooks_example():
    assert all(verhoeff_valid(code) for code in ("226211001", "228055009", "439021000124105", "442971000124100"))
    assert not verhoeff_valid("226211002")


@pytest.mark.parametrize("value", ["22513", "|22513", "http://loinc.org|1", "2.16.840.1.113883.6.12|"])
def test_a_code_query_must_be_one_of_our_systems_and_a_code(value):
    with pytest.raises(ValueError):
        parse_code_query(value)
