"""Load and faults: 60 s of load at 64 connections on the JSON and HTML routes of a real gunicorn,
while a translator publishes a catalog every two seconds and one worker is killed with SIGKILL.

What must hold: no 5xx ever; every failed request is one the killed worker had in flight (it
failed within a moment of the kill, and no client lost more than the one request it had sent);
a gthread worker accepts connections ahead of its threads, so that can be several requests;
every publish succeeds, but for at most one the killed worker had in flight (the client starts
again from a fresh GET); and afterwards every worker, the respawned one included, serves the last
published text. The counts are printed in the test's output.

CONTENTAPI_LOAD_SECONDS shortens the run for local iterations (the issue asks for 60).
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import threading
import time
from dataclasses import dataclass, field

import pytest

from contentapi.i18n.tokens import TokenStore
from tests.helpers import SLUG, GunicornServer, copy_translations, http_request

DURATION = float(os.environ.get("CONTENTAPI_LOAD_SECONDS", "60"))
CONNECTIONS = 64
# The production settings README "Performance" recommends (scripts/serve): gthread, one worker per
# core, four threads each, --preload.
WORKERS = 2
THREADS = 4
KILL_AT = DURATION / 3
PATHS = (f"/api/v1/procedures/{SLUG}?lang=es", f"/es/procedures/{SLUG}")
TITLE_ENTRY = re.compile(r'(msgctxt "kyphoplasty-and-vertebroplasty/title"\nmsgid "[^"]*"\nmsgstr ")([^"]*)(")')

pytestmark = pytest.mark.slow


def request(port: int, method: str, path: str, headers: dict | None = None, body: bytes | None = None):
    return http_request(port, method, path, headers, body)


@dataclass
class Tally:
    ok: int = 0
    server_errors: list = field(default_factory=list)
    failures: list = field(default_factory=list)  # (time, client connection, error)
    lock: threading.Lock = field(default_factory=threading.Lock)


@pytest.fixture
def gunicorn(tmp_path):
    translations = copy_translations(tmp_path / "translations")
    tokens = tmp_path / "tokens.json"
    token = TokenStore(tokens).add("load-test", ("es",))
    settings = {
        "TRANSLATIONS_DIR": translations,
        "TOKENS": tokens,
        "TRANSLATION_REVISIONS_DIR": tmp_path / "revisions",
        "CATALOG_CHECK_INTERVAL": "0.5",
    }
    server = GunicornServer(settings, tmp_path / "gunicorn.log", workers=WORKERS, worker_class="gthread",
                            threads=THREADS, preload=True)
    yield server, token
    server.stop()


def test_load_with_publishes_and_a_killed_worker(gunicorn):
    server, token = gunicorn
    port = server.port
    tally = Tally()
    stop = threading.Event()
    started = time.monotonic()

    def load(index: int) -> None:
        path = PATHS[index % len(PATHS)]
        while not stop.is_set():
            try:
                status, _, _ = request(port, "GET", path)
            except (OSError, http.client.HTTPException) as error:
                with tally.lock:
                    tally.failures.append((time.monotonic() - started, index, repr(error)))
                continue
            with tally.lock:
                if status >= 500:
                    tally.server_errors.append(status)
                else:
                    tally.ok += 1

    publishes: list[tuple[int, str]] = []
    lost_publishes: list[tuple[float, str]] = []  # a GET or PUT the killed worker had in flight

    def publish_every_two_seconds() -> None:
        authorization = {"Authorization": f"Bearer {token}"}
        number = 0
        while not stop.wait(2.0):
            number += 1
            try:
                status, headers, body = request(port, "GET", "/api/v1/translations/es", authorization)
                assert status == 200
                # Letters, not digits: the number-parity check rightly refuses digits the source lacks.
                marker = "".join(chr(ord("a") + int(digit)) for digit in str(number))
                title = f"Cifoplastia y vertebroplastia (revisión {marker})"
                edited, count = TITLE_ENTRY.subn(lambda m: m[1] + title + m[3], body.decode("utf-8"))
                assert count == 1
                status, _, _ = request(
                    port,
                    "PUT",
                    "/api/v1/translations/es",
                    {**authorization, "If-Match": headers["ETag"], "Content-Type": "text/x-gettext-translation"},
                    edited.encode("utf-8"),
                )
            except (OSError, http.client.HTTPException) as error:
                # As a translator's client would: start again from a fresh GET (If-Match makes that
                # safe whether or not the lost PUT was committed).
                lost_publishes.append((time.monotonic() - started, repr(error)))
                continue
            publishes.append((status, title))

    threads = [threading.Thread(target=load, args=(i,), daemon=True) for i in range(CONNECTIONS)]
    threads.append(threading.Thread(target=publish_every_two_seconds, daemon=True))
    for thread in threads:
        thread.start()
    time.sleep(KILL_AT)
    victim = min(server.worker_pids())
    killed_at = time.monotonic() - started
    os.kill(victim, signal.SIGKILL)
    time.sleep(max(0.0, DURATION - KILL_AT))
    stop.set()
    for thread in threads:
        thread.join(timeout=30)

    late = [failure for failure in tally.failures if not killed_at <= failure[0] <= killed_at + 3.0]
    print(
        f"\nload: {tally.ok} ok, {len(tally.server_errors)} 5xx, {len(tally.failures)} failed "
        f"(all in flight on worker {victim} killed at {killed_at:.1f} s), {len(publishes)} publishes, "
        f"{len(lost_publishes)} lost with the worker"
    )
    assert tally.server_errors == []
    assert late == [], f"failures not explained by the killed worker: {late[:5]}"
    # Each client has one request outstanding at a time, so a request lost with the worker shows
    # up as exactly one failure on that client's connection; a second one would be a later fault.
    clients = [client for _, client, _ in tally.failures]
    assert len(clients) == len(set(clients)), "a client lost more than one request"
    assert tally.ok > 1000
    assert publishes and all(status == 200 for status, _ in publishes), publishes
    assert len(lost_publishes) <= 1 and all(killed_at <= moment <= killed_at + 3.0 for moment, _ in lost_publishes), lost_publishes
    assert victim not in server.worker_pids() and len(server.worker_pids()) == WORKERS

    final_title = publishes[-1][1]
    deadline = time.monotonic() + 2.0
    while True:
        answers = [request(port, "GET", PATHS[0])[2].decode("utf-8") for _ in range(60)]
        if all(final_title in answer for answer in answers):
            break
        assert time.monotonic() < deadline, "some worker still serves an older catalog after 2 s"
        time.sleep(0.1)
