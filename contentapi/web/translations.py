"""Translators' HTTP API: fetch, publish, list revisions, restore and preview catalogs.

Three catalogs per locale answer the same six operations: one procedure's
(``/api/v1/translations/{locale}/procedures/{slug}``), the interface strings'
(``/api/v1/translations/{locale}/interface``) and, for small libraries, the whole locale in one
file (``/api/v1/translations/{locale}``). Every route needs ``Authorization: Bearer TOKEN`` with
a token scoped to the locale (401 missing or wrong, 403 other locale). When ``TOKENS``
(CONTENTAPI_TOKENS) is not set, publishing is not configured and every route answers 503 saying so.
The work is done by ``contentapi.i18n.publishing`` and ``contentapi.i18n.tokens``.
"""

from __future__ import annotations

import re
from contextlib import contextmanager

from flask import Response, current_app, jsonify, request

from contentapi.delivery.factory import EXTENSION
from contentapi.delivery.localize import localize
from contentapi.i18n.domains import UI_DOMAIN
from contentapi.i18n.locales import translatable_locale
from contentapi.i18n.publishing import (
    CatalogRejected,
    NoCatalog,
    PreconditionFailed,
    Publisher,
    TranslationsWouldBeLost,
    UnknownRevision,
)
from contentapi.i18n.revisions import Revision, StoreError
from contentapi.i18n.tokens import TRANSLATOR, TokenError, TokenStore, Translator
from contentapi.web.http import Problem, bearer_token, content_service, known_slug
from contentapi.web.routes import blueprint as make_blueprint

# Part of the JSON API (problem+json errors, CORS); never kept: every answer depends on the token.
blueprint = make_blueprint("translations", __name__, json_errors=True, cors=True)

PO_MEDIA_TYPE = "text/x-gettext-translation"
ACCEPTED_MEDIA_TYPES = {PO_MEDIA_TYPE, "text/x-po", "application/x-po", "application/x-gettext", "text/plain"}
REALM = 'Bearer realm="contentapi translations"'
MO_MAGIC = (b"\xde\x12\x04\x95", b"\x95\x04\x12\xde")  # a compiled catalog, either byte order
ALLOW_REMOVALS_HEADER = "X-Allow-Removals"
_STRONG_ETAG = re.compile(r'"[^"]*"')
# The three catalogs of a locale: URL below /api/v1/translations/<locale>, and how views name it.
CATALOGS = {"locale": "", "interface": "/interface", "procedure": "/procedures/<slug>"}


def publisher() -> Publisher:
    """The publisher of the app's revision store."""
    return current_app.extensions[EXTENSION].publisher


def catalog_locale(locale: str) -> str:
    """The served locale named in the path (any case, ``-`` or ``_``), or 404."""
    locales = content_service().locales
    code = translatable_locale(locale, locales)
    if code is None:
        translatable = ", ".join(code for code in locales if translatable_locale(code, locales))
        raise Problem(404, "Unknown locale", f"There is no catalog for {locale[:35]!r}. Translatable locales: {translatable}.")
    return code


def catalog_domain(slug: str | None, interface: bool) -> str | None:
    """The domain a route names: a procedure's slug (404 if unknown), the interface's, or None (whole locale)."""
    if interface:
        return UI_DOMAIN
    return known_slug(slug) if slug is not None else None


