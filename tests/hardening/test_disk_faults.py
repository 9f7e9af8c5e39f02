"""Publishing into a translations folder that is really full (a size-limited tmpfs) or really
read-only (a read-only bind mount) answers a clear 507 or 503 problem, changes nothing, and the
old catalog keeps being served. Needs root (mount); elsewhere the permission-based variant in
tests/test_translations_api.py covers the read-only case."""

from __future__ import annotations

import os
import shutil
import subprocess
from contextlib import contextmanager
from pathlib import Path

import pytest

from contentapi.i18n.tokens import TokenStore
from tests.helpers import SLUG, copy_translations

PO = "text/x-gettext-translation"


def can_mount() -> bool:
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    probe = Path("/tmp") / f"contentapi-mount-probe-{os.getpid()}"
    probe.mkdir(exist_ok=True)
    try:
        if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", str(probe)], capture_output=True).returncode:
            return False
        subprocess.run(["umount", str(probe)], check=True)
        return True
    finally:
        probe.rmdir()


pytestmark = pytest.mark.skipif(not can_mount(), reason="needs root and mount to make a real full or read-only folder")


@contextmanager
def mounted(*arguments: str, target: Path):
    target.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", *arguments, str(target)], check=True, capture_output=True)
    try:
        yield target
    finally:
        subprocess.run(["umount", "-l", str(target)], check=False, capture_output=True)


CATALOG = f"/api/v1/translations/es/procedures/{SLUG}"


def publish_attempt(server, token: str) -> tuple[int, dict, bytes, bytes]:
    authorization = {"Authorization": f"Bearer {token}"}
    current = server.request("GET", CATALOG, authorization)
    edited = current.body.replace("Cifoplastia".encode(), "Cifoplastía".encode(), 1)
    assert edited != current.body
    response = server.request(
        "PUT", CATALOG,
        {**authorization, "If-Match": current.headers["ETag"], "Content-Type": PO}, edited,
    )
    return response.status, response.json(), current.body, server.request("GET", CATALOG, authorization).body


def title(server) -> str:
    return server.get(f"/api/v1/procedures/{SLUG}?lang=es").json()["title"]


def test_a_full_store_is_507_and_nothing_changes(tmp_path, make_app, serve):
    with mounted("-t", "tmpfs", "-o", "size=2m", "tmpfs", target=tmp_path / "disk") as disk:
        translations = copy_translations(disk / "translations")
        tokens = tmp_path / "tokens.json"
        token = TokenStore(tokens).add("ana", ("es",))
        server = serve(make_app(TRANSLATIONS_DIR=str(translations), TOKENS=str(tokens),
                                TRANSLATION_REVISIONS_DIR=str(disk / "revisions")))
        before = title(server)
        filler = disk / "filler"
        descriptor = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            while True:
                os.write(descriptor, b"\0" * 4096)
        except OSError:
            pass  # the disk is full now
        finally:
            os.close(descriptor)
        status, problem, old_po, po_after = publish_attempt(server, token)
        assert status == 507, problem
        assert problem["status"] == 507 and "full" in problem["detail"].lower()
        assert po_after == old_po
        assert title(server) == before
        assert not list((disk / "revisions" / ".staging").iterdir())
        filler.unlink()
        status, _, _, _ = publish_attempt(server, token)
        assert status == 200


def test_a_read_only_store_is_503_and_nothing_changes(tmp_path, make_app, serve):
    translations = copy_translations(tmp_path / "translations")
    store = tmp_path / "revisions"
    tokens = tmp_path / "tokens.json"
    token = TokenStore(tokens).add("ana", ("es",))
    server = serve(make_app(TRANSLATIONS_DIR=str(translations), TOKENS=str(tokens), TRANSLATION_REVISIONS_DIR=str(store)))
    before = title(server)
    with mounted("--bind", str(store), target=store) as folder:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(folder)], check=True, capture_output=True)
        status, problem, old_po, po_after = publish_attempt(server, token)
        assert status == 503, problem
        assert "read-only" in problem["detail"].lower() or "not writable" in problem["detail"].lower()
        assert po_after == old_po
        assert title(server) == before


def test_a_read_only_translations_folder_does_not_stop_publishing(tmp_path, make_app, serve):
    """The repository's folder is only read (imported at start-up); publishing writes the store."""
    source = copy_translations(tmp_path / "source")
    with mounted("--bind", str(source), target=tmp_path / "readonly") as folder:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(folder)], check=True, capture_output=True)
        tokens = tmp_path / "tokens.json"
        token = TokenStore(tokens).add("ana", ("es",))
        server = serve(make_app(TRANSLATIONS_DIR=str(folder), TOKENS=str(tokens),
                                TRANSLATION_REVISIONS_DIR=str(tmp_path / "revisions")))
        status, _, old_po, po_after = publish_attempt(server, token)
        assert status == 200 and po_after != old_po
        assert title(server) == "Cifoplastía y vertebroplastia"
