"""Which pages to audit: every page of a contentapi service (from its API), the pages of a sitemap,
or pages named one by one. Only the standard library's HTTP client is used here.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import quote, urljoin, urlsplit
from xml.etree import ElementTree

USER_AGENT = "contentapi-audit"
EMBED_PARTNER = "demo"


class DiscoveryError(RuntimeError):
    """The pages to audit could not be found (one line for the command line)."""


@dataclass(frozen=True)
class Page:
    """A page to audit and the language it must be in (None: the language the page declares)."""

    url: str
    kind: str = "page"  # index, procedure, embed, or page (given with --url / --sitemap)
    expected_lang: str | None = None

    @property
    def path(self) -> str:
        """The URL without scheme and host: what baselines and reports key pages on."""
        parts = urlsplit(self.url)
        return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")

    @property
    def expected_from_url(self) -> bool:
        """Whether the expected language comes from the URL we asked for (our own pages)."""
        return self.expected_lang is not None


def fetch(url: str, timeout: float = 30.0) -> tuple[int, bytes]:
    """GET a URL; (status, body), with HTTP errors as statuses and network failures as DiscoveryError."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "*/*"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        raise DiscoveryError(f"cannot reach {url}: {reason}") from None


def fetch_json(url: str, timeout: float) -> object:
    """GET a JSON document or fail with one line saying what went wrong."""
    status, body = fetch(url, timeout)
    if status != 200:
        raise DiscoveryError(f"GET {url} answered {status}; is this a contentapi service?")
    try:
        return json.loads(body)
    except ValueError:
        raise DiscoveryError(f"GET {url} did not answer JSON; is this a contentapi service?") from None


def discover_service(base_url: str, timeout: float = 30.0, embeds: bool = True) -> list[Page]:
    """Every page of a contentapi service: per locale its index, each procedure page and each embed document.

    Embed documents are included where the service answers 200 for them, so discovery works on
    deployments with and without the embed routes.
    """
    base = base_url.rstrip("/")
    locales = fetch_json(f"{base}/api/v1/locales", timeout)
    if not isinstance(locales, list) or not all(isinstance(item, dict) and "code" in item for item in locales):
        raise DiscoveryError(f"GET {base}/api/v1/locales did not list locales")
    pages: list[Page] = []
    embed_pages: list[Page] = []
    search_pages: list[Page] = []
    for locale in (item["code"] for item in locales):
        code = quote(locale)
        pages.append(Page(f"{base}/{code}/", "index", locale))
        listing = fetch_json(f"{base}/api/v1/procedures?lang={code}", timeout)
        for procedure in listing.get("procedures", []) if isinstance(listing, dict) else []:
            slug = quote(procedure["slug"])
            pages.append(Page(f"{base}/{code}/procedures/{slug}", "procedure", locale))
            embed_pages.append(Page(f"{base}/embed/{code}/procedures/{slug}?partner={EMBED_PARTNER}", "embed", locale))
        # The search page with results: the first procedure's title, as a reader would type it.
        first = (listing.get("procedures") or [None])[0] if isinstance(listing, dict) else None
        if first:
            search_pages.append(Page(f"{base}/{code}/search?q={quote(first['title'])}", "search", locale))
    if search_pages and fetch(search_pages[0].url, timeout)[0] == 200:
        pages.extend(search_pages)
    if embeds and embed_pages:
        status, _ = fetch(embed_pages[0].url, timeout)
        if status == 200:
            pages.extend(page for page in embed_pages if page is embed_pages[0] or fetch(page.url, timeout)[0] == 200)
    return pages


def discover_sitemap(sitemap_url: str, timeout: float = 30.0) -> list[Page]:
    """The pages listed in a sitemap (sitemap indexes are followed one level)."""
    status, body = fetch(sitemap_url, timeout)
    if status != 200:
        raise DiscoveryError(f"GET {sitemap_url} answered {status}")
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as error:
        raise DiscoveryError(f"{sitemap_url} is not a sitemap: {error}") from None
    namespace = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    if root.tag == namespace + "sitemapindex":
        pages: list[Page] = []
        for location in root.iter(namespace + "loc"):
            pages.extend(discover_sitemap(urljoin(sitemap_url, location.text.strip()), timeout))
        return pages
    # A <url> whose alternates list its own address with an hreflang tells the language it must be in.
    pages = []
    for entry in root.iter(namespace + "url"):
        location = entry.find(namespace + "loc")
        if location is None or not location.text:
            continue
        url = urljoin(sitemap_url, location.text.strip())
        language = None
        for alternate in entry.iter("{http://www.w3.org/1999/xhtml}link"):
            if urljoin(sitemap_url, alternate.get("href", "")) == url and alternate.get("hreflang") not in (None, "x-default"):
                language = alternate.get("hreflang")
        pages.append(Page(url, "page", language))
    return pages


def pages_from_urls(urls: list[str]) -> list[Page]:
    """Pages named on the command line; their expected language is the one they declare."""
    pages = []
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https", "file") or (parts.scheme != "file" and not parts.netloc):
            raise DiscoveryError(f"--url {url!r} is not an http(s) or file URL")
        pages.append(Page(url))
    return pages


def unique(pages: list[Page]) -> list[Page]:
    """Pages without repeats, in first-seen order."""
    seen: set[str] = set()
    kept = []
    for page in pages:
        if page.url not in seen:
            seen.add(page.url)
            kept.append(page)
    return kept
