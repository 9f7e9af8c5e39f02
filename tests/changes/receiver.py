"""A webhook receiver on loopback that verifies every delivery with the Standard Webhooks reference
library (``standardwebhooks``, not our code), and can be taken down and brought back on its port."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError


class Receiver:
    """Records (webhook-id, payload, arrival time) of each verified delivery; answers ``status``."""

    def __init__(self, secret: str, status: int = 204, port: int = 0):
        self.verifier = Webhook(secret)
        self.status = status
        self.received: list[tuple[str, dict, float]] = []
        self.rejected: list[str] = []
        self.lock = threading.Lock()
        self.server = None
        self.port = port
        self.up()

    def up(self) -> None:
        """Listen (again) on the receiver's port."""
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                try:
                    payload = receiver.verifier.verify(body, dict(self.headers.items()))
                except WebhookVerificationError as error:
                    with receiver.lock:
                        receiver.rejected.append(str(error))
                    self.send_response(401)
                    self.end_headers()
                    return
                with receiver.lock:
                    if receiver.status < 300:
                        receiver.received.append((self.headers["webhook-id"], payload, time.monotonic()))
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *arguments):
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def down(self) -> None:
        """Stop listening: connections are refused until ``up``."""
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def events(self, kind: str | None = None) -> list[tuple[str, dict, float]]:
        """What arrived (of one event type)."""
        with self.lock:
            return [item for item in self.received if kind is None or item[1]["type"] == kind]


def registry_file(folder, partner_url: str, secret: str, key_sha256: str, events=("*",)) -> str:
    """A partner registry with one partner (``north``, with a key) and one webhook."""
    path = folder / "partners.toml"
    path.write_text(
        'default_partner = "north"\n[partners.north]\nname = "North Hospital"\norigins = ["https://north.example"]\n'
        f'key_sha256 = "{key_sha256}"\n[[partners.north.webhooks]]\nurl = "{partner_url}"\nsecret = "{secret}"\n'
        f"events = {json.dumps(list(events))}\n", encoding="utf-8")
    return str(path)
