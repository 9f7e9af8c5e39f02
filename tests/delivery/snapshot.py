"""What readers and partners get, byte for byte: every file of ``contentapi export`` and a set of
live responses (status, headers but Date, Expires and Last-Modified, which come from the clock and from file
times of this checkout, and the SHA-256 of the body), kept in ``snapshots/`` so that a
change meant to move code around is proved to change nothing anyone sees.

    .venv/bin/python -m tests.delivery.snapshot      # rewrite the snapshots (then review the diff)

Regenerate only when a change is *meant* to change what is served, and say so in its commit.
"""

from __future__ import annotations

import hashlib
import json
import sys
import tempfile
from pathlib import Path

SNAPSHOTS = Path(__file__).with_name("snapshots")
SLUG = "kyphoplasty-and-vertebroplasty"
BASE_URL = "https://content.example.org"
LOCALES = ("en", "es", "zh-Hans", "vi", "ko", "ar", "ru")

# (method, path, request headers)
REQUESTS: list[tuple[str, str, dict[str, str]]] = [
    ("GET", "/healthz", {}),
    ("GET", "/api/v1/locales", {}),
    ("GET", "/api/v1/openapi.json", {}),
    ("GET", "/sitemap.xml", {}),
    ("GET", "/", {"Accept-Language": "ko, en;q=0.5"}),
    ("GET", f"/procedures/{SLUG}", {"Accept-Language": "zh-CN"}),
    ("GET", f"/es-MX/procedures/{SLUG}", {}),
    ("GET", "/embed.js", {}),
    ("GET", "/embed/themes/demo.css", {}),
    ("GET", "/static/contentapi.css", {}),
    ("GET", f"/oembed?url=/es/procedures/{SLUG}&maxwidth=500&format=json", {}),
    ("GET", "/api/v1/nothing-here", {}),
    ("GET", "/en/nothing-here", {"Accept": "text/html"}),
    ("GET", "/api/v1/procedures?lang=%%%", {}),
    ("GET", "/api/v1/procedures", {"Origin": "http://127.0.0.1:8001"}),
    ("OPTIONS", f"/api/v1/procedures/{SLUG}",
     {"Origin": "http://127.0.0.1:8001", "Access-Control-Request-Method": "GET",
      "Access-Control-Request-Headers": "accept-language"}),
    ("GET", "/api/v1/translations/es", {}),
    ("GET", f"/embed/ar/procedures/{SLUG}?partner=demo&origin=http://127.0.0.1:8001", {}),
    ("GET", f"/embed/es/procedures/{SLUG}?partner=nobody", {}),
]
for _locale in LOCALES:
    REQUESTS += [
        ("GET", f"/api/v1/procedures?lang={_locale}", {}),
        ("GET", f"/api/v1/procedures/{SLUG}?lang={_locale}", {}),
        ("GET", f"/{_locale}/", {}),
        ("GET", f"/{_locale}/procedures/{SLUG}", {}),
        ("GET", f"/embed/{_locale}/procedures/{SLUG}?partner=demo", {}),
        ("GET", f"/api/v1/procedures/{SLUG}/fragment?lang={_locale}", {}),
    ]


VOLATILE = ("Date", "Last-Modified", "Expires")
# Werkzeug's send_file makes a static file's ETag from its mtime and size (differs per checkout).
VOLATILE_STATIC = VOLATILE + ("ETag",)


def digest(data: bytes) -> str:
    """SHA-256 of some bytes, hex."""
    return hashlib.sha256(data).hexdigest()


def export_digests(app) -> dict[str, str]:
    """path -> SHA-256 of every file ``contentapi export`` writes for this app."""
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "site"
        result = app.test_cli_runner().invoke(args=["export", str(target), "--base-url", BASE_URL])
        assert result.exit_code == 0, result.output
        # nginx/nginx.conf names the folder it was exported to (a temporary one here).
        return {
            path.relative_to(target).as_posix(): digest(path.read_bytes().replace(str(target).encode(), b"<export>"))
            for path in sorted(target.rglob("*"))
            if path.is_file()
        }


def responses(app) -> list[dict]:
    """Status, headers (but the VOLATILE ones) and body digest of every request in REQUESTS."""
    client = app.test_client()
    out = []
    for method, path, headers in REQUESTS:
        response = client.open(path, method=method, headers=headers)
        out.append(
            {
                "request": f"{method} {path} {json.dumps(headers, sort_keys=True)}",
                "status": response.status_code,
                "headers": sorted([name, value] for name, value in response.headers.items() if name not in (VOLATILE_STATIC if path.startswith("/static/") else VOLATILE)),
                "body": digest(response.get_data()),
            }
        )
    return out


def current(app) -> dict[str, object]:
    """Both snapshots for this app."""
    return {"export.json": export_digests(app), "responses.json": responses(app)}


def main() -> None:
    """Rewrite the snapshots from the shipped content and catalogs."""
    from contentapi import create_app
    from tests.helpers import copy_translations

    with tempfile.TemporaryDirectory() as folder:
        translations = copy_translations(Path(folder) / "translations")
        app = create_app({"TESTING": True, "TRANSLATIONS_DIR": str(translations)})
        SNAPSHOTS.mkdir(exist_ok=True)
        for name, document in current(app).items():
            (SNAPSHOTS / name).write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
            print(f"wrote {SNAPSHOTS / name}", file=sys.stderr)


if __name__ == "__main__":
    main()
