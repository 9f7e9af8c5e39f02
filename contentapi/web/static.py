"""``/static/...``: our stylesheets, scripts and icon, with validators from their content.

Flask's own static route makes ETags from the file's modification time, size and name, so two
servers (or a deploy and the static export) disagree about the same bytes and every client
revalidates in full after a deploy. Here each file is a Representation like any content
response: strong ETag from its bytes, compressed once (gzip, br), kept for the process's life.
"""

from __future__ import annotations

import mimetypes
from functools import lru_cache
from pathlib import Path

from flask import Flask, current_app
from werkzeug.security import safe_join

from contentapi.delivery.representations import Representation
from contentapi.delivery.urls import STATIC_DIR
from contentapi.web.http import Problem, send_representation


@lru_cache(maxsize=64)
def static_representation(filename: str) -> Representation | None:
    """A file under contentapi/static as a representation, or None when there is no such file."""
    joined = safe_join(str(STATIC_DIR), filename)
    if joined is None or not Path(joined).is_file():
        return None
    path = Path(joined)
    media_type, _ = mimetypes.guess_type(path.name)
    if media_type is None:
        media_type = "application/octet-stream"
    elif media_type.startswith("text/") or media_type in ("application/javascript", "image/svg+xml"):
        media_type += "; charset=utf-8"
    return Representation.build(path.read_bytes(), media_type, path.stat().st_mtime, None)


def static_file(filename: str):
    """Send one static file, kept a year by browsers (its URL carries its content hash)."""
    representation = static_representation(filename)
    if representation is None:
        raise Problem(404, "Not found", "There is no static file at this URL.")
    return send_representation(representation, max_age=int(current_app.config["SEND_FILE_MAX_AGE_DEFAULT"]))


def init_app(app: Flask) -> None:
    """Serve /static/ under Flask's usual endpoint name, so ``url_for("static", ...)`` still works."""
    app.add_url_rule("/static/<path:filename>", endpoint="static", view_func=static_file)
