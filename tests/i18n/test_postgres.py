"""The PostgreSQL store against a real PostgreSQL (a throwaway cluster, ``postgres`` fixture):

- the store's semantics, case by case the same as the files store's (each such test runs on both);
- ``contentapi db upgrade`` (idempotent) and the service refusing a missing or newer schema;
- ``contentapi db import``: a files store's history and pointers copied, same ids and bytes;
- two gunicorn instances (gthread, 2 workers x 4 threads, ``--preload``) with separate
  translations folders and one database: a publish on one is served by every worker of both within
  2 s; under load, killed database connections and a PostgreSQL restart fail no request and lose
  no revision, a PUT while the database is down answers 503, and publishing works afterwards;
- a publish killed (SIGKILL of the gunicorn worker) between its INSERT and its COMMIT leaves the
  old revision current everywhere.
"""

from __future__ import annotations

import http.client
import itertools
import json
import os
import signal
import threading
import time
import warnings

import psycopg
import pytest

from contentapi.i18n.postgres import SCHEMA_VERSION, PostgresRevisionStore
from contentapi.i18n.publishing import PreconditionFailed, Publisher
from contentapi.i18n.revisions import FileRevisionStore, NewRevision, StoreError, content_hash
from contentapi.i18n.tokens import TokenStore
from tests.helpers import SLUG, GunicornServer, copy_translations, http_request, wait_until

HEADING_ES = "Información general"
PO = "text/x-gettext-translation; charset=utf-8"
CATALOG = f"/api/v1/translations/es/procedures/{SLUG}"
_numbers = itertools.count(1)


@pytest.fixture
def empty_database(postgres) -> str:
    """A new database with no tables."""
    return postgres.create_database(f"contentapi_test_{next(_numbers)}")


@pytest.fixture
def database(empty_database, make_app) -> str:
    """A new database upgraded by ``contentapi db upgrade``."""
    result = cli(make_app, empty_database, "db", "upgrade")
    assert result.exit_code == 0, result.output
    return empty_database


def name_of(url: str) -> str:
    """The database name in a URL of the test cluster."""
    return url.rsplit("/", 1)[1]


def cli(make_app, url: str, *arguments: str, **settings):
    """Run a ``contentapi`` command in an app configured with this database."""
    app = make_app(DATABASE_URL=url, LOAD_CONTENT_AT_START=False, **settings)
    return app.test_cli_runner().invoke(args=list(arguments))


@pytest.fixture(params=["files", "postgres"])
def store(request, tmp_path):
    """Each backend in turn, empty."""
    if request.param == "files":
        opened = FileRevisionStore(tmp_path / "revisions")
    else:
        opened = PostgresRevisionStore(request.getfixturevalue("database"))
    yield opened
    opened.close()


def change(domain: str, text: str, **fields) -> NewRevision:
    return NewRevision(domain, f"po {text}".encode(), f"mo {text}".encode(), fields.pop("action", "publish"),
                       fields.pop("translator", "maria"), **fields)


# -- the same semantics as the files store -----------------------------------------------------

def test_a_commit_numbers_its_revisions_and_makes_them_current(store):
    before = store.identity("es")
    manifest, revisions = store.commit("es", lambda current: [change("messages", "a"), change(SLUG, "b", stats={"percent": 50})])
    assert [(revision.id, revision.domain) for revision in revisions] == [(1, "messages"), (2, SLUG)]
    assert (manifest.sequence, manifest.last_revision) == (1, 2)
    assert store.manifest("es") == manifest
    assert manifest.domains[SLUG].hash == content_hash(b"po b") and manifest.domains[SLUG].mo_hash == content_hash(b"mo b")
    assert store.identity("es") != before
    assert store.read("es", SLUG, 2) == (b"po b", b"mo b")
    assert store.record("es", SLUG, 2) == revisions[1] == store.revision("es", 2)
    assert store.record("es", SLUG, 2).stats == {"percent": 50}
    assert store.history("es") == revisions[::-1]
    assert store.history("es", "messages") == revisions[:1]
    assert store.manifest("ko").domains == {} and store.history("ko") == []


