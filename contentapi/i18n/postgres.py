"""Published translations in PostgreSQL: the revision store for several machines.

Plain Python, psycopg 3. The same model as the files store (``contentapi.i18n.revisions``):
immutable revisions (.po and .mo as bytea, their hashes, the record) and one pointer per domain,
with a row per locale holding its ``sequence`` (one more at every commit) and last revision id.

- ``commit`` is one transaction: it locks the locale's row (``SELECT ... FOR UPDATE``), reads the
  manifest, calls the plan, inserts the revisions, moves the pointers, bumps the sequence and
  ``NOTIFY``s. The transaction's commit is the commit point: killed at any instant before it,
  nothing of the publish is visible anywhere.
- ``identity`` never touches the network: each process has one *follower* thread with its own
  connection that ``LISTEN``s (a publish anywhere is seen at once) and reads every locale's
  sequence in one query every ``poll_interval`` (a notification missed by a restarted connection
  or lost behind a pooler is caught there). While the follower cannot reach the database,
  ``identity`` raises StoreError and the workers keep serving what they have.
- Connections belong to the process that opened them: a forked child (gunicorn ``--preload``)
  opens its own and never touches its parent's sessions. Every connection has connect, statement
  and lock timeouts, so no request waits on the database for long.

Schema migrations are versioned (``MIGRATIONS``), applied by ``upgrade`` (``contentapi db
upgrade``); a store refuses to open on a schema older or newer than the code. ``import_files``
copies a files store (``contentapi db import``).
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import replace as replace_fields
from pathlib import Path

import psycopg
from psycopg import errors as pg_errors
from psycopg.conninfo import conninfo_to_dict
from psycopg.types.json import Jsonb

from contentapi.i18n.revisions import (
    STAGING,
    FileRevisionStore,
    Manifest,
    NewRevision,
    Pointer,
    Revision,
    RevisionStore,
    StoreError,
    content_hash,
    new_manifest,
    numbered,
)

CHANNEL = "contentapi_catalogs"
CONNECT_TIMEOUT = 2  # seconds; libpq's smallest
STATEMENT_TIMEOUT_MS = 5000
LOCK_TIMEOUT_MS = 3000  # a publisher waits this long for another publisher of the same locale
IDLE_IN_TRANSACTION_TIMEOUT_MS = 30000
POLL_INTERVAL = 1.0  # seconds between the follower's reads of every locale's sequence
NOTIFY_WAIT = 0.1  # the follower wakes this often to notice close() or a coming fork
RETRY_CONNECT_AFTER = 0.5  # after a connection attempt timed out, fail fast this long instead of waiting again
SLOW_CONNECT = 1.0  # a refused connection fails in milliseconds; one this slow is a server out of reach
IDLE_CONNECTIONS = 4  # kept open per process for the next request

MIGRATIONS: tuple[tuple[int, str, str], ...] = (
    (1, "revisions, pointers and a row per locale", """
        CREATE TABLE contentapi_locales (
            locale text PRIMARY KEY,
            sequence bigint NOT NULL DEFAULT 0,
            last_revision bigint NOT NULL DEFAULT 0
        );
        CREATE TABLE contentapi_revisions (
            locale text NOT NULL REFERENCES contentapi_locales (locale),
            id bigint NOT NULL,
            domain text NOT NULL,
            action text NOT NULL,
            translator text,
            time timestamptz NOT NULL,
            hash text NOT NULL,
            previous bigint,
            previous_hash text,
            stats jsonb NOT NULL DEFAULT '{}',
            restored_from bigint,
            source text,
            po bytea NOT NULL,
            mo bytea NOT NULL,
            mo_hash text NOT NULL,
            PRIMARY KEY (locale, id)
        );
        CREATE INDEX contentapi_revisions_domain ON contentapi_revisions (locale, domain, id);
        CREATE TABLE contentapi_pointers (
            locale text NOT NULL REFERENCES contentapi_locales (locale),
            domain text NOT NULL,
            revision bigint NOT NULL,
            PRIMARY KEY (locale, domain),
            FOREIGN KEY (locale, revision) REFERENCES contentapi_revisions (locale, id)
        );
    """),
    # Issue 17: full-text search of every locale, and the English content's change log (the change
    # feed reads revisions from the tables above and content changes from this log).
    (2, "search index and content change log", """
        CREATE TABLE contentapi_search (
            locale text NOT NULL,
            slug text NOT NULL,
            version text NOT NULL,
            passages jsonb NOT NULL,
            document tsvector NOT NULL,
            PRIMARY KEY (locale, slug)
        );
        CREATE INDEX contentapi_search_document ON contentapi_search USING gin (document);
        CREATE TABLE contentapi_content_state (
            slug text PRIMARY KEY,
            hash text NOT NULL,
            blocks jsonb NOT NULL
        );
        CREATE TABLE contentapi_content_changes (
            sequence bigserial PRIMARY KEY,
            slug text NOT NULL,
            time timestamptz NOT NULL,
            hash text NOT NULL,
            change jsonb NOT NULL
        );
    """),
)
SCHEMA_VERSION = MIGRATIONS[-1][0]
MIGRATIONS_TABLE = "contentapi_schema_migrations"
_UPGRADE_LOCK = 0x636F6E74  # pg_advisory_xact_lock key: one upgrader at a time

_RECORD_COLUMNS = "id, domain, action, translator, time, hash, previous, previous_hash, stats, restored_from, source"


def describe(url: str) -> str:
    """The database a URL names, for messages: host, port and database, never the password."""
    try:
        parts = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "the database (CONTENTAPI_DATABASE_URL is not a valid connection string)"
    where = parts.get("host") or "localhost"
    if parts.get("port"):
        where += f":{parts['port']}"
    return f"PostgreSQL {where}/{parts.get('dbname') or parts.get('user') or ''}".rstrip("/")


def connection_parameters(url: str, statement_timeout_ms: int | None = STATEMENT_TIMEOUT_MS) -> dict:
    """What every connection is opened with: the URL, and our timeouts where the URL sets none."""
    try:
        parameters = conninfo_to_dict(url)
    except psycopg.ProgrammingError as error:
        raise StoreError("unavailable", f"CONTENTAPI_DATABASE_URL is not a valid connection string ({error})") from None
    parameters.setdefault("connect_timeout", CONNECT_TIMEOUT)
    parameters.setdefault("keepalives_idle", 10)
    parameters.setdefault("keepalives_interval", 5)
    parameters.setdefault("keepalives_count", 3)
    options = [f"-c idle_in_transaction_session_timeout={IDLE_IN_TRANSACTION_TIMEOUT_MS}"]
    if statement_timeout_ms is not None:
        options += [f"-c statement_timeout={statement_timeout_ms}", f"-c lock_timeout={LOCK_TIMEOUT_MS}"]
    parameters["options"] = " ".join([parameters.get("options") or "", *options]).strip()
    return parameters


def store_error(error: psycopg.Error, where: str) -> StoreError:
    """A database error as the store's error: ``full`` (507), ``read-only`` or ``unavailable`` (503)."""
    if isinstance(error, pg_errors.DiskFull):
        return StoreError("full", f"{where} is full")
    if isinstance(error, pg_errors.ReadOnlySqlTransaction):
        return StoreError("read-only", f"{where} accepts no writes (a read-only server)")
    if isinstance(error, pg_errors.UndefinedTable):
        return StoreError("unavailable", f"{where} has no contentapi tables: run contentapi db upgrade")
    if isinstance(error, pg_errors.LockNotAvailable):
        return StoreError("unavailable", f"{where}: another publish of this locale is still in progress")
    if isinstance(error, pg_errors.QueryCanceled):
        return StoreError("unavailable", f"{where} did not answer in time")
    if isinstance(error, psycopg.OperationalError):
        reason = (str(error).strip().splitlines() or ["connection lost"])[0]
        return StoreError("unavailable", f"{where} cannot be reached ({reason})")
    first_line = (str(error).strip().splitlines() or [""])[0]
    return StoreError("unavailable", f"{where} failed ({type(error).__name__}: {first_line})")


