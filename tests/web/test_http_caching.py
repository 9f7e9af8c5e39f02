"""HTTP caching as HTTP defines it: compressed representations with their own strong ETags, Vary
exactly where the response varies, validators everywhere, and private answers to keyed requests.

Decompression is done by what a client uses (Python's gzip, the brotli library, curl), never by
our own code, so "the gzip body is the same page" is a claim something else agrees with.
"""

from __future__ import annotations

import gzip
import hashlib
import shutil
import subprocess

import brotli
import pytest

from contentapi.delivery.urls import STATIC_DIR
from tests.helpers import SLUG

COMPRESSIBLE = [
    f"/api/v1/procedures/{SLUG}?lang=es",
    f"/api/v1/procedures/{SLUG}",
    "/api/v1/procedures?lang=ar",
    "/api/v1/locales",
    "/api/v1/openapi.json",
    f"/es/procedures/{SLUG}",
    "/ko/",
    "/",
    f"/embed/es/procedures/{SLUG}?partner=demo",
    f"/api/v1/procedures/{SLUG}/fragment?lang=vi",
    "/embed/themes/demo.css",
    "/embed.js",
    "/static/contentapi.css",
    "/static/reader.js",
    "/static/favicon.svg",
    "/sitemap.xml",
]
DECODE = {"gzip": gzip.decompress, "br": brotli.decompress}


@pytest.fixture(scope="module")
def server(translations_dir):
    from contentapi import create_app
    from tests.helpers import LiveServer

    live = LiveServer(create_app({"TESTING": True, "TRANSLATIONS_DIR": str(translations_dir),
                                  "TRUSTED_HOSTS": "127.0.0.1"}))
    yield live
    live.stop()


@pytest.mark.parametrize("path", COMPRESSIBLE)
@pytest.mark.parametrize("coding", ["gzip", "br"])
def test_a_compressed_representation_is_the_same_body_with_its_own_strong_etag(server, path, coding):
    plain = server.get(path, Accept_Encoding="identity")
    packed = server.get(path, Accept_Encoding=f"{coding}, identity;q=0.5")
    assert plain.status == packed.status == 200
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == coding
    assert DECODE[coding](packed.body) == plain.body
    assert len(packed.body) < len(plain.body)
    assert packed.headers["ETag"] == plain.headers["ETag"][:-1] + f'-{coding}"'
    assert not packed.headers["ETag"].startswith("W/")
    for response in (plain, packed):
        assert "Accept-Encoding" in response.headers["Vary"]
        assert response.headers["Content-Type"] == plain.headers["Content-Type"]
    # Each coding revalidates with its own ETag, and only with it.
    again = server.get(path, Accept_Encoding=coding, If_None_Match=packed.headers["ETag"])
    assert again.status == 304 and again.headers["ETag"] == packed.headers["ETag"] and again.body == b""
    assert server.get(path, Accept_Encoding=coding, If_None_Match=plain.headers["ETag"]).status == 200


@pytest.mark.parametrize("accept, coding", [
    ("gzip, deflate, br, zstd", "br"),  # Chromium
    ("gzip, deflate, br", "br"),  # Firefox, Safari
    ("gzip", "gzip"),
    ("br;q=0.5, gzip", "gzip"),
    ("deflate", None),
    ("", None),
    ("gzip;q=0, br;q=0", None),
    ("*", "br"),
])
def test_the_coding_is_the_best_the_client_accepts(server, accept, coding):
    response = server.get(f"/es/procedures/{SLUG}", Accept_Encoding=accept)
    assert response.headers.get("Content-Encoding") == coding


def test_curl_decodes_what_we_compress(server):
    curl = shutil.which("curl")
    if curl is None:
        pytest.skip("curl is not installed")
    plain = server.get(f"/es/procedures/{SLUG}").body
    for coding in ("gzip", "br"):
        out = subprocess.run([curl, "-sS", "--fail", "-H", f"Accept-Encoding: {coding}", "--compressed",
                              f"{server.url}/es/procedures/{SLUG}"], capture_output=True, timeout=30)
        if coding == "br" and out.returncode != 0 and b"brotli" in out.stderr.lower():
            continue  # a curl built without brotli
        assert out.returncode == 0, out.stderr
        assert out.stdout == plain


