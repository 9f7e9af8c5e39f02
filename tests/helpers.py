"""What the tests share besides fixtures: real servers on loopback (werkzeug in a thread, gunicorn
as a deployment runs it), one-request HTTP helpers, compiled catalogs, a headless Chromium, and
polling with a deadline instead of sleeping."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import make_server

from contentapi.config import REPOSITORY_DIR
from contentapi.i18n.workflow import compiled_copy

SLUG = "kyphoplasty-and-vertebroplasty"
# The host names a test server on loopback answers for (servers refuse to start without trusted hosts).
LOOPBACK_HOSTS = "127.0.0.1,localhost"
OLD_SENTENCE = "Heavy lifting and any strenuous activities"
NEW_SENTENCE = "Heavy lifting, bending and any strenuous activities"
T = TypeVar("T")


def copy_translations(destination: Path) -> Path:
    """Copy the repository's .po and .pot files into ``destination`` and compile them there."""
    return compiled_copy(REPOSITORY_DIR / "translations", destination)


def edited_content(tmp_path: Path) -> Path:
    """A copy of the content folder with one English sentence of the seed page changed."""
    import shutil

    from contentapi.config import DEFAULTS

    content = tmp_path / "content"
    shutil.copytree(DEFAULTS["CONTENT_DIR"], content)
    seed = content / f"{SLUG}.md"
    text = seed.read_text(encoding="utf-8")
    assert text.count(OLD_SENTENCE) == 1
    seed.write_text(text.replace(OLD_SENTENCE, NEW_SENTENCE), encoding="utf-8")
    return content


def put_in_store(translations_dir: Path, locale: str, domain: str, po: bytes | None = None) -> None:
    """Make a catalog current in the files store of apps on ``translations_dir`` *without checking it*
    (what a hand-edited store, or a bug in the checks, would serve): the service must survive it.
    ``po`` defaults to the domain's file in the folder."""
    from contentapi.i18n.catalogs import compile_po_bytes
    from contentapi.i18n.domains import catalog_path
    from contentapi.i18n.revisions import FileRevisionStore, NewRevision

    data = po if po is not None else catalog_path(translations_dir, locale, domain).read_bytes()
    store = FileRevisionStore(Path(translations_dir) / ".revisions")
    store.commit(locale, lambda manifest: [NewRevision(domain, data, compile_po_bytes(data, locale), "publish", "test")])


def without_reviews(data: bytes) -> bytes:
    """A catalog's bytes without the review comments publishing writes (``# contentapi: review=...``,
    ``# contentapi: back-translation=...``): what the translator sent."""
    import re

    return re.sub(rb"(?m)^# contentapi: (?:review|back-translation)=.*\n", b"", data)


