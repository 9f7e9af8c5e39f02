"""A static host serves the export like the live service: real nginx, with the configuration the
export generates, against the live app with the same PUBLIC_URL, for every exported URL, every
Accept-Encoding a client sends and with and without a registered Origin; conditional requests too.

nginx runs as Debian ships it (``/usr/sbin/nginx``), in the foreground with its own prefix folder, on
a free loopback port (about 15 s with the export, up to 35 s on a busy machine: marked slow; the
Python check of the Accept-Encoding maps at the end is not). Started as root, its workers run as an unprivileged user: the export must be
world-readable for them, and nothing here changes a mode inside it (the folder holding it is made
0755, as a host's /srv would be).
"""

from __future__ import annotations

import email.utils
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from contentapi import create_app
from contentapi.delivery.export_nginx import coding_maps
from contentapi.delivery.representations import choose_coding
from tests.helpers import LOOPBACK_HOSTS, SLUG, LiveServer

PUBLIC_URL = "https://content.example.org"
REGISTERED_ORIGIN = "http://127.0.0.1:8001"  # the example registry's partner "demo"
ACCEPT_ENCODINGS = (None, "gzip", "br", "gzip, deflate, br, zstd")
COMPARED = (
    "content-type", "content-encoding", "content-language", "cache-control", "etag", "last-modified", "vary",
    "content-security-policy", "x-content-type-options", "referrer-policy", "permissions-policy",
)
SECURITY = ("content-security-policy", "x-content-type-options", "referrer-policy", "permissions-policy")
# Clients that rank codings (RFC 9110 q-values), use '*', refuse some or send odd spacing.
UNUSUAL_ACCEPT_ENCODINGS = (
    "", "identity", "*", "deflate", "br;q=0", "gzip;q=0", "br;q=0, gzip;q=0", "*;q=0", "identity;q=0",
    "gzip;q=1, br;q=0.5", "gzip;q=0.5, identity", "identity;q=1, gzip;q=0.1", "br;q=0.5, gzip;q=0.5",
    "gzip, *", "identity, *", "br;q=0, *", "*;q=0.5, gzip;q=0.4", "BR", "Gzip;Q=0.8, br;q=0.7",
    "gzip ; q=0.3 ,br;q=0.2", "gzip;q=00.5, br;q=0.499", "deflate, gzip;q=1.0, *;q=0.5", "x-gzip",
)


def nginx_binary() -> str:
    """Debian's nginx (the test profile of scripts/setup installs it)."""
    found = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(found).exists():
        pytest.fail("nginx is not installed: run scripts/setup")
    return found


def fetch(port: int, path: str, headers: dict | None = None, method: str = "GET"):
    """One request over a fresh loopback connection, sending exactly ``headers`` (no Accept-Encoding of
    its own): (status, lowercased headers, body)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.putrequest(method, path, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, {name.lower(): value for name, value in response.getheaders()}, response.read()
    finally:
        connection.close()


def compared(headers: dict) -> dict:
    """The headers a static host must send as live does (every Access-Control-* among them)."""
    names = {*COMPARED, *(name for name in headers if name.startswith("access-control-"))}
    return {name: headers.get(name) for name in sorted(names)}


class Nginx:
    """nginx in the foreground serving an export with its generated http.conf and server.conf."""

    def __init__(self, site: Path, folder: Path):
        self.prefix = folder / "prefix"
        self.prefix.mkdir()
        for attempt in range(3):  # another program may take the free port before nginx binds it
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                self.port = probe.getsockname()[1]
            conf = self.prefix / "nginx.conf"
            conf.write_text(f"""\