def test_error_and_tiny_bodies_are_never_compressed_into_more_bytes(server):
    response = server.get("/api/v1/procedures/no-such-thing", Accept_Encoding="gzip, br")
    assert response.status == 404 and "Content-Encoding" not in response.headers


@pytest.mark.parametrize("path, varies", [
    ("/", True),
    ("/es/", False),
    (f"/es/procedures/{SLUG}", False),
    (f"/api/v1/procedures/{SLUG}", True),
    (f"/api/v1/procedures/{SLUG}?lang=es", False),
    ("/api/v1/procedures", True),
    ("/api/v1/procedures?lang=es", False),
    (f"/api/v1/procedures/{SLUG}/fragment", True),
    (f"/api/v1/procedures/{SLUG}/fragment?lang=es", False),
    ("/api/v1/locales", False),
    (f"/embed/es/procedures/{SLUG}?partner=demo", False),
    ("/sitemap.xml", False),
    ("/embed.js", False),
])
def test_vary_accept_language_only_where_the_language_is_negotiated(server, path, varies):
    response = server.get(path, Accept_Language="ar")
    assert response.status == 200
    assert ("Accept-Language" in response.headers.get("Vary", "")) is varies


def test_a_malformed_accept_language_is_only_refused_where_it_is_read(server):
    bad = "es;q=abc"
    assert server.get(f"/api/v1/procedures/{SLUG}", Accept_Language=bad).status == 400
    assert server.get(f"/api/v1/procedures/{SLUG}?lang=es", Accept_Language=bad).status == 200
    assert server.get(f"/es/procedures/{SLUG}", Accept_Language=bad).status == 200


def test_static_etags_come_from_content(server):
    for name in ("contentapi.css", "reader.js", "favicon.svg"):
        response = server.get(f"/static/{name}", Accept_Encoding="identity")
        assert response.body == (STATIC_DIR / name).read_bytes()
        assert response.headers["ETag"] == '"' + hashlib.sha256(response.body).hexdigest()[:32] + '"'
        assert response.headers["Cache-Control"] == "public, max-age=31536000"
        assert server.get(f"/static/{name}", If_None_Match=response.headers["ETag"]).status == 304
    assert server.get("/static/../config.py").status == 404
    assert server.get("/static/nothing.css").status == 404


def test_the_sitemap_has_validators(server):
    response = server.get("/sitemap.xml")
    assert response.status == 200 and response.headers["Content-Type"] == "application/xml; charset=utf-8"
    assert response.headers["ETag"] and response.headers["Last-Modified"]
    assert server.get("/sitemap.xml", If_None_Match=response.headers["ETag"]).status == 304
    assert server.get("/sitemap.xml", If_Modified_Since=response.headers["Last-Modified"]).status == 304


def test_a_response_given_for_a_partner_key_is_private(make_app, serve, tmp_path):
    from contentapi.partners.registry import hash_key

    registry = tmp_path / "partners.toml"
    registry.write_text(
        'public = false\n[partners.clinic]\nname = "Clinic"\norigins = ["https://clinic.example"]\n'
        f'key_sha256 = "{hash_key("secret-key")}"\n', encoding="utf-8")
    server = serve(make_app(PARTNERS=str(registry)))
    keyed = server.get(f"/embed/es/procedures/{SLUG}?partner=clinic", X_API_Key="secret-key")
    assert keyed.status == 200
    assert set(keyed.headers["Cache-Control"].split(", ")) == {"private", "max-age=300"}
    assert server.get(f"/embed/es/procedures/{SLUG}?partner=clinic").status == 401
    assert server.get(f"/es/procedures/{SLUG}").headers["Cache-Control"] == "public, max-age=300"
