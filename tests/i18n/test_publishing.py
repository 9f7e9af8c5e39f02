"""Publishing across processes: two gunicorn servers (two workers each) on one files store both
serve a publish within 2 s with no failed request; concurrent PUTs to the two processes with the
same If-Match give one 200 and one 412 (the lock spans processes). A publish killed at any instant
is tests/i18n/test_crash_safety.py."""

from __future__ import annotations

import json
import shutil
import threading
import time

import pytest

from contentapi.i18n.publishing import if_match_allows, po_etag
from contentapi.i18n.revisions import FileRevisionStore
from contentapi.i18n.tokens import TokenStore
from tests.helpers import SLUG, GunicornServer, http_request, wait_until

pytestmark = pytest.mark.slow

HEADING_ES = "Información general"
PO = "text/x-gettext-translation; charset=utf-8"


def request(port: int, method: str, path: str, headers: dict | None = None, body: bytes | None = None):
    return http_request(port, method, path, headers, body, timeout=15)


def heading(port: int, locale: str = "es") -> tuple[int, str | None]:
    status, _, body = request(port, "GET", f"/api/v1/procedures/{SLUG}?lang={locale}")
    return status, json.loads(body)["sections"][0]["heading"] if status == 200 else None


@pytest.fixture
def cluster(own_translations, tmp_path):
    shutil.rmtree(own_translations / ".revisions", ignore_errors=True)  # only this test's history
    tokens = tmp_path / "tokens.json"
    token = TokenStore(tokens).add("maria", ("es",))
    servers = []
    try:
        for number in range(2):
            settings = {"TRANSLATIONS_DIR": own_translations, "TOKENS": tokens, "CATALOG_CHECK_INTERVAL": "1.0"}
            servers.append(GunicornServer(settings, tmp_path / f"gunicorn-{number}.log", workers=2))
        yield servers, own_translations, token
    finally:
        for server in servers:
            server.stop()


def renamed(body: bytes, new: str) -> bytes:
    return body.replace(f'msgstr "{HEADING_ES}"'.encode(), f'msgstr "{new}"'.encode())


CATALOG = f"/api/v1/translations/es/procedures/{SLUG}"


def fetch(port: int, token: str) -> tuple[bytes, str]:
    status, headers, body = request(port, "GET", CATALOG, {"Authorization": f"Bearer {token}"})
    assert status == 200
    return body, headers["ETag"]


def test_two_server_processes_serve_a_publish_within_two_seconds_with_no_failed_request(cluster):
    servers, _, token = cluster
    ports = [server.port for server in servers]
    for port in ports:
        assert heading(port) == (200, HEADING_ES)
    body, etag = fetch(ports[0], token)
    failures, seen = [], {port: None for port in ports}
    stop = threading.Event()
    published_at = []
    polling = threading.Semaphore(0)

    def poll(port):
        answered = False
        while not stop.is_set():
            try:
                status, text = heading(port)
            except OSError as error:
                failures.append((port, repr(error)))
                continue
            if not answered:
                answered = True
                polling.release()
            if status != 200:
                failures.append((port, status))
            elif text == "Resumen" and seen[port] is None and published_at:
                seen[port] = time.monotonic() - published_at[0]

    pollers = [threading.Thread(target=poll, args=(port,)) for port in ports for _ in range(2)]
    for thread in pollers:
        thread.start()
    for _ in pollers:  # every poller has had an answer before the publish
        assert polling.acquire(timeout=20)
    status, _, _ = request(ports[0], "PUT", CATALOG,
                           {"Authorization": f"Bearer {token}", "If-Match": etag, "Content-Type": PO}, renamed(body, "Resumen"))
    published_at.append(time.monotonic())
    assert status == 200
    # Within 2 s of the publish every worker of both processes serves the new text (requests spread
    # over the workers), while the pollers saw no failed request.
    wait_until(lambda: all({heading(port) for _ in range(12)} == {(200, "Resumen")} for port in ports),
               timeout=max(0.1, published_at[0] + 2.0 - time.monotonic()), interval=0.02,
               message="the new text from every worker within 2 s of the publish")
    stop.set()
    for thread in pollers:
        thread.join()
    assert failures == []
    assert all(delay is not None and delay < 2.0 for delay in seen.values()), seen


def test_concurrent_puts_to_two_processes_with_the_same_if_match_give_one_200_and_one_412(cluster):
    servers, translations, token = cluster
    body, etag = fetch(servers[0].port, token)
    barrier = threading.Barrier(2)
    statuses = {}

    def publish(port, text):
        barrier.wait()
        statuses[port] = request(port, "PUT", CATALOG,
                                 {"Authorization": f"Bearer {token}", "If-Match": etag, "Content-Type": PO},
                                 renamed(body, text))[0]

    threads = [threading.Thread(target=publish, args=(server.port, f"Resumen {'AB'[n]}")) for n, server in enumerate(servers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses.values()) == [200, 412]
    winner = next(port for port, status in statuses.items() if status == 200)
    expected = f"Resumen {'AB'[[server.port for server in servers].index(winner)]}"
    for server in servers:
        wait_until(lambda port=server.port: {heading(port) for _ in range(6)} == {(200, expected)},
                   timeout=5, message=f"{expected!r} served by every worker")
    revisions = FileRevisionStore(translations / ".revisions").history("es")
    assert [(revision.action, revision.domain) for revision in revisions] == [
        ("publish", SLUG), ("import", SLUG), ("import", "messages")]


def test_if_match_follows_rfc_9110_strong_comparison():
    etag = po_etag(b"abc")
    assert if_match_allows(etag, etag)
    assert if_match_allows(f'"x", {etag}', etag)
    assert if_match_allows("*", etag)
    assert not if_match_allows("*", None)
    assert not if_match_allows(f"W/{etag}", etag)
    assert not if_match_allows('"x"', etag)
    assert not if_match_allows("garbage", etag)