daemon off;
worker_processes 1;
pid {self.prefix}/nginx.pid;
error_log {self.prefix}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {self.prefix}/client_body;
    proxy_temp_path {self.prefix}/proxy;
    fastcgi_temp_path {self.prefix}/fastcgi;
    uwsgi_temp_path {self.prefix}/uwsgi;
    scgi_temp_path {self.prefix}/scgi;
    include {site}/nginx/http.conf;
    server {{
        listen 127.0.0.1:{self.port};
        root {site};
        include {site}/nginx/server.conf;
    }}
}}
""", encoding="utf-8")
            self.process = subprocess.Popen([nginx_binary(), "-p", str(self.prefix), "-c", str(conf)],
                                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                            stderr=subprocess.DEVNULL, start_new_session=True)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and self.process.poll() is None:
                try:
                    fetch(self.port, "/en/")
                    return
                except OSError:
                    time.sleep(0.05)
            self.stop()
        pytest.fail(f"nginx did not start: {self.log()}")

    def log(self) -> str:
        """What nginx wrote to its error log."""
        path = self.prefix / "error.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def worker_uids(self) -> set[int]:
        """The real user ids of nginx's worker processes."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        uids = set()
        for pid in children:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("Uid:"):
                    uids.add(int(line.split()[1]))
        return uids

    def stop(self) -> None:
        """Stop nginx (QUIT lets workers finish, TERM then KILL if it takes too long)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=15)


@pytest.fixture(scope="module")
def served(translations_dir):
    """(export folder, nginx, live server): the shipped content exported and served both ways."""
    settings = {"TESTING": True, "TRANSLATIONS_DIR": str(translations_dir), "TRUSTED_HOSTS": LOOPBACK_HOSTS,
                "PUBLIC_URL": PUBLIC_URL}
    folder = Path(tempfile.mkdtemp(prefix="contentapi-export-nginx-"))
    folder.chmod(0o755)  # the host's folder; the export's own modes are its business
    site = folder / "site"
    nginx = live = None
    try:
        result = create_app(settings).test_cli_runner().invoke(args=["export", str(site)])
        assert result.exit_code == 0, result.output
        nginx = Nginx(site, folder)
        live = LiveServer(create_app(settings))
        yield site, nginx, live
    finally:
        if nginx is not None:
            nginx.stop()
        if live is not None:
            live.stop()
        shutil.rmtree(folder, ignore_errors=True)


def manifest_files(site: Path) -> list[dict]:
    """Every file the export's manifest lists."""
    return json.loads((site / "manifest.json").read_text(encoding="utf-8"))["files"]


@pytest.mark.slow
def test_nginx_workers_read_the_tree_without_any_privilege(served):
    site, nginx, _ = served
    if os.geteuid() == 0:
        assert 0 not in nginx.worker_uids(), "nginx's workers run as root: this test would prove nothing"
    for path in [site, *site.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o755 if path.is_dir() else 0o644), f"{path}: {oct(mode)}"
    status, _, body = fetch(nginx.port, f"/es/procedures/{SLUG}")
    assert status == 200 and b"<html" in body, nginx.log()


@pytest.mark.slow
def test_every_exported_url_is_served_as_live_serves_it(served):
    site, nginx, live = served
    files = manifest_files(site)
    assert len(files) >= 70
    differences = []
    for file in files:
        for accept_encoding in ACCEPT_ENCODINGS:
            for origin in (None, REGISTERED_ORIGIN):
                headers = {name: value for name, value in
                           (("Accept-Encoding", accept_encoding), ("Origin", origin)) if value is not None}
                live_status, live_headers, live_body = fetch(live.port, file["url"], headers)
                status, nginx_headers, body = fetch(nginx.port, file["url"], headers)
                if (status, compared(nginx_headers), body) != (live_status, compared(live_headers), live_body):
                    wrong = {name: (value, compared(live_headers)[name])
                             for name, value in compared(nginx_headers).items() if compared(live_headers)[name] != value}
                    differences.append(f"{file['url']} {headers}: status {status} vs {live_status}, "
                                       f"body {'same' if body == live_body else 'differs'}, headers {wrong}")
    assert not differences, f"{len(differences)} differ, e.g.:\n" + "\n".join(differences[:10]) + nginx.log()


@pytest.mark.slow
def test_conditional_requests_answer_304_with_the_live_headers(served):
    site, nginx, live = served
    for file in manifest_files(site):
        for coding, sent in file["codings"].items():
            headers = {"If-None-Match": sent["etag"], "Origin": REGISTERED_ORIGIN}
            if coding != "identity":
                headers["Accept-Encoding"] = coding
            answers = [fetch(server.port, file["url"], headers) for server in (live, nginx)]
            (live_status, live_headers, _), (status, nginx_headers, body) = answers
            assert (status, live_status, body) == (304, 304, b""), (file["url"], coding)
            assert compared(nginx_headers) == compared(live_headers), (file["url"], coding)
    page = f"/es/procedures/{SLUG}"
    etag = fetch(live.port, page, {"Accept-Encoding": "br"})[1]["etag"]
    since = fetch(live.port, page)[1]["last-modified"]
    for headers in ({"If-None-Match": f'"nothing", W/{etag}', "Accept-Encoding": "br"},
                    {"If-None-Match": "*"},
                    {"If-Modified-Since": since},
                    {"If-Modified-Since": email.utils.formatdate(time.time() + 86400, usegmt=True)},
                    {"If-None-Match": '"nothing"', "If-Modified-Since": since},
                    {"If-None-Match": etag}):  # the br ETag without Accept-Encoding: br is a different representation
        live_status, live_headers, _ = fetch(live.port, page, headers)
        status, nginx_headers, _ = fetch(nginx.port, page, headers)
        assert status == live_status, headers
        assert compared(nginx_headers) == compared(live_headers), headers


