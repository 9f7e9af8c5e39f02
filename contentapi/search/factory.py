"""The searcher of a content service: PostgreSQL full-text search when the revision store is
PostgreSQL (one index every instance shares), else SQLite FTS5 in memory (one per process).

Plain Python. A searcher is made on first use in each process: an SQLite connection must not cross
a fork (gunicorn ``--preload``), so a forked worker makes its own.
"""

from __future__ import annotations

import os
import threading

from contentapi.delivery.service import ContentService
from contentapi.search.engines import PostgresEngine, SqliteEngine
from contentapi.search.searcher import Searcher


class SearcherSlot:
    """One searcher per process for a content service."""

    def __init__(self):
        self._searcher: Searcher | None = None
        self._pid = 0
        self._lock = threading.Lock()

    def get(self, service: ContentService) -> Searcher:
        """This process's searcher."""
        if self._searcher is None or self._pid != os.getpid() or self._searcher.service is not service:
            with self._lock:
                if self._searcher is None or self._pid != os.getpid() or self._searcher.service is not service:
                    self._searcher = Searcher(service, engine_for(service))
                    self._pid = os.getpid()
        return self._searcher


def engine_for(service: ContentService):
    """PostgresEngine on a PostgreSQL revision store, else a new SqliteEngine."""
    store = service.catalogs.store
    if type(store).__name__ == "PostgresRevisionStore":
        return PostgresEngine(store)
    return SqliteEngine()
