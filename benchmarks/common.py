"""What every benchmark needs: free loopback ports, servers started and always stopped, wrk runs
parsed into numbers, plain HTTP requests, tables and JSON results.

Every server binds 127.0.0.1 only; every load run has a fixed duration; every process started
here is in its own process group and is ended (TERM, then KILL) when the benchmark ends, even on
Ctrl-C or an error.
"""

from __future__ import annotations

import atexit
import http.client
import json
import os
import platform
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

BENCH_DIR = Path(__file__).resolve().parent
REPOSITORY_DIR = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
VENV_BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
SLUG = "kyphoplasty-and-vertebroplasty"

# Appended to every wrk script: a one-line JSON summary; status5xx is summed over threads when the
# script counts it in a response() callback (null otherwise).
WRK_SCRIPT = r"""
bench_threads = {}
setup = function(thread) table.insert(bench_threads, thread) end
done = function(summary, latency, requests)
  local e = summary.errors
  local fivexx = nil
  local statuses = {}
  for _, thread in ipairs(bench_threads) do
    local count = thread:get("status5xx")
    if count ~= nil then fivexx = (fivexx or 0) + count end
    for _, name in ipairs({"status200", "status304", "status_other"}) do
      local seen = thread:get(name)
      if seen ~= nil then statuses[name] = (statuses[name] or 0) + seen end
    end
  end
  local counted = "null"
  if statuses.status200 ~= nil then
    counted = string.format('{"200":%d,"304":%d,"other":%d}', statuses.status200, statuses.status304 or 0,
                            statuses.status_other or 0)
  end
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},"status_5xx":%s,"statuses":%s,' ..
    '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout, fivexx == nil and "null" or tostring(fivexx), counted,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
"""


class BenchmarkError(RuntimeError):
    """A benchmark could not run (a tool is missing, a server did not start)."""


# -- processes --------------------------------------------------------------------------------

_STARTED: list[subprocess.Popen] = []


def start_process(args: list[str], *, env: dict | None = None, cwd: Path | None = None, log: Path | None = None) -> subprocess.Popen:
    """Start a process in its own group (so its children end with it), remembered for clean-up."""
    output = open(log, "ab") if log else subprocess.DEVNULL
    process = subprocess.Popen(
        args,
        cwd=cwd or REPOSITORY_DIR,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
        stdout=output,
        stderr=subprocess.STDOUT if log else subprocess.DEVNULL,
        start_new_session=True,
    )
    if log:
        output.close()
    _STARTED.append(process)
    return process


