"""The front's configuration, rendered from deploy/ and run by a real nginx in front of a stub
upstream whose response headers each test chooses: what reaches the app, how the cache is keyed,
which responses it keeps and for how long, and that credentials never meet the cache."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import time
from pathlib import Path

import pytest

from deploy.front import FrontError, FrontSettings, PublicUrl, nginx_command, render, settings_from_environment, write_config
from tests.deploy.conftest import world_readable_folder
from tests.helpers import wait_until

# -- rendering --------------------------------------------------------------------------------------


def test_the_rendered_configuration_passes_nginx_t_and_serves_only_the_trusted_hosts():
    root = world_readable_folder("contentapi-front-render-")
    try:
        settings = FrontSettings(PublicUrl.parse("https://Content.Example.org"), "127.0.0.1:8080", "unix:/run/gunicorn.sock",
                                 root / "nginx", ("partners.example.org", " .cdn.example.net", ""))
        config = write_config(settings)
        result = subprocess.run(nginx_command(settings.prefix, config, "-t"), capture_output=True, text=True, timeout=30)
        assert result.returncode == 0, result.stderr
        text = config.read_text()
        assert "@" not in "".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
        assert "server_name content.example.org partners.example.org .cdn.example.net;" in text
        assert '"content.example.org" "content.example.org";' in text  # the default port is left out of Host
        assert "proxy_set_header X-Forwarded-Proto https;" in text
        assert "server unix:/run/gunicorn.sock;" in text
        assert f"proxy_cache_path {root}/nginx/cache " in text
    finally:
        import shutil

        shutil.rmtree(root, ignore_errors=True)


@pytest.mark.parametrize(
    ("url", "host", "netloc"),
    [
        ("http://127.0.0.1:8080", "127.0.0.1", "127.0.0.1:8080"),
        ("https://content.example.org/", "content.example.org", "content.example.org"),
        ("https://content.example.org:443", "content.example.org", "content.example.org"),
        ("http://[::1]:8080", "[::1]", "[::1]:8080"),
    ],
)
def test_a_public_url_gives_the_host_nginx_matches_and_the_host_the_app_gets(url, host, netloc):
    public = PublicUrl.parse(url)
    assert (public.host, public.netloc) == (host, netloc)


@pytest.mark.parametrize(
    "url", ["content.example.org", "ftp://content.example.org", "https://content.example.org/content",
            "https://content.example.org/?x=1", "https://user@content.example.org", "http://content.example.org:99999",
            "http://bad_host.example", "http://a;b.example"],
)
def test_a_public_url_that_is_not_an_origin_is_refused(url):
    with pytest.raises(FrontError, match="CONTENTAPI_PUBLIC_URL"):
        PublicUrl.parse(url)


def test_settings_default_the_public_url_to_the_bind_address_and_refuse_bad_trusted_hosts(tmp_path):
    settings = settings_from_environment({"CONTENTAPI_BIND": "127.0.0.1:9000"}, tmp_path, "unix:/x.sock")
    assert settings.public_url == PublicUrl("http", "127.0.0.1", "127.0.0.1:9000")
    assert settings_from_environment({}, tmp_path, "unix:/x.sock").listen == "127.0.0.1:8080"
    with pytest.raises(FrontError, match="CONTENTAPI_BIND"):
        settings_from_environment({"CONTENTAPI_BIND": "127.0.0.1"}, tmp_path, "unix:/x.sock")
    bad = settings_from_environment({"CONTENTAPI_TRUSTED_HOSTS": "ok.example, evil.example; deny all"}, tmp_path, "unix:/x.sock")
    with pytest.raises(FrontError, match="TRUSTED_HOSTS"):
        render(bad)


# -- what reaches the upstream ------------------------------------------------------------------------


def seen_by_upstream(response) -> dict[str, list[str]]:
    """The request headers the stub upstream got (it puts them in its body)."""
    assert response.status == 200, response.body
    return response.json()["headers"]


def test_the_workers_listen_on_a_non_blocking_socket(stub_front):
    """A worker blocked inside accept() leaves its other connections waiting until a new client
    happens to arrive (probes through the front timed out now and then): the listening socket
    every worker shares must be non-blocking, inherited or not."""
    front, _ = stub_front
    inode = Path(f"/proc/self/fd/{front.listener.fileno()}").readlink()

    def workers() -> list[str]:
        children = Path(f"/proc/{front.process.pid}/task/{front.process.pid}/children").read_text().split()
        return [pid for pid in children if b"worker process" in Path(f"/proc/{pid}/cmdline").read_bytes()]

    wait_until(lambda: len(workers()) == 2, timeout=10, message="nginx's two workers")
    for pid in workers():
        held = [fd for fd in Path(f"/proc/{pid}/fd").iterdir() if fd.readlink() == inode]
        assert held, f"nginx worker {pid} does not hold the listener"
        for fd in held:
            flags = int(Path(f"/proc/{pid}/fdinfo/{fd.name}").read_text().split("flags:")[1].split()[0], 8)
            assert flags & os.O_NONBLOCK, f"nginx worker {pid} accepts on a blocking socket"


def test_the_upstream_gets_the_public_host_and_none_of_the_clients_forwarding_headers(stub_front):
    front, stub = stub_front
    path = stub.respond("/forwarding", {"Cache-Control": "no-store"})
    seen = seen_by_upstream(front.get(path, X_Forwarded_Host="evil.example", X_Forwarded_Proto="https",
                                      X_Forwarded_Port="443", X_Forwarded_Ssl="on", X_Forwarded_Prefix="/evil",
                                      X_Forwarded_For="203.0.113.9", X_Real_Ip="203.0.113.9",
                                      Forwarded="for=203.0.113.9;host=evil.example;proto=https"))
    assert seen["host"] == [front.host]
    assert seen["x-forwarded-proto"] == ["http"]
    assert seen["x-forwarded-for"] == ["127.0.0.1"]
    for name in ("x-forwarded-host", "x-forwarded-port", "x-forwarded-ssl", "x-forwarded-prefix", "x-real-ip", "forwarded"):
        assert name not in seen
    # An absolute-form request line naming the public host, with a forged Host header: the app
    # still gets the public host.
    raw = front.raw(f"GET {front.public_url}{path} HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n".encode())
    assert raw.startswith(b"HTTP/1.1 200")
    assert json.loads(raw.split(b"\r\n\r\n", 1)[1])["headers"]["host"] == [front.host]


def test_headers_the_cache_key_holds_reach_the_upstream_once_with_the_value_the_key_holds(stub_front):
    front, stub = stub_front
    path = stub.respond("/repeated", {"Cache-Control": "no-store"})
    raw = front.raw((f"GET {path} HTTP/1.1\r\nHost: {front.host}\r\nOrigin: https://a.example\r\n"
                     "Origin: https://b.example\r\nAccept-Language: es\r\nAccept-Language: fr\r\n"
                     "Accept-Encoding: gzip\r\nAccept-Encoding: br\r\nConnection: close\r\n\r\n").encode())
    seen = json.loads(raw.split(b"\r\n\r\n", 1)[1])["headers"]
    assert seen["origin"] == ["https://a.example"]
    assert seen["accept-language"] == ["es"]
    assert seen["accept-encoding"] == ["gzip"]


@pytest.mark.parametrize(
    ("accept_encoding", "asked"),
    [
        (None, "identity"),
        ("gzip, deflate, br, zstd", "br"),
        ("gzip, deflate", "gzip"),
        ("deflate, GZIP", "gzip"),
        ("br;q=0, gzip;q=0.5", "gzip"),
        ("gzip;q=0, deflate", "identity"),
        ("br;q=0.001", "br"),
        ("br;q=1.0, gzip", "br"),
        ("brotli, xgzip", "identity"),
        ("*", "identity"),
    ],
)
def test_the_upstream_is_asked_for_br_gzip_or_identity(stub_front, accept_encoding, asked):
    front, stub = stub_front
    path = stub.respond(f"/coding-{abs(hash(accept_encoding))}", {"Cache-Control": "no-store"})
    headers = {"Accept-Encoding": accept_encoding} if accept_encoding is not None else {}
    assert seen_by_upstream(front.request("GET", path, headers))["accept-encoding"] == [asked]


# -- what the cache keeps, under which key, and for how long --------------------------------------------


def shared(front, stub, path: str, variants: list[dict], seconds: float = 30) -> bool:
    """Whether requests with each of these header sets, sent back to back, can be answered by one
    request to the upstream (one cache entry). Requests sent back to back can still straddle the
    half-second boundary of the micro-cache (often, on a loaded machine), so they are sent again
    until that happens or ``seconds`` pass."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        answers = [front.request("GET", path, headers) for headers in variants]
        assert all(answer.status == 200 for answer in answers)
        if len({answer.json()["number"] for answer in answers}) == 1:  # one upstream answer served them all
            return True
    return False