def wait_until(check: Callable[[], T], timeout: float = 20.0, interval: float = 0.05, message: str = "condition") -> T:
    """Poll ``check`` until it returns something true and return it; fail the test at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"{message} not reached within {timeout} s")
        time.sleep(interval)


@dataclass
class HttpResponse:
    """What came back over the wire."""

    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self):
        """The body as JSON."""
        return json.loads(self.body)

    @property
    def text(self) -> str:
        """The body as UTF-8 text."""
        return self.body.decode("utf-8")


def http_request(port: int, method: str, path: str, headers: dict | None = None, body: bytes | None = None,
                 timeout: float = 20):
    """One request on a fresh loopback connection: (status, headers, body)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def exact_request(port: int, method: str, path: str, headers: dict | None = None, body: bytes | None = None,
                  timeout: float = 30, host: str | None = None) -> HttpResponse:
    """One request on a fresh loopback connection with exactly ``headers``: nothing is added but
    Host (``host``, or 127.0.0.1 and the port, unless ``headers`` hold one) and Content-Length, so
    tests choose every header a cache or a negotiation sees."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        if "host" not in {name.lower() for name in (headers or {})}:
            connection.putheader("Host", host or f"127.0.0.1:{port}")
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        if body is not None:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        return HttpResponse(response.status, response.headers, response.read())
    finally:
        connection.close()


class LiveServer:
    """A real HTTP server for an app, in a thread, on a port the system chose (no race)."""

    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def request(self, method: str, path: str, headers: dict | None = None, body: bytes | None = None) -> HttpResponse:
        """Send one request over a fresh connection and read the whole response."""
        return exact_request(self.port, method, path, headers, body)

    def get(self, path: str, **headers) -> HttpResponse:
        """GET with headers given as keyword arguments (underscores become hyphens)."""
        return self.request("GET", path, {name.replace("_", "-"): value for name, value in headers.items()})

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self.server.shutdown()
        self.server.server_close()


def listening_socket() -> socket.socket:
    """A socket listening on 127.0.0.1 at a port the system chose, to hand to a server process.

    The server inherits the socket itself, so no other process can take the port between choosing
    it and binding it (the race of asking for a free port and binding later).
    """
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    listener.set_inheritable(True)
    # Non-blocking, as servers expect of a listener they inherit: the flag belongs to the socket
    # every process shares, and nginx does not set it on an inherited one. A blocking listener lets
    # an nginx worker wait inside accept() while its other connections wait for it (requests
    # through the front stalled for seconds now and then).
    listener.setblocking(False)
    return listener


class GunicornServer:
    """A real gunicorn serving ``contentapi:create_app()`` on loopback, configured through
    ``CONTENTAPI_*`` environment variables as a deployment would be.

    Its readiness probe sends the public URL's host (the app refuses hosts it does not trust);
    ``extra_args`` go to gunicorn (the front passes ``--keep-alive``). Each has no control socket:
    gunicorn 27 puts one at ~/.gunicorn/gunicorn.ctl by default, shared by every gunicorn here.
    """

    def __init__(self, settings: dict[str, str], log: Path, workers: int = 2, worker_class: str = "sync",
                 threads: int = 1, preload: bool = False, extra_args: tuple[str, ...] = ()):
        self.listener = listening_socket()
        self.port = self.listener.getsockname()[1]
        self.workers = workers
        # As a deployment must: links are made from the public URL (by default, this very server).
        settings = {"PUBLIC_URL": f"http://127.0.0.1:{self.port}", **settings}
        self.public_host = urlsplit(settings["PUBLIC_URL"]).netloc
        environment = {**os.environ, **{f"CONTENTAPI_{name}": str(value) for name, value in settings.items()}}
        command = [str(Path(sys.executable).with_name("gunicorn")), "--bind", f"fd://{self.listener.fileno()}",
                   "--workers", str(workers), "--worker-class", worker_class, "--threads", str(threads),
                   "--graceful-timeout", "5", "--log-level", "warning", "--no-control-socket", *extra_args]
        if preload:
            command.append("--preload")
        self.log_path = log
        self.log = open(log, "wb")  # noqa: SIM115 - gunicorn writes to it until stop()
        self.process = subprocess.Popen([*command, "contentapi:create_app()"], env=environment,
                                        stdout=self.log, stderr=subprocess.STDOUT, pass_fds=(self.listener.fileno(),))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                if (http_request(self.port, "GET", "/healthz", {"Host": self.public_host}, timeout=5)[0] == 200
                        and len(self.worker_pids()) == workers):
                    return
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        pytest.fail(f"gunicorn did not start: {log.read_text(errors='replace')[-2000:]}")

    def worker_pids(self) -> set[int]:
        """The worker processes gunicorn runs now."""
        from audits.browser import descendants

        return set(descendants(self.process.pid))

    def stop(self) -> None:
        """Stop gracefully, then kill if it takes too long."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        self.listener.close()


def start_chromium(width: int = 1280, height: int = 900):
    """A new headless Chromium session, with the audit's flags, through the chromedriver on PATH
    (never Selenium Manager, which would try to download one)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    from audits.browser import BrowserError, chromium_options, find_chromedriver

    try:
        driver_path = find_chromedriver(None)
    except BrowserError as error:
        pytest.fail(f"{error}: run scripts/setup")
    return webdriver.Chrome(service=Service(executable_path=driver_path), options=chromium_options(width, height))


def postgres_bin() -> Path:
    """The folder of PostgreSQL's server programs (Debian's /usr/lib/postgresql/<version>/bin, the newest)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda path: int(path.parent.parent.name))
    if not found:
        pytest.fail("PostgreSQL's server programs are not installed (Debian's postgresql package): run scripts/setup")
    return found[-1].parent