def _time_text(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="milliseconds")


def _record(locale: str, row) -> Revision:
    identifier, domain, action, translator, when, digest, previous, previous_hash, stats, restored_from, source = row
    return Revision(id=identifier, locale=locale, domain=domain, action=action, translator=translator,
                    time=_time_text(when), hash=digest, previous=previous, previous_hash=previous_hash,
                    stats=stats or {}, restored_from=restored_from, source=source)


def _discard_inherited(connection: psycopg.Connection) -> None:
    """Forget a connection a forked child inherited without touching its parent's session: the
    socket's descriptor is pointed at /dev/null first, so closing sends nothing to the server."""
    try:
        descriptor = connection.pgconn.socket
    except psycopg.OperationalError:
        descriptor = -1
    if descriptor >= 0:
        null = os.open(os.devnull, os.O_RDWR)
        try:
            os.dup2(null, descriptor)
        finally:
            os.close(null)
    connection.close()


class _Connections:
    """The connections of one process: a few kept idle, each used by one thread at a time."""

    def __init__(self, parameters: dict, where: str):
        self.parameters = parameters
        self.where = where
        self._lock = threading.Lock()
        self._idle: list[psycopg.Connection] = []
        self._open: set[psycopg.Connection] = set()
        self._failed_at = -RETRY_CONNECT_AFTER
        self._failure: StoreError | None = None

    def open(self) -> psycopg.Connection:
        """A new connection; StoreError at once for a moment after an attempt timed out (a server out
        of reach must not make every thread wait the connect timeout)."""
        if self._failure is not None and time.monotonic() - self._failed_at < RETRY_CONNECT_AFTER:
            raise self._failure
        # Named after the process that opens it (pg_stat_activity shows which worker is which).
        parameters = {"application_name": f"contentapi pid={os.getpid()}", **self.parameters}
        started = time.monotonic()
        try:
            # prepare_threshold=None: no server-side prepared statements, which poolers cannot follow.
            connection = psycopg.Connection.connect(autocommit=True, prepare_threshold=None, **parameters)
        except psycopg.Error as error:
            failure = store_error(error, self.where)
            if time.monotonic() - started > SLOW_CONNECT:
                self._failure, self._failed_at = failure, time.monotonic()
            raise failure from None
        self._failure = None
        with self._lock:
            self._open.add(connection)
        return connection

    def release(self, connection: psycopg.Connection, keep: bool = True) -> None:
        """Give a connection back: kept idle when healthy (open, no transaction), else closed."""
        healthy = keep and not connection.closed and \
            connection.pgconn.transaction_status == psycopg.pq.TransactionStatus.IDLE
        with self._lock:
            if healthy and len(self._idle) < IDLE_CONNECTIONS:
                self._idle.append(connection)
                return
            self._open.discard(connection)
        connection.close()

    @contextmanager
    def borrow(self) -> Iterator[tuple[psycopg.Connection, bool]]:
        """A connection for this thread: (connection, whether it was used before)."""
        with self._lock:
            connection = self._idle.pop() if self._idle else None
        reused = connection is not None
        if connection is None:
            connection = self.open()
        try:
            yield connection, reused
        finally:
            self.release(connection)

    def drop_idle(self) -> None:
        """Close the idle connections (after one was found dropped by the server)."""
        with self._lock:
            idle, self._idle = self._idle, []
            self._open.difference_update(idle)
        for connection in idle:
            connection.close()

    def close(self) -> None:
        """Close every connection of this process."""
        with self._lock:
            connections, self._open, self._idle = list(self._open), set(), []
        for connection in connections:
            connection.close()

    def forget_after_fork(self) -> None:
        """In a forked child: let go of the parent's connections without closing its sessions."""
        self._lock = threading.Lock()
        connections, self._open, self._idle = list(self._open), set(), []
        for connection in connections:
            _discard_inherited(connection)