def kept(front, stub, path: str, headers: dict | None = None) -> bool:
    """Whether a second request right after a first is answered without the upstream."""
    return shared(front, stub, path, [headers or {}, headers or {}])


@pytest.mark.parametrize(
    ("path", "headers", "keep"),
    [
        ("/api/keep-public", {"Cache-Control": "public, max-age=300"}, True),
        ("/api/keep-max-age", {"Cache-Control": "max-age=60"}, True),
        ("/api/keep-s-maxage", {"Cache-Control": "max-age=0, s-maxage=30"}, True),
        ("/api/keep-vary", {"Cache-Control": "public, max-age=300", "Vary": "Accept-Encoding, Origin"}, True),
        ("/api/keep-vary-language", {"Cache-Control": "public, max-age=300", "Vary": "Accept-Language"}, True),
        ("/api/private", {"Cache-Control": "private, max-age=300"}, False),
        ("/api/no-store", {"Cache-Control": "public, no-store"}, False),
        ("/api/no-cache", {"Cache-Control": "no-cache, max-age=300"}, False),
        ("/api/max-age-0", {"Cache-Control": "max-age=0"}, False),
        ("/api/s-maxage-0", {"Cache-Control": "max-age=300, s-maxage=0"}, False),
        ("/api/no-cache-control", {}, False),
        ("/api/expires-only", {"Expires": "Thu, 01 Jan 2099 00:00:00 GMT"}, False),
        ("/api/set-cookie", {"Cache-Control": "public, max-age=300", "Set-Cookie": "session=1"}, False),
        ("/api/vary-cookie", {"Cache-Control": "public, max-age=300", "Vary": "Cookie"}, False),
        ("/api/vary-accept", {"Cache-Control": "public, max-age=300", "Vary": "Accept-Encoding, Accept"}, False),
        ("/api/vary-star", {"Cache-Control": "public, max-age=300", "Vary": "*"}, False),
        # A path with a locale: the key leaves Accept-Language out, so a response varying on it is not kept.
        ("/es/vary-language", {"Cache-Control": "public, max-age=300", "Vary": "Accept-Language"}, False),
        ("/es/no-vary", {"Cache-Control": "public, max-age=300"}, True),
        ("/embed/es/no-vary", {"Cache-Control": "public, max-age=300", "Vary": "Accept-Encoding"}, True),
    ],
)
def test_the_front_keeps_only_shared_cacheable_responses_whose_variants_the_key_holds(stub_front, path, headers, keep):
    front, stub = stub_front
    stub.respond(path, headers)
    if keep:
        assert kept(front, stub, path)
    else:
        for _ in range(4):
            assert front.get(path).status == 200
        assert stub.count(path) == 4
        assert {entry["cache"] for entry in front.entries(path, 4)} == {"MISS"}


