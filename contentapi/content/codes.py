"""Clinical codes of procedures: the code systems we accept, named by URI or by OID, and what a
well-formed code of each looks like.

Plain Python. Hospital systems name a procedure by a code of one of these systems (HL7 Infobutton
by OID, FHIR and CDS Hooks by URI); a procedure file lists its codes once and every interface
matches against the same list. A code system we do not list, a code that is not of its system's
form, and the same code twice are refused when the file is loaded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class CodeSystem:
    """A code system: its FHIR URI, its HL7 OID, a short name and the form of its codes."""

    uri: str
    oid: str
    name: str
    pattern: re.Pattern
    form: str  # what a well-formed code looks like, for messages

    def well_formed(self, code: str) -> bool:
        """True when ``code`` has this system's form (and, for SNOMED CT, its check digit)."""
        if not self.pattern.fullmatch(code):
            return False
        return verhoeff_valid(code) if self.uri == SNOMED_CT else True


SNOMED_CT = "http://snomed.info/sct"
CPT = "http://www.ama-assn.org/go/cpt"
ICD_10_PCS = "http://www.cms.gov/Medicare/Coding/ICD10"

CODE_SYSTEMS: tuple[CodeSystem, ...] = (
    # SNOMED CT identifiers: 6 to 18 digits, the last a Verhoeff check digit.
    CodeSystem(SNOMED_CT, "2.16.840.1.113883.6.96", "SNOMED CT", re.compile(r"[1-9][0-9]{5,17}"),
               "6 to 18 digits ending in a Verhoeff check digit"),
    # CPT: category I is five digits; categories II and III are four digits and F or T.
    CodeSystem(CPT, "2.16.840.1.113883.6.12", "CPT", re.compile(r"[0-9]{5}|[0-9]{4}[FT]"),
               "five digits, or four digits and F or T"),
    # ICD-10-PCS: seven characters of digits and letters, never I or O (they read as 1 and 0).
    CodeSystem(ICD_10_PCS, "2.16.840.1.113883.6.4", "ICD-10-PCS", re.compile(r"[0-9A-HJ-NP-Z]{7}"),
               "seven digits or capital letters other than I and O"),
)
_BY_NAME = {name: system for system in CODE_SYSTEMS for name in (system.uri, system.oid, f"urn:oid:{system.oid}")}


def code_system(name: str) -> CodeSystem | None:
    """The code system a URI, an OID or a ``urn:oid:`` names, or None."""
    return _BY_NAME.get(name.strip()) if isinstance(name, str) else None


def known_systems() -> str:
    """Every accepted system name, for messages."""
    return ", ".join(f"{system.uri} or {system.oid} ({system.name})" for system in CODE_SYSTEMS)


@dataclass(frozen=True)
class Code:
    """One code of a procedure: its system (the canonical URI), the code and a display text."""

    system: str
    code: str
    display: str

    @property
    def oid(self) -> str:
        """The HL7 OID of the code's system."""
        return code_system(self.system).oid

    def matches(self, system: str, code: str) -> bool:
        """True when ``system`` (URI, OID or urn:oid) and ``code`` name this code."""
        named = code_system(system)
        return named is not None and named.uri == self.system and code.strip() == self.code


class CodeError(ValueError):
    """A code that cannot be used; the message says why in a few words."""


def parse_code(system: object, code: object, display: object) -> Code:
    """A checked code (CodeError with the reason when the system is unknown or the code malformed)."""
    if not isinstance(system, str) or not system.strip():
        raise CodeError("a code needs a system (a URI or an OID)")
    named = code_system(system)
    if named is None:
        raise CodeError(f'unknown code system "{system}" (known: {known_systems()})')
    if not isinstance(code, str | int) or isinstance(code, bool):
        raise CodeError(f"a {named.name} code must be text")
    text = str(code).strip()
    if not named.well_formed(text):
        raise CodeError(f'malformed {named.name} code "{text}" (expected {named.form})')
    if not isinstance(display, str) or not display.strip():
        raise CodeError(f'{named.name} code "{text}" needs a display text')
    return Code(named.uri, text, " ".join(display.split()))


def parse_code_query(value: str) -> tuple[str, str]:
    """``SYSTEM|CODE`` (a FHIR token, as in ``?code=``) as (system, code); CodeError when it is not one
    of our systems with a non-empty code."""
    system, separator, code = value.partition("|")
    if not separator or not code.strip():
        raise CodeError("code must be SYSTEM|CODE, for example 2.16.840.1.113883.6.12|22513")
    if code_system(system) is None:
        raise CodeError(f'unknown code system "{system[:100]}" (known: {known_systems()})')
    return code_system(system).uri, code.strip()


# Verhoeff's dihedral-group tables (SNOMED CT identifiers end in this check digit).
_D = ((0, 1, 2, 3, 4, 5, 6, 7, 8, 9), (1, 2, 3, 4, 0, 6, 7, 8, 9, 5), (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
      (3, 4, 0, 1, 2, 8, 9, 5, 6, 7), (4, 0, 1, 2, 3, 9, 5, 6, 7, 8), (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
      (6, 5, 9, 8, 7, 1, 0, 4, 3, 2), (7, 6, 5, 9, 8, 2, 1, 0, 4, 3), (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
      (9, 8, 7, 6, 5, 4, 3, 2, 1, 0))
_P = ((0, 1, 2, 3, 4, 5, 6, 7, 8, 9), (1, 5, 7, 6, 2, 8, 3, 0, 9, 4), (5, 8, 0, 3, 7, 9, 6, 1, 4, 2),
      (8, 9, 1, 6, 0, 4, 3, 5, 2, 7), (9, 4, 5, 3, 1, 2, 6, 8, 7, 0), (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
      (2, 7, 9, 3, 8, 0, 6, 4, 1, 5), (7, 0, 4, 6, 9, 1, 3, 2, 5, 8))


def verhoeff_valid(digits: str) -> bool:
    """True when the last digit of ``digits`` is the Verhoeff check digit of the others."""
    check = 0
    for position, digit in enumerate(reversed(digits)):
        check = _D[check][_P[position % 8][int(digit)]]
    return check == 0