class _Follower(threading.Thread):
    """Follows every locale's sequence for its process: LISTEN, and one query every poll interval."""

    def __init__(self, connections: _Connections, poll_interval: float):
        super().__init__(name="contentapi-catalog-follower", daemon=True)
        self.connections = connections
        self.poll_interval = poll_interval
        self.stopping = threading.Event()
        self.attempted = threading.Event()  # the first connection was tried, whatever came of it
        self.lock = threading.Lock()
        self.sequences: dict[str, int] = {}
        self.generation = 0  # one more at every (re)connection: what a restarted connection missed is read again
        self.polled_at: float | None = None  # monotonic time of the last good read
        self.problem: StoreError | None = None  # why the last connection failed, until the next good read
        self.followed = False  # the current connection has had a good read
        self.connection: psycopg.Connection | None = None

    def run(self) -> None:
        while not self.stopping.is_set():
            self.followed = False
            try:
                self._follow()
            except StoreError as error:
                self.problem = error
            except psycopg.Error as error:
                self.problem = store_error(error, self.connections.where)
            finally:
                connection, self.connection = self.connection, None
                if connection is not None:
                    self.connections.release(connection, keep=False)
            self.attempted.set()
            if not self.followed:  # a dropped connection is opened again at once, an unreachable server twice a second
                self.stopping.wait(RETRY_CONNECT_AFTER)

    def _follow(self) -> None:
        self.connection = self.connections.open()
        self.connection.execute(f"LISTEN {CHANNEL}")
        with self.lock:
            self.generation += 1
            self.sequences = {}
        self._poll()
        self.followed = True
        self.attempted.set()
        while not self.stopping.is_set():
            notified = any(True for _ in self.connection.notifies(timeout=NOTIFY_WAIT, stop_after=1))
            if notified or time.monotonic() - (self.polled_at or 0.0) >= self.poll_interval:
                self._poll()

    def _poll(self) -> None:
        rows = self.connection.execute("SELECT locale, sequence FROM contentapi_locales").fetchall()
        with self.lock:
            for locale, sequence in rows:
                self.sequences[locale] = max(sequence, self.sequences.get(locale, 0))
            self.polled_at, self.problem = time.monotonic(), None

    def saw(self, locale: str, sequence: int) -> None:
        """This process committed ``sequence``: known at once, before the notification comes back."""
        with self.lock:
            self.sequences[locale] = max(sequence, self.sequences.get(locale, 0))