def authorize(locale: str, role: str | None = None) -> Translator:
    """The person of the request's bearer token, allowed to work on ``locale`` (in ``role``, when given)."""
    path = current_app.config.get("TOKENS")
    if not path:
        raise Problem(
            503,
            "Publishing is not configured",
            "This server has no translator tokens file. Set CONTENTAPI_TOKENS to a file, create tokens with "
            "'contentapi tokens add NAME --locales es', and restart the server.",
        )
    try:
        translator = TokenStore(path).verify(bearer_token())
    except TokenError:
        raise Problem(503, "Publishing is not available", "The translator tokens file cannot be read; ask the operator.") from None
    if translator is None:
        problem = Problem(
            401,
            "Translator token required",
            "Send 'Authorization: Bearer TOKEN' with the token 'contentapi tokens add' printed for you; "
            "it was missing, wrong or revoked.",
        )
        problem.headers["WWW-Authenticate"] = REALM
        raise problem
    if not translator.may_publish(locale):
        raise Problem(
            403,
            "Locale not allowed for this token",
            f"Your token may work on {', '.join(translator.locales) or 'no locale'}, not {locale}. "
            "Ask for a token scoped to this locale.",
        )
    if role is not None and not translator.has_role(role):
        raise Problem(
            403,
            f"{role.capitalize()} role required",
            f"The token of {translator.name} has the role(s) {', '.join(translator.roles) or 'none'}; this needs "
            f"{role} (or admin). Ask for one: contentapi tokens add NAME --locales {locale} --roles {role}.",
        )
    return translator


def uploaded_catalog() -> bytes:
    """The request body as .po bytes: 415 for another media type, 413 when too large."""
    if request.mimetype not in ACCEPTED_MEDIA_TYPES:
        raise Problem(
            415,
            "Unsupported media type",
            f"Send the .po file with 'Content-Type: {PO_MEDIA_TYPE}; charset=utf-8' "
            f"(got {request.mimetype or 'none'!r}).",
        )
    charset = request.mimetype_params.get("charset")
    if charset and charset.lower().replace("-", "") != "utf8":
        raise Problem(415, "Unsupported charset", f"Catalogs are UTF-8; send charset=utf-8 (got {charset[:40]!r}).")
    limit = int(current_app.config["TRANSLATION_MAX_BYTES"])
    too_large = Problem(413, "Catalog too large", f"A catalog upload may be at most {limit} bytes.")
    if request.content_length is not None and request.content_length > limit:
        raise too_large
    data = request.stream.read(limit + 1)
    if len(data) > limit:
        raise too_large
    if data.startswith(MO_MAGIC):
        raise Problem(415, "A compiled catalog was sent",
                      "This is a compiled catalog (.mo); send the .po file it was compiled from.")
    if not data.strip():
        raise Problem(400, "The catalog arrived empty",
                      "The request had no catalog in it. Send the file's bytes as they are: "
                      "curl --data-binary @es.po (curl's --data would strip its newlines).")
    if b"\n" not in data.strip():
        raise Problem(400, "The catalog arrived on one line",
                      "A .po file has one entry per line, but this arrived on a single line: it was sent "
                      "with its newlines stripped. Send it with curl --data-binary @es.po, not --data.")
    return data


def rejected(error: CatalogRejected) -> Problem:
    """422 with every finding."""
    findings = [finding.to_dict() for finding in error.findings]
    errors = [finding for finding in error.findings if finding.severity == "error"]
    first = errors[0]
    detail = (
        f"The catalog has {len(errors)} error(s); nothing was changed. "
        f"First: line {first.line} [{first.check}] {first.hint}. Fix them (contentapi i18n check) and send it again."
    )
    return Problem(422, "Catalog has errors", detail, errors=len(errors), warnings=len(findings) - len(errors), findings=findings)


def storage_problem(error: StoreError) -> Problem:
    """507 when the store is full, 503 when it cannot be written or reached; the old catalog is still served."""
    status = 507 if error.kind == "full" else 503
    titles = {"full": "Translations store is full", "read-only": "Translations store is not writable",
              "unavailable": "Translations store is not available"}
    return Problem(
        status,
        titles.get(error.kind, "Translations store is not available"),
        f"{error.detail}. Nothing was changed and the current catalog is still served; ask the operator, then retry.",
    )


def stale(error: PreconditionFailed) -> Problem:
    """412 naming the current ETag."""
    problem = Problem(
        412,
        "Catalog changed since you fetched it",
        "Someone published this catalog after the version your If-Match names. GET the catalog again, "
        "merge your work into it, and send it with the new ETag.",
        current_etag=error.current_etag,
    )
    if error.current_etag:
        problem.headers["ETag"] = error.current_etag
    return problem


