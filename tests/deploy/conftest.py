"""The production shape for real: nginx rendered from ``deploy/`` (its own prefix in a temporary
folder, on a free loopback port) in front of a real gunicorn, or of a scripted stub upstream when a
test needs to choose the upstream's headers. Also: clients that are slow on purpose, and probes.

Every server here listens on 127.0.0.1 only, every process is stopped and every socket closed in
the fixture's ``finally``, and every loop that sends traffic is bounded in count and time.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from deploy.front import GUNICORN_KEEP_ALIVE, FrontSettings, PublicUrl, check_config, nginx_command, write_config
from tests.helpers import GunicornServer, HttpResponse, exact_request, listening_socket

PUBLIC_HOST = "content.test"
# A probe passes when it gets its 200 within this many seconds. Probes through the front take
# milliseconds (the slowest is printed), gunicorn alone does not answer at all while slow clients
# hold its threads; the margin is for a machine shared with other test suites.
PROBE_TIMEOUT = 5.0
# The recommended gunicorn shape (README "Performance").
RECOMMENDED = {"worker_class": "gthread", "workers": 2, "threads": 4, "preload": True}


def nginx_available() -> bool:
    """Whether an nginx program is installed (scripts/setup installs Debian's)."""
    return bool(shutil.which("nginx") or Path("/usr/sbin/nginx").exists())


def world_readable_folder(prefix: str) -> Path:
    """A new temporary folder nginx's workers can enter: they run as `nobody` when the tests run as
    root (pytest's own tmp_path is 0700)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    folder.chmod(0o755)
    return folder


class NginxFront:
    """nginx from ``deploy/nginx.conf.in`` in front of ``upstream``, on a loopback port chosen by the
    system. nginx inherits the listening socket (its ``NGINX`` environment variable, the mechanism of
    its binary upgrade), so no other program can take the port in between, and the public URL can
    name the port before nginx starts."""

    def __init__(self, listener: socket.socket, upstream: str, trusted_hosts: tuple[str, ...] = ()):
        self.listener = listener
        self.port = listener.getsockname()[1]
        self.host = f"{PUBLIC_HOST}:{self.port}"
        self.public_url = f"http://{self.host}"
        self.root = world_readable_folder("contentapi-front-test-")
        self.access_log = self.root / "access.log"
        self.error_log = self.root / "error.log"
        self.process = None
        self.stderr = open(self.root / "stderr.log", "wb")  # noqa: SIM115 - nginx writes to it until stop()
        settings = FrontSettings(PublicUrl.parse(self.public_url), f"127.0.0.1:{self.port}", upstream, self.root / "nginx",
                                 trusted_hosts, worker_processes="2", access_log=str(self.access_log),
                                 error_log=str(self.error_log))
        try:
            config = write_config(settings)
            check_config(settings.prefix, config)
            self.process = subprocess.Popen(nginx_command(settings.prefix, config), stdin=subprocess.DEVNULL,
                                            stdout=subprocess.DEVNULL, stderr=self.stderr,
                                            env={**os.environ, "NGINX": f"{listener.fileno()};"},
                                            pass_fds=(listener.fileno(),))
            deadline = time.monotonic() + 20
            while not self._answers():
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("nginx did not start")
                time.sleep(0.05)
        except Exception as error:  # noqa: BLE001 - any failure: stop what started, say why
            logs = "".join(path.read_text(errors="replace") for path in (self.error_log, self.root / "stderr.log") if path.exists())
            self.stop()
            pytest.fail(f"nginx front did not start: {error}\n{logs[-2000:]}")

    def _answers(self) -> bool:
        try:
            return self.request("GET", "/", timeout=2, host="nobody.invalid").status == 400
        except OSError:
            return False

    def request(self, method: str, path: str, headers: dict | None = None, body: bytes | None = None,
                timeout: float = 20, host: str | None = None) -> HttpResponse:
        """One request on a fresh connection, with the public Host unless ``host`` (or a Host in
        ``headers``) says otherwise; nothing is added but Host and Content-Length."""
        return exact_request(self.port, method, path, headers, body, timeout, host or self.host)

    def get(self, path: str, **headers) -> HttpResponse:
        """GET with headers as keyword arguments (underscores become hyphens)."""
        return self.request("GET", path, {name.replace("_", "-"): value for name, value in headers.items()})

    def raw(self, data: bytes, timeout: float = 10) -> bytes:
        """Send bytes as they are (an absolute-form request line, a repeated Host...) and read until
        the server closes the connection."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as connection:
            connection.sendall(data)
            received = b""
            while chunk := connection.recv(65536):
                received += chunk
            return received

    def log(self) -> list[dict]:
        """The access log so far: request line, status, cache status and whether the upstream was
        asked, one dict per request."""
        pattern = re.compile(r'"(?P<request>[^"]*)" (?P<status>\d+) \d+ rt=\S+ ut=(?P<upstream>\S+) cache=(?P<cache>\S+)')
        entries = []
        for line in self.access_log.read_text(errors="replace").splitlines():
            match = pattern.search(line)
            if match:
                entries.append({"request": match["request"], "status": int(match["status"]),
                                "upstream": match["upstream"] != "-", "cache": match["cache"]})
        return entries

    def cache_statuses(self, target: str) -> list[str]:
        """$upstream_cache_status (MISS, HIT, BYPASS...) of every request so far for exactly this
        request target. nginx writes a line after the response has gone, so the last requests
        may not be there yet: wait for what you expect (``entries``)."""
        return [entry["cache"] for entry in self.log() if entry["request"].split(" ")[1:2] == [target]]

    def entries(self, target: str, count: int, timeout: float = 10) -> list[dict]:
        """The log entries of exactly this request target once there are ``count`` of them."""
        deadline = time.monotonic() + timeout
        while True:
            found = [entry for entry in self.log() if entry["request"].split(" ")[1:2] == [target]]
            if len(found) >= count or time.monotonic() > deadline:
                assert len(found) == count, f"{len(found)} log entries for {target}, expected {count}"
                return found
            time.sleep(0.05)

    def stop(self) -> None:
        """Stop nginx (fast shutdown, then kill), close the socket, delete the prefix."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.listener.close()
        self.stderr.close()
        shutil.rmtree(self.root, ignore_errors=True)


@dataclass
class Stack:
    """nginx in front of a real gunicorn."""

    front: NginxFront
    gunicorn: GunicornServer


def start_stack(settings: dict, log: Path, **shape) -> Stack:
    """gunicorn (the recommended shape unless ``shape`` says otherwise) whose public URL is the
    front's, then the front."""
    if not nginx_available():
        pytest.fail("nginx is not installed: run scripts/setup")
    listener = listening_socket()
    public_host = f"{PUBLIC_HOST}:{listener.getsockname()[1]}"
    try:
        gunicorn = GunicornServer({**settings, "PUBLIC_URL": f"http://{public_host}"}, log,
                                  extra_args=("--keep-alive", str(GUNICORN_KEEP_ALIVE)), **{**RECOMMENDED, **shape})
    except BaseException:
        listener.close()
        raise
    try:
        return Stack(NginxFront(listener, f"127.0.0.1:{gunicorn.port}"), gunicorn)
    except BaseException:
        gunicorn.stop()
        raise


@pytest.fixture(scope="module")
def stack(translations_dir, tmp_path_factory):
    """The shipped content and catalogs behind gunicorn (gthread 2 x 4, --preload) behind the front,
    for a whole test module."""
    result = start_stack({"TRANSLATIONS_DIR": translations_dir}, tmp_path_factory.mktemp("gunicorn") / "gunicorn.log")
    try:
        yield result
    finally:
        result.front.stop()
        result.gunicorn.stop()


# -- a stub upstream whose headers a test chooses ---------------------------------------------------


class StubUpstream:
    """An HTTP server on loopback that answers every GET with the headers registered for its path
    (``respond``) and a JSON body naming the request number and the headers it got (or the body
    registered); it counts requests per path and keeps the headers of the last one."""

    def __init__(self):
        self.lock = threading.Lock()
        self.routes: dict[str, tuple[dict[str, str | list[str]], bytes | None]] = {}
        self.counts: dict[str, int] = {}
        self.seen: dict[str, dict[str, list[str]]] = {}
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):  # noqa: N802 - the name http.server calls
                """Count, remember the headers, answer as registered."""
                path = self.path.split("?")[0]
                received = {}
                for name, value in self.headers.items():
                    received.setdefault(name.lower(), []).append(value)
                with stub.lock:
                    stub.counts[path] = stub.counts.get(path, 0) + 1
                    stub.seen[path] = received
                    number = stub.counts[path]
                    headers, body = stub.routes.get(path, ({"Cache-Control": "public, max-age=300"}, None))
                if body is None:
                    body = json.dumps({"number": number, "headers": received}).encode()
                self.send_response(200)
                for name, value in {"Content-Type": "application/json", **headers}.items():
                    for one in value if isinstance(value, list) else [value]:
                        self.send_header(name, one)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format, *args):  # noqa: A002 - http.server's signature
                """Quiet: the tests read nginx's log, not this one."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def respond(self, path: str, headers: dict[str, str | list[str]], body: bytes | None = None) -> str:
        """Answer GET ``path`` with these headers (Content-Type is JSON unless they say otherwise;
        Content-Length is added) and ``body`` if given."""
        with self.lock:
            self.routes[path] = (headers, body)
        return path

    def count(self, path: str) -> int:
        """How many requests for ``path`` reached the upstream."""
        with self.lock:
            return self.counts.get(path, 0)

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def stub_front():
    """The front in front of a stub upstream: (front, stub)."""
    if not nginx_available():
        pytest.fail("nginx is not installed: run scripts/setup")
    stub = StubUpstream()
    front = None
    try:
        front = NginxFront(listening_socket(), f"127.0.0.1:{stub.port}")
        yield front, stub
    finally:
        if front is not None:
            front.stop()
        stub.stop()


# -- clients that are slow on purpose, and probes ----------------------------------------------------


class SlowClients:
    """Up to ``count`` connections to 127.0.0.1:``port`` that each send ``opening`` and then one byte
    of ``trickle`` every ``pace`` seconds, never finishing; a connection the server closes is opened
    again (as an attacker would), until ``stop()``. ``trickle=b""`` sends nothing at all after the
    opening (idle connections). One thread; every socket is closed by ``stop()``."""

    def __init__(self, port: int, count: int, opening: bytes, trickle: bytes = b"a", pace: float = 2.0):
        self.port, self.count, self.opening, self.trickle, self.pace = port, count, opening, trickle, pace
        self.sockets: list[socket.socket] = []
        self.reopened = 0
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> SlowClients:
        """Open the connections and start trickling."""
        with self.lock:
            while len(self.sockets) < self.count:
                self.sockets.append(self._open())
        self.thread.start()
        return self

    def grow(self, count: int) -> None:
        """Hold ``count`` connections from now on."""
        with self.lock:
            self.count = count
            while len(self.sockets) < self.count:
                self.sockets.append(self._open())

    def _open(self) -> socket.socket:
        connection = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        connection.setblocking(False)
        if self.opening:
            connection.send(self.opening)
        return connection

    def _closed_by_server(self, connection: socket.socket) -> bool:
        try:
            connection.recv(65536)  # a response (408, 400) or b"" (closed): either way, done with us
        except BlockingIOError:
            return False
        except OSError:
            pass
        return True

    def _run(self) -> None:
        offset = 0
        while not self.stopping.wait(self.pace):
            with self.lock:
                for index, connection in enumerate(self.sockets):
                    if self._closed_by_server(connection):
                        connection.close()
                        self.reopened += 1
                        try:
                            self.sockets[index] = self._open()
                        except OSError:
                            continue
                        continue
                    if self.trickle:
                        try:
                            connection.send(self.trickle[offset % len(self.trickle):][:1])
                        except (BlockingIOError, OSError):
                            pass
                offset += 1

    def open_count(self) -> int:
        """Connections held now."""
        with self.lock:
            return len(self.sockets)

    def stop(self) -> None:
        """Stop trickling and close every connection."""
        self.stopping.set()
        if self.thread.is_alive():
            self.thread.join(timeout=10)
        with self.lock:
            for connection in self.sockets:
                connection.close()
            self.sockets.clear()


@dataclass
class Probe:
    """One probe's outcome."""

    path: str
    started: float  # time.monotonic() when it was sent
    status: int | None
    seconds: float
    error: str = ""

    @property
    def passed(self) -> bool:
        """200 within PROBE_TIMEOUT."""
        return self.status == 200 and self.seconds <= PROBE_TIMEOUT