class PostgresRevisionStore(RevisionStore):
    """Revisions and manifests in PostgreSQL (``CONTENTAPI_DATABASE_URL``), for several machines.

    Opening checks the schema: StoreError ("run contentapi db upgrade") when the database has no
    contentapi tables or an older version, so a server refuses to start with one line.
    """

    def __init__(self, url: str, poll_interval: float = POLL_INTERVAL, check_schema: bool = True):
        self.url = url
        self.where = describe(url)
        self.poll_interval = poll_interval
        self.connections = _Connections(connection_parameters(url), self.where)
        self._follower: _Follower | None = None
        self._follower_lock = threading.Lock()
        self._stale_after = max(3 * poll_interval, 2.0)
        reference = weakref.ref(self)
        os.register_at_fork(before=_call(reference, "_stop_following"), after_in_child=_call(reference, "_after_fork"))
        if check_schema:
            try:
                self._check_schema()
            except StoreError:
                self.connections.close()
                raise

    def _stop_following(self) -> None:
        # Before a fork: no thread may hold a lock the child would need (a gunicorn master forks its
        # workers after loading the catalogs); the parent starts following again when it next checks.
        follower, self._follower = self._follower, None
        if follower is not None:
            follower.stopping.set()
            follower.join(CONNECT_TIMEOUT + 1)

    def _after_fork(self) -> None:
        self._follower = None
        self._follower_lock = threading.Lock()
        self.connections.forget_after_fork()

    def _check_schema(self) -> None:
        version = self._read(schema_version)
        if version < SCHEMA_VERSION:
            state = "has no contentapi tables" if version == 0 else f"has schema version {version}"
            raise StoreError("unavailable", f"{self.where} {state}, this code needs version {SCHEMA_VERSION}: "
                                            "run contentapi db upgrade")
        if version > SCHEMA_VERSION:
            raise StoreError("unavailable", f"{self.where} has schema version {version}, newer than this code's "
                                            f"{SCHEMA_VERSION}: upgrade contentapi")

    # -- reading -------------------------------------------------------------------------------

    def _read(self, operation: Callable[[psycopg.Connection], object]):
        """Run a read on a connection of this process; a connection the server dropped while idle
        (a restart, pg_terminate_backend) is replaced once, so the caller never sees that."""
        for attempt in (1, 2):
            with self.connections.borrow() as (connection, reused):
                try:
                    return operation(connection)
                except psycopg.OperationalError as error:
                    if reused and attempt == 1 and connection.closed:
                        self.connections.drop_idle()  # the server dropped them all, most likely
                        continue
                    raise store_error(error, self.where) from None
                except psycopg.Error as error:
                    raise store_error(error, self.where) from None
        raise AssertionError("unreachable")

    def execute(self, operation: Callable[[psycopg.Connection], object]):
        """Run ``operation(connection)`` on a connection of this process, with the store's timeouts and
        errors (StoreError); for tables other areas keep in this database (search, the change log)."""
        return self._read(operation)

    def manifest(self, locale: str) -> Manifest:
        """The locale's current manifest (an empty one before its first commit), read in one statement."""
        return self._read(lambda connection: _manifest(connection, locale))

    def identity(self, locale: str) -> object:
        """The locale's sequence as this process's follower last read or heard it (memory only);
        StoreError while the follower cannot reach the database."""
        follower = self._running_follower()
        with follower.lock:
            fresh = follower.polled_at is not None and time.monotonic() - follower.polled_at < self._stale_after
            if not fresh:
                raise follower.problem or StoreError("unavailable", f"{self.where} has not answered for a while")
            return follower.generation, follower.sequences.get(locale, 0)

    def _running_follower(self) -> _Follower:
        follower = self._follower
        if follower is None:
            with self._follower_lock:
                follower = self._follower
                if follower is None:
                    follower = self._follower = _Follower(self.connections, self.poll_interval)
                    follower.start()
        # A worker's first check waits for the first read (milliseconds; at most a connect timeout
        # when the database is out of reach), so it never reports a problem that is not there.
        follower.attempted.wait(CONNECT_TIMEOUT + 1)
        return follower

    def read_file(self, locale: str, domain: str, revision: int, kind: str) -> bytes:
        """The ``po`` or ``mo`` bytes of a committed revision."""
        column = {"po": "po", "mo": "mo"}[kind]
        row = self._read(lambda connection: connection.execute(
            f"SELECT {column} FROM contentapi_revisions WHERE locale = %s AND domain = %s AND id = %s",
            (locale, domain, revision)).fetchone())
        if row is None:
            raise StoreError("unavailable", f"revision {revision} of {locale}/{domain} is not in {self.where}")
        return bytes(row[0])

    def history(self, locale: str, domain: str | None = None) -> list[Revision]:
        """The committed revisions of a locale (or of one domain), newest first."""
        query = f"SELECT {_RECORD_COLUMNS} FROM contentapi_revisions WHERE locale = %s"
        arguments: tuple = (locale,)
        if domain is not None:
            query, arguments = query + " AND domain = %s", (locale, domain)
        rows = self._read(lambda connection: connection.execute(query + " ORDER BY id DESC", arguments).fetchall())
        return [_record(locale, row) for row in rows]

    def record(self, locale: str, domain: str, revision_id: int) -> Revision | None:
        """One committed revision of a domain, or None."""
        row = self._read(lambda connection: connection.execute(
            f"SELECT {_RECORD_COLUMNS} FROM contentapi_revisions WHERE locale = %s AND domain = %s AND id = %s",
            (locale, domain, revision_id)).fetchone())
        return _record(locale, row) if row else None

    def revision(self, locale: str, revision_id: int) -> Revision | None:
        """A committed revision by id, whatever its domain, or None."""
        row = self._read(lambda connection: connection.execute(
            f"SELECT {_RECORD_COLUMNS} FROM contentapi_revisions WHERE locale = %s AND id = %s",
            (locale, revision_id)).fetchone())
        return _record(locale, row) if row else None

    # -- writing -------------------------------------------------------------------------------

    def commit(self, locale: str, plan: Callable[[Manifest], list[NewRevision]]) -> tuple[Manifest, list[Revision]]:
        """One transaction: lock the locale's row, plan, insert, move the pointers, bump the
        sequence, notify; its commit is the commit point."""
        for attempt in (1, 2):
            planned = False
            with self.connections.borrow() as (connection, reused):
                try:
                    with connection.transaction():
                        manifest = _manifest(connection, locale, lock=True)
                        planned = True
                        changes = plan(manifest)
                        if not changes:
                            return manifest, []
                        revisions = numbered(manifest, changes)
                        committed = new_manifest(manifest, changes, revisions)
                        _write(connection, locale, changes, revisions, committed)
                except psycopg.OperationalError as error:
                    # A connection dropped while idle fails at the first statement, before anything
                    # was planned: then the publish is tried once more on a new connection.
                    if reused and attempt == 1 and not planned and connection.closed:
                        self.connections.drop_idle()
                        continue
                    raise store_error(error, self.where) from None
                except psycopg.Error as error:
                    raise store_error(error, self.where) from None
            if self._follower is not None:
                self._follower.saw(locale, committed.sequence)
            return committed, revisions
        raise AssertionError("unreachable")

    def close(self) -> None:
        """Stop following and close every connection of this process."""
        self._stop_following()
        self.connections.close()


