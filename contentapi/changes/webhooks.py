"""Webhooks: the change feed delivered to every partner's registered URLs as signed POSTs following
the Standard Webhooks specification, at least once, with retries and backoff.

Plain Python. A worker (``contentapi webhooks run``, or a thread in the one server process that holds
the worker lock) reads the feed after each endpoint's cursor, writes a delivery per entry the endpoint
subscribed to into an outbox together with the new cursor (one SQLite transaction: a crash loses
nothing and duplicates nothing), then sends what is due. A delivery's id is derived from the endpoint
and the entry, so every attempt, and any later re-send of the same entry, carries the same
``webhook-id``; its body is serialised once and stored, so retries send the same signed bytes. A 2xx
answer delivers; anything else, a timeout or a refused connection is retried on the schedule
(5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h by default, the specification's example) with
up to 10 % jitter (or the receiver's Retry-After when longer, up to a day), and then is a failure;
410 Gone disables the endpoint. Publishing never waits for any of this: the worker only reads the
stores.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import hmac
import http.client
import json
import logging
import os
import random
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from contentapi.changes.feed import ChangeFeed, Cursor, CursorError
from contentapi.partners.registry import Registry, Webhook

logger = logging.getLogger("contentapi")
DEFAULT_SCHEDULE = (5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400)
REQUEST_TIMEOUT = 15.0  # seconds; the specification recommends 15 to 30
PAGE = 100
MAX_BATCH = 200  # deliveries attempted per pass, so one pass is bounded
USER_AGENT = "contentapi-webhooks"
MAX_RETRY_AFTER = 86400.0  # a receiver's Retry-After is honoured up to a day (a larger one is a day)

SCHEMA = """
CREATE TABLE IF NOT EXISTS endpoints (
    key TEXT PRIMARY KEY, partner TEXT NOT NULL, url TEXT NOT NULL, cursor TEXT NOT NULL,
    disabled TEXT
);
CREATE TABLE IF NOT EXISTS deliveries (
    id TEXT PRIMARY KEY, endpoint TEXT NOT NULL, partner TEXT NOT NULL, url TEXT NOT NULL,
    event_id TEXT NOT NULL, event_type TEXT NOT NULL, body BLOB NOT NULL, created REAL NOT NULL,
    status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt REAL NOT NULL,
    last_status INTEGER, last_error TEXT, delivered_at REAL, updated REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (status, next_attempt);
CREATE INDEX IF NOT EXISTS deliveries_partner ON deliveries (partner, created);
"""


def endpoint_key(partner_id: str, url: str) -> str:
    """A stable name for one partner's URL."""
    return hashlib.sha256(f"{partner_id}\n{url}".encode()).hexdigest()[:24]


def message_id(endpoint: str, event_id: str) -> str:
    """The ``webhook-id`` of an entry sent to an endpoint: the same on every attempt, forever."""
    return "msg_" + hashlib.sha256(f"{endpoint}\n{event_id}".encode()).hexdigest()[:32]


def sign(secret: str, message: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` value: ``v1,`` and the base64 HMAC-SHA256 of ``id.timestamp.body``
    with the secret's key (the base64 after ``whsec_``)."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"{message}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def new_secret() -> str:
    """A fresh signing secret: 32 random bytes, as the specification serialises them."""
    return "whsec_" + base64.b64encode(os.urandom(32)).decode()


@dataclass(frozen=True)
class Endpoint:
    """One registered webhook of one partner."""

    partner: str
    webhook: Webhook

    @property
    def key(self) -> str:
        """Its stable name."""
        return endpoint_key(self.partner, self.webhook.url)


def endpoints(registry: Registry) -> list[Endpoint]:
    """Every webhook of every partner."""
    return [Endpoint(partner.id, webhook) for partner in registry.partners.values() for webhook in partner.webhooks]


class Outbox:
    """The deliveries and each endpoint's cursor, in one SQLite file."""

    def __init__(self, path: Path | str):
        self.path = Path(path)

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """A connection for this thread (WAL, a busy timeout), closed after use."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.executescript(SCHEMA)
            yield connection
        finally:
            connection.close()

    def deliveries(self, partner: str | None = None, status: str | None = None, limit: int = 100) -> list[dict]:
        """Recent deliveries, newest first (of one partner, of one status)."""
        query = "SELECT id, partner, url, event_id, event_type, status, attempts, last_status, last_error, " \
                "created, next_attempt, delivered_at FROM deliveries WHERE 1 = 1"
        arguments: list = []
        if partner:
            query, arguments = query + " AND partner = ?", arguments + [partner]
        if status:
            query, arguments = query + " AND status = ?", arguments + [status]
        with self.connect() as connection:
            rows = connection.execute(query + " ORDER BY created DESC, id LIMIT ?", (*arguments, limit)).fetchall()
        names = ("id", "partner", "url", "event_id", "event_type", "status", "attempts", "last_status", "last_error",
                 "created", "next_attempt", "delivered_at")
        out = []
        for row in rows:
            item = dict(zip(names, row))
            for moment in ("created", "next_attempt", "delivered_at"):
                if item[moment] is not None:
                    item[moment] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(item[moment]))
            if item["status"] != "pending":
                item["next_attempt"] = None
            out.append(item)
        return out


class Sender:
    """POSTs one body to a URL (no redirects followed: a 3xx is a failure, as the specification says)."""

    def __init__(self, timeout: float = REQUEST_TIMEOUT):
        self.timeout = timeout

    def post(self, url: str, headers: dict[str, str], body: bytes) -> tuple[int | None, str | None, float | None]:
        """(status, error, retry-after seconds)."""
        parts = urlsplit(url)
        kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        connection = kind(parts.hostname, parts.port, timeout=self.timeout)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            response.read(65536)
            retry_after = response.headers.get("Retry-After")
            seconds = float(retry_after) if retry_after and retry_after.isascii() and retry_after.isdigit() else None
            return response.status, None if 200 <= response.status < 300 else f"HTTP {response.status}", seconds
        except (OSError, http.client.HTTPException) as error:
            return None, f"{type(error).__name__}: {error}"[:300], None
        finally:
            connection.close()


class Worker:
    """Turns feed entries into deliveries and sends those that are due."""

    def __init__(self, feed: ChangeFeed, registry: Registry, outbox: Outbox, schedule=DEFAULT_SCHEDULE,
                 sender: Sender | None = None, clock: Callable[[], float] = time.time):
        self.feed = feed
        self.registry = registry
        self.outbox = outbox
        self.schedule = tuple(float(step) for step in schedule)
        self.sender = sender or Sender()
        self.clock = clock

    def enqueue(self) -> int:
        """Write a delivery for every new entry each endpoint subscribed to; how many were written.

        A new endpoint starts at the feed's present (it is not sent the history)."""
        written = 0
        with self.outbox.connect() as connection:
            for endpoint in endpoints(self.registry):
                row = connection.execute("SELECT cursor, disabled FROM endpoints WHERE key = ?", (endpoint.key,)).fetchone()
                if row is None:
                    connection.execute("INSERT INTO endpoints (key, partner, url, cursor) VALUES (?, ?, ?, ?)",
                                       (endpoint.key, endpoint.partner, endpoint.webhook.url, self.feed.now().encode()))
                    continue
                if row[1]:
                    continue
                try:
                    cursor = Cursor.decode(row[0])
                except CursorError:
                    cursor = self.feed.now()
                for _ in range(100):  # bounded: at most 100 pages per pass
                    entries, after = self.feed.page(cursor, PAGE)
                    if not entries:
                        break
                    now = self.clock()
                    connection.execute("BEGIN IMMEDIATE")
                    try:
                        for entry in entries:
                            if not endpoint.webhook.wants(entry["type"]):
                                continue
                            body = json.dumps({"type": entry["type"], "timestamp": entry["time"], "data": entry},
                                              ensure_ascii=False, separators=(",", ":")).encode("utf-8")
                            written += connection.execute(
                                "INSERT OR IGNORE INTO deliveries (id, endpoint, partner, url, event_id, event_type, "
                                "body, created, status, next_attempt, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)",
                                (message_id(endpoint.key, entry["id"]), endpoint.key, endpoint.partner, endpoint.webhook.url,
                                 entry["id"], entry["type"], body, now, now, now)).rowcount
                        connection.execute("UPDATE endpoints SET cursor = ? WHERE key = ?", (after.encode(), endpoint.key))
                        connection.execute("COMMIT")
                    except BaseException:
                        connection.execute("ROLLBACK")
                        raise
                    cursor = after
        return written

    def _secret(self, endpoint: str) -> Webhook | None:
        return next((item.webhook for item in endpoints(self.registry) if item.key == endpoint), None)

    def send_due(self) -> int:
        """Attempt every due delivery, oldest first; an endpoint that failed waits for its next attempt."""
        attempted = 0
        blocked: set[str] = set()
        with self.outbox.connect() as connection:
            due = connection.execute(
                "SELECT id, endpoint, url, body, attempts FROM deliveries WHERE status = 'pending' AND next_attempt <= ? "
                "ORDER BY created, id LIMIT ?", (self.clock(), MAX_BATCH)).fetchall()
            for message, endpoint, url, body, attempts in due:
                webhook = self._secret(endpoint)
                if endpoint in blocked:
                    continue
                now = self.clock()
                if webhook is None:  # removed from the registry since
                    connection.execute("UPDATE deliveries SET status = 'failed', last_error = ?, updated = ? WHERE id = ?",
                                       ("the webhook is no longer registered", now, message))
                    continue
                timestamp = int(now)
                headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT, "webhook-id": message,
                           "webhook-timestamp": str(timestamp), "webhook-signature": sign(webhook.secret, message, timestamp, body)}
                status, error, retry_after = self.sender.post(url, headers, body)
                attempted += 1
                now = self.clock()
                if error is None:
                    connection.execute("UPDATE deliveries SET status = 'delivered', attempts = ?, last_status = ?, "
                                       "last_error = NULL, delivered_at = ?, updated = ? WHERE id = ?",
                                       (attempts + 1, status, now, now, message))
                    continue
                blocked.add(endpoint)
                if status == 410:
                    connection.execute("UPDATE endpoints SET disabled = ? WHERE key = ?", ("410 Gone", endpoint))
                    connection.execute("UPDATE deliveries SET status = 'failed', attempts = ?, last_status = ?, last_error = ?, "
                                       "updated = ? WHERE endpoint = ? AND status = 'pending'",
                                       (attempts + 1, status, "the endpoint answered 410 Gone: disabled", now, endpoint))
                    logger.warning("webhook %s answered 410 Gone: disabled", url)
                    continue
                if attempts >= len(self.schedule):
                    connection.execute("UPDATE deliveries SET status = 'failed', attempts = ?, last_status = ?, last_error = ?, "
                                       "updated = ? WHERE id = ?", (attempts + 1, status, error, now, message))
                    logger.error("webhook delivery %s to %s failed after %s attempts: %s", message, url, attempts + 1, error)
                    continue
                wait = max(self.schedule[attempts] * random.uniform(1.0, 1.1), min(retry_after or 0, MAX_RETRY_AFTER))  # noqa: S311
                retry_at = now + wait
                connection.execute("UPDATE deliveries SET attempts = ?, last_status = ?, last_error = ?, next_attempt = ?, "
                                   "updated = ? WHERE id = ?", (attempts + 1, status, error, retry_at, now, message))
                # Deliveries queued behind a failing one wait for it (they would fail the same way).
                connection.execute("UPDATE deliveries SET next_attempt = max(next_attempt, ?) WHERE endpoint = ? "
                                   "AND status = 'pending' AND id <> ?", (retry_at, endpoint, message))
        return attempted

    def run_once(self) -> tuple[int, int]:
        """One pass: (deliveries written, attempts made)."""
        return self.enqueue(), self.send_due()

    def run(self, stop: threading.Event, interval: float = 0.5) -> None:
        """Pass after pass until ``stop`` is set; a failing pass is logged and the next one tried."""
        while not stop.is_set():
            try:
                self.run_once()
            except Exception:  # noqa: BLE001  (the worker must outlive a database restart or a bad entry)
                logger.exception("webhook worker: a pass failed; trying again")
            stop.wait(interval)


@contextmanager
def worker_lock(path: Path) -> Iterator[bool]:
    """Whether this process holds the worker lock (one deliverer per outbox), held while inside."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(descriptor)
