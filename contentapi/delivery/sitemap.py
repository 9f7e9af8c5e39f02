"""The sitemap of every page in every locale, with hreflang alternates (sitemaps.org)."""

from __future__ import annotations

from xml.sax.saxutils import escape

from contentapi.delivery import urls


def sitemap_xml(base_url: str, slugs: list[str], locales: tuple[str, ...]) -> str:
    """A sitemap of the index and procedure pages with xhtml:link alternates."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">',
    ]
    pages = [urls.page_index] + [lambda code, slug=slug: urls.page_procedure(slug, code) for slug in slugs]
    for page in pages:
        for locale in locales:
            lines.append(f"<url><loc>{escape(base_url + page(locale))}</loc>")
            for other in locales:
                href = escape(base_url + page(other))
                lines.append(f'<xhtml:link rel="alternate" hreflang="{other}" href="{href}"/>')
            lines.append("</url>")
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"