def _call(reference: weakref.ref, method: str) -> Callable[[], None]:
    """A fork hook calling a store's method while the store exists (the hook must not keep it alive)."""
    def hook() -> None:
        store = reference()
        if store is not None:
            getattr(store, method)()

    return hook


# -- statements shared by the store and the import ---------------------------------------------

def _manifest(connection: psycopg.Connection, locale: str, lock: bool = False) -> Manifest:
    """The manifest in one statement (one snapshot); ``lock`` takes the locale's row first."""
    if lock:
        connection.execute("INSERT INTO contentapi_locales (locale) VALUES (%s) ON CONFLICT DO NOTHING", (locale,))
        connection.execute("SELECT 1 FROM contentapi_locales WHERE locale = %s FOR UPDATE", (locale,))
    rows = connection.execute(
        """SELECT l.sequence, l.last_revision, p.domain, r.id, r.hash, r.time, r.mo_hash
           FROM contentapi_locales l
           LEFT JOIN contentapi_pointers p ON p.locale = l.locale
           LEFT JOIN contentapi_revisions r ON r.locale = p.locale AND r.id = p.revision
           WHERE l.locale = %s""", (locale,)).fetchall()
    if not rows:
        return Manifest(locale)
    domains = {domain: Pointer(revision, digest, _time_text(when), mo_hash)
               for _, _, domain, revision, digest, when, mo_hash in rows if domain is not None}
    return Manifest(locale, rows[0][0], rows[0][1], domains)