def stop_process(process: subprocess.Popen, timeout: float = 10.0) -> None:
    """End a process started by start_process and its group: TERM, then KILL after ``timeout``."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait(5)
    # Workers of a group whose leader already left (gunicorn's master exits after its workers).
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    if process in _STARTED:
        _STARTED.remove(process)


def stop_all() -> None:
    """End every process this run started that is still alive."""
    for process in list(_STARTED):
        stop_process(process, timeout=5)


atexit.register(stop_all)


def _on_signal(signum, _frame):
    stop_all()
    raise SystemExit(128 + signum)


def install_signal_handlers() -> None:
    """Clean up on Ctrl-C and TERM too."""
    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def children(pid: int) -> list[int]:
    """The ids of a process's direct children (gunicorn's workers)."""
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except FileNotFoundError:
        return []
    return [int(part) for part in text.split()]


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time used so far by these processes (a steadier cost than wall time)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / ticks


def memory_kib(pid: int) -> dict[str, int]:
    """VmRSS of a process, and its proportional share (Pss, shared pages split between sharers), in KiB."""
    out = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                out["rss"] = int(line.split()[1])
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                out["pss"] = int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return out


# -- HTTP -------------------------------------------------------------------------------------


@dataclass
class Reply:
    """One HTTP response as read off the wire."""

    status: int
    headers: dict[str, str]
    body: bytes


def request(port: int, path: str, method: str = "GET", headers: dict | None = None, body: bytes | None = None,
            timeout: float = 10.0) -> Reply:
    """One request to 127.0.0.1:port over a fresh connection."""
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        data = response.read()
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, data)
    finally:
        connection.close()


def wait_for_http(port: int, path: str, deadline: float, process: subprocess.Popen | None = None) -> float:
    """Poll until ``path`` answers 200; return the monotonic time it did (BenchmarkError past deadline)."""
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise BenchmarkError(f"server exited with {process.returncode} before answering {path}")
        try:
            if request(port, path, timeout=2).status == 200:
                return time.monotonic()
        except OSError:
            pass
        time.sleep(0.01)
    raise BenchmarkError(f"127.0.0.1:{port}{path} did not answer 200 in time")


# -- servers ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServerSettings:
    """gunicorn settings: the ones the README recommends are RECOMMENDED below."""

    worker_class: str = "sync"
    workers: int = 2
    threads: int = 1
    preload: bool = True

    def label(self) -> str:
        threads = f"x{self.threads}t" if self.worker_class == "gthread" else ""
        return f"{self.worker_class} {self.workers}w{threads}{' preload' if self.preload else ''}"

    def args(self) -> list[str]:
        args = ["--worker-class", self.worker_class, "--workers", str(self.workers)]
        if self.worker_class == "gthread":
            args += ["--threads", str(self.threads)]
        if self.preload:
            args.append("--preload")
        return args


# Derived from `python -m benchmarks sweep` (README "Performance"): one gthread worker per core
# with 4 threads (keep-alive and slow clients without another copy of the caches), the app
# loaded once before forking (--preload).
RECOMMENDED = ServerSettings(worker_class="gthread", workers=2, threads=4, preload=True)


@dataclass
class Server:
    """A running server: its port, process, and when it came up."""

    name: str
    port: int
    process: subprocess.Popen
    startup_s: float = 0.0
    extra: dict = field(default_factory=dict)

    def stop(self) -> None:
        stop_process(self.process)

    def worker_pids(self) -> list[int]:
        return children(self.process.pid)


def start_gunicorn(app: str, settings: ServerSettings, env: dict | None = None, name: str = "contentapi",
                   timeout: float = 120.0, log: Path | None = None, health: str = "/healthz",
                   port: int | None = None, extra_args: tuple[str, ...] = ()) -> Server:
    """Start gunicorn on a free loopback port and wait until ``health`` answers 200."""
    port = port or free_port()
    args = [str(VENV_BIN / "gunicorn"), "--bind", f"{HOST}:{port}", *settings.args(),
            "--log-level", "warning", "--graceful-timeout", "3", *extra_args, app]
    started = time.monotonic()
    # Loopback is the only host the benchmarks send (a server refuses to start without trusted hosts).
    process = start_process(args, env={"CONTENTAPI_TRUSTED_HOSTS": "127.0.0.1", **(env or {})}, log=log)
    try:
        ready = wait_for_http(port, health, started + timeout, process)
        # Every worker is forked and serving (not just the first one).
        deadline = time.monotonic() + timeout
        while len(children(process.pid)) < settings.workers and time.monotonic() < deadline:
            time.sleep(0.01)
    except BaseException:
        stop_process(process)
        raise
    return Server(name, port, process, ready - started)


NGINX_CONF = """\
daemon off;
master_process on;
worker_processes {workers};
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    include {export_dir}/nginx/http.conf;
    server {{
        listen {host}:{port};
        root {export_dir};
        include {export_dir}/nginx/server.conf;
    }}
}}
"""


def start_nginx(export_dir: Path, workers: int, workdir: Path) -> Server:
    """nginx in the foreground on a free loopback port, serving an export with the configuration it
    generates (nginx/http.conf and nginx/server.conf: the live service's headers, codings and 304s)."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        raise BenchmarkError("nginx is not installed (apt-get install nginx)")
    prefix = workdir / "nginx"
    prefix.mkdir(parents=True, exist_ok=True)
    # The export is world-readable already; nginx's workers (an unprivileged user when started as
    # root) must also pass through the benchmark's own temporary folders above it (made 0700).
    for folder in (workdir, *(parent for parent in export_dir.parents if workdir in parent.parents)):
        folder.chmod(0o755)
    port = free_port()
    conf = NGINX_CONF.format(workers=workers, prefix=prefix, host=HOST, port=port, export_dir=export_dir.resolve())
    (prefix / "nginx.conf").write_text(conf, encoding="utf-8")
    started = time.monotonic()
    process = start_process([nginx, "-p", str(prefix), "-c", str(prefix / "nginx.conf")], log=prefix / "stderr.log")
    return answering_server("nginx", port, process, "/en/", started, 20)


def answering_server(name: str, port: int, process: subprocess.Popen, path: str, started: float, timeout: float) -> Server:
    """The started ``process`` as a Server once ``path`` answers 200 (its start-up time measured
    from ``started``); stopped if it does not within ``timeout`` seconds."""
    try:
        ready = wait_for_http(port, path, started + timeout, process)
    except BaseException:
        stop_process(process)
        raise
    return Server(name, port, process, ready - started)


# -- wrk --------------------------------------------------------------------------------------


@dataclass
class LoadResult:
    """One wrk run."""

    requests: int
    seconds: float
    bytes: int
    errors: dict
    p50_ms: float
    p99_ms: float
    cpu_us: float | None = None  # server CPU time per request, when measured
    status_5xx: int | None = None  # when the script counts them
    statuses: dict | None = None  # {"200": n, "304": n, "other": n} when the script counts them

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def failed(self) -> int:
        return sum(self.errors.values())

    def as_dict(self) -> dict:
        return {"requests": self.requests, "seconds": round(self.seconds, 3), "rps": round(self.rps, 1),
                "bytes": self.bytes, "errors": self.errors, "p50_ms": self.p50_ms, "p99_ms": self.p99_ms,
                "server_cpu_us_per_request": self.cpu_us, "status_5xx": self.status_5xx, "statuses": self.statuses}


def wrk_path() -> str:
    """The wrk binary (BenchmarkError naming the package when missing)."""
    found = shutil.which("wrk")
    if not found:
        raise BenchmarkError("wrk is not installed (apt-get install wrk)")
    return found


def run_wrk(port: int, path: str, duration: float, connections: int = 8, threads: int = 1,
            headers: dict | None = None, script: str | None = None, server_pids: list[int] | None = None) -> LoadResult:
    """Load 127.0.0.1:port/path with wrk for ``duration`` seconds and parse its summary.

    With ``server_pids``, also the CPU time those processes spent per request.
    """
    cpu_before = cpu_seconds(server_pids) if server_pids else 0.0
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write((script or "") + WRK_SCRIPT)
        lua = handle.name
    try:
        args = [wrk_path(), "-t", str(threads), "-c", str(connections), "-d", f"{duration:g}s", "--timeout", "5s",
                "-s", lua]
        for name, value in (headers or {}).items():
            args += ["-H", f"{name}: {value}"]
        args.append(f"http://{HOST}:{port}{path}")
        completed = subprocess.run(args, capture_output=True, text=True, timeout=duration + 60)
    finally:
        os.unlink(lua)
    match = re.search(r"^WRKJSON (.*)$", completed.stdout, re.M)
    if not match:
        raise BenchmarkError(f"wrk gave no summary: {completed.stdout[-500:]} {completed.stderr[-500:]}")
    data = json.loads(match.group(1))
    latency = data["latency_us"]
    cpu_us = None
    if server_pids and data["requests"]:
        cpu_us = round((cpu_seconds(server_pids) - cpu_before) / data["requests"] * 1e6, 1)
    return LoadResult(data["requests"], data["duration_us"] / 1e6, data["bytes"], data["errors"],
                      round(latency["p50"] / 1000, 3), round(latency["p99"] / 1000, 3), cpu_us, data["status_5xx"],
                      data.get("statuses"))


# -- output -----------------------------------------------------------------------------------


def table(headers: list[str], rows: list[list]) -> str:
    """A Markdown table (readable in a terminal and pasteable into the README)."""

    def cell(value) -> str:
        if isinstance(value, float):
            return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"
        return str(value)

    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join("---" for _ in headers) + " |"]
    lines += ["| " + " | ".join(cell(value) for value in row) + " |" for row in rows]
    return "\n".join(lines)


