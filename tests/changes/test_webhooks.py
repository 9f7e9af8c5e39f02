"""Webhooks over real HTTP on loopback: a gunicorn service delivers each publish to a receiver that
verifies the Standard Webhooks signature with the specification's own library, within 2 s; a receiver
down for a minute gets every delivery once it is back (retries, a short schedule for the test); an
entry never arrives under two different webhook-ids; failures are listed per partner; a hanging
receiver never slows a publish."""

from __future__ import annotations

import sqlite3
from contextlib import closing
import time
from collections import defaultdict

import pytest

from contentapi import create_app
from contentapi.changes.webhooks import new_secret, sign
from contentapi.partners.registry import hash_key, new_key
from tests.changes.receiver import Receiver, registry_file
from tests.helpers import LOOPBACK_HOSTS, GunicornServer, LiveServer, copy_translations, http_request, wait_until
from tests.publishing import publish_change, translator_token

pytestmark = pytest.mark.slow
DOWN_SECONDS = 60


def one_id_per_entry(receiver: Receiver) -> dict[str, set[str]]:
    """Entry id -> the webhook-ids it arrived under; every entry must have exactly one."""
    ids = defaultdict(set)
    for message, payload, _ in receiver.events():
        ids[payload["data"]["id"]].add(message)
    assert all(len(messages) == 1 for messages in ids.values()), ids
    return ids


def endpoint_registered(folder) -> bool:
    """The worker has met the endpoint (from then on every new entry is delivered to it)."""
    try:
        with closing(sqlite3.connect(folder / "translations" / ".revisions" / "webhooks.sqlite3")) as connection:
            return connection.execute("SELECT count(*) FROM endpoints").fetchone()[0] == 1
    except sqlite3.Error:
        return False


@pytest.fixture
def deployment(tmp_path):
    """gunicorn (2 workers) delivering in-process, a receiver, a partner key and a translator token."""
    secret, key = new_secret(), new_key()
    receiver = Receiver(secret)
    tokens, token = translator_token(tmp_path)
    settings = {"TRANSLATIONS_DIR": copy_translations(tmp_path / "translations"), "TOKENS": tokens,
                "PARTNERS": registry_file(tmp_path, receiver.url, secret, hash_key(key)),
                "CATALOG_CHECK_INTERVAL": "0.2", "WEBHOOK_POLL_INTERVAL": "0.2", "WEBHOOK_TIMEOUT": "5",
                "WEBHOOK_RETRY_SCHEDULE": "1,2,4,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8"}
    server = GunicornServer(settings, tmp_path / "gunicorn.log", workers=2)
    try:
        wait_until(lambda: endpoint_registered(tmp_path), timeout=10, message="the worker meeting the endpoint")
        yield server, receiver, token, key
    finally:
        server.stop()
        receiver.down()


def deliveries(server, key: str, status: str | None = None) -> list[dict]:
    path = "/api/v1/webhooks/deliveries?partner=north" + (f"&status={status}" if status else "")
    code, _, body = http_request(server.port, "GET", path, {"X-API-Key": key})
    assert code == 200, body
    import json

    return json.loads(body)["deliveries"]


def test_a_publish_reaches_a_verifying_receiver_within_two_seconds(deployment):
    server, receiver, token, key = deployment
    started = time.monotonic()
    result = publish_change(server.port, token, "es", "cemento óseo", "cemento óseo nuevo")
    published = time.monotonic()
    assert published - started < 2
    [(message, payload, arrived)] = wait_until(lambda: receiver.events("translation.published"), timeout=2,
                                               message="the publish delivered")
    assert arrived - published < 2 and not receiver.rejected
    assert payload["data"]["revision"] == result["revision"]["id"] and payload["data"]["locale"] == "es"
    assert message.startswith("msg_") and payload["timestamp"] == payload["data"]["time"]
    [listed] = deliveries(server, key)
    assert listed["id"] == message and listed["status"] == "delivered" and listed["attempts"] == 1
    one_id_per_entry(receiver)


def test_a_receiver_down_for_a_minute_gets_everything_once_it_is_back(deployment):
    server, receiver, token, key = deployment
    receiver.down()
    publish_change(server.port, token, "es", "cemento óseo", "cemento óseo A")
    publish_change(server.port, token, "ru", "костный цемент", "костный цемент Б")
    wait_until(lambda: any(item["attempts"] >= 2 for item in deliveries(server, key, "pending")), timeout=15,
               message="retries while the receiver is down")
    pending = deliveries(server, key, "pending")
    assert len(pending) == 2 and any(item["last_error"] for item in pending)  # the later one waits behind
    time.sleep(DOWN_SECONDS)
    receiver.up()
    wait_until(lambda: len(receiver.events("translation.published")) == 2, timeout=20, message="both delivered")
    assert {payload["data"]["locale"] for _, payload, _ in receiver.events()} == {"es", "ru"}
    assert not receiver.rejected
    listed = deliveries(server, key)
    assert all(item["status"] == "delivered" for item in listed) and max(item["attempts"] for item in listed) > 2
    one_id_per_entry(receiver)


def test_failures_are_listed_and_a_hanging_receiver_never_slows_a_publish(tmp_path):
    secret, key = new_secret(), new_key()
    failing = Receiver(secret, status=500)
    tokens, token = translator_token(tmp_path)
    app = create_app({"TRANSLATIONS_DIR": str(copy_translations(tmp_path / "translations")), "TOKENS": str(tokens),
                      "PARTNERS": registry_file(tmp_path, failing.url, secret, hash_key(key)),
                      "CATALOG_CHECK_INTERVAL": 0.0, "WEBHOOK_POLL_INTERVAL": 0.1, "WEBHOOK_RETRY_SCHEDULE": "0.2,0.2",
                      "TRUSTED_HOSTS": LOOPBACK_HOSTS})
    server = LiveServer(app)
    try:
        wait_until(lambda: server.get("/healthz").status == 200 and endpoint_registered(tmp_path), timeout=10,
                   message="the worker meeting the endpoint")
        started = time.monotonic()
        publish_change(server.port, token, "vi", "xi măng", "xi măng mới")
        assert time.monotonic() - started < 2
        [failed] = wait_until(lambda: deliveries(server, key, "failed"), timeout=10, message="a failure listed")
        assert failed["attempts"] == 3 and failed["last_status"] == 500 and failed["last_error"] == "HTTP 500"
        assert app.test_cli_runner().invoke(args=["webhooks", "list", "--status", "failed"]).output.count("HTTP 500") == 1
        code, _, _ = http_request(server.port, "GET", "/api/v1/webhooks/deliveries?partner=north")
        assert code == 401  # a partner's deliveries need its key
    finally:
        app.extensions["contentapi.changes"].stop()
        server.stop()
        failing.down()


def test_our_signature_is_the_reference_librarys():
    from datetime import datetime, timezone

    from standardwebhooks import Webhook

    secret = new_secret()
    body = '{"type":"translation.published","timestamp":"2026-01-01T00:00:00Z","data":{}}'
    reference = Webhook(secret).sign("msg_1", datetime.fromtimestamp(1674087231, tz=timezone.utc), body)
    assert sign(secret, "msg_1", 1674087231, body.encode()) == reference