def _insert_revision(connection: psycopg.Connection, revision: Revision, po: bytes, mo: bytes) -> None:
    connection.execute(
        """INSERT INTO contentapi_revisions (locale, id, domain, action, translator, time, hash, previous,
               previous_hash, stats, restored_from, source, po, mo, mo_hash)
           VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)""",
        (revision.locale, revision.id, revision.domain, revision.action, revision.translator,
         dt.datetime.fromisoformat(revision.time), revision.hash, revision.previous, revision.previous_hash,
         Jsonb(revision.stats or {}), revision.restored_from, revision.source, po, mo, content_hash(mo)))


def _point(connection: psycopg.Connection, locale: str, domain: str, revision: int) -> None:
    connection.execute(
        """INSERT INTO contentapi_pointers (locale, domain, revision) VALUES (%s, %s, %s)
           ON CONFLICT (locale, domain) DO UPDATE SET revision = EXCLUDED.revision""", (locale, domain, revision))


def _advance(connection: psycopg.Connection, manifest: Manifest) -> None:
    """Set the locale's counters and tell every listening process (delivered at commit)."""
    connection.execute("UPDATE contentapi_locales SET sequence = %s, last_revision = %s WHERE locale = %s",
                       (manifest.sequence, manifest.last_revision, manifest.locale))
    connection.execute("SELECT pg_notify(%s, %s)", (CHANNEL, f"{manifest.locale} {manifest.sequence}"))