@pytest.mark.slow
def test_every_accept_encoding_gets_the_coding_live_chooses(served):
    _, nginx, live = served
    # ?lang= in another case is the same locale live and exported.
    for url in (f"/api/v1/procedures/{SLUG}?lang=AR", "/static/favicon.svg", "/embed.js", "/api/v1/procedures?lang=zh-hans"):
        for accept_encoding in UNUSUAL_ACCEPT_ENCODINGS:
            headers = {"Accept-Encoding": accept_encoding}
            live_answer, nginx_answer = fetch(live.port, url, headers), fetch(nginx.port, url, headers)
            assert nginx_answer[0] == live_answer[0] == 200
            assert compared(nginx_answer[1]) == compared(live_answer[1]), (url, accept_encoding)
            assert nginx_answer[2] == live_answer[2], (url, accept_encoding)


@pytest.mark.slow
def test_head_is_get_without_a_body_and_other_methods_are_refused(served):
    site, nginx, live = served
    for file in manifest_files(site)[::7]:
        for headers in ({}, {"Accept-Encoding": "gzip, deflate, br, zstd", "Origin": REGISTERED_ORIGIN}):
            (live_status, live_headers, live_body), (status, nginx_headers, body) = (
                fetch(server.port, file["url"], headers, method="HEAD") for server in (live, nginx))
            assert (status, body) == (live_status, live_body) == (200, b""), file["url"]
            assert compared(nginx_headers) == compared(live_headers), file["url"]
        assert fetch(nginx.port, file["url"], method="POST")[0] == fetch(live.port, file["url"], method="POST")[0] == 405


@pytest.mark.slow
@pytest.mark.parametrize("url", [
    "/", f"/procedures/{SLUG}", "/api/v1/procedures", f"/api/v1/procedures/{SLUG}", f"/api/v1/procedures/{SLUG}/fragment",
    "/api/v1/procedures?lang=es-MX", "/api/v1/procedures?lang=%25%25", "/api/v1/Procedures?lang=es", "/EN/",
    "/zh-hans/", f"/embed/es/procedures/{SLUG}?partner=DEMO", "/STATIC/contentapi.css", "/static/CONTENTAPI.css",
    f"/oembed?url=/es/procedures/{SLUG}", "/healthz", "/api/v1/translations/es", "/manifest.json", "/nginx/http.conf",
    "/en", "//en/", "/es-MX/", "/en/?partner=nobody", f"/embed/es/procedures/{SLUG}?partner=nobody",
    f"/embed/es/procedures/{SLUG}?partner=demo&origin=https%3A%2F%2Fevil.example",
    f"/embed/es/procedures/{SLUG}?origin=http%3A%2F%2F127.0.0.1%3A8001", f"/embed/es/procedures/{SLUG}?partner=",
    "/static/contentapi.css.gz", "/en/index.html.br", "/embed/themes/nobody.css", "/static/",
])
def test_what_is_not_exported_is_a_404_with_the_security_headers(served, url):
    _, nginx, live = served
    status, headers, _ = fetch(nginx.port, url, {"Accept-Encoding": "br"})
    assert status == 404, url
    live_headers = fetch(live.port, "/en/nothing-here")[1]
    assert {name: headers.get(name) for name in SECURITY} == {name: live_headers.get(name) for name in SECURITY}
    assert "etag" not in headers and "access-control-allow-origin" not in headers


@pytest.mark.slow
def test_the_complete_example_configuration_is_valid(served, tmp_path):
    site, _, _ = served
    completed = subprocess.run([nginx_binary(), "-t", "-p", str(tmp_path), "-c", str(site / "nginx" / "nginx.conf")],
                               capture_output=True, text=True, timeout=60)
    assert completed.returncode == 0, completed.stderr
    assert f"root {site};" in (site / "nginx" / "nginx.conf").read_text()


# -- the Accept-Encoding maps, evaluated in Python as nginx evaluates them --------------------

_TOKEN = re.compile(r'"((?:\\.|[^"\\])*)"|([^\s;{}"]+)|([{};])')
_VARIABLE = re.compile(r"\$(?:\{(\w+)\}|(\d)|(\w+))")


