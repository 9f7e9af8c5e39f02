"""contentapi in production: gunicorn on a unix socket, nginx in front of it (README "Deploying").

    python deploy/front.py serve     # what `scripts/serve --production` runs
    python deploy/front.py render    # print the nginx configuration for the current settings

Settings come from the environment, as for the app: ``CONTENTAPI_BIND`` (where nginx listens,
default ``127.0.0.1:8080``), ``CONTENTAPI_PUBLIC_URL`` (default ``http://$CONTENTAPI_BIND``),
``CONTENTAPI_TRUSTED_HOSTS`` (extra host names, comma-separated), ``CONTENTAPI_WORKERS`` and
``CONTENTAPI_THREADS`` (gunicorn), ``CONTENTAPI_NGINX_WORKERS`` (default ``auto``). Everything
else (partners, tokens, database...) goes to the app unchanged.

Only the standard library: this runs with the virtualenv's Python but imports nothing of it.
"""

from __future__ import annotations

import argparse
import ctypes
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

TEMPLATE = Path(__file__).with_name("nginx.conf.in")
DEFAULT_BIND = "127.0.0.1:8080"
# gunicorn keeps idle connections longer than nginx's upstream keepalive_timeout (60 s).
GUNICORN_KEEP_ALIVE = 75
PLACEHOLDER = re.compile(r"@[A-Z_]+@")
HOST_NAME = re.compile(r"^(\.?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])$")


class FrontError(Exception):
    """A setting the front cannot work with; the message says which and why."""


@dataclass(frozen=True)
class PublicUrl:
    """The public origin: scheme, host name (lower case, as nginx's $host) and host[:port] (as the
    app's Host header)."""

    scheme: str
    host: str
    netloc: str

    @classmethod
    def parse(cls, url: str) -> PublicUrl:
        """Read ``CONTENTAPI_PUBLIC_URL``: http(s)://host[:port], nothing after the host but ``/``."""
        parts = urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FrontError(f"CONTENTAPI_PUBLIC_URL must be http(s)://host[:port], not {url!r}")
        if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username or parts.password:
            raise FrontError(f"CONTENTAPI_PUBLIC_URL must be an origin (the app is served at its root), not {url!r}")
        try:
            port = parts.port
        except ValueError as error:
            raise FrontError(f"CONTENTAPI_PUBLIC_URL has a bad port: {url!r}") from error
        host = parts.hostname.lower()
        host = f"[{host}]" if ":" in host else host
        if not HOST_NAME.match(host):
            raise FrontError(f"CONTENTAPI_PUBLIC_URL has a bad host name: {url!r}")
        default_port = {"http": 80, "https": 443}[parts.scheme]
        netloc = host if port in (None, default_port) else f"{host}:{port}"
        return cls(parts.scheme, host, netloc)


@dataclass(frozen=True)
class FrontSettings:
    """Everything the nginx template needs."""

    public_url: PublicUrl
    listen: str  # nginx `listen` address: host:port
    upstream: str  # gunicorn: unix:/path or host:port
    prefix: Path  # nginx's own folder: pid, temporary files, cache, configuration
    trusted_hosts: tuple[str, ...] = ()
    worker_processes: str = "auto"
    access_log: str = ""  # default: PREFIX/access.log
    error_log: str = "stderr"

    def server_names(self) -> list[str]:
        """The host names nginx passes on to the app: the public host, then the extra trusted ones."""
        names = [self.public_url.host]
        for name in self.trusted_hosts:
            name = name.strip().lower()
            if not name:
                continue
            if not HOST_NAME.match(name):
                raise FrontError(f"CONTENTAPI_TRUSTED_HOSTS holds a bad host name: {name!r}")
            if name not in names:
                names.append(name)
        return names


def render(settings: FrontSettings) -> str:
    """The nginx configuration for these settings (the template with every @NAME@ filled)."""
    values = {
        "@PREFIX@": str(settings.prefix),
        "@LISTEN@": settings.listen,
        "@UPSTREAM@": settings.upstream,
        "@SERVER_NAMES@": " ".join(settings.server_names()),
        "@PUBLIC_HOST@": settings.public_url.host,
        "@PUBLIC_NETLOC@": settings.public_url.netloc,
        "@PUBLIC_SCHEME@": settings.public_url.scheme,
        "@WORKER_PROCESSES@": settings.worker_processes,
        "@ACCESS_LOG@": settings.access_log or str(settings.prefix / "access.log"),
        "@ERROR_LOG@": settings.error_log,
    }
    for value in values.values():
        if any(character in value for character in ';{}"\'\n\\') or not value:
            raise FrontError(f"cannot put {value!r} into the nginx configuration")
    text = PLACEHOLDER.sub(lambda match: values.get(match.group(0), match.group(0)), TEMPLATE.read_text(encoding="utf-8"))
    left = [line for line in text.splitlines() if PLACEHOLDER.search(line) and not line.lstrip().startswith("#")]
    if left:
        raise FrontError(f"the template has a placeholder this script does not fill: {left[0].strip()}")
    return text