def _write(connection: psycopg.Connection, locale: str, changes: list[NewRevision], revisions: list[Revision],
           committed: Manifest) -> None:
    for change, revision in zip(changes, revisions):
        _insert_revision(connection, revision, change.po, change.mo)
    for change, revision in zip(changes, revisions):
        if change.current:
            _point(connection, locale, revision.domain, revision.id)
    _advance(connection, committed)


# -- schema migrations -------------------------------------------------------------------------

def schema_version(connection: psycopg.Connection) -> int:
    """The highest migration applied to this database (0: none, or no contentapi tables)."""
    exists = connection.execute("SELECT to_regclass(%s) IS NOT NULL", (MIGRATIONS_TABLE,)).fetchone()[0]
    if not exists:
        return 0
    return connection.execute(f"SELECT coalesce(max(version), 0) FROM {MIGRATIONS_TABLE}").fetchone()[0]


@contextmanager
def admin_connection(url: str) -> Iterator[psycopg.Connection]:
    """A connection for the ``db`` commands: no statement timeout (an import copies every revision)."""
    where = describe(url)
    try:
        connection = psycopg.Connection.connect(autocommit=True, **connection_parameters(url, statement_timeout_ms=None))
    except psycopg.Error as error:
        raise store_error(error, where) from None
    try:
        yield connection
    except psycopg.Error as error:
        raise store_error(error, where) from None
    finally:
        connection.close()


def upgrade(url: str) -> tuple[int, list[tuple[int, str]]]:
    """Apply the migrations the database lacks, each in its own transaction, one upgrader at a time;
    returns (the schema version now, the migrations applied). Running it again applies nothing."""
    applied = []
    with admin_connection(url) as connection:
        with connection.transaction():
            connection.execute("SELECT pg_advisory_xact_lock(%s)", (_UPGRADE_LOCK,))
            connection.execute(f"""CREATE TABLE IF NOT EXISTS {MIGRATIONS_TABLE} (
                version integer PRIMARY KEY, description text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now())""")
        for version, description, statements in MIGRATIONS:
            with connection.transaction():
                connection.execute("SELECT pg_advisory_xact_lock(%s)", (_UPGRADE_LOCK,))
                if schema_version(connection) >= version:
                    continue
                connection.execute(statements)
                connection.execute(f"INSERT INTO {MIGRATIONS_TABLE} (version, description) VALUES (%s, %s)",
                                   (version, description))
            applied.append((version, description))
        return schema_version(connection), applied


# -- moving from the files store ---------------------------------------------------------------