def test_a_second_publish_names_the_revision_it_replaced(store):
    _, (first,) = store.commit("es", lambda current: [change(SLUG, "a")])
    _, (second,) = store.commit("es", lambda current: [change(SLUG, "b", action="restore", restored_from=1)])
    assert (second.previous, second.previous_hash, second.restored_from) == (1, first.hash, 1)
    assert [revision.id for revision in store.history("es", SLUG)] == [2, 1]
    assert store.manifest("es").domains[SLUG].revision == 2


def test_a_refused_plan_leaves_nothing_and_the_next_commit_goes_on_numbering(store):
    store.commit("es", lambda current: [change(SLUG, "a")])
    manifest, identity = store.manifest("es"), store.identity("es")

    def refuse(current):
        assert current == manifest
        raise PreconditionFailed('"stale"')

    with pytest.raises(PreconditionFailed):
        store.commit("es", refuse)
    assert store.manifest("es") == manifest and store.identity("es") == identity
    assert [revision.id for revision in store.history("es")] == [1]
    assert store.record("es", SLUG, 2) is None and store.revision("es", 2) is None
    with pytest.raises((OSError, StoreError)):
        store.read_file("es", SLUG, 2, "po")
    _, (revision,) = store.commit("es", lambda current: [change(SLUG, "b")])
    assert revision.id == 2


def test_an_empty_plan_commits_nothing(store):
    store.commit("es", lambda current: [change(SLUG, "a")])
    manifest = store.manifest("es")
    assert store.commit("es", lambda current: []) == (manifest, [])
    assert store.manifest("es") == manifest


def test_an_import_kept_aside_is_listed_but_not_current(store):
    store.commit("es", lambda current: [change(SLUG, "published")])
    manifest, (kept,) = store.commit("es", lambda current: [change(SLUG, "repo", action="import", current=False,
                                                                    source="translations/es/x.po")])
    assert manifest.domains[SLUG].revision == 1 and manifest.last_revision == 2
    assert store.record("es", SLUG, 2) == kept and kept.source == "translations/es/x.po"
    assert [revision.id for revision in store.history("es", SLUG)] == [2, 1]
    assert store.read("es", SLUG, 2) == (b"po repo", b"mo repo")


def test_the_publisher_imports_the_repository_once_and_keeps_an_older_deploy_aside(store, own_translations):
    publisher = Publisher(store, own_translations)
    imported = publisher.import_repository(("es",))
    assert imported and all(revision.action == "import" for revision in imported)
    assert publisher.import_repository(("es",)) == []
    body, etag = publisher.current("es", SLUG)
    revision, _ = publisher.publish("es", SLUG, body.replace(HEADING_ES.encode(), b"Resumen"), etag, "maria")
    with pytest.raises(PreconditionFailed):
        publisher.publish("es", SLUG, body, etag, "maria")
    path = own_translations / "es" / "LC_MESSAGES" / f"{SLUG}.po"
    path.write_bytes(body.replace(HEADING_ES.encode(), b"Resumen del repositorio"))
    (kept,) = publisher.import_repository(("es",))
    assert store.manifest("es").domains[SLUG].revision == revision.id != kept.id
    assert [item.action for item in store.history("es", SLUG)][:2] == ["import", "publish"]


# -- the database's own -------------------------------------------------------------------------

