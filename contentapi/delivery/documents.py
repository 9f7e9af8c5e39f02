"""The JSON documents of the API and the schema.org data of the pages, built from localised
procedures (the public contract)."""

from __future__ import annotations

from contentapi.content.model import SECTION_IDS
from contentapi.delivery import urls
from contentapi.i18n.locales import DEFAULT_LOCALE, LocaleInfo
from contentapi.delivery.localize import LocalizedBlock, LocalizedHeading, LocalizedProcedure


def block_document(item: LocalizedBlock, locale: str) -> dict:
    """One paragraph or list, with the language it is actually served in."""
    block = item.block
    document: dict = {"id": item.id, "type": block.type}
    if block.type == "list":
        document["items"] = list(block.items or ())
        document["ordered"] = block.ordered
    else:
        document["text"] = block.text
    document["html"] = block.html
    document["lang"] = item.lang
    document["fallback"] = item.lang != locale
    document["state"] = item.review.state
    return document


def codes_document(procedure) -> list[dict]:
    """The procedure's clinical codes: system (URI), code and display."""
    return [{"system": code.system, "code": code.code, "display": code.display} for code in procedure.codes]


def procedure_document(localized: LocalizedProcedure, locales: tuple[str, ...]) -> dict:
    """``GET /api/v1/procedures/{slug}``."""
    procedure = localized.procedure
    locale = localized.locale
    sections = [
        {
            "id": section.id,
            "heading": section.heading.text,
            "blocks": [block_document(block, locale) for block in section.blocks],
        }
        for section in localized.sections
    ]
    fallback_blocks = sum(1 for section in localized.sections for block in section.blocks if block.lang != locale)
    return {
        "slug": procedure.slug,
        "locale": locale,
        "title": localized.title.text,
        "summary": localized.summary.text,
        "also_known_as": [name.text for name in localized.also_known_as],
        "sections": sections,
        "translation": translation_document(localized, fallback_blocks),
        "reviewed": procedure.reviewed.isoformat(),
        "next_review": procedure.next_review.isoformat(),
        "updated": procedure.updated.isoformat(),
        "attribution": localized.attribution.text,
        "source": procedure.source,
        "related": list(procedure.related),
        "codes": codes_document(procedure),
        "links": {
            "self": urls.api_procedure(procedure.slug, locale),
            "html": urls.page_procedure(procedure.slug, locale),
            "alternates": {code: urls.page_procedure(procedure.slug, code) for code in locales},
        },
    }


def translation_document(localized: LocalizedProcedure, fallback_blocks: int) -> dict:
    """A procedure document's ``translation``: completeness, then provenance (review states)."""
    document = {"complete": localized.complete, "fallback_blocks": fallback_blocks}
    if localized.provenance is not None:
        document.update(localized.provenance.to_dict())
    return document


def procedure_summary(localized: LocalizedProcedure | LocalizedHeading, complete_locales: list[str],
                      review: dict[str, dict[str, float]] | None = None) -> dict:
    """One entry of ``GET /api/v1/procedures``; ``review``: per locale, the approved, reviewed and
    translated shares of the procedure's messages."""
    procedure = localized.procedure
    return {
        "slug": procedure.slug,
        "title": localized.title.text,
        "summary": localized.summary.text,
        "locales": complete_locales,
        "review": review or {},
        "updated": procedure.updated.isoformat(),
        "codes": codes_document(procedure),
        "links": {
            "self": urls.api_procedure(procedure.slug, localized.locale),
            "html": urls.page_procedure(procedure.slug, localized.locale),
        },
    }


def locale_document(info: LocaleInfo, completeness: float, review: dict[str, float] | None = None,
                    serve: str | None = None) -> dict:
    """One entry of ``GET /api/v1/locales``: with the approved, reviewed and translated shares of every
    message, and what readers are served (``approved`` only, or every ``translated`` message)."""
    return {
        "code": info.code,
        "name": info.name,
        "english_name": info.english_name,
        "direction": info.direction,
        "completeness": round(completeness, 4),
        "review": review or {"approved": 1.0, "reviewed": 1.0, "translated": 1.0},
        "serve": serve if info.code != DEFAULT_LOCALE else None,
    }


def json_ld(page: LocalizedProcedure) -> dict:
    """schema.org MedicalWebPage about a MedicalProcedure, in the page's language."""
    procedure = page.procedure
    about: dict = {
        "@type": "MedicalProcedure",
        "name": page.title.text,
        "description": page.summary.text,
    }
    if page.also_known_as:
        about["alternateName"] = [name.text for name in page.also_known_as]
    if procedure.procedure_type:
        about["procedureType"] = procedure.procedure_type
    if procedure.body_location:
        about["bodyLocation"] = procedure.body_location
    for section in page.sections:
        prop = SECTION_IDS.get(section.id)
        if prop and prop not in about:
            about[prop] = " ".join(block.block.text or " ".join(block.block.items or ()) for block in section.blocks)
    document = {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "name": page.title.text,
        "inLanguage": page.locale,
        "lastReviewed": procedure.reviewed.isoformat(),
        "url": urls.page_procedure(procedure.slug, page.locale),
        "about": about,
    }
    document.update(translation_ld(page))
    return document


def translation_ld(page: LocalizedProcedure) -> dict:
    """schema.org provenance of a translated page: the English page it translates
    (``translationOfWork``), its ``translator`` and who reviewed it (``reviewedBy``)."""
    provenance = page.provenance
    if page.locale == DEFAULT_LOCALE or provenance is None or provenance.state == "untranslated":
        return {}
    english = urls.page_procedure(page.procedure.slug, DEFAULT_LOCALE)
    out: dict = {"translationOfWork": {"@type": "MedicalWebPage", "@id": english, "url": english, "inLanguage": DEFAULT_LOCALE}}
    translators = [{"@type": "Person", "name": name} for name in provenance.translators]
    if not translators and provenance.last_translator:
        translators = [{"@type": "Organization", "name": provenance.last_translator}]
    if translators:
        out["translator"] = translators
    reviewers = sorted(set(provenance.reviewed_by) | set(provenance.approved_by))
    if reviewers:
        out["reviewedBy"] = [{"@type": "Person", "name": name} for name in reviewers]
    return out