class ImportRefused(Exception):
    """The database already has revisions of these locales (``replace`` not given)."""

    def __init__(self, locales: list[str]):
        super().__init__(", ".join(locales))
        self.locales = locales


@dataclass(frozen=True)
class LocaleImport:
    """What ``import_files`` did with one locale: the revisions copied, or why it was not."""

    locale: str
    revisions: int = 0
    recompiled: int = 0
    problem: str | None = None


def file_store_locales(source: Path) -> list[str]:
    """The locales a files store holds (its folders with a manifest), as codes."""
    store = FileRevisionStore(source)
    out = []
    for folder in sorted(source.iterdir()) if source.is_dir() else ():
        if folder.is_dir() and folder.name != STAGING and (folder / "current.json").is_file():
            try:
                out.append(store.manifest(folder.name.replace("_", "-")).locale)
            except StoreError:
                out.append(folder.name.replace("_", "-"))
    return out


def import_files(url: str, source: Path, replace: bool = False) -> list[LocaleImport]:
    """Copy a files store into the database: every committed revision (same ids, bytes and records)
    and the current pointers, one transaction per locale.

    ImportRefused, before anything changes, when the database already has revisions of a locale
    being imported, unless ``replace`` (then that locale's revisions there are deleted first).
    A locale whose files are damaged or unreadable is not imported (its ``problem`` says why) and
    the others are.
    """
    from contentapi.i18n.catalogs import CatalogError, compile_po_bytes

    store = FileRevisionStore(source)
    locales = file_store_locales(source)
    results = []
    with admin_connection(url) as connection:
        if not replace:
            taken = [row[0] for row in connection.execute(
                "SELECT DISTINCT locale FROM contentapi_revisions WHERE locale = ANY(%s) ORDER BY 1", (locales,))]
            if taken:
                raise ImportRefused(taken)
        for locale in locales:
            try:
                manifest = store.manifest(locale)
                history = sorted(store.history(locale), key=lambda revision: revision.id)
                copies, recompiled = [], 0
                for revision in history:
                    where = f"{source}/{locale}/{revision.domain}/{revision.id}"
                    po = store.read_file(locale, revision.domain, revision.id, "po")
                    if content_hash(po) != revision.hash:
                        raise StoreError("unavailable", f"{where}.po: damaged (its hash is not the recorded one)")
                    pointer = manifest.domains.get(revision.domain)
                    try:
                        mo = store.read_file(locale, revision.domain, revision.id, "mo")
                    except OSError:
                        mo = None
                    if mo is None or (pointer and pointer.revision == revision.id and content_hash(mo) != pointer.mo_hash):
                        mo, recompiled = compile_po_bytes(po, locale), recompiled + 1
                    copies.append((revision, po, mo))
            except (OSError, StoreError, CatalogError) as error:
                results.append(LocaleImport(locale, problem=getattr(error, "detail", None) or str(error)))
                continue
            with connection.transaction():
                current = _manifest(connection, locale, lock=True)
                has = connection.execute("SELECT count(*) FROM contentapi_revisions WHERE locale = %s",
                                         (locale,)).fetchone()[0]
                if has and not replace:
                    results.append(LocaleImport(locale, problem=f"the database has {has} revisions of {locale} "
                                                                "(published since the check): use --replace"))
                    continue
                connection.execute("DELETE FROM contentapi_pointers WHERE locale = %s", (locale,))
                connection.execute("DELETE FROM contentapi_revisions WHERE locale = %s", (locale,))
                for revision, po, mo in copies:
                    _insert_revision(connection, replace_fields(revision, locale=locale), po, mo)
                for domain, pointer in manifest.domains.items():
                    _point(connection, locale, domain, pointer.revision)
                # The sequence only grows, so every process notices the locale changed.
                sequence = max(current.sequence, manifest.sequence) + 1
                _advance(connection, Manifest(locale, sequence, manifest.last_revision))
            results.append(LocaleImport(locale, len(copies), recompiled))
    return results
