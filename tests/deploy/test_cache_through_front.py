"""The real app behind the real front: every app header passes through, encodings decode to the
identity bytes, credentials never meet the cache, and a publish is visible through the front within
2 s while the micro-cache is answering."""

from __future__ import annotations

import gzip
import shutil
import threading
import time

import pytest

from contentapi.i18n.tokens import TokenStore
from contentapi.partners.registry import hash_key
from tests.deploy.conftest import start_stack
from tests.helpers import SLUG, http_request, wait_until

KEY = "front-test-key-0123456789-abcdefghijklmnopqrstuvwxyz"
# Headers a hop may set for itself: not the app's to pass through.
HOP_HEADERS = {"date", "server", "connection", "keep-alive", "transfer-encoding", "content-length"}
ROUTES = [
    "/", "/en/", f"/en/procedures/{SLUG}", f"/procedures/{SLUG}", "/api/v1/procedures", f"/api/v1/procedures/{SLUG}?lang=es",
    "/api/v1/locales", "/api/v1/openapi.json", f"/embed/en/procedures/{SLUG}", f"/api/v1/procedures/{SLUG}/fragment?lang=en",
    f"/oembed?url=/en/procedures/{SLUG}", "/embed.js", "/healthz", "/sitemap.xml", "/api/v1/procedures/no-such-procedure",
    "/en/procedures/no-such-procedure",
]


@pytest.fixture(scope="module")
def keyed_stack(translations_dir, tmp_path_factory):
    """The front over gunicorn with a partner registry: ``vault`` needs a key, ``north`` does not."""
    folder = tmp_path_factory.mktemp("keyed")
    registry = folder / "partners.toml"
    registry.write_text('public = false\ndefault_partner = "north"\n'
                        '[partners.north]\nname = "North"\norigins = ["https://north.example"]\n'
                        f'[partners.vault]\nname = "Vault"\norigins = ["https://vault.example"]\nkey_sha256 = "{hash_key(KEY)}"\n',
                        encoding="utf-8")
    stack = start_stack({"TRANSLATIONS_DIR": translations_dir, "PARTNERS": registry}, folder / "gunicorn.log")
    try:
        yield stack
    finally:
        stack.front.stop()
        stack.gunicorn.stop()


def decoded(body: bytes, coding: str | None) -> bytes:
    """The identity bytes of a body in a content coding."""
    if not coding:
        return body
    if coding == "gzip":
        return gzip.decompress(body)
    if coding == "br":
        brotli = pytest.importorskip("brotli")
        return brotli.decompress(body)
    raise AssertionError(f"unexpected Content-Encoding {coding!r}")


def tokens(value: str | None) -> set[str]:
    """The field names of a Vary value, lower case."""
    return {token.strip().lower() for token in (value or "").split(",") if token.strip()}


@pytest.mark.parametrize("accept_encoding", [None, "gzip", "br", "gzip, deflate, br, zstd"])
def test_every_app_header_passes_through_and_every_encoding_decodes_to_the_identity_body(keyed_stack, accept_encoding):
    """Compared with gunicorn asked directly for the same thing (the public Host, the coding the
    front asks for): the same status and headers, one by one; a body that, decoded, is the same.
    What nginx may do on its own: gzip what the app sent uncompressed when the client takes gzip
    (adding Accept-Encoding to Vary and making the ETag weak, as a changed body requires)."""
    front, gunicorn = keyed_stack.front, keyed_stack.gunicorn
    asked = {None: "identity", "gzip": "gzip", "br": "br", "gzip, deflate, br, zstd": "br"}[accept_encoding]
    for path in ROUTES:
        via_front = front.request("GET", path, {"Accept-Encoding": accept_encoding} if accept_encoding else {})
        status, direct_headers, direct_body = http_request(gunicorn.port, "GET", path,
                                                           {"Host": front.host, "Accept-Encoding": asked})
        assert via_front.status == status, path
        front_headers = [(name.lower(), value) for name, value in via_front.headers.items() if name.lower() not in HOP_HEADERS]
        app_headers = [(name.lower(), value) for name, value in direct_headers.items() if name.lower() not in HOP_HEADERS]
        front_coding = via_front.headers.get("Content-Encoding")
        app_coding = next((value for name, value in app_headers if name == "content-encoding"), None)
        compressed_by_nginx = front_coding == "gzip" and app_coding is None
        if compressed_by_nginx:
            assert accept_encoding and "gzip" in accept_encoding
        else:
            assert front_coding == app_coding, path
        # Every coding decodes to exactly what the app sent, and to what an identity request gets.
        identity = front.request("GET", path, {"Accept-Encoding": "identity"})
        assert decoded(via_front.body, front_coding) == decoded(direct_body, app_coding) == identity.body, path
        if front_coding:
            assert "accept-encoding" in tokens(via_front.headers.get("Vary")), path
        front_vary = set().union(*(tokens(value) for name, value in front_headers if name == "vary"))
        app_vary = set().union(*(tokens(value) for name, value in app_headers if name == "vary"))
        assert app_vary <= front_vary and front_vary - app_vary <= {"accept-encoding"}, path
        app_etag = next((value for name, value in app_headers if name == "etag"), None)
        if app_etag is not None:
            expected = f"W/{app_etag}" if compressed_by_nginx and not app_etag.startswith("W/") else app_etag
            assert via_front.headers.get("ETag") == expected, path
        rest = sorted(pair for pair in front_headers if pair[0] not in {"vary", "etag", "content-encoding"})
        assert rest == sorted(pair for pair in app_headers if pair[0] not in {"vary", "etag", "content-encoding"}), path