def test_a_forked_child_opens_its_own_connections_and_leaves_its_parents_alone(database):
    store = PostgresRevisionStore(database)
    try:
        assert store.identity("es")[1] == 0  # the follower thread runs
        with store.connections.borrow() as (connection, _):
            parent_backend = connection.info.backend_pid
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # pytest's own threads; ours stopped before the fork
            child = os.fork()
        if child == 0:  # the child: what a gunicorn worker forked from a --preload master does
            code = 1
            try:
                with store.connections.borrow() as (connection, reused):
                    own = not reused and connection.info.backend_pid != parent_backend
                store.commit("es", lambda current: [change(SLUG, "from the child")])
                code = 0 if own and store.identity("es")[1] == 1 else 2
            finally:
                os._exit(code)
        _, status = os.waitpid(child, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        with store.connections.borrow() as (connection, reused):
            assert reused and connection.info.backend_pid == parent_backend
            assert connection.execute("SELECT 1").fetchone() == (1,)
        wait_until(lambda: store.identity("es")[1] == 1, timeout=5, message="the parent following again")
    finally:
        store.close()


def test_db_upgrade_applies_each_migration_once(make_app, empty_database, postgres):
    first = cli(make_app, empty_database, "db", "upgrade")
    assert first.exit_code == 0 and f"schema at version {SCHEMA_VERSION}" in first.output
    assert "applied migration 1:" in first.output
    again = cli(make_app, empty_database, "db", "upgrade")
    assert again.exit_code == 0 and "nothing to do" in again.output and "applied" not in again.output
    rows = postgres.execute("SELECT version FROM contentapi_schema_migrations ORDER BY 1",
                            database=name_of(empty_database))
    assert rows == [(version,) for version in range(1, SCHEMA_VERSION + 1)]


def test_db_commands_without_a_database_say_so_in_one_line(make_app):
    result = cli(make_app, "", "db", "upgrade")
    assert result.exit_code == 1 and result.output.count("\n") == 1 and "CONTENTAPI_DATABASE_URL" in result.output


def test_the_service_refuses_to_start_on_a_missing_or_newer_schema(make_app, empty_database, postgres):
    with pytest.raises(SystemExit) as missing:
        make_app(DATABASE_URL=empty_database)
    assert "no contentapi tables" in str(missing.value) and "run contentapi db upgrade" in str(missing.value)
    assert "\n" not in str(missing.value)
    assert cli(make_app, empty_database, "db", "upgrade").exit_code == 0
    postgres.execute("INSERT INTO contentapi_schema_migrations (version, description) VALUES (99, 'future')",
                     database=name_of(empty_database))
    with pytest.raises(SystemExit) as newer:
        make_app(DATABASE_URL=empty_database)
    assert "newer than this code" in str(newer.value)


def test_an_unreachable_database_is_a_store_error_not_a_hang_and_stops_start_up_in_one_line(make_app):
    started = time.monotonic()
    with pytest.raises(StoreError) as error:
        PostgresRevisionStore("postgresql://nobody@127.0.0.1:1/none")
    assert error.value.kind == "unavailable" and "cannot be reached" in error.value.detail
    with pytest.raises(SystemExit) as stopped:
        make_app(DATABASE_URL="postgresql://nobody@127.0.0.1:1/none")
    assert str(stopped.value).startswith("contentapi cannot start: PostgreSQL 127.0.0.1:1/none cannot be reached")
    assert "\n" not in str(stopped.value)
    assert time.monotonic() - started < 10


def files_store_with_history(make_app, own_translations) -> FileRevisionStore:
    """A files store as a running service leaves it: the repository imported, publishes, a restore,
    and a deploy kept aside."""
    app = make_app(TRANSLATIONS_DIR=str(own_translations))
    publisher = Publisher(FileRevisionStore(own_translations / ".revisions"), own_translations)
    body, etag = publisher.current("es", SLUG)
    first, _ = publisher.publish("es", SLUG, body.replace(HEADING_ES.encode(), b"Resumen"), etag, "maria")
    publisher.restore("es", first.previous, "maria")
    (own_translations / "es" / "LC_MESSAGES" / f"{SLUG}.po").write_bytes(body.replace(HEADING_ES.encode(), b"Del repo"))
    publisher.import_repository(("es",))
    assert app  # the app imported the repository's catalogs at start-up
    return publisher.store


def test_db_import_copies_every_locale_history_and_pointer(make_app, own_translations, database):
    files = files_store_with_history(make_app, own_translations)
    result = cli(make_app, database, "db", "import", TRANSLATIONS_DIR=str(own_translations))
    assert result.exit_code == 0, result.output
    assert "imported es:" in result.output
    copied = PostgresRevisionStore(database)
    try:
        for locale in ("es", "zh-Hans", "vi", "ko", "ar", "ru"):
            expected, got = files.manifest(locale), copied.manifest(locale)
            assert (got.domains, got.last_revision) == (expected.domains, expected.last_revision), locale
            assert copied.history(locale) == files.history(locale), locale
            for revision in files.history(locale):
                assert copied.read(locale, revision.domain, revision.id) == files.read(locale, revision.domain, revision.id)
        assert {revision.action for revision in copied.history("es", SLUG)} == {"import", "publish", "restore"}
        # Again: refused in one line, nothing changed; --replace replaces, and workers see a new sequence.
        sequence = copied.manifest("es").sequence
        again = cli(make_app, database, "db", "import", "--from", str(own_translations / ".revisions"))
        assert again.exit_code == 1 and again.output.count("\n") == 1 and "--replace" in again.output
        assert copied.manifest("es").sequence == sequence
        replaced = cli(make_app, database, "db", "import", "--replace", "--from", str(own_translations / ".revisions"))
        assert replaced.exit_code == 0, replaced.output
        assert copied.manifest("es").sequence > sequence and copied.history("es") == files.history("es")
    finally:
        copied.close()


def test_db_import_leaves_out_only_the_locale_with_a_damaged_file(make_app, own_translations, database):
    files = files_store_with_history(make_app, own_translations)
    damaged = own_translations / ".revisions" / "vi" / SLUG / f"{files.manifest('vi').domains[SLUG].revision}.po"
    damaged.write_bytes(damaged.read_bytes()[:100])
    result = cli(make_app, database, "db", "import", "--from", str(own_translations / ".revisions"))
    assert result.exit_code == 1
    assert "vi: not imported:" in result.output and "damaged" in result.output and "imported es:" in result.output
    copied = PostgresRevisionStore(database)
    try:
        assert copied.history("vi") == [] and copied.history("es") == files.history("es")
    finally:
        copied.close()


# -- two instances, one database, over real HTTP -------------------------------------------------

def request(port: int, method: str, path: str, headers: dict | None = None, body: bytes | None = None):
    return http_request(port, method, path, headers, body, timeout=15)


def heading(port: int) -> str | None:
    status, _, body = request(port, "GET", f"/api/v1/procedures/{SLUG}?lang=es")
    return json.loads(body)["sections"][0]["heading"] if status == 200 else f"status {status}"


def fetch(port: int, token: str) -> tuple[bytes, str]:
    status, headers, body = request(port, "GET", CATALOG, {"Authorization": f"Bearer {token}"})
    assert status == 200, body
    return body, headers["ETag"]


def put(port: int, token: str, etag: str, body: bytes, old: str, new: str) -> tuple[int, bytes]:
    """PUT the catalog ``body`` with the heading ``old`` renamed ``new``: (status, answer)."""
    status, _, answer = request(port, "PUT", CATALOG, {"Authorization": f"Bearer {token}", "If-Match": etag,
                                                       "Content-Type": PO},
                                body.replace(f'msgstr "{old}"'.encode(), f'msgstr "{new}"'.encode()))
    return status, answer


def publish(port: int, token: str, text: str) -> tuple[int, bytes]:
    """Fetch the published catalog and publish it with the heading renamed ``text``."""
    body, etag = fetch(port, token)
    return put(port, token, etag, body, heading(port), text)


def worker_and_heading(port: int) -> tuple[int, int, str | None]:
    """On one keep-alive connection (so one worker answers both): that worker's pid, the sequence
    of es it follows (-1 while it reports itself degraded), and the heading it serves."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    try:
        connection.request("GET", "/healthz?verbose")
        health = json.loads(connection.getresponse().read())
        connection.request("GET", f"/api/v1/procedures/{SLUG}?lang=es")
        response = connection.getresponse()
        body = response.read()
        text = json.loads(body)["sections"][0]["heading"] if response.status == 200 else f"status {response.status}"
        return health["pid"], health["locales"]["es"]["sequence"] if health["status"] == "ok" else -1, text
    finally:
        connection.close()


def every_worker_serves(servers: list[GunicornServer], sequence: int, text: str) -> bool:
    """True once every worker of every server follows ``sequence`` of es, serves ``text`` and is not degraded."""
    for server in servers:
        seen = {}
        for _ in range(16):
            pid, followed, served = worker_and_heading(server.port)
            seen[pid] = followed >= sequence and served == text
            if set(seen) == server.worker_pids():
                break
        if set(seen) != server.worker_pids() or not all(seen.values()):
            return False
    return True


def es_sequence(postgres, database: str) -> int:
    """The sequence of es in the database (one more at every commit)."""
    return postgres.execute("SELECT sequence FROM contentapi_locales WHERE locale = 'es'",
                            database=name_of(database))[0][0]


@pytest.fixture
def instances(database, tmp_path):
    """Two gunicorn instances (the recommended settings), each with its own copy of the
    translations folder, on one database."""
    tokens = tmp_path / "tokens.json"
    token = TokenStore(tokens).add("maria", ("es",))
    servers = []
    try:
        for number in range(2):
            translations = copy_translations(tmp_path / f"instance-{number}" / "translations")
            settings = {"TRANSLATIONS_DIR": translations, "TOKENS": tokens, "DATABASE_URL": database,
                        "CATALOG_CHECK_INTERVAL": "1.0"}
            servers.append(GunicornServer(settings, tmp_path / f"gunicorn-{number}.log", workers=2,
                                          worker_class="gthread", threads=4, preload=True))
        yield servers, token
    finally:
        for server in servers:
            server.stop()


@pytest.mark.slow
def test_two_instances_serve_every_publish_and_survive_dropped_connections_and_a_restart(instances, postgres, database):
    servers, token = instances
    ports = [server.port for server in servers]
    assert all(heading(port) == HEADING_ES for port in ports)

    def published_everywhere(port: int, text: str) -> None:
        status, answer = publish(port, token, text)
        assert status == 200, answer
        sequence = es_sequence(postgres, database)
        wait_until(lambda: every_worker_serves(servers, sequence, text), timeout=2.0, interval=0.02,
                   message=f"{text!r} from every worker of both instances within 2 s")

    published_everywhere(ports[0], "Resumen A")

    failures, answered, stop = [], [0], threading.Event()

    def load(number: int) -> None:
        deadline = time.monotonic() + 30  # bounded even if the test body fails to stop it
        for count in itertools.count():
            if stop.is_set() or time.monotonic() > deadline:
                return
            port = ports[(number + count) % 2]
            path = f"/api/v1/procedures/{SLUG}?lang=es" if count % 3 else f"/es/procedures/{SLUG}"
            try:
                status, _, _ = http_request(port, "GET", path, timeout=10)
            except OSError as error:
                failures.append((port, path, repr(error)))
                continue
            answered[0] += 1
            if status != 200:
                failures.append((port, path, status))

    threads = [threading.Thread(target=load, args=(number,)) for number in range(4)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(1)
        assert postgres.terminate(name_of(database)) >= 4  # at least each process's follower
        published_everywhere(ports[1], "Resumen B")
        postgres.restart("fast")
        published_everywhere(ports[0], "Resumen C")
        body, etag = fetch(ports[1], token)
        postgres.stop("fast")
        status, answer = put(ports[1], token, etag, body, "Resumen C", "Resumen perdido")
        assert status == 503, answer
        # Past the follower's patience the workers report the store out of reach, and serve from memory.
        wait_until(lambda: all(json.loads(request(port, "GET", "/healthz")[2])["status"] == "degraded" for port in ports),
                   timeout=10, message="/healthz saying degraded while the database is down")
        assert all(heading(port) == "Resumen C" for port in ports)
        postgres.start()
        published_everywhere(ports[1], "Resumen D")
        time.sleep(1)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert failures == [] and answered[0] > 100, (failures[:10], answered)
    store = PostgresRevisionStore(database)
    try:
        history = store.history("es", SLUG)
        assert [revision.action for revision in history[:5]] == ["publish"] * 4 + ["import"]
        assert store.read_file("es", SLUG, history[0].id, "po").count(b'msgstr "Resumen D"') == 1
    finally:
        store.close()


@pytest.mark.slow
def test_a_publish_killed_between_insert_and_commit_leaves_the_old_revision_everywhere(instances, postgres, database):
    servers, token = instances
    name = name_of(database)
    body, etag = fetch(servers[0].port, token)
    before = (es_sequence(postgres, database), postgres.execute(
        "SELECT count(*) FROM contentapi_revisions WHERE locale = 'es'", database=name))
    outcome = []

    def publish_in_background() -> None:
        try:
            outcome.append(put(servers[0].port, token, etag, body, HEADING_ES, "Nunca publicado")[0])
        except OSError as error:
            outcome.append(repr(error))

    # The test holds the pointer's row, so the publish's transaction stops right after inserting its
    # revision, where it moves the pointer: that worker is killed there, before its COMMIT.
    with psycopg.connect(database, connect_timeout=5) as blocker:
        blocker.execute("SELECT 1 FROM contentapi_pointers WHERE locale = 'es' AND domain = %s FOR UPDATE", (SLUG,))
        thread = threading.Thread(target=publish_in_background)
        thread.start()
        waiting = wait_until(lambda: postgres.execute(
            "SELECT a.pid, a.application_name FROM pg_stat_activity a WHERE a.datname = %s AND a.wait_event_type = 'Lock'"
            " AND a.query LIKE 'INSERT INTO contentapi_pointers%%' AND EXISTS (SELECT 1 FROM pg_locks l WHERE"
            " l.pid = a.pid AND l.relation = 'contentapi_revisions'::regclass AND l.mode = 'RowExclusiveLock')",
            (name,), database=name), timeout=20, message="the publish waiting between its INSERT and its COMMIT")
        (backend, application), = waiting
        worker = int(application.removeprefix("contentapi pid="))
        assert worker in servers[0].worker_pids()
        os.kill(worker, signal.SIGKILL)
        thread.join(timeout=20)
        blocker.rollback()
    assert outcome and not isinstance(outcome[0], int), outcome  # the client lost its answer with the worker
    wait_until(lambda: not postgres.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (backend,)),
               timeout=10, message="the killed worker's session ended")
    after = (es_sequence(postgres, database), postgres.execute(
        "SELECT count(*) FROM contentapi_revisions WHERE locale = 'es'", database=name))
    assert after == before
    wait_until(lambda: len(servers[0].worker_pids()) == 2, timeout=20, message="gunicorn replaced the worker")
    wait_until(lambda: every_worker_serves(servers, before[0], HEADING_ES), timeout=10,
               message="the old text from every worker, the new one included")
    # Nothing was left locked: the same If-Match publishes now, and everyone serves it.
    assert put(servers[1].port, token, etag, body, HEADING_ES, "Publicado")[0] == 200
    wait_until(lambda: every_worker_serves(servers, before[0] + 1, "Publicado"), timeout=2.0, interval=0.02,
               message="the publish after the crash everywhere within 2 s")