def write_config(settings: FrontSettings) -> Path:
    """Create the prefix folder (readable by nginx's workers, which drop to `nobody` when started as
    root) and write the configuration into it; return its path."""
    for folder in (settings.prefix, settings.prefix / "tmp"):
        folder.mkdir(parents=True, exist_ok=True)
        folder.chmod(0o755)
    path = settings.prefix / "nginx.conf"
    path.write_text(render(settings), encoding="utf-8")
    return path


def nginx_binary() -> str:
    """The nginx program (PATH, then Debian's /usr/sbin)."""
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if not found:
        raise FrontError("nginx is not installed: run scripts/setup serve as root, or apt-get install nginx")
    return found


def nginx_command(prefix: Path, config: Path, *extra: str) -> list[str]:
    """How to run nginx on our own prefix and configuration (never the system's)."""
    return [nginx_binary(), "-p", f"{prefix}/", "-c", str(config), "-e", "stderr", *extra]


def check_config(prefix: Path, config: Path) -> None:
    """``nginx -t``: stop with nginx's own message when the configuration is refused."""
    result = subprocess.run(nginx_command(prefix, config, "-t", "-q"), capture_output=True, text=True, timeout=30)
    if result.returncode:
        raise FrontError(f"nginx refused the configuration {config}:\n{result.stderr.strip()}")


def _prctl(option: int, value: int) -> None:
    ctypes.CDLL(None, use_errno=True).prctl(option, value)


def _die_with_parent() -> None:
    """In the child before exec: get SIGTERM if the supervisor dies, so nothing outlives it."""
    _prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def adopted_children() -> list[int]:
    """Our child processes (from /proc): as a subreaper we also get the orphans of our children,
    such as nginx's workers when their master was killed (they would go on serving)."""
    own, found = os.getpid(), []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == own:
                found.append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    return found


class _UnixConnection(http.client.HTTPConnection):
    """HTTP over gunicorn's unix socket, for the readiness check."""

    def __init__(self, path: str, timeout: float):
        super().__init__("localhost", timeout=timeout)
        self.path = path

    def connect(self) -> None:
        """Connect to the socket file instead of a TCP address."""
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.path)


def answers(connection: http.client.HTTPConnection, host: str) -> bool:
    """Whether ``GET /healthz`` with this Host answers 200 on the connection (closed after)."""
    try:
        connection.request("GET", "/healthz", headers={"Host": host})
        response = connection.getresponse()
        response.read()
        return response.status == 200
    except OSError:
        return False
    finally:
        connection.close()


def probe_address(listen: str) -> tuple[str, int]:
    """Where to reach nginx's listen address from this machine (a wildcard address means loopback)."""
    host, _, port = listen.rpartition(":")
    host = host.strip("[]") or "0.0.0.0"
    host = {"0.0.0.0": "127.0.0.1", "*": "127.0.0.1", "::": "::1"}.get(host, host)
    return host, int(port)


