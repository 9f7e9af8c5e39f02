"""Start the contentapi service on a free loopback port for an audit with no target.

This is the one module of the audit package that touches the service: it imports contentapi (and so
Flask) lazily, inside ``start``, so the engine itself stays free of any web framework. Catalogs are
compiled from the repository's .po files into a temporary folder so the audit sees the current text.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from pathlib import Path


class LocalService:
    """The service in a thread on 127.0.0.1 and a free port; ``stop()`` ends it and removes its files."""

    def __init__(self, server, thread: threading.Thread, workdir: Path):
        self.server = server
        self.thread = thread
        self.workdir = workdir
        self.url = f"http://127.0.0.1:{server.server_port}"

    def stop(self) -> None:
        """Shut the server down and delete the compiled catalogs."""
        self.server.shutdown()
        self.server.server_close()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> LocalService:
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()


def compiled_translations(destination: Path) -> Path:
    """Copy the repository's catalogs to ``destination`` and compile every locale's .po there."""
    from contentapi.config import REPOSITORY_DIR
    from contentapi.i18n.workflow import compiled_copy

    return compiled_copy(REPOSITORY_DIR / "translations", destination)


def start(config: dict | None = None) -> LocalService:
    """Build the app on the shipped content and serve it in a background thread."""
    import logging

    from werkzeug.serving import make_server

    from contentapi import create_app

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # keep request lines off the audit's output
    workdir = Path(tempfile.mkdtemp(prefix="contentapi-audit-"))
    # Served on loopback only, so those are the only host names it answers for.
    settings = {"TRANSLATIONS_DIR": str(compiled_translations(workdir / "translations")),
                "TRUSTED_HOSTS": "127.0.0.1,localhost"}
    settings.update(config or {})
    server = make_server("127.0.0.1", 0, create_app(settings), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="contentapi-audit-service", daemon=True)
    thread.start()
    return LocalService(server, thread, workdir)