def _version(args: list[str], pattern: str = r"[\d.]+[\w.+~-]*") -> str:
    try:
        completed = subprocess.run(args, capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return "not found"
    text = (completed.stdout + completed.stderr).strip()
    match = re.search(pattern, text)
    return match.group(0) if match else text.splitlines()[0] if text else "unknown"


def machine() -> dict:
    """What the figures were measured on."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except FileNotFoundError:
        pass
    memory = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except FileNotFoundError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory": memory,
        "python": platform.python_version(),
        "gunicorn": _version([str(VENV_BIN / "gunicorn"), "--version"]),
        "nginx": _version(["nginx", "-v"], r"nginx/[\d.]+"),
        "wrk": _version(["wrk", "--version"], r"wrk [^\s]+"),
        "chromium": _version(["chromium", "--version"], r"[\d.]+"),
        "node": _version(["node", "--version"]),
        "kernel": platform.release(),
    }


def write_result(name: str, data: dict) -> Path:
    """Write one benchmark's figures to benchmarks/results/<name>.json (with the machine and time)."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    document = {"benchmark": name, "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "machine": machine(), **data}
    path.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def say(message: str) -> None:
    """Progress on stderr (tables go to stdout)."""
    print(f"bench: {message}", file=sys.stderr, flush=True)
