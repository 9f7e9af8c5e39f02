"""The changes area of an app: its content log (recorded at start-up), its change feed, its webhook
outbox and, for the single-machine setup, the in-process delivery thread.

Plain Python; ``contentapi.web.changes`` (HTTP) and ``contentapi.changes.commands`` (the command line)
use it.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from contentapi.changes.content_log import ContentLog, FileContentLog, PostgresContentLog
from contentapi.changes.feed import ChangeFeed
from contentapi.changes.webhooks import DEFAULT_SCHEDULE, Outbox, Sender, Worker, endpoints, worker_lock
from contentapi.delivery.service import ContentService
from contentapi.i18n.revisions import StoreError
from contentapi.partners.registry import Registry

logger = logging.getLogger("contentapi")
LOCK_RETRY = 5.0  # seconds between a waiting process's tries for the worker lock


def schedule_of(setting) -> tuple[float, ...]:
    """WEBHOOK_RETRY_SCHEDULE: seconds between attempts, comma-separated (empty: the default)."""
    if not setting:
        return DEFAULT_SCHEDULE
    if isinstance(setting, (list, tuple)):
        return tuple(float(step) for step in setting)
    return tuple(float(step) for step in str(setting).split(",") if step.strip())


class Changes:
    """Everything about hearing of changes, for one app."""

    def __init__(self, settings, revisions_folder: Path, registry: Registry):
        self.settings = settings
        self.folder = revisions_folder
        self.registry = registry
        self.outbox = Outbox(revisions_folder / "webhooks.sqlite3")
        self._feed: ChangeFeed | None = None
        self._thread_pid = 0
        self._stop = threading.Event()
        self._lock = threading.Lock()

    def content_log(self, service: ContentService) -> ContentLog:
        """The content log next to the service's revision store."""
        store = service.catalogs.store
        if type(store).__name__ == "PostgresRevisionStore":
            return PostgresContentLog(store)
        return FileContentLog(self.folder)

    def feed(self, service: ContentService) -> ChangeFeed:
        """The change feed of the service."""
        if self._feed is None or self._feed.service is not service:
            self._feed = ChangeFeed(service, self.content_log(service))
        return self._feed

    def record_content(self, service: ContentService) -> None:
        """Record what changed in the procedures' English since the last start (logged, never fatal)."""
        try:
            changes = self.content_log(service).record(service.library, service.locales)
        except (OSError, StoreError) as error:
            logger.error("content log: changes were not recorded (%s)", error)
            return
        for change in changes:
            logger.info("content change %s: %s %s", change.sequence, change.slug, change.kind)

    def worker(self, service: ContentService) -> Worker:
        """A delivery worker with the settings' schedule and timeout."""
        return Worker(self.feed(service), self.registry, self.outbox, schedule_of(self.settings.get("WEBHOOK_RETRY_SCHEDULE")),
                      Sender(float(self.settings.get("WEBHOOK_TIMEOUT") or 15)))

    def start_in_process(self, service: ContentService) -> None:
        """In this process, a daemon thread that delivers while it holds the worker lock (one process of
        the machine delivers; the others wait to take over). Nothing when no partner has a webhook."""
        if not endpoints(self.registry) or self._thread_pid == os.getpid():
            return
        with self._lock:
            if self._thread_pid == os.getpid():
                return
            self._thread_pid = os.getpid()
            self._stop = threading.Event()
            interval = float(self.settings.get("WEBHOOK_POLL_INTERVAL") or 0.5)
            worker = self.worker(service)

            def deliver() -> None:
                while not self._stop.is_set():
                    with worker_lock(self.folder / "webhooks.lock") as held:
                        if held:
                            worker.run(self._stop, interval)
                    self._stop.wait(LOCK_RETRY)

            threading.Thread(target=deliver, name="contentapi-webhooks", daemon=True).start()

    def stop(self) -> None:
        """Stop this process's delivery thread (tests)."""
        self._stop.set()
