"""A publish killed at any instant: old or new everywhere, history that agrees, nothing left over.

A child process publishes one procedure's Spanish catalog through the real publisher and files
store and is killed (SIGKILL, by itself) just before or just after its N-th flush or rename, for
every N the publish reaches: before any write, after each file is flushed, after each rename,
after the manifest's rename. After each kill a worker that was already serving, and one that
starts now, must both serve what the manifest names, which is the old catalog or the new one; the
history lists the new revision exactly when the manifest names it; and once the store is opened
again (start-up) no staged or uncommitted file is left. Then a real gunicorn worker is killed
while it handles a PUT, at many moments, with the same expectations.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from contentapi.i18n.catalogs import ServedCatalogs
from contentapi.i18n.domains import catalog_path
from contentapi.i18n.revisions import FileRevisionStore
from contentapi.i18n.tokens import TokenStore
from contentapi.delivery.factory import build_publisher
from tests.helpers import SLUG, GunicornServer, copy_translations, http_request, without_reviews

pytestmark = pytest.mark.slow

TITLE = f"{SLUG}/title"
OLD_TITLE = "Cifoplastia y vertebroplastia"
NEW_TITLE = "Cifoplastia y vertebroplastia (revisado)"

PUBLISHER = textwrap.dedent(
    """
    import os, signal, sys
    from contentapi.delivery.factory import build_publisher

    translations, store, target, moment = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    calls = 0

    def killing(real):
        def call(*arguments, **keywords):
            global calls
            calls += 1
            if calls == target and moment == "before":
                os.kill(os.getpid(), signal.SIGKILL)
            result = real(*arguments, **keywords)
            if calls == target and moment == "after":
                os.kill(os.getpid(), signal.SIGKILL)
            return result
        return call

    publisher = build_publisher({"TRANSLATIONS_DIR": translations, "TRANSLATION_REVISIONS_DIR": store})
    data = sys.stdin.buffer.read()
    os.fsync, os.replace = killing(os.fsync), killing(os.replace)
    publisher.publish("es", "%s", data, None, "crash-test")
    print("published", calls)
    """ % SLUG
)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    """A translations folder and a store holding its catalogs as the first revisions."""
    folder = tmp_path_factory.mktemp("pristine")
    translations = copy_translations(folder / "translations")
    build_publisher({"TRANSLATIONS_DIR": str(translations), "TRANSLATION_REVISIONS_DIR": str(folder / "store")}).import_repository()
    return translations, folder / "store"


def new_catalog(translations: Path) -> bytes:
    old = catalog_path(translations, "es", SLUG).read_bytes()
    return old.replace(f'msgstr "{OLD_TITLE}"'.encode(), f'msgstr "{NEW_TITLE}"'.encode(), 1)


def served_title(catalogs: ServedCatalogs) -> str:
    return catalogs.get("es").translate(TITLE, "Kyphoplasty and vertebroplasty")


def leftovers(store: Path) -> list[Path]:
    """Staged files and revisions above the last committed id."""
    staged = list((store / ".staging").iterdir()) if (store / ".staging").exists() else []
    last = FileRevisionStore(store).manifest("es").last_revision
    uncommitted = [path for path in (store / "es").rglob("*") if path.is_file() and path.stem.isdigit()
                   and int(path.stem) > last]
    return staged + uncommitted


def test_a_publish_killed_at_every_flush_and_rename_is_old_or_new_everywhere(pristine, tmp_path):
    translations, source = pristine
    data = new_catalog(translations)
    old_hash = FileRevisionStore(source).manifest("es").domains[SLUG].hash
    outcomes = []
    for target in range(1, 40):
        for moment in ("before", "after"):
            store = tmp_path / f"store-{target}-{moment}"
            shutil.copytree(source, store)
            running = ServedCatalogs(FileRevisionStore(store), ("en", "es"), check_interval=0.0)
            assert served_title(running) == OLD_TITLE
            history_before = FileRevisionStore(store).history("es")
            child = subprocess.run([sys.executable, "-c", PUBLISHER, str(translations), str(store), str(target), moment],
                                   input=data, capture_output=True, timeout=60, check=False)
            completed = child.returncode == 0
            assert completed or child.returncode == -signal.SIGKILL, child.stderr.decode()[-2000:]

            manifest = FileRevisionStore(store).manifest("es")
            published = manifest.domains[SLUG].hash != old_hash
            if published:  # the upload as published: with the review comments publishing writes
                pointer = manifest.domains[SLUG]
                assert without_reviews(FileRevisionStore(store).read("es", SLUG, pointer.revision)[0]) == without_reviews(data)
            expected = NEW_TITLE if published else OLD_TITLE
            assert served_title(running) == expected, (target, moment)  # a worker that was serving
            history = FileRevisionStore(store).history("es")
            if published:
                assert history[0].hash == manifest.domains[SLUG].hash and history[1:] == history_before
            else:
                assert history == history_before
            FileRevisionStore(store).recover()  # what every start-up does
            assert leftovers(store) == [], (target, moment)
            starting = ServedCatalogs(FileRevisionStore(store), ("en", "es"), check_interval=0.0)
            assert served_title(starting) == expected and starting.health()["status"] == "ok"
            outcomes.append((target, moment, published, completed))
            shutil.rmtree(store)
        if completed:
            break
    assert completed, "the publish never finished: the kill points did not cover it"
    # Every kill point before the manifest's rename kept the old text; the ones after it the new.
    flips = [published for _, _, published, _ in outcomes]
    assert flips == sorted(flips) and flips[0] is False and flips[-1] is True, outcomes


def test_a_worker_killed_while_it_handles_a_put_leaves_old_or_new(tmp_path):
    """The operator's experiment: SIGKILL of the gunicorn worker handling a PUT, at many moments."""
    translations = copy_translations(tmp_path / "translations")
    store = tmp_path / "store"
    tokens = tmp_path / "tokens.json"
    token = TokenStore(tokens).add("maria", ("es",))
    settings = {"TRANSLATIONS_DIR": translations, "TOKENS": tokens, "TRANSLATION_REVISIONS_DIR": store,
                "CATALOG_CHECK_INTERVAL": "0.2"}
    server = GunicornServer(settings, tmp_path / "gunicorn.log", workers=1)
    url = f"/api/v1/translations/es/procedures/{SLUG}"
    authorization = {"Authorization": f"Bearer {token}", "Content-Type": "text/x-gettext-translation"}
    try:
        results = []
        for attempt in range(24):
            _, headers, body = http_request(server.port, "GET", url, {"Authorization": f"Bearer {token}"})
            before = served(server)
            title = f"Cifoplastia edición {chr(ord('a') + attempt)}"  # no digit: the numbers check
            upload = body.replace(f'msgstr "{before}"'.encode(), f'msgstr "{title}"'.encode(), 1)
            (worker,) = server.worker_pids()
            outcome = {}

            def put():
                try:
                    outcome["status"] = http_request(server.port, "PUT", url, {**authorization, "If-Match": headers["ETag"]},
                                                     upload, timeout=20)[0]
                except Exception as error:  # noqa: BLE001  (the worker died mid-answer: any client error)
                    outcome["error"] = repr(error)

            sender = threading.Thread(target=put)
            sender.start()
            # 0 to 88 ms into the request (a publish takes tens of milliseconds), and now and then after it.
            time.sleep(0.3 if attempt % 6 == 5 else 0.008 * (attempt % 12))
            os.kill(worker, signal.SIGKILL)
            sender.join(30)
            # gunicorn starts a new worker: it serves what the manifest names, old or new.
            deadline = time.monotonic() + 20
            while len(server.worker_pids() - {worker}) != 1 and time.monotonic() < deadline:
                time.sleep(0.05)
            revisions = FileRevisionStore(store)
            pointer = revisions.manifest("es").domains[SLUG]

            def is_upload(revision_id: int) -> bool:
                # The upload as published: what was sent, with the review comments publishing writes.
                return without_reviews(revisions.read("es", SLUG, revision_id)[0]) == without_reviews(upload)

            published = is_upload(pointer.revision)
            latest = revisions.history("es", SLUG)[0]
            now_serving = served(server)
            assert now_serving == (title if published else before), (attempt, outcome)
            assert is_upload(latest.id) == published  # the history agrees with the pointer
            results.append(published)
    finally:
        server.stop()
    # After a restart (start-up recovery) nothing is left over, and both outcomes happened.
    FileRevisionStore(store).recover()
    assert leftovers(store) == []
    assert True in results and False in results, results


def served(server: GunicornServer) -> str:
    import json

    status, _, body = http_request(server.port, "GET", f"/api/v1/procedures/{SLUG}?lang=es")
    assert status == 200
    return json.loads(body)["title"]
