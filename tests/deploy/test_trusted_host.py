"""Host header poisoning through the real front and its cache: any host but the public one is
refused by nginx before the app or the cache sees the request, forwarding headers are dropped, and
what the cache keeps for embeds, fragments and oEmbed names only the public origin."""

from __future__ import annotations

import re
import time
import uuid

import pytest

from tests.helpers import SLUG, wait_until

EVIL = "evil.example"
PAGES = [f"/embed/en/procedures/{SLUG}", f"/api/v1/procedures/{SLUG}/fragment?lang=en", f"/oembed?url=/en/procedures/{SLUG}"]
ORIGIN = re.compile(rb"https?://[^/\"'\s<>\\]+")


def refused(raw: bytes) -> bool:
    """A 400 from nginx, or nothing at all (the connection closed)."""
    return raw == b"" or raw.startswith(b"HTTP/1.1 400 ")


@pytest.mark.parametrize(
    "build",
    [
        lambda front, path: f"GET {path} HTTP/1.1\r\nHost: {EVIL}\r\nConnection: close\r\n\r\n",
        lambda front, path: f"GET {path} HTTP/1.1\r\nHost: {EVIL}:{front.port}\r\nConnection: close\r\n\r\n",
        lambda front, path: f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{front.port}\r\nConnection: close\r\n\r\n",
        lambda front, path: f"GET http://{EVIL}{path} HTTP/1.1\r\nHost: {front.host}\r\nConnection: close\r\n\r\n",
        lambda front, path: f"GET http://{EVIL}:{front.port}{path} HTTP/1.1\r\nHost: {front.host}\r\nConnection: close\r\n\r\n",
        lambda front, path: f"GET {path} HTTP/1.1\r\nHost: {front.host}\r\nHost: {EVIL}\r\nConnection: close\r\n\r\n",
        lambda front, path: f"GET {path} HTTP/1.1\r\nHost: {EVIL}:{front.port}@{front.host}\r\nConnection: close\r\n\r\n",
        lambda front, path: f"GET {path} HTTP/1.0\r\n\r\n",
    ],
    ids=["host", "host-with-port", "bare-address", "absolute-form", "absolute-form-with-port", "two-hosts", "userinfo",
         "no-host"],
)
@pytest.mark.parametrize("path", PAGES)
def test_a_request_for_another_host_is_refused_before_the_app_and_the_cache(stack, build, path):
    front = stack.front
    marked = f"{path}{'&' if '?' in path else '?'}case={uuid.uuid4().hex}"
    raw = front.raw(build(front, marked).encode())
    assert refused(raw), raw[:200]
    assert EVIL.encode() not in raw and b"not trusted" not in raw  # the app's own 400 says "not trusted"
    entry = wait_until(lambda: next((entry for entry in front.log() if marked in entry["request"]), None), timeout=10,
                       message="the request in nginx's log")
    assert entry["status"] == 400 and not entry["upstream"] and entry["cache"] == "-"


def only_the_public_origin(front, response_headers: str, body: bytes) -> None:
    """The response names the public URL and no other origin, and nothing of evil.example."""
    assert EVIL not in response_headers.lower() and EVIL.encode() not in body.lower()
    assert set(ORIGIN.findall(body)) == {front.public_url.encode()}, body[:500]


@pytest.mark.parametrize("path", PAGES)
def test_forged_hosts_never_reach_what_the_cache_keeps(stack, path):
    """Forged requests the front accepts (X-Forwarded-Host, an absolute-form line naming the public
    host with a forged Host header) fill the cache; every answer, to them and to the normal requests
    within the same half second and after it, names only the public origin."""
    front = stack.front
    forged = [
        lambda: front.raw(f"GET {path} HTTP/1.1\r\nHost: {front.host}\r\nX-Forwarded-Host: {EVIL}\r\n"
                          f"X-Forwarded-Proto: https\r\nForwarded: host={EVIL}\r\nConnection: close\r\n\r\n".encode()),
        lambda: front.raw(f"GET {front.public_url}{path} HTTP/1.1\r\nHost: {EVIL}\r\nConnection: close\r\n\r\n".encode()),
        lambda: front.raw(f"GET http://{EVIL}{path} HTTP/1.1\r\nHost: {front.host}\r\nConnection: close\r\n\r\n".encode()),
        lambda: front.raw(f"GET {path} HTTP/1.1\r\nHost: {EVIL}\r\nConnection: close\r\n\r\n".encode()),
    ]
    for _ in range(6):
        for send in forged:
            raw = send()
            head, _, body = raw.partition(b"\r\n\r\n")
            if refused(raw):
                assert EVIL.encode() not in raw
                continue
            assert head.startswith(b"HTTP/1.1 200 ")
            only_the_public_origin(front, head.decode("latin-1"), body)
            normal = front.get(path)
            assert normal.status == 200
            only_the_public_origin(front, str(normal.headers), normal.body)
    time.sleep(0.6)  # past the micro-cache's half second
    normal = front.get(path)
    assert normal.status == 200
    only_the_public_origin(front, str(normal.headers), normal.body)


def test_the_embed_was_answered_from_the_cache_while_forged_requests_were_sent(stack):
    """The forged requests above went through the cache for real: the embed (kept by the front)
    was answered from it."""
    front = stack.front
    path = PAGES[0]

    def forged_then_normal() -> bool:
        front.raw(f"GET {path} HTTP/1.1\r\nHost: {front.host}\r\nX-Forwarded-Host: {EVIL}\r\nConnection: close\r\n\r\n".encode())
        normal = front.get(path)
        only_the_public_origin(front, str(normal.headers), normal.body)
        return "HIT" in front.cache_statuses(path)

    wait_until(forged_then_normal, timeout=20, message="a HIT for the embed")
