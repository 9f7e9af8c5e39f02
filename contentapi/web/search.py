"""Search over HTTP: ``GET /api/v1/search?q=&lang=`` (JSON) and ``GET /{locale}/search?q=`` (the page the
index's search box submits to, which works without JavaScript)."""

from __future__ import annotations

from flask import Flask, current_app, request

from contentapi.delivery.representations import HTML, JSON, Representation, dump_json
from contentapi.search.factory import SearcherSlot
from contentapi.web.http import (
    Problem,
    canonical_locale,
    content_service,
    requested_locale,
    send_representation,
    whole_number_argument,
)
from contentapi.web.routes import blueprint as make_blueprint
from contentapi.web.routes import route

blueprint = make_blueprint("search", __name__)
EXTENSION = "contentapi.search"
MAX_QUERY = 200


def searcher():
    """This process's searcher of the app's content."""
    return current_app.extensions[EXTENSION].get(content_service())


def _query(required: bool) -> str | None:
    query = request.args.get("q")
    if query is None or not query.strip():
        if required:
            raise Problem(400, "Missing query", "Send the words to find as q, for example ?q=cement&lang=es.")
        return None
    if len(query) > MAX_QUERY:
        raise Problem(400, "Query too long", f"q may have at most {MAX_QUERY} characters.")
    return query.strip()


def _limit() -> int:
    return whole_number_argument("limit", "20", 1, 50, "Malformed limit")


@blueprint.get("/api/v1/search")
@route(json_errors=True, cors=True)
def search_api():
    """Procedures matching a query in a locale, ranked, each with a snippet."""
    query, locale, limit = _query(required=True), requested_locale(), _limit()
    total, results = searcher().search(query, locale, limit)
    document = {
        "query": query, "locale": locale, "total": total, "engine": searcher().engine.name,
        "results": [{"slug": r.slug, "title": r.title, "title_lang": r.title_lang, "summary": r.summary, "snippet": r.snippet,
                     "snippet_html": r.snippet_html, "snippet_lang": r.snippet_lang, "rank": r.rank,
                     "links": {"self": r.json_url, "html": r.html_url}} for r in results],
    }
    return send_representation(Representation.build(dump_json(document), JSON, 0, locale))


@blueprint.get("/<locale>/search")
def search_page(locale: str):
    """The search page: the form, and the results when there is a query."""
    locale = canonical_locale(locale)
    query = _query(required=False)
    total, results = searcher().search(query, locale, 50) if query else (0, [])
    service = content_service()
    html = service.renderer.render("search.html", service.catalogs.get(locale), query=query, total=total,
                                   results=results, alternate_url=lambda code: f"/{code}/search")
    return send_representation(Representation.build(html.encode("utf-8"), HTML, 0, locale))


def init_app(app: Flask) -> None:
    """Register the routes; each process makes its searcher on first use."""
    app.extensions[EXTENSION] = SearcherSlot()
    app.register_blueprint(blueprint)
