"""The floor: a bare Flask app that sends the same bytes as contentapi (body and headers).

It reads ``floor.json`` and the bodies beside it (recorded from the live service by the API
benchmark: for each URL and each Accept-Encoding value the benchmark sends, the response body,
headers and ETag), and answers with one dictionary lookup on (URL, Accept-Encoding as sent): what
Flask costs under the same gunicorn settings with no work at all, not even negotiation. A request
whose If-None-Match equals that ETag gets the recorded 304.

    CONTENTAPI_BENCH_FLOOR=/tmp/.../floor gunicorn "benchmarks.floor:create_app()"
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from flask import Flask, Response, request

ENVIRONMENT = "CONTENTAPI_BENCH_FLOOR"


def create_app(folder: str | None = None) -> Flask:
    """A Flask app replaying the recorded responses of the folder named by CONTENTAPI_BENCH_FLOOR."""
    root = Path(folder or os.environ[ENVIRONMENT])
    recorded = json.loads((root / "floor.json").read_text(encoding="utf-8"))
    responses = {}
    for entry in recorded:
        body = (root / entry["body_file"]).read_bytes()
        responses[(entry["url"], entry["accept_encoding"])] = (
            body, entry["headers"], entry.get("etag"), entry.get("headers_304", []))

    app = Flask("floor")

    @app.get("/", defaults={"path": ""})
    @app.get("/<path:path>")
    def replay(path: str):
        query = request.query_string
        url = request.path + ("?" + query.decode() if query else "")
        found = responses.get((url, request.headers.get("Accept-Encoding", "")))
        if found is None:
            return Response(b"not found", status=404)
        body, headers, etag, headers_304 = found
        if etag and request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers=headers_304)
        return Response(body, headers=headers)

    return app
