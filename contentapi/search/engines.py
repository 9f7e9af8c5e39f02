"""The two search engines behind one interface: SQLite FTS5 in memory (each process keeps its own
index; SQLite is in Python's standard library) and PostgreSQL full-text search (one table every
process shares, with the database backend).

Plain Python. Rows are one procedure in one locale: its title, other names, summary and body in
``text.index_form`` (four columns weighted 10, 6, 4, 1), the blocks as written (for snippets) and the
version they were made from. Both engines match the same terms (``text.Term``) and rank with their
own measure (FTS5's bm25, PostgreSQL's ts_rank_cd).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import weakref
from abc import ABC, abstractmethod
from dataclasses import dataclass

from contentapi.search.text import Term


@dataclass(frozen=True)
class IndexedDocument:
    """One procedure in one locale, as indexed."""

    slug: str
    version: str
    title: str
    also_known_as: str
    summary: str
    body: str
    passages: tuple[tuple[str, str], ...]  # (language, text as written), title first


@dataclass(frozen=True)
class Hit:
    """A match: the procedure, its rank (higher is better) and its passages for the snippet."""

    slug: str
    rank: float
    passages: tuple[tuple[str, str], ...]


class SearchEngine(ABC):
    """Where rows live and how they are matched."""

    name: str

    @abstractmethod
    def versions(self, locale: str) -> dict[str, str]:
        """slug -> version of every row of a locale."""

    @abstractmethod
    def replace(self, locale: str, documents: list[IndexedDocument], removed: list[str]) -> None:
        """Write rows (replacing those of the same slug) and delete the removed slugs' rows."""

    @abstractmethod
    def search(self, locale: str, terms: list[Term], limit: int) -> tuple[int, list[Hit]]:
        """(how many rows match every term, the best ``limit`` of them)."""


def fts5_query(terms: list[Term]) -> str:
    """An FTS5 MATCH expression: every term required; a phrase for a CJK run, ``word*`` for a prefix."""
    parts = []
    for term in terms:
        phrase = " ".join(term.words)
        parts.append(f'"{phrase}"' + ("*" if term.prefix else ""))
    return " AND ".join(parts)


class SqliteEngine(SearchEngine):
    """An in-memory SQLite database with an FTS5 table, for this process."""

    name = "sqlite-fts5"

    def __init__(self):
        self._connection = sqlite3.connect(":memory:", check_same_thread=False)
        weakref.finalize(self, self._connection.close)  # an app (a test's) may be dropped at any time
        self._lock = threading.Lock()
        # Text arrives folded and spaced (text.index_form): unicode61 only has to split on spaces.
        self._connection.execute(
            "CREATE VIRTUAL TABLE documents USING fts5(locale UNINDEXED, slug UNINDEXED, version UNINDEXED, "
            "title, also_known_as, summary, body, passages UNINDEXED, tokenize = 'unicode61 remove_diacritics 0')")

    def versions(self, locale: str) -> dict[str, str]:
        """slug -> version of every row of a locale."""
        with self._lock:
            rows = self._connection.execute("SELECT slug, version FROM documents WHERE locale = ?", (locale,)).fetchall()
        return dict(rows)

    def replace(self, locale: str, documents: list[IndexedDocument], removed: list[str]) -> None:
        """Write rows and delete removed ones, in one transaction."""
        with self._lock, self._connection:
            for slug in [document.slug for document in documents] + removed:
                self._connection.execute("DELETE FROM documents WHERE locale = ? AND slug = ?", (locale, slug))
            self._connection.executemany(
                "INSERT INTO documents (locale, slug, version, title, also_known_as, summary, body, passages) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(locale, d.slug, d.version, d.title, d.also_known_as, d.summary, d.body, json.dumps(d.passages))
                 for d in documents])

    def search(self, locale: str, terms: list[Term], limit: int) -> tuple[int, list[Hit]]:
        """FTS5 MATCH ranked by bm25 with the column weights (lower bm25 is better; negated here)."""
        expression = fts5_query(terms)
        with self._lock:
            total = self._connection.execute(
                "SELECT count(*) FROM documents WHERE documents MATCH ? AND locale = ?", (expression, locale)).fetchone()[0]
            rows = self._connection.execute(
                "SELECT slug, bm25(documents, 0, 0, 0, 10.0, 6.0, 4.0, 1.0, 0) AS score, passages FROM documents "
                "WHERE documents MATCH ? AND locale = ? ORDER BY score, slug LIMIT ?", (expression, locale, limit)).fetchall()
        return total, [Hit(slug, -score, tuple(map(tuple, json.loads(passages)))) for slug, score, passages in rows]