class Prober:
    """Requests each of ``paths`` on a fresh connection every ``interval`` seconds from its own
    thread (a load balancer's health checks, a reader's page), with ``host`` as Host; keeps every
    outcome."""

    def __init__(self, port: int, host: str, paths: list[str], interval: float = 0.5):
        self.port, self.host, self.paths, self.interval = port, host, paths, interval
        self.results: list[Probe] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(path,), daemon=True) for path in paths]

    def _probe(self, path: str) -> Probe:
        started = time.monotonic()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=PROBE_TIMEOUT)
        try:
            connection.request("GET", path, headers={"Host": self.host})
            response = connection.getresponse()
            response.read()
            return Probe(path, started, response.status, time.monotonic() - started)
        except OSError as error:
            return Probe(path, started, None, time.monotonic() - started, repr(error))
        finally:
            connection.close()

    def _run(self, path: str) -> None:
        while not self.stopping.is_set():
            started = time.monotonic()
            result = self._probe(path)
            with self.lock:
                self.results.append(result)
            self.stopping.wait(max(0.0, self.interval - (time.monotonic() - started)))

    def start(self) -> Prober:
        """Start probing."""
        for thread in self.threads:
            thread.start()
        return self

    def stop(self) -> list[Probe]:
        """Stop probing (after the probes in flight) and return every outcome."""
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=PROBE_TIMEOUT + 5)
        with self.lock:
            return list(self.results)
