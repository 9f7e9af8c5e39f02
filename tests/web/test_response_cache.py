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
    for number in range(200):  # a distinct query is a distinct resource: kept, then pushed out
        assert comparable(server.get(f"{path}&n={number}")) == comparable(fresh.get(f"{path}&n={number}"))
    kept = app.wsgi_app
    assert len(kept._entries) <= 8 and len(kept._vary) <= 8
    assert comparable(server.get(f"{path}&n=199")) == comparable(fresh.get(f"{path}&n=199"))


def test_the_byte_bound_holds_whatever_the_entry_count(make_app, serve):
    app = make_app(HTTP_RESPONSE_CACHE_SIZE=100000, HTTP_RESPONSE_CACHE_BYTES=200_000)
    server = serve(app)
    for number in range(300):
        assert server.get(f"/es/procedures/{SLUG}?n={number}").status == 200
    kept = app.wsgi_app
    assert 0 < kept.size_in_bytes <= 200_000
    assert kept.size_in_bytes == sum(entry[5] for entry in kept._entries.values())


BROWSERS = [
    {"User-Agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/131.0", "Accept-Encoding": "gzip, deflate, br, zstd",
     "Accept-Language": "es-MX,es;q=0.9,en;q=0.8", "Referer": "https://clinic.example/a", "Sec-Fetch-Mode": "navigate"},
    {"User-Agent": "Mozilla/5.0 (Macintosh) Firefox/133.0", "Accept-Encoding": "gzip, deflate, br",
     "Accept-Language": "es-ES,es;q=0.5", "Referer": "https://search.example/?q=kyphoplasty", "DNT": "1"},
    {"User-Agent": "Mozilla/5.0 (iPhone) Safari/605.1.15", "Accept-Encoding": "gzip, deflate, br",
     "Accept-Language": "es-419", "Priority": "u=0, i"},
]


@pytest.mark.parametrize("path", ["/", f"/api/v1/procedures/{SLUG}", f"/es/procedures/{SLUG}"])
def test_real_browsers_share_one_kept_response(make_app, serve, path):
    app = make_app()
    calls = []
    app.before_request(lambda: calls.append(1))
    server = serve(app)
    fresh = serve(make_app(HTTP_RESPONSE_CACHE_SIZE=0))
    for round_ in range(3):
        for number, headers in enumerate(BROWSERS):
            varied = {**headers, "X-Request-Id": f"{round_}-{number}", "User-Agent": headers["User-Agent"] + str(round_)}
            assert comparable(server.request("GET", path, varied)) == comparable(fresh.request("GET", path, varied))
    assert len(calls) == 1  # every one negotiates Spanish and br: one response, built once


def test_unique_junk_headers_never_grow_the_cache(make_app, serve):
    app = make_app()
    server = serve(app)
    path = f"/es/procedures/{SLUG}"
    server.get(path)
    kept = app.wsgi_app
    before = (len(kept._entries), kept.size_in_bytes, len(kept._shared))
    for number in range(300):
        junk = {"X-Junk": "x" * 2000 + str(number), "User-Agent": f"bot {number}", "Referer": f"https://r.example/{number}"}
        assert server.request("GET", path, junk).status == 200
    assert (len(kept._entries), kept.size_in_bytes, len(kept._shared)) == before


def test_each_coding_is_kept_apart_and_sent_only_to_clients_that_accept_it(make_app, serve):
    server = serve(make_app())
    fresh = serve(make_app(HTTP_RESPONSE_CACHE_SIZE=0))
    path = f"/es/procedures/{SLUG}"
    for accept in ["br", "gzip", "identity", "gzip, br", "", "gzip;q=0.1, identity", "br", "identity"]:
        headers = {"Accept-Encoding": accept}
        assert comparable(server.request("GET", path, headers)) == comparable(fresh.request("GET", path, headers)), accept


def test_a_malformed_accept_language_is_refused_even_after_a_good_one_was_kept(make_app, serve):
    server = serve(make_app())
    path = f"/api/v1/procedures/{SLUG}"
    assert server.get(path, Accept_Language="es").status == 200
    assert server.get(path, Accept_Language="es").status == 200
    assert server.get(path, Accept_Language="es;q=abc").status == 400


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
