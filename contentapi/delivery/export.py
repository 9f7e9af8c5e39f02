"""Static export: every JSON and HTML response for every procedure and locale, as files.

The bytes come from the same cached representations the live service sends, so
the tree is byte-identical to live responses. ``manifest.json`` maps each file to
the live URL it mirrors, with its content type, ETag and Content-Language, so a
CDN or nginx can send the same headers.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from contentapi.config import PACKAGE_DIR
from contentapi.delivery import urls
from contentapi.delivery.representations import Representation
from contentapi.delivery.service import ContentService
from contentapi.delivery.sitemap import sitemap_xml

NGINX_EXAMPLE = """\
# Serve a contentapi export with nginx: root points at the export folder.
location = / { try_files /en/index.html =404; }
location = /api/v1/procedures { default_type application/json; try_files /api/v1/$arg_lang/procedures.json =404; }
location ~ ^/api/v1/procedures/(?<slug>[a-z0-9-]+)$ {
    default_type application/json;
    try_files /api/v1/$arg_lang/procedures/$slug.json =404;
}
location = /api/v1/locales { default_type application/json; try_files /api/v1/locales.json =404; }
location / { try_files $uri $uri.html $uri/index.html =404; }
"""


def export_entries(service: ContentService) -> list[tuple[str, str, Representation]]:
    """(file path in the tree, live URL, representation) for every response."""
    entries: list[tuple[str, str, Representation]] = [("api/v1/locales.json", "/api/v1/locales", service.locales_json())]
    for locale in service.locales:
        entries.append((f"{locale}/index.html", urls.page_index(locale), service.index_html(locale)))
        entries.append((f"api/v1/{locale}/procedures.json", urls.api_procedures(locale), service.procedures_json(locale)))
        for procedure in service.library:
            slug = procedure.slug
            entries.append(
                (f"{locale}/procedures/{slug}.html", urls.page_procedure(slug, locale), service.procedure_html(slug, locale))
            )
            entries.append(
                (f"api/v1/{locale}/procedures/{slug}.json", urls.api_procedure(slug, locale), service.procedure_json(slug, locale))
            )
    return entries


def export_tree(service: ContentService, destination: Path, base_url: str) -> int:
    """Write the export into ``destination`` (replaced as a whole); return the number of responses."""
    destination = Path(destination).resolve()
    destination.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{destination.name}.", dir=destination.parent))
    try:
        manifest = []
        for path, url, representation in export_entries(service):
            target = staging / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(representation.body)
            manifest.append(
                {
                    "path": path,
                    "url": url,
                    "content_type": representation.media_type,
                    "etag": representation.etag,
                    "content_language": representation.content_language,
                }
            )
        shutil.copytree(PACKAGE_DIR / "static", staging / "static")
        slugs = [procedure.slug for procedure in service.library]
        (staging / "sitemap.xml").write_text(sitemap_xml(base_url.rstrip("/"), slugs, service.locales), encoding="utf-8")
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False), encoding="utf-8")
        (staging / "nginx.conf.example").write_text(NGINX_EXAMPLE, encoding="utf-8")
        # Swap the finished tree in, so a failed export never leaves half a tree behind.
        if destination.exists():
            old = destination.with_name(f".{destination.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(destination, old)
            os.replace(staging, destination)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(staging, destination)
        return len(manifest)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
