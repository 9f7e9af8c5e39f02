"""``contentapi webhooks``: a new secret is a Standard Webhooks secret; ``run --once`` first meets a new
webhook (no history sent), then delivers what was published since to a verifying receiver; ``list``
shows the delivery."""

from __future__ import annotations

import base64
import json
import threading

import pytest

from contentapi.changes.webhooks import new_secret
from contentapi.partners.registry import hash_key, new_key
from tests.changes.receiver import Receiver, registry_file
from tests.helpers import SLUG, put_in_store


def test_new_secret_prints_a_whsec_secret(make_app):
    output = make_app(LOAD_CONTENT_AT_START=False).test_cli_runner().invoke(args=["webhooks", "new-secret"]).output
    assert output.startswith("whsec_") and len(base64.b64decode(output.strip()[6:])) == 32


def test_run_once_delivers_what_was_published_since_the_webhook_was_met(make_app, own_translations, tmp_path):
    secret = new_secret()
    receiver = Receiver(secret)
    try:
        app = make_app(TRANSLATIONS_DIR=str(own_translations), LOAD_CONTENT_AT_START=False, WEBHOOKS_IN_PROCESS=False,
                       PARTNERS=registry_file(tmp_path, receiver.url, secret, hash_key(new_key()), ["translation.published"]))
        runner = app.test_cli_runner()
        first = runner.invoke(args=["webhooks", "run", "--once"])
        assert first.exit_code == 0 and first.output == "0 deliveries queued, 0 attempted\n" and receiver.events() == []
        put_in_store(own_translations, "ko", SLUG)  # a publish made after the webhook was met
        second = runner.invoke(args=["webhooks", "run", "--once"])
        assert second.exit_code == 0 and second.output == "1 deliveries queued, 1 attempted\n", second.output
        [(message, payload, _)] = receiver.events()
        assert payload["type"] == "translation.published" and payload["data"]["locale"] == "ko"
        [listed] = [json.loads(line) for line in runner.invoke(args=["webhooks", "list", "--partner", "north"]).output.splitlines()]
        assert listed["id"] == message and listed["status"] == "delivered"
    finally:
        receiver.down()


class AskingForAYear:
    """A receiver that answers 503 with Retry-After: one year."""

    def __init__(self):
        self.calls = 0

    def post(self, url, headers, body):
        self.calls += 1
        return 503, "HTTP 503", 365 * 86400.0


def test_a_retry_after_longer_than_a_day_waits_a_day(make_app, own_translations, tmp_path):
    from contentapi.changes.webhooks import MAX_RETRY_AFTER

    app = make_app(TRANSLATIONS_DIR=str(own_translations), WEBHOOKS_IN_PROCESS=False,
                   PARTNERS=registry_file(tmp_path, "http://127.0.0.1:9/hook", new_secret(), hash_key(new_key())))
    area = app.extensions["contentapi.changes"]
    worker = area.worker(app.extensions["contentapi.delivery"].service)
    worker.sender, worker.clock = AskingForAYear(), lambda: 1_000_000.0
    worker.run_once()  # meets the webhook
    put_in_store(own_translations, "ko", SLUG)
    assert worker.run_once() == (1, 1) and worker.sender.calls == 1
    [pending] = area.outbox.deliveries("north", "pending")
    assert pending["attempts"] == 1 and pending["last_status"] == 503
    with area.outbox.connect() as connection:
        [(next_attempt,)] = connection.execute("SELECT next_attempt FROM deliveries").fetchall()
    assert next_attempt == 1_000_000.0 + MAX_RETRY_AFTER


@pytest.mark.parametrize("retry_after", ["120", "²", "3.5", "Wed, 21 Oct 2026 07:28:00 GMT"])
def test_the_sender_reads_retry_after_as_ascii_seconds_or_not_at_all(retry_after):
    """A receiver's Retry-After is a number of seconds we honour, or something we ignore: never an
    error in the delivery worker ('²' passes str.isdigit() and fails float())."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from contentapi.changes.webhooks import Sender

    class Busy(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - the name http.server calls
            """503 with the Retry-After under test."""
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(503)
            self.send_header("Retry-After", retry_after)  # "²" goes out as the Latin-1 byte B2
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format, *args):  # noqa: A002 - http.server's signature
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Busy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        status, error, seconds = Sender(timeout=5).post(f"http://127.0.0.1:{server.server_port}/hook", {}, b"{}")
    finally:
        server.shutdown()
        server.server_close()
    assert (status, error) == (503, "HTTP 503")
    assert seconds == (120.0 if retry_after == "120" else None)