def test_language_is_part_of_the_key_only_where_the_app_negotiates_it(stub_front):
    front, stub = stub_front
    negotiated = stub.respond("/api/v1/negotiated", {"Cache-Control": "public, max-age=300", "Vary": "Accept-Language"})
    for language in ("es", "fr", "es"):  # each language gets the answer made for it, even within one half second
        assert seen_by_upstream(front.get(negotiated, Accept_Language=language))["accept-language"] == [language]
    assert kept(front, stub, negotiated, {"Accept-Language": "es"})
    # With ?lang= or a locale in the path, Accept-Language is not part of the key: one entry for all.
    fixed = stub.respond("/en/fixed", {"Cache-Control": "public, max-age=300"})
    assert shared(front, stub, fixed, [{"Accept-Language": "es"}, {"Accept-Language": "fr"}])
    query = stub.respond("/api/v1/with-lang", {"Cache-Control": "public, max-age=300"})
    assert shared(front, stub, query + "?lang=en", [{"Accept-Language": "es"}, {"Accept-Language": "fr"}])


def test_encodings_and_origins_are_separate_entries_and_spellings_of_one_coding_share_one(stub_front):
    front, stub = stub_front
    path = stub.respond("/api/v1/variants", {"Cache-Control": "public, max-age=300", "Vary": "Accept-Encoding, Origin"})
    # Each variant gets the answer made for it, even within one half second (the stub echoes what it got).
    for coding, origin, asked in [("gzip", "https://a.example", "gzip"), ("gzip, deflate, br", "https://a.example", "br"),
                                  ("gzip", "https://b.example", "gzip"), ("gzip", "https://a.example", "gzip"),
                                  (None, "https://a.example", "identity")]:
        headers = {"Origin": origin, **({"Accept-Encoding": coding} if coding else {})}
        seen = seen_by_upstream(front.request("GET", path, headers))
        assert (seen["accept-encoding"], seen["origin"]) == ([asked], [origin])
    # Two spellings of one coding share an entry; so do two requests from one origin.
    assert shared(front, stub, path, [{"Accept-Encoding": "gzip, deflate"}, {"Accept-Encoding": "deflate, gzip"}])
    assert shared(front, stub, path, [{"Origin": "https://a.example"}, {"Origin": "https://a.example"}])


