"""gunicorn settings for the scale benchmark: each worker answers every page once before it serves.

``gunicorn -c python:benchmarks.gunicorn_warm ...`` with CONTENTAPI_BENCH_WARM naming a JSON plan
``{"host": "127.0.0.1:PORT", "urls": [...], "done": "folder"}``. Each worker sends every URL
through its own WSGI app, exactly as wrk's requests will arrive (same Host header), so both the
rendered representations and the kept responses are warm in every worker; then it writes
``<done>/<pid>.json`` with how long that took and any URL that did not answer 200.
"""

from __future__ import annotations

import io
import json
import os
import sys
import time
from pathlib import Path

PLAN_ENVIRONMENT = "CONTENTAPI_BENCH_WARM"


def warm_environ(url: str, host: str) -> dict:
    """The WSGI environ gunicorn builds for ``GET url`` with only a Host header (as wrk sends)."""
    path, _, query = url.partition("?")
    server_name, _, server_port = host.partition(":")
    return {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": server_name,
        "SERVER_PORT": server_port or "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "HTTP_HOST": host,
    }


def post_worker_init(worker) -> None:
    """Answer every URL of the plan once in this worker, then report."""
    plan_path = os.environ.get(PLAN_ENVIRONMENT)
    if not plan_path:
        return
    plan = json.loads(Path(plan_path).read_text(encoding="utf-8"))
    started = time.monotonic()
    failures = []
    for url in plan["urls"]:
        statuses = []
        body = worker.wsgi(warm_environ(url, plan["host"]), lambda status, headers, exc=None: statuses.append(status))
        try:
            for _ in body:
                pass
        finally:
            if hasattr(body, "close"):
                body.close()
        if not statuses or not statuses[0].startswith("200"):
            failures.append([url, statuses[0] if statuses else None])
    report = {"pid": os.getpid(), "seconds": round(time.monotonic() - started, 3), "urls": len(plan["urls"]),
              "failures": failures[:20]}
    done = Path(plan["done"]) / f"{os.getpid()}.json"
    done.write_text(json.dumps(report), encoding="utf-8")
