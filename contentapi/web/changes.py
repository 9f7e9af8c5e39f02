"""Changes over HTTP: ``GET /api/v1/changes?since=CURSOR`` (JSON) and ``/api/v1/changes.atom`` (Atom),
and ``GET /api/v1/webhooks/deliveries?partner=ID`` (a partner's deliveries and failures, with its
key). At start-up the content log records what changed in the English since the last start; a
process starts its webhook delivery thread at its first request (WEBHOOKS_IN_PROCESS)."""

from __future__ import annotations

from xml.etree import ElementTree

from flask import Flask, Response, request

from contentapi.changes.feed import Cursor, CursorError
from contentapi.changes.service import Changes
from contentapi.delivery.factory import EXTENSION as SERVICE
from contentapi.delivery.factory import revisions_dir
from contentapi.web.hosts import public_base
from contentapi.web.http import Problem, content_service, whole_number_argument
from contentapi.web.partners import named_partner, partner_registry
from contentapi.web.routes import blueprint as make_blueprint
from contentapi.web.routes import route

blueprint = make_blueprint("changes", __name__, json_errors=True, cors=True)
EXTENSION = "contentapi.changes"
ATOM_NS = "http://www.w3.org/2005/Atom"


def changes() -> Changes:
    """The changes area of the current app."""
    from flask import current_app

    return current_app.extensions[EXTENSION]


def _page() -> tuple[list[dict], Cursor, int]:
    since = request.args.get("since")
    limit = whole_number_argument("limit", "100", 1, 500, "Malformed limit")
    feed = changes().feed(content_service())
    try:
        cursor = feed.start() if since is None else feed.now() if since == "now" else Cursor.decode(since)
    except CursorError as error:
        raise Problem(400, "Unknown cursor", str(error)) from None
    entries, after = feed.page(cursor, int(limit))
    return entries, after, int(limit)


@blueprint.get("/api/v1/changes")
def change_feed():
    """The entries after ``since`` (every entry without it; ``since=now``: none, and the present cursor)."""
    entries, after, limit = _page()
    response = Response(_dump({"entries": entries, "next": after.encode(), "more": len(entries) == limit}),
                        content_type="application/json")
    response.cache_control.no_cache = True
    return response


@blueprint.get("/api/v1/changes.atom")
def change_feed_atom():
    """The same page as an Atom feed; its ``next`` link carries the cursor."""
    entries, after, _ = _page()
    ElementTree.register_namespace("", ATOM_NS)
    feed = ElementTree.Element(f"{{{ATOM_NS}}}feed")

    def add(parent, tag, text=None, **attributes):
        node = ElementTree.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attributes)
        node.text = text
        return node

    base = public_base()
    add(feed, "title", "contentapi changes")
    add(feed, "id", f"{base}/api/v1/changes.atom")
    add(feed, "updated", _instant(entries[-1]["time"]) if entries else "1970-01-01T00:00:00Z")
    add(add(feed, "author"), "name", "contentapi")
    add(feed, "link", rel="self", href=request.url)
    add(feed, "link", rel="next", href=f"{base}/api/v1/changes.atom?since={after.encode()}")
    for entry in entries:
        node = add(feed, "entry")
        summary = f"{entry['type']}: {entry['procedure'] or 'interface'} ({entry['locale']})"
        add(node, "title", summary)
        add(node, "id", f"{base}/api/v1/changes#{entry['id']}")
        add(node, "updated", _instant(entry["time"]))
        add(node, "category", term=entry["type"])
        if entry["procedure"]:
            add(node, "link", rel="alternate", hreflang=entry["locale"], type="application/json",
                href=f"{base}/api/v1/procedures/{entry['procedure']}?lang={entry['locale']}")
        add(node, "content", _dump(entry).decode("utf-8"), type="text")
    body = b'<?xml version="1.0" encoding="utf-8"?>\n' + ElementTree.tostring(feed, encoding="utf-8")
    response = Response(body, content_type="application/atom+xml; charset=utf-8")
    response.cache_control.no_cache = True
    return response


@blueprint.get("/api/v1/webhooks/deliveries")
@route(cors=False)
def deliveries():
    """A partner's recent deliveries, newest first (``?partner=ID`` with its key; ``status`` filters)."""
    partner = named_partner()
    if partner is None:
        raise Problem(400, "Partner required", "Name the partner: ?partner=ID, with its key in X-API-Key.")
    if not partner.requires_key:
        raise Problem(403, "Partner key required",
                      f"Deliveries are listed only to a partner with a key; register key_sha256 for {partner.id!r}.")
    status = request.args.get("status")
    if status not in (None, "pending", "delivered", "failed"):
        raise Problem(400, "Malformed status", "status is pending, delivered or failed.")
    items = changes().outbox.deliveries(partner.id, status, 100)
    return Response(_dump({"partner": partner.id, "deliveries": items}), content_type="application/json")


def _dump(document) -> bytes:
    import json

    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _instant(iso: str) -> str:
    import datetime as dt

    return dt.datetime.fromisoformat(iso).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def init_app(app: Flask) -> None:
    """Register the routes; record content changes now (servers), start delivering at the first request."""
    area = Changes(app.config, revisions_dir(app.config), partner_registry_of(app))
    app.extensions[EXTENSION] = area
    app.register_blueprint(blueprint)
    if app.config["LOAD_CONTENT_AT_START"]:
        area.record_content(app.extensions[SERVICE].service)

    if app.config.get("WEBHOOKS_IN_PROCESS", True) and app.config["LOAD_CONTENT_AT_START"]:
        @app.before_request
        def start_delivering() -> None:
            area.start_in_process(app.extensions[SERVICE].service)


def partner_registry_of(app: Flask):
    """The registry the partners area loaded."""
    from contentapi.web.partners import EXTENSION as PARTNERS

    return app.extensions[PARTNERS]