def tsquery(terms: list[Term]) -> str:
    """A to_tsquery('simple', ...) expression: every term required, ``<->`` within a CJK run, ``:*``
    for a prefix. Words are folded letters and digits, so quoting them is enough."""
    parts = []
    for term in terms:
        words = [f"'{word}'" for word in term.words]
        if term.prefix:
            words[-1] += ":*"
        parts.append("(" + " <-> ".join(words) + ")")
    return " & ".join(parts)


class PostgresEngine(SearchEngine):
    """The ``contentapi_search`` table (migration 2) of the revision store's database."""

    name = "postgresql"

    def __init__(self, store):
        self.store = store  # a PostgresRevisionStore: its connections, timeouts and error mapping

    def versions(self, locale: str) -> dict[str, str]:
        """slug -> version of every row of a locale."""
        rows = self.store.execute(lambda connection: connection.execute(
            "SELECT slug, version FROM contentapi_search WHERE locale = %s", (locale,)).fetchall())
        return dict(rows)

    def replace(self, locale: str, documents: list[IndexedDocument], removed: list[str]) -> None:
        """Upsert rows and delete removed ones, in one transaction (any process may do it: equal rows)."""
        def write(connection) -> None:
            with connection.transaction():
                for d in documents:
                    connection.execute(
                        """INSERT INTO contentapi_search (locale, slug, version, passages, document) VALUES
                           (%s, %s, %s, %s, setweight(to_tsvector('simple', %s), 'A') || setweight(to_tsvector('simple', %s), 'B')
                            || setweight(to_tsvector('simple', %s), 'C') || setweight(to_tsvector('simple', %s), 'D'))
                           ON CONFLICT (locale, slug) DO UPDATE SET version = EXCLUDED.version,
                               passages = EXCLUDED.passages, document = EXCLUDED.document""",
                        (locale, d.slug, d.version, json.dumps(d.passages), d.title, d.also_known_as, d.summary, d.body))
                if removed:
                    connection.execute("DELETE FROM contentapi_search WHERE locale = %s AND slug = ANY(%s)", (locale, removed))

        self.store.execute(write)

    def search(self, locale: str, terms: list[Term], limit: int) -> tuple[int, list[Hit]]:
        """@@ to_tsquery ranked by ts_rank_cd with weights D, C, B, A = 0.1, 0.4, 0.6, 1.0."""
        expression = tsquery(terms)

        def run(connection):
            total = connection.execute(
                "SELECT count(*) FROM contentapi_search WHERE locale = %s AND document @@ to_tsquery('simple', %s)",
                (locale, expression)).fetchone()[0]
            rows = connection.execute(
                """SELECT slug, ts_rank_cd('{0.1, 0.4, 0.6, 1.0}', document, to_tsquery('simple', %s)) AS rank, passages
                   FROM contentapi_search WHERE locale = %s AND document @@ to_tsquery('simple', %s)
                   ORDER BY rank DESC, slug LIMIT %s""", (expression, locale, expression, limit)).fetchall()
            return total, rows

        total, rows = self.store.execute(run)
        return total, [Hit(slug, float(rank), tuple(map(tuple, passages if isinstance(passages, list) else json.loads(passages))))
                       for slug, rank, passages in rows]