class PostgresCluster:
    """A throwaway PostgreSQL cluster: a temporary folder, a free loopback port, trust authentication,
    its unix socket in the folder; run as the ``postgres`` user when we are root (initdb refuses root)."""

    def __init__(self):
        import shutil
        import tempfile

        self.bin = postgres_bin()
        self.user = "postgres" if os.geteuid() == 0 else None
        self.root = Path(tempfile.mkdtemp(prefix="contentapi-pg-"))
        if self.user:
            shutil.chown(self.root, self.user, self.user)
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C",
                  "--no-sync")
        for _ in range(3):  # another program may take the free port before the server binds it
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                self.port = probe.getsockname()[1]
            if self.start(check=False) == 0:
                return
        self.close()
        pytest.fail(f"PostgreSQL did not start: {self.log.read_text(errors='replace')[-2000:]}")

    def _run(self, program: str, *arguments: str, check: bool = True) -> int:
        with open(self.root / "commands.log", "ab") as output:
            result = subprocess.run([str(self.bin / program), *arguments], cwd=self.root, stdin=subprocess.DEVNULL,
                                    stdout=output, stderr=subprocess.STDOUT, timeout=120,
                                    **({"user": self.user, "group": self.user, "extra_groups": []} if self.user else {}))
        if check and result.returncode:
            pytest.fail(f"{program} {' '.join(arguments)} failed: {(self.root / 'commands.log').read_text(errors='replace')[-2000:]}")
        return result.returncode

    def start(self, check: bool = True) -> int:
        """Start the server and wait until it accepts connections."""
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} -c max_connections=200"
        return self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "-o", options, "start",
                         check=check)

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (``fast``: roll back open transactions and disconnect everyone)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def restart(self, mode: str = "fast") -> None:
        """Stop and start again, as an operator's ``pg_ctl restart`` does."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "restart")

    def url(self, database: str = "postgres") -> str:
        """The connection URL of a database of this cluster."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def execute(self, statement: str, arguments: tuple = (), database: str = "postgres") -> list[tuple]:
        """Run one statement on a connection of its own (autocommit) and return its rows."""
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True, connect_timeout=5) as connection:
            cursor = connection.execute(statement, arguments)
            return cursor.fetchall() if cursor.description else []

    def create_database(self, name: str) -> str:
        """A new, empty database; its URL."""
        self.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def terminate(self, database: str, application_prefix: str = "contentapi") -> int:
        """pg_terminate_backend every session of ``database`` whose application name starts with the
        prefix (the service's connections); how many were terminated."""
        rows = self.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE datname = %s AND application_name LIKE %s AND pid <> pg_backend_pid()",
                            (database, application_prefix + "%"))
        return sum(1 for (done,) in rows if done)

    def close(self) -> None:
        """Stop the server at once and delete its folder."""
        import shutil

        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(self.root, ignore_errors=True)


# -- hand-written catalogs, for the checker's tests ---------------------------------------------

# The Plural-Forms of the shipped catalogs.
PLURAL_FORMS = {
    "es": "nplurals=2; plural=(n != 1);",
    "ru": "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);",
    "ar": "nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : n%100>=0 && n%100<=2 ? 4 : 5);",
    "zh-Hans": "nplurals=1; plural=0;",
    "ko": "nplurals=1; plural=0;",
    "vi": "nplurals=1; plural=0;",
}
# Babel's plural table changes between releases (Spanish: 2 forms up to 2.18, 3 in 2.19); catalogs
# written for other checks silence that advice.
SILENCE_PLURAL_TABLE = "# contentapi: ignore=plural-table\n"


def po_quote(text: str) -> str:
    """``text`` as one quoted .po string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t") + '"'


def po_entry(msgid: str, msgstr: str | list[str], context: str | None = "proc/overview/1", comment: str = "",
             flags: str = "", plural: str | None = None) -> str:
    """One .po entry (``msgstr`` a list of forms with ``plural``, the msgid_plural)."""
    lines = [f"# {comment}"] if comment else []
    if flags:
        lines.append(f"#, {flags}")
    if context is not None:
        lines.append(f"msgctxt {po_quote(context)}")
    lines.append(f"msgid {po_quote(msgid)}")
    if plural is None:
        lines.append(f"msgstr {po_quote(msgstr)}")
    else:
        lines.append(f"msgid_plural {po_quote(plural)}")
        lines += [f"msgstr[{index}] {po_quote(form)}" for index, form in enumerate(msgstr)]
    return "\n".join(lines) + "\n\n"


def po_catalog(body: str, language: str = "es", plural: str | None = None) -> bytes:
    """A catalog with a header (Language, Plural-Forms, UTF-8) and ``body``."""
    header = (
        SILENCE_PLURAL_TABLE + 'msgid ""\nmsgstr ""\n'
        f'"Language: {language.replace("-", "_")}\\n"\n"Plural-Forms: {plural or PLURAL_FORMS.get(language, PLURAL_FORMS["es"])}\\n"\n'
        '"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
    )
    return (header + body).encode("utf-8")


def openapi_schema(spec: dict, path: str, method: str, status: int, media: str = "application/json") -> dict:
    """The schema our OpenAPI document declares for one response, with its components resolvable."""
    response = spec["paths"][path][method]["responses"][str(status)]
    if "$ref" in response:
        response = spec["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    return {**response["content"][media]["schema"], "components": spec["components"]}


def validate_response(spec: dict, path: str, method: str, status: int, document, media: str = "application/json") -> None:
    """Raise jsonschema's ValidationError unless ``document`` is what the OpenAPI document declares."""
    import jsonschema

    jsonschema.validate(document, openapi_schema(spec, path, method, status, media))