def test_a_conditional_request_through_the_front_gets_304(keyed_stack):
    front = keyed_stack.front
    path = f"/embed/en/procedures/{SLUG}"
    etag = front.get(path).headers["ETag"]
    for _ in range(3):
        response = front.request("GET", path, {"If-None-Match": etag})
        assert response.status == 304 and response.body == b""
        assert response.headers["ETag"] == etag


def test_an_answer_to_a_request_with_a_key_is_never_given_to_a_request_without_it(keyed_stack):
    front = keyed_stack.front
    path = f"/embed/en/procedures/{SLUG}?partner=vault"
    for credentials in ({"X-API-Key": KEY}, {"Authorization": f"Bearer {KEY}"}):
        for _ in range(4):
            assert front.request("GET", path, credentials).status == 200
            assert front.get(path).status == 401
    assert sorted(entry["cache"] for entry in front.entries(path, 16)) == ["BYPASS"] * 8 + ["MISS"] * 8


@pytest.mark.parametrize("credentials", [{"X-API-Key": KEY}, {"Authorization": "Bearer wrong"}, {"Cookie": "a=b"}],
                         ids=["x-api-key", "authorization", "cookie"])
def test_a_request_with_credentials_is_never_answered_from_the_cache(keyed_stack, credentials):
    front = keyed_stack.front
    path = f"/embed/en/procedures/{SLUG}?partner=north&case={next(iter(credentials)).lower()}"
    wait_until(lambda: front.get(path).status == 200 and "HIT" in front.cache_statuses(path), timeout=10,
               message="the anonymous answer in the cache")
    for _ in range(4):
        assert front.request("GET", path, credentials).status == 200
    wait_until(lambda: front.cache_statuses(path).count("BYPASS") == 4, timeout=10, message="four BYPASS in the log")


# -- publishing ---------------------------------------------------------------------------------------

HEADING_ES = "Información general"
NEW_HEADING = "Resumen publicado"
PO = "text/x-gettext-translation; charset=utf-8"
CATALOG = f"/api/v1/translations/es/procedures/{SLUG}"
WATCHED = [f"/embed/es/procedures/{SLUG}", f"/es/procedures/{SLUG}", f"/api/v1/procedures/{SLUG}?lang=es",
           f"/api/v1/procedures/{SLUG}/fragment?lang=es"]


@pytest.fixture
def publishing_stack(own_translations, tmp_path):
    """The front over gunicorn on a writable copy of the catalogs, with a translator token for es."""
    shutil.rmtree(own_translations / ".revisions", ignore_errors=True)
    tokens_file = tmp_path / "tokens.json"
    token = TokenStore(tokens_file).add("maria", ("es",))
    stack = start_stack({"TRANSLATIONS_DIR": own_translations, "TOKENS": tokens_file, "CATALOG_CHECK_INTERVAL": "1.0"},
                        tmp_path / "gunicorn.log")
    try:
        yield stack, token
    finally:
        stack.front.stop()
        stack.gunicorn.stop()


@pytest.mark.slow
def test_a_publish_is_visible_through_the_front_within_two_seconds(publishing_stack):
    stack, token = publishing_stack
    front = stack.front
    failures, first_seen, published_at = [], {}, []
    stop = threading.Event()

    def poll():
        while not stop.is_set():
            for path in WATCHED:
                try:
                    response = front.get(path)
                except OSError as error:
                    failures.append((path, repr(error)))
                    continue
                if response.status != 200:
                    failures.append((path, response.status))
                elif published_at and NEW_HEADING.encode() in response.body:
                    first_seen.setdefault(path, time.monotonic() - published_at[0])

    pollers = [threading.Thread(target=poll) for _ in range(2)]
    for thread in pollers:
        thread.start()
    try:
        # The micro-cache is answering before the publish.
        wait_until(lambda: front.get(WATCHED[0]) and "HIT" in front.cache_statuses(WATCHED[0]), timeout=20,
                   message="a HIT for the embed")
        headers = {"Authorization": f"Bearer {token}"}
        catalog = front.request("GET", CATALOG, headers)
        assert catalog.status == 200
        body = catalog.body.replace(f'msgstr "{HEADING_ES}"'.encode(), f'msgstr "{NEW_HEADING}"'.encode())
        assert body != catalog.body
        published = front.request("PUT", CATALOG, {**headers, "If-Match": catalog.headers["ETag"], "Content-Type": PO}, body)
        published_at.append(time.monotonic())
        assert published.status == 200, published.body

        def everywhere() -> bool:
            return all(NEW_HEADING.encode() in front.get(path).body for path in WATCHED for _ in range(4))

        wait_until(everywhere, timeout=max(0.1, published_at[0] + 2.0 - time.monotonic()), interval=0.02,
                   message="the new text on every watched URL through the front within 2 s of the publish")
        everywhere_after = time.monotonic() - published_at[0]
    finally:
        stop.set()
        for thread in pollers:
            thread.join()
    assert failures == []
    assert set(first_seen) == set(WATCHED) and max(first_seen.values()) < 2.0, first_seen
    print(f"publish first seen through the front after {', '.join(f'{path}: {delay:.2f} s' for path, delay in first_seen.items())}; "
          f"on every URL, four times each, after {everywhere_after:.2f} s")