@contextmanager
def publishing_problems(locale: str):
    """Turn the publisher's refusals into the problems the API documents (422, 412, 507/503, 404)."""
    try:
        yield
    except CatalogRejected as error:
        raise rejected(error) from None
    except PreconditionFailed as error:
        raise stale(error) from None
    except TranslationsWouldBeLost as error:
        raise would_lose(error) from None
    except StoreError as error:
        raise storage_problem(error) from None
    except NoCatalog:
        raise Problem(404, "No catalog", f"Nothing is published for {locale} here yet; "
                                         f"run 'contentapi i18n init {locale}' and publish it.") from None


def published(locale: str, revisions: list[Revision], etag: str | None, warnings: list) -> Response:
    """The 200 answer of a publish or restore; the new catalog is live in this worker at once."""
    content_service().catalogs.refresh(force=True)
    response = jsonify(
        locale=locale,
        etag=etag,
        revision=revisions[-1].to_dict() if revisions else None,
        revisions=[revision.to_dict() for revision in revisions],
        warnings=[finding.to_dict() for finding in warnings],
    )
    if etag:
        response.headers["ETag"] = etag
    response.headers["Cache-Control"] = "no-store"
    return response


def required_if_match(locale: str) -> str:
    """The If-Match header: 428 without one, 400 when it is not the ETag as sent (quotes included)."""
    if_match = request.headers.get("If-Match")
    if not if_match:
        raise Problem(
            428,
            "If-Match required",
            "Send 'If-Match' with the ETag of the catalog you edited (from GET /api/v1/translations/"
            f"{locale}...), so a publish never overwrites someone else's.",
        )
    tags = [tag.strip() for tag in if_match.split(",")]
    if if_match.strip() != "*" and not all(_STRONG_ETAG.fullmatch(tag) for tag in tags):
        raise Problem(
            400,
            "Malformed If-Match",
            "Send the ETag exactly as the GET answered it, double quotes included, e.g. If-Match: "
            '"6f4c3785283983baf8557b36aaa500489e36e6a8" (a weak W/ tag or one without quotes never matches).',
        )
    return if_match


def allows_removals() -> bool:
    """True when the request says an upload may leave translated messages untranslated."""
    values = (request.args.get("allow-removals", ""), request.headers.get(ALLOW_REMOVALS_HEADER, ""))
    return any(value.strip().lower() in ("true", "1", "yes") for value in values)


def would_lose(error: TranslationsWouldBeLost) -> Problem:
    """409 naming the first messages the upload would leave untranslated."""
    shown = ", ".join(finding.msgctxt or repr(finding.msgid) for finding in error.findings[:3])
    more = f" and {len(error.findings) - 3} more" if len(error.findings) > 3 else ""
    return Problem(
        409,
        "Translations would be lost",
        f"This upload leaves {len(error.findings)} message(s) untranslated that the published catalog translates "
        f"({shown}{more}): was the file cut short, or made from an older copy? Nothing was changed. To publish "
        f"it anyway, send it again with ?allow-removals=true (or the header {ALLOW_REMOVALS_HEADER}: true).",
        findings=[finding.to_dict() for finding in error.findings],
    )


def get_catalog(locale: str, slug: str | None = None, interface: bool = False):
    """The current .po (of a procedure, the interface, or the whole locale) with its ETag
    (send it back in If-Match when publishing)."""
    locale = catalog_locale(locale)
    domain = catalog_domain(slug, interface)
    authorize(locale)
    with publishing_problems(locale):
        data, etag = publisher().current(locale, domain) if domain else publisher().current_locale(locale)
    response = Response(data, content_type=f"{PO_MEDIA_TYPE}; charset=utf-8")
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = "no-cache, private"
    name = locale if domain is None else f"{locale}-{domain}"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.po"'
    return response.make_conditional(request)