def test_an_entry_serves_requests_for_at_most_half_a_second(stub_front):
    front, stub = stub_front
    path = stub.respond("/api/v1/micro", {"Cache-Control": "public, max-age=300"})
    assert kept(front, stub, path)
    before = stub.count(path)
    for _ in range(4):
        time.sleep(0.55)
        front.get(path)
    assert stub.count(path) - before == 4


@pytest.mark.parametrize(
    "credentials",
    [{"Authorization": "Bearer secret"}, {"X-API-Key": "secret"}, {"Cookie": "session=1"}, {"Authorization": ""}],
    ids=["authorization", "x-api-key", "cookie", "empty-authorization"],
)
def test_requests_with_credentials_are_never_answered_from_the_cache_nor_kept(stub_front, credentials):
    front, stub = stub_front
    path = stub.respond(f"/api/v1/credentials-{next(iter(credentials)).lower()}-{len(next(iter(credentials.values())))}",
                        {"Cache-Control": "public, max-age=300"})
    assert kept(front, stub, path)  # the anonymous answer is in the cache
    before = stub.count(path)
    numbers = [front.request("GET", path, credentials).json()["number"] for _ in range(3)]
    if not next(iter(credentials.values())):
        return  # an empty header is no credential: the cache may answer
    assert stub.count(path) - before == 3 and len(set(numbers)) == 3
    # What the upstream answered to them was not kept: an anonymous request right after one with
    # credentials never gets that answer.
    for _ in range(3):
        keyed = front.request("GET", path, credentials).json()["number"]
        assert front.get(path).json()["number"] != keyed
    wait_until(lambda: front.cache_statuses(path).count("BYPASS") == 6, timeout=10, message="six BYPASS in the log")


def test_odd_origin_or_accept_language_values_bypass_the_cache(stub_front):
    front, stub = stub_front
    path = stub.respond("/api/v1/odd", {"Cache-Control": "public, max-age=300", "Vary": "Origin, Accept-Language"})
    before = stub.count(path)
    for headers in ({"Origin": "https://a.example|x"}, {"Accept-Language": "es|https://a.example"},
                    {"Origin": "https://a.example|x"}, {"Accept-Language": "es|https://a.example"}):
        front.request("GET", path, headers)
    assert stub.count(path) - before == 4


# -- compression -----------------------------------------------------------------------------------


@pytest.mark.parametrize("coding", ["gzip", "br"])
def test_a_response_the_app_compressed_passes_through_untouched(stub_front, coding):
    front, stub = stub_front
    body = bytes(range(256)) * 16  # not a valid stream of either coding: nginx must not even look
    headers = {"Content-Type": "text/html; charset=utf-8", "Content-Encoding": coding, "ETag": f'"{coding}-1"',
               "Vary": "Accept-Encoding", "Cache-Control": "public, max-age=300"}
    path = stub.respond(f"/en/compressed-{coding}", headers, body)
    for _ in range(2):  # from the upstream, then (usually) from the cache
        response = front.request("GET", path, {"Accept-Encoding": "gzip, deflate, br"})
        assert response.status == 200 and response.body == body
        assert response.headers.get_all("Content-Encoding") == [coding]
        assert response.headers.get_all("ETag") == [f'"{coding}-1"']
        assert response.headers.get_all("Vary") == ["Accept-Encoding"]


def test_a_response_the_app_sent_uncompressed_is_gzipped_for_clients_that_take_gzip(stub_front):
    front, stub = stub_front
    body = b"<!doctype html><p>" + b"Kyphoplasty and vertebroplasty. " * 200
    path = stub.respond("/en/uncompressed", {"Content-Type": "text/html; charset=utf-8", "ETag": '"page-1"',
                                             "Cache-Control": "public, max-age=300"}, body)
    compressed = front.request("GET", path, {"Accept-Encoding": "gzip"})
    assert compressed.headers["Content-Encoding"] == "gzip" and gzip.decompress(compressed.body) == body
    assert compressed.headers["ETag"] == 'W/"page-1"' and "Accept-Encoding" in compressed.headers["Vary"]
    plain = front.request("GET", path, {"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers and plain.body == body and plain.headers["ETag"] == '"page-1"'
    small = stub.respond("/en/small", {"Content-Type": "text/html", "Cache-Control": "public, max-age=300"}, b"<p>short</p>")
    assert "Content-Encoding" not in front.request("GET", small, {"Accept-Encoding": "gzip"}).headers
