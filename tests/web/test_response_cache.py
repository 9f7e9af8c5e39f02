"""The response cache sends exactly what the app would, and never past a published catalog."""

from __future__ import annotations


import pytest

from contentapi.i18n.domains import catalog_path
from tests.helpers import SLUG, put_in_store

REQUESTS = [
    (f"/api/v1/procedures/{SLUG}?lang=es", {}),
    (f"/api/v1/procedures/{SLUG}", {"Accept-Language": "zh-CN, en;q=0.5"}),
    (f"/api/v1/procedures/{SLUG}?lang=ar", {"Origin": "https://example.org"}),
    ("/api/v1/procedures?lang=ko", {}),
    ("/api/v1/locales", {}),
    (f"/ru/procedures/{SLUG}", {}),
    ("/vi/", {}),
    ("/", {"Accept-Language": "es-MX"}),
    (f"/api/v1/procedures/{SLUG}?lang=x_", {}),
    ("/api/v1/procedures/no-such-thing", {}),
    (f"/procedures/{SLUG}", {"Accept-Language": "ar"}),
    (f"/embed/es/procedures/{SLUG}?partner=demo", {}),
    (f"/embed/ar/procedures/{SLUG}?partner=demo&origin=http://127.0.0.1:8001", {}),
    (f"/embed/es/procedures/{SLUG}?partner=demo&origin=https://evil.example", {}),
    (f"/api/v1/procedures/{SLUG}/fragment?lang=ko", {"Origin": "http://127.0.0.1:8001"}),
    ("/embed/themes/demo.css", {}),
    ("/embed.js", {}),
    ("/static/contentapi.css", {}),
    ("/static/contentapi.css", {"Range": "bytes=0-9"}),
]


def comparable(response) -> tuple:
    """Status, headers (Date aside: it is the clock) and body."""
    headers = [(name, value) for name, value in response.headers.items() if name.lower() != "date"]
    return response.status, headers, response.body


def test_kept_responses_equal_fresh_ones(make_app, serve):
    # One PUBLIC_URL for both: embeds link absolutely, and the two servers listen on different ports.
    public = "https://content.example.org"
    cached = serve(make_app(CATALOG_CHECK_INTERVAL=60.0, PUBLIC_URL=public))
    fresh = serve(make_app(CATALOG_CHECK_INTERVAL=60.0, HTTP_RESPONSE_CACHE_SIZE=0, PUBLIC_URL=public))
    for path, headers in REQUESTS:
        expected = comparable(fresh.request("GET", path, headers))
        first = comparable(cached.request("GET", path, headers))
        second = cached.request("GET", path, headers)
        assert first == expected, path
        assert comparable(second) == expected, path
        assert second.headers["Date"], path
    etag = fresh.get(f"/api/v1/procedures/{SLUG}?lang=es").headers["ETag"]
    for _ in range(2):
        revalidated = cached.get(f"/api/v1/procedures/{SLUG}?lang=es", If_None_Match=etag)
        assert comparable(revalidated) == comparable(fresh.get(f"/api/v1/procedures/{SLUG}?lang=es", If_None_Match=etag))
        assert revalidated.status == 304
        head = cached.request("HEAD", f"/es/procedures/{SLUG}")
        assert head.status == 200 and head.body == b""


def test_a_published_catalog_is_served_on_the_next_check(make_app, serve, own_translations):
    server = serve(make_app(TRANSLATIONS_DIR=str(own_translations), CATALOG_CHECK_INTERVAL=0.0))
    path = f"/api/v1/procedures/{SLUG}?lang=es"
    before = server.get(path)
    assert server.get(path).body == before.body
    po = catalog_path(own_translations, "es", SLUG).read_text(encoding="utf-8")
    title = before.json()["title"]
    assert f'msgstr "{title}"' in po
    changed = po.replace(f'msgstr "{title}"', 'msgstr "Cifoplastia (revisado)"', 1)
    put_in_store(own_translations, "es", SLUG, changed.encode("utf-8"))  # as another process publishes
    after = server.get(path)
    assert after.json()["title"] == "Cifoplastia (revisado)"
    assert after.headers["ETag"] != before.headers["ETag"]


@pytest.mark.parametrize("credential", [{"Authorization": "Bearer nope"}, {"X-API-Key": "nope"}, {"Cookie": "a=b"}])
def test_requests_with_credentials_always_run_the_app(make_app, serve, credential):
    app = make_app()
    calls = []
    app.before_request(lambda: calls.append(1))
    server = serve(app)
    path = f"/api/v1/procedures/{SLUG}?lang=es"
    for _ in range(3):
        assert server.request("GET", path, credential).status == 200
    server.get(path)
    server.get(path)
    assert len(calls) == 4  # three with credentials, then one miss and one hit without


def test_a_full_cache_drops_old_responses_and_stays_bounded(make_app, serve):
    app = make_app(HTTP_RESPONSE_CACHE_SIZE=8)
    fresh = serve(make_app(HTTP_RESPONSE_CACHE_SIZE=0))
    server = serve(app)
    path = f"/api/v1/procedures/{SLUG}?lang=es"
    expected = comparable(fresh.get(path))
    # Every distinct header value is a distinct key: a client varying one must not grow memory.
    for number in range(200):
        assert comparable(server.request("GET", path, {"User-Agent": f"client {number}"})) == expected
    kept = app.wsgi_app
    assert len(kept._entries) <= 8
    agents = [value for value in kept._shared if isinstance(value, tuple) and value[:1] == ("HTTP_USER_AGENT",)]
    assert len(agents) <= 8
    assert comparable(server.request("GET", path, {"User-Agent": "client 199"})) == expected


@pytest.mark.parametrize("path", [
    f"/embed/es/procedures/{SLUG}?partner=demo",
    f"/api/v1/procedures/{SLUG}/fragment?lang=ko",
    "/embed/themes/demo.css",
    "/embed.js",
    "/static/contentapi.css",
])
def test_what_partners_load_on_every_page_view_is_answered_from_kept_responses(make_app, serve, path):
    app = make_app()
    calls = []
    app.before_request(lambda: calls.append(1))
    server = serve(app)
    first = server.get(path)
    assert first.status == 200
    for _ in range(3):
        assert comparable(server.get(path)) == comparable(first)
    assert len(calls) == 1