def put_catalog(locale: str, slug: str | None = None, interface: bool = False):
    """Publish a .po: If-Match required; checked, then committed as a revision in one atomic step."""
    locale = catalog_locale(locale)
    domain = catalog_domain(slug, interface)
    translator = authorize(locale, TRANSLATOR)
    if_match = required_if_match(locale)
    data = uploaded_catalog()
    with publishing_problems(locale):
        if domain is None:
            revisions, warnings = publisher().publish_locale(locale, data, if_match, translator.name, allows_removals())
            _, etag = publisher().current_locale(locale)
        else:
            revision, warnings = publisher().publish(locale, domain, data, if_match, translator.name,
                                                     allow_removals=allows_removals())
            revisions, etag = [revision], revision.etag
    current_app.logger.info("catalog %s/%s published by %s as revisions %s", locale, domain or "*", translator.name,
                            [revision.id for revision in revisions])
    return published(locale, revisions, etag, warnings)


def list_revisions(locale: str, slug: str | None = None, interface: bool = False):
    """The history of a catalog, newest first."""
    locale = catalog_locale(locale)
    domain = catalog_domain(slug, interface)
    authorize(locale)
    with publishing_problems(locale):
        revisions = publisher().revisions(locale, domain)
    response = jsonify(locale=locale, revisions=[revision.to_dict() for revision in revisions])
    response.headers["Cache-Control"] = "no-store"
    return response


def restore_revision(locale: str, revision_id: str, slug: str | None = None, interface: bool = False):
    """Publish an earlier revision again, as a new revision; If-Match (the ETag of the catalog it
    replaces) is required, so a restore never silently undoes a colleague's publish."""
    locale = catalog_locale(locale)
    domain = catalog_domain(slug, interface)
    translator = authorize(locale, TRANSLATOR)
    unknown = Problem(
        404, "Unknown revision", f"{locale} has no revision {revision_id[:20]!r} here; GET .../revisions lists them."
    )
    if not revision_id.isascii() or not revision_id.isdigit() or len(revision_id) > 9:
        raise unknown
    if_match = required_if_match(locale)
    try:
        with publishing_problems(locale):
            revision = publisher().restore(locale, int(revision_id), translator.name, if_match, domain)
    except UnknownRevision:
        raise unknown from None
    current_app.logger.info("catalog %s/%s restored to revision %s by %s", locale, revision.domain, revision_id,
                            translator.name)
    return published(locale, [revision], revision.etag, [])


def preview(locale: str, slug: str | None = None, interface: bool = False):
    """A procedure page rendered with the uploaded catalog; nothing is published or kept."""
    locale = catalog_locale(locale)
    domain = catalog_domain(slug, interface)
    translator = authorize(locale)
    page_slug = slug or request.args.get("procedure")
    if not page_slug:
        raise Problem(400, "Procedure required", "Name the page to preview: ?procedure=SLUG (GET /api/v1/procedures lists them).")
    service = content_service()
    procedure = service.procedure(known_slug(page_slug))
    data = uploaded_catalog()
    with publishing_problems(locale):
        catalog, _ = publisher().preview(service.catalogs.get(locale), domain, data, translator.name)
    html = service.procedure_page(localize(procedure, catalog), catalog)
    response = Response(html, content_type="text/html; charset=utf-8")
    response.headers["Content-Language"] = locale
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


# Each operation answers for the three catalogs of a locale.
for _name, _suffix in CATALOGS.items():
    _base = f"/api/v1/translations/<locale>{_suffix}"
    _defaults = {"interface": True} if _name == "interface" else {}
    for _view, _path, _method in ((get_catalog, "", "GET"), (put_catalog, "", "PUT"), (list_revisions, "/revisions", "GET"),
                                  (restore_revision, "/revisions/<revision_id>/restore", "POST"),
                                  (preview, "/preview", "POST")):
        blueprint.add_url_rule(_base + _path, f"{_view.__name__}_{_name}", _view, methods=[_method], defaults=_defaults)