@dataclass
class Supervisor:
    """gunicorn and nginx in the foreground: both start, both stop on SIGINT or SIGTERM, and when
    either exits the other is stopped too."""

    settings: FrontSettings
    socket_path: Path
    environment: dict[str, str]
    gunicorn_workers: str = "2"
    gunicorn_threads: str = "4"
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    stopping: bool = False

    def gunicorn_command(self) -> list[str]:
        """gunicorn as `scripts/serve` runs it (gthread, --preload), on the unix socket only."""
        return [str(Path(sys.executable).with_name("gunicorn")), "--bind", f"unix:{self.socket_path}",
                "--worker-class", "gthread", "--workers", self.gunicorn_workers, "--threads", self.gunicorn_threads,
                "--preload", "--keep-alive", str(GUNICORN_KEEP_ALIVE),
                "--control-socket", str(self.socket_path.with_name("gunicorn.ctl")), "contentapi:create_app()"]

    def start(self, name: str, command: list[str]) -> subprocess.Popen:
        """Start one child with the settings in its environment."""
        process = subprocess.Popen(command, env=self.environment, stdin=subprocess.DEVNULL,
                                   preexec_fn=_die_with_parent)  # noqa: PLW1509 - no threads here
        self.processes[name] = process
        return process

    def wait_ready(self, name: str, ready, timeout: float) -> None:
        """Wait until ``ready()``; stop everything if the child exits or the deadline passes."""
        deadline = time.monotonic() + timeout
        while not ready():
            if self.stopping:
                raise FrontError("stopped while starting")
            if self.processes[name].poll() is not None:
                raise FrontError(f"{name} exited with status {self.processes[name].returncode} while starting")
            if time.monotonic() > deadline:
                raise FrontError(f"{name} did not answer within {timeout:.0f} s")
            time.sleep(0.1)

    def run(self) -> int:
        """Start gunicorn, then nginx; wait for a signal or a child's exit; stop both. Exit status:
        0 after a signal, 1 when a child exited on its own."""
        for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(number, self._on_signal)
        _prctl(36, 1)  # PR_SET_CHILD_SUBREAPER: see adopted_children()
        public = self.settings.public_url
        config = write_config(self.settings)
        check_config(self.settings.prefix, config)
        status = 0
        try:
            self.start("gunicorn", self.gunicorn_command())
            self.wait_ready("gunicorn", lambda: answers(_UnixConnection(str(self.socket_path), 5), public.netloc), 120)
            self.start("nginx", nginx_command(self.settings.prefix, config))
            host, port = probe_address(self.settings.listen)
            self.wait_ready("nginx", lambda: answers(http.client.HTTPConnection(host, port, timeout=5), public.netloc), 30)
            say(f"serving {public.scheme}://{public.netloc}/ : nginx on {self.settings.listen}, "
                f"gunicorn on unix:{self.socket_path} (Ctrl-C to stop)")
            while not self.stopping:
                exited = [name for name, process in self.processes.items() if process.poll() is not None]
                if exited:
                    say(f"{exited[0]} exited with status {self.processes[exited[0]].returncode}: stopping")
                    status = 1
                    break
                time.sleep(0.2)
        except FrontError as error:
            say(str(error))
            status = 1
        finally:
            self.stop()
        return status

    def _on_signal(self, number, frame) -> None:
        self.stopping = True

    def stop(self) -> None:
        """SIGTERM to both (nginx: fast shutdown; gunicorn: graceful), SIGKILL after 30 s; then the
        same for anything of theirs left behind."""
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 30
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        left = adopted_children()
        for pid in left:
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while left:
            for pid in list(left):
                if os.waitpid(pid, os.WNOHANG)[0] == pid:
                    left.remove(pid)
            if left and time.monotonic() > deadline:
                for pid in left:
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                break
            time.sleep(0.05)


def say(message: str) -> None:
    """One line on stderr, like the other scripts."""
    print(f"serve: {message}", file=sys.stderr, flush=True)


def settings_from_environment(environment: dict[str, str], prefix: Path, upstream: str) -> FrontSettings:
    """The front's settings from ``CONTENTAPI_*`` variables."""
    bind = environment.get("CONTENTAPI_BIND") or DEFAULT_BIND
    if not re.match(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.*-]*):\d+$", bind):
        raise FrontError(f"CONTENTAPI_BIND must be host:port, not {bind!r}")
    public_url = PublicUrl.parse(environment.get("CONTENTAPI_PUBLIC_URL") or f"http://{bind}")
    trusted = tuple(name for name in environment.get("CONTENTAPI_TRUSTED_HOSTS", "").split(",") if name.strip())
    return FrontSettings(public_url, bind, upstream, prefix, trusted,
                         worker_processes=environment.get("CONTENTAPI_NGINX_WORKERS") or "auto",
                         access_log="/dev/stdout", error_log="stderr")


def serve(environment: dict[str, str]) -> int:
    """Run gunicorn and nginx until stopped; the runtime folder is deleted afterwards."""
    runtime = Path(tempfile.mkdtemp(prefix="contentapi-front-"))
    try:
        socket_path = runtime / "gunicorn.sock"
        settings = settings_from_environment(environment, runtime / "nginx", f"unix:{socket_path}")
        runtime.chmod(0o755)  # nginx's workers (nobody, when started as root) reach the socket
        environment = {**environment, "CONTENTAPI_PUBLIC_URL": f"{settings.public_url.scheme}://{settings.public_url.netloc}"}
        supervisor = Supervisor(settings, socket_path, environment,
                                gunicorn_workers=environment.get("CONTENTAPI_WORKERS") or "2",
                                gunicorn_threads=environment.get("CONTENTAPI_THREADS") or "4")
        return supervisor.run()
    except FrontError as error:
        say(str(error))
        return 1
    finally:
        shutil.rmtree(runtime, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    """Command line: ``serve`` or ``render``."""
    parser = argparse.ArgumentParser(prog="deploy/front.py", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("serve", "render"))
    parser.add_argument("--prefix", default="/tmp/contentapi-front", help="render: nginx's prefix folder")
    parser.add_argument("--upstream", default="127.0.0.1:5000", help="render: gunicorn's address (host:port or unix:PATH)")
    arguments = parser.parse_args(argv)
    if arguments.command == "serve":
        return serve(dict(os.environ))
    try:
        settings = settings_from_environment(dict(os.environ), Path(arguments.prefix), arguments.upstream)
        sys.stdout.write(render(settings))
    except FrontError as error:
        say(str(error))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