def _unescape(text: str) -> str:
    """nginx's reading of a quoted string: \\" \\' \\\\ lose the backslash, \\t \\r \\n are characters."""
    return re.sub(r"\\([\"'\\trn])", lambda m: {"t": "\t", "r": "\r", "n": "\n"}.get(m.group(1), m.group(1)), text)


def parse_maps(text: str) -> dict[str, tuple[str, list[tuple[str, str]], str]]:
    """variable -> (source, [(key, value)], default) for every ``map`` block of ``text``."""
    text = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    tokens = iter([_unescape(m.group(1)) if m.group(1) is not None else m.group(2) or m.group(3)
                   for m in _TOKEN.finditer(text)])
    maps = {}
    for token in tokens:
        if token != "map":
            continue
        source, target, _ = next(tokens), next(tokens), next(tokens)
        entries, default = [], ""
        for key in tokens:
            if key == "}":
                break
            value, _ = next(tokens), next(tokens)
            if key == "default":
                default = value
            else:
                entries.append((key, value))
        maps[target[1:]] = (source, entries, default)
    return maps


def evaluate(maps: dict, name: str, variables: dict[str, str]) -> str:
    """A map variable's value as nginx computes it: exact keys, then regexes in order, then the default;
    ``$1``-``$9`` are single-digit captures, named captures become variables."""
    if name in variables:
        return variables[name]
    if name not in maps:
        return ""

    def interpolate(template: str, groups: tuple = ()) -> str:
        def value(match):
            if match.group(2):
                index = int(match.group(2))
                return (groups[index] or "") if index < len(groups) else ""
            return evaluate(maps, match.group(1) or match.group(3), variables)

        return _VARIABLE.sub(value, template)

    source, entries, default = maps[name]
    key = interpolate(source)
    exact = {k.lower(): v for k, v in entries if not k.startswith("~")}  # nginx ignores case here
    result = None
    if key.lower() in exact:
        result = interpolate(exact[key.lower()])
    else:
        for pattern, template in entries:
            if not pattern.startswith("~"):
                continue
            flags = re.IGNORECASE if pattern.startswith("~*") else 0
            regex = pattern[2:] if flags else pattern[1:]
            regex = re.sub(r"\\k<(\w+)>", r"(?P=\1)", re.sub(r"\(\?<(\w+)>", r"(?P<\1>", regex))
            match = re.search(regex, key, flags)
            if match:
                variables.update({group: value or "" for group, value in match.groupdict().items()})
                result = interpolate(template, (match.group(0), *match.groups()))
                break
    if result is None:
        result = interpolate(default)
    variables[name] = result
    return result


def test_the_coding_maps_choose_what_live_chooses_for_any_accept_encoding():
    """Random headers of RFC 9110's grammar (names, q-values, '*', case, spacing): the maps agree with
    ``choose_coding`` whenever a coding appears once with a q-value between 0 and 1 (the README says
    what differs otherwise)."""
    maps = parse_maps(coding_maps())
    names = ("br", "gzip", "identity", "*", "deflate", "zstd", "BR", "Gzip", "x-gzip", "IDENTITY")
    q_values = (None, "0", "0.0", "-0", "1", "1.0", "1.000", "0.5", "0.50", "00.5", "0.499", "0.501", "0.25",
                "0.9", "0.001", "0.999", "0.0001234", "0.0000001", "1.0001", "-0.5", "abc")
    one_or_zero = (None, "0", "0.0", "-0", "1", "1.0", "1.000")
    rng = random.Random(15)
    checked = 0
    for _ in range(6000):
        items, seen = [], {}
        for _ in range(rng.randint(1, 5)):
            name, q = rng.choice(names), rng.choice(q_values)
            seen.setdefault(name.lower(), []).append(q)
            items.append(name if q is None else f"{name}{rng.choice([';', ' ;', '; ', ';\t'])}q={q}")
        if any(len(qs) > 1 and set(qs) - set(one_or_zero) for qs in seen.values()):
            continue
        header = rng.choice([", ", ",", " , "]).join(items)
        assert evaluate(maps, "contentapi_coding", {"http_accept_encoding": header}) == choose_coding(header), header
        checked += 1
    for header in ("", *UNUSUAL_ACCEPT_ENCODINGS, *(h for h in ACCEPT_ENCODINGS if h)):
        assert evaluate(maps, "contentapi_coding", {"http_accept_encoding": header}) == choose_coding(header), header
    assert checked > 2000
