"""Clinical review over HTTP: what each message's review state is, the side-by-side review page,
and the review action itself.

``GET /api/v1/translations/{locale}/reviews`` (any token of the locale) lists each message's
state, translator, reviewers and back-translation, as JSON, or as the review page (source,
translation and back-translation side by side) for ``Accept: text/html``.
``POST /api/v1/translations/{locale}/reviews`` (a ``reviewer`` or ``admin`` token; ``If-Match``
required) reviews, approves or rejects messages, or a whole procedure, and attaches
back-translations; it publishes new revisions through the same commit point as every publish
(``contentapi.i18n.publishing.Publisher.review``). Who and when come from the token and the
server's clock, never from the request. Nobody reviews or approves a message they translated.
"""

from __future__ import annotations

import json

from flask import Response, current_app, jsonify, request

from contentapi.i18n.domains import UI_DOMAIN, domain_of
from contentapi.i18n.locales import locale_info
from contentapi.i18n.po import read_po
from contentapi.i18n.publishing import ReviewRefused, locale_etag
from contentapi.i18n.review import (
    ACTIONS,
    APPROVED,
    REVIEWED,
    UNTRANSLATED,
    ReviewRequest,
    review_of,
    shares,
    state_of,
)
from contentapi.i18n.tokens import REVIEWER
from contentapi.web.http import Problem, content_service, known_slug
from contentapi.web.routes import blueprint as make_blueprint
from contentapi.web.translations import (
    authorize,
    catalog_locale,
    publisher,
    publishing_problems,
    required_if_match,
)

# Part of the JSON API; never kept: every answer depends on the token.
blueprint = make_blueprint("reviews", __name__, json_errors=True, cors=True)
PATH = "/api/v1/translations/<locale>/reviews"
MAX_REVIEW_BYTES = 1024 * 1024


def _bad(detail: str, title: str = "Review request not understood") -> Problem:
    return Problem(422, title, detail)


def review_requests(document) -> dict[str, ReviewRequest]:
    """The request body as one ReviewRequest per domain; 422 saying what is wrong."""
    if not isinstance(document, dict):
        raise _bad('Send a JSON object such as {"action": "approve", "procedure": "kyphoplasty-and-vertebroplasty"}.')
    unknown = set(document) - {"action", "procedure", "messages", "interface", "back_translations"}
    if unknown:
        raise _bad(f"Unknown field {sorted(unknown)[0]!r}: send action, procedure, messages, interface or back_translations.")
    action = document.get("action")
    if action is not None and action not in ACTIONS:
        raise _bad(f"action is one of {', '.join(ACTIONS)}, not {str(action)[:40]!r}.")
    procedure = document.get("procedure")
    messages = document.get("messages", [])
    interface = document.get("interface", False)
    back = document.get("back_translations", {})
    if procedure is not None and not isinstance(procedure, str):
        raise _bad("procedure is a slug (GET /api/v1/procedures lists them).")
    if not isinstance(messages, list) or not all(isinstance(item, str) and item for item in messages) or len(messages) > 10_000:
        raise _bad("messages is a list of msgctxt strings, such as kyphoplasty-and-vertebroplasty/overview/1 "
                   "(an interface message without one: its msgid).")
    if not isinstance(interface, bool):
        raise _bad("interface is true or false.")
    if not isinstance(back, dict) or not all(isinstance(key, str) and isinstance(value, str) for key, value in back.items()):
        raise _bad('back_translations maps a msgctxt to the back-translation\'s text: {"slug/overview/1": "..."}.')
    if action is None and not back:
        raise _bad("Send an action (review, approve or reject), back_translations, or both.")
    if action is not None and procedure is None and not messages and not interface:
        raise _bad("Name what to review: a procedure, messages (msgctxt) or the interface.")
    requests: dict[str, ReviewRequest] = {}

    def of(domain: str) -> ReviewRequest:
        if domain != UI_DOMAIN:
            _known_procedure(domain)
        return requests.setdefault(domain, ReviewRequest(action))

    if procedure is not None:
        of(_known_procedure(procedure)).everything = action is not None
    if interface:
        of(UI_DOMAIN).everything = action is not None
    for name in messages:
        of(_domain_of(name)).contexts.add(name)
    for name, text in back.items():
        of(_domain_of(name)).back_translations[name] = text
    return requests


def _domain_of(name: str) -> str:
    """The catalog a named message is in: the procedure its msgctxt names, else the interface (whose
    messages are named by msgctxt, or by msgid when they have none, such as "and/or")."""
    domain = domain_of(name)
    return domain if domain == UI_DOMAIN or content_service().library.get(domain) else UI_DOMAIN


def _known_procedure(slug: str) -> str:
    try:
        return known_slug(slug)
    except Problem:
        raise Problem(422, "Unknown procedure", f"No procedure has the slug {slug[:100]!r}; "
                      "GET /api/v1/procedures lists them.") from None


