"""`scripts/serve --production` as an operator runs it: nginx from deploy/ on CONTENTAPI_BIND in
front of gunicorn on a unix socket, both in the foreground; SIGTERM stops both, and when one of
them dies the other is stopped too."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from audits.browser import descendants, process_start
from contentapi.config import REPOSITORY_DIR
from tests.deploy.conftest import nginx_available
from tests.helpers import SLUG

pytestmark = pytest.mark.slow


def free_port() -> int:
    """A loopback port nobody listens on now (nginx binds it itself a moment later)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(port: int, path: str, host: str) -> tuple[int, dict, bytes]:
    """One GET on a fresh connection."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers={"Host": host})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def command_line(pid: int) -> str:
    """A process's command line, or "" when it is gone."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


class Production:
    """scripts/serve --production started in a session of its own on a free loopback port."""

    def __init__(self, tmp_path: Path):
        if not nginx_available():
            pytest.fail("nginx is not installed: run scripts/setup")
        self.port = free_port()
        self.host = f"127.0.0.1:{self.port}"
        self.output = open(tmp_path / "serve.log", "wb")  # noqa: SIM115 - the processes write to it until stop()
        environment = {name: value for name, value in os.environ.items() if not name.startswith("CONTENTAPI_")}
        environment.update(CONTENTAPI_BIND=self.host, CONTENTAPI_WORKERS="2", CONTENTAPI_THREADS="2")
        self.log_path = tmp_path / "serve.log"
        self.process = subprocess.Popen([str(REPOSITORY_DIR / "scripts" / "serve"), "--production"], cwd=REPOSITORY_DIR,
                                        env=environment, stdin=subprocess.DEVNULL, stdout=self.output,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 180  # includes scripts/setup serve --production
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                if get(self.port, "/healthz", self.host)[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        else:
            self.kill()
            pytest.fail(f"scripts/serve --production did not serve: {self.log()[-3000:]}")
        self.started = {pid: process_start(pid) for pid in descendants(self.process.pid)}

    def log(self) -> str:
        """What the script and its processes printed."""
        return self.log_path.read_text(errors="replace")

    def children(self, word: str) -> list[int]:
        """Descendants whose command line contains ``word``."""
        return [pid for pid in self.started if word in command_line(pid)]

    def gone(self) -> bool:
        """Whether every process started under the script has ended."""
        return all(process_start(pid) != started for pid, started in self.started.items())

    def kill(self) -> None:
        """Last resort: SIGKILL the script's whole session (only what this test started)."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=30)
        self.output.close()


@pytest.fixture
def production(tmp_path):
    """A running scripts/serve --production; killed at the end whatever happened."""
    served = Production(tmp_path)
    try:
        yield served
    finally:
        if served.process.poll() is None or not served.gone():
            served.kill()
        else:
            served.output.close()


def test_serve_production_serves_through_nginx_and_sigterm_stops_both(production):
    status, headers, _ = get(production.port, "/healthz", production.host)
    assert status == 200 and headers["Server"] == "nginx"
    status, headers, body = get(production.port, f"/en/procedures/{SLUG}", production.host)
    assert status == 200 and headers["Server"] == "nginx" and b"<html" in body
    assert get(production.port, "/healthz", "evil.example")[0] == 400
    assert production.children("nginx: master") and production.children("gunicorn")
    gunicorn_command = command_line(production.children("gunicorn")[0])
    assert "--bind unix:" in gunicorn_command and "gthread" in gunicorn_command and "--preload" in gunicorn_command
    production.process.send_signal(signal.SIGTERM)
    assert production.process.wait(timeout=40) == 0
    deadline = time.monotonic() + 10
    while not production.gone() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert production.gone(), [command_line(pid) for pid in production.started]
    with pytest.raises(OSError):
        get(production.port, "/healthz", production.host)


@pytest.mark.parametrize("victim", ["nginx: master", "gunicorn"])
def test_when_nginx_or_gunicorn_dies_the_other_is_stopped_too(production, victim):
    os.kill(production.children(victim)[0], signal.SIGKILL)
    assert production.process.wait(timeout=40) == 1
    deadline = time.monotonic() + 10
    while not production.gone() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert production.gone(), [command_line(pid) for pid in production.started]
    assert "exited" in production.log()
