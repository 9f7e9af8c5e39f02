"""Slow clients against the recommended deployment (gunicorn gthread 2 x 4, --preload) behind the
nginx front: request headers sent one byte every 2 s (8, then 12, then 40 connections), slow PUT
bodies with a wrong or no token, and connections that never send anything (16, then 40). Probes
of /healthz and a page, every 0.5 s with the public Host, must all get their 200 within
PROBE_TIMEOUT. The same slow headers against gunicorn alone fail probes: why the front is there.

Bounded: at most 40 connections per attack, about 20 s per test, 127.0.0.1 only, every socket
closed in ``finally``.
"""

from __future__ import annotations

import time

import pytest

from tests.deploy.conftest import RECOMMENDED, Prober, SlowClients
from tests.helpers import SLUG, GunicornServer

pytestmark = pytest.mark.slow

PROBED = ["/healthz", f"/en/procedures/{SLUG}"]
PACE = 2.0  # seconds between two bytes of a slow client


def slow_headers(host: str) -> bytes:
    """The start of a request whose header never ends."""
    return f"GET /healthz HTTP/1.1\r\nHost: {host}\r\nUser-Agent: slow-client\r\nX-Slow: ".encode()


def attack(port: int, probe_port: int, probe_host: str, phases: list[tuple[int, float]], opening: bytes,
           trickle: bytes = b"a", pace: float = PACE) -> tuple[list, list[int], int]:
    """Hold ``count`` slow connections for ``seconds``, phase after phase (each phase keeps the
    connections of the one before), while probing; return the probes, the connections held at the
    end of each phase, and how many the server closed (and the attacker opened again)."""
    prober = Prober(probe_port, probe_host, PROBED).start()
    clients = SlowClients(port, phases[0][0], opening, trickle, pace)
    held = []
    try:
        clients.start()
        for count, seconds in phases:
            clients.grow(count)
            time.sleep(seconds)
            held.append(clients.open_count())
    finally:
        clients.stop()
        probes = prober.stop()
    return probes, held, clients.reopened


def summary(probes) -> str:
    """The failed probes, for the assertion message."""
    failed = [probe for probe in probes if not probe.passed]
    start = min((probe.started for probe in probes), default=0)
    return f"{len(failed)} of {len(probes)} probes failed: " + "; ".join(
        f"at {probe.started - start:.1f} s {probe.path} {probe.status} {probe.seconds:.1f}s {probe.error}" for probe in failed[:10])


def test_slow_request_headers_through_the_front_fail_no_probe(stack):
    front = stack.front
    probes, held, reopened = attack(front.port, front.port, front.host, [(8, 6), (12, 6), (40, 8)], slow_headers(front.host))
    assert held == [8, 12, 40]
    assert probes and all(probe.passed for probe in probes), summary(probes) + "\n" + front.access_log.read_text()[-6000:]
    assert len(probes) >= 30
    print(f"slow headers via the front: {len(probes)} probes passed, slowest {max(p.seconds for p in probes):.3f} s; "
          f"{reopened} slow connections closed by nginx and opened again")


def test_slow_put_bodies_through_the_front_fail_no_probe(stack):
    front = stack.front
    body_length = 4096

    def put_opening(token: str | None) -> bytes:
        authorization = f"Authorization: Bearer {token}\r\n" if token else ""
        return (f"PUT /api/v1/translations/es HTTP/1.1\r\nHost: {front.host}\r\n{authorization}"
                f"Content-Type: text/x-gettext-translation; charset=utf-8\r\nContent-Length: {body_length}\r\n\r\n").encode()

    prober = Prober(front.port, front.host, PROBED).start()
    groups = [SlowClients(front.port, 6, put_opening("wrong-token"), b'msgid ""\n', pace=0.5),
              SlowClients(front.port, 6, put_opening(None), b'msgid ""\n', pace=0.5)]
    try:
        for clients in groups:
            clients.start()
        time.sleep(10)
        held = [clients.open_count() for clients in groups]
    finally:
        for clients in groups:
            clients.stop()
        probes = prober.stop()
    assert held == [6, 6]
    assert probes and all(probe.passed for probe in probes), summary(probes) + "\n" + front.access_log.read_text()[-6000:]
    # The route is real: the same PUTs sent whole are answered (401: no valid token).
    for token in ("wrong-token", None):
        headers = {"Content-Type": "text/x-gettext-translation; charset=utf-8"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        assert front.request("PUT", "/api/v1/translations/es", headers, b'msgid ""\nmsgstr ""\n').status in (401, 503)


def test_connections_that_never_send_anything_fail_no_probe(stack):
    front = stack.front
    probes, held, _ = attack(front.port, front.port, front.host, [(16, 6), (40, 6)], b"", trickle=b"")
    assert held == [16, 40]
    assert probes and all(probe.passed for probe in probes), summary(probes)


def test_gunicorn_alone_fails_probes_under_the_same_slow_headers(tmp_path, translations_dir):
    """Why the front exists: the same slow connections take the threads of the gthread worker that
    accepted them, and probes that worker accepts go unanswered while the attack lasts. At 12
    connections about half the probes fail (the other worker may still have a free thread), at 40
    every one does, /healthz included; afterwards gunicorn answers again."""
    gunicorn = GunicornServer({"TRANSLATIONS_DIR": translations_dir}, tmp_path / "gunicorn.log", **RECOMMENDED)
    try:
        host = f"127.0.0.1:{gunicorn.port}"
        probes, held, _ = attack(gunicorn.port, gunicorn.port, host, [(12, 4), (40, 10)], slow_headers(host))
        assert held == [12, 40]
        failed = [probe for probe in probes if not probe.passed]
        print(f"gunicorn alone under the same slow headers: {summary(probes)}")
        assert len(failed) >= 2 and any(probe.path == "/healthz" for probe in failed), summary(probes)
        recovered = Prober(gunicorn.port, host, ["/healthz"]).start()
        time.sleep(1.5)
        assert all(probe.passed for probe in recovered.stop())
    finally:
        gunicorn.stop()