def refused(error: ReviewRefused) -> Problem:
    """403 for someone's own text, 409 for untranslated messages, 422 otherwise; naming the messages."""
    cause = error.error
    status = {"own-text": 403, "untranslated": 409}.get(cause.kind, 422)
    titles = {403: "You translated this message", 409: "Nothing to review", 422: "Review request not understood"}
    detail = cause.message + ". Nothing was changed."
    if cause.kind == "own-text":
        detail += " A message is reviewed and approved by someone other than its translator."
    return Problem(status, titles[status], detail, messages=list(cause.contexts))


def post_reviews(locale: str):
    """Review, approve or reject messages (or a whole procedure) and attach back-translations."""
    locale = catalog_locale(locale)
    reviewer = authorize(locale, REVIEWER)
    if_match = required_if_match(locale)
    if request.mimetype != "application/json":
        raise Problem(415, "Unsupported media type", "Send the review as JSON with 'Content-Type: application/json'.")
    data = request.stream.read(MAX_REVIEW_BYTES + 1)
    if len(data) > MAX_REVIEW_BYTES:
        raise Problem(413, "Review too large", f"A review request may be at most {MAX_REVIEW_BYTES} bytes.")
    try:
        document = json.loads(data)
    except (ValueError, RecursionError):  # RecursionError: nested deeper than the parser goes
        raise _bad("The body is not JSON (or is nested too deeply).") from None
    requests = review_requests(document)
    try:
        with publishing_problems(locale):
            revisions, changed, warnings, etag = publisher().review(locale, requests, reviewer.name, if_match)
    except ReviewRefused as error:
        raise refused(error) from None
    content_service().catalogs.refresh(force=True)
    current_app.logger.info("review of %s by %s: %s messages, revisions %s", locale, reviewer.name, len(changed),
                            [revision.id for revision in revisions])
    response = jsonify(
        locale=locale,
        etag=etag,
        revisions=[revision.to_dict() for revision in revisions],
        reviewed=[item.to_dict() for item in changed],
        warnings=[finding.to_dict() for finding in warnings],
    )
    if etag:
        response.headers["ETag"] = etag
    response.headers["Cache-Control"] = "no-store"
    return response


def _mark(mark) -> tuple[str | None, str | None]:
    return (mark.name, mark.date) if mark is not None else (None, None)


def message_reviews(locale: str, domains: list[str]) -> tuple[list[dict], str | None]:
    """Every message of the domains' current catalogs with its review, and the locale's ETag."""
    store = publisher().store
    manifest = store.manifest(locale)
    out = []
    for domain in domains:
        pointer = manifest.domains.get(domain)
        if pointer is None:
            continue
        po = read_po(publisher().current(locale, domain)[0])
        for entry in po.messages:
            review = review_of(entry)
            state = state_of(entry, review)
            translated_by, translated_on = _mark(review.translated if review else None)
            reviewed_by, reviewed_on = _mark(review.reviewed if review and state in (REVIEWED, APPROVED) else None)
            approved_by, approved_on = _mark(review.approved if review and state == APPROVED else None)
            out.append({
                "domain": domain, "msgctxt": entry.context, "msgid": entry.msgid,
                "msgstr": "\n".join(entry.forms) if entry.translated else "",
                "state": state, "fuzzy": entry.fuzzy,
                "translated_by": translated_by, "translated_on": translated_on,
                "reviewed_by": reviewed_by, "reviewed_on": reviewed_on,
                "approved_by": approved_by, "approved_on": approved_on,
                "back_translation": review.back_translation if review else None,
                "revision": pointer.revision,
            })
    return out, locale_etag(manifest)


def get_reviews(locale: str):
    """Each message's review state (JSON), or the side-by-side review page (``Accept: text/html``)."""
    locale = catalog_locale(locale)
    authorize(locale)
    slug = request.args.get("procedure")
    interface = request.args.get("interface", "").lower() in ("true", "1", "yes")
    service = content_service()
    if slug is not None:
        domains = [known_slug(slug)]
    elif interface:
        domains = [UI_DOMAIN]
    else:
        domains = [UI_DOMAIN, *(procedure.slug for procedure in service.library)]
    with publishing_problems(locale):
        messages, etag = message_reviews(locale, domains)
    summary = shares(item["state"] for item in messages)
    best = request.accept_mimetypes.best_match(["application/json", "text/html"], default="application/json")
    if best == "text/html" and request.accept_mimetypes["text/html"] > request.accept_mimetypes["application/json"]:
        title = service.procedure(slug).title if slug else ("Interface" if interface else "Every catalog")
        html = service.renderer.render(
            "review.html", service.catalogs.get("en"), reviewed_locale=locale_info(locale),
            title=title, messages=messages, summary=summary, serve=service.catalogs.policy(locale),
            untranslated=UNTRANSLATED,
        )
        response = Response(html, content_type="text/html; charset=utf-8")
        response.headers["X-Robots-Tag"] = "noindex"
    else:
        response = jsonify(locale=locale, etag=etag, serve=service.catalogs.policy(locale), review=summary,
                           messages=messages)
    response.headers["Cache-Control"] = "no-store"
    response.vary.add("Accept")
    if etag:
        response.headers["ETag"] = etag
    return response


blueprint.add_url_rule(PATH, "get_reviews", get_reviews, methods=["GET"])
blueprint.add_url_rule(PATH, "post_reviews", post_reviews, methods=["POST"])
