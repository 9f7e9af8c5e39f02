"""Static export: every response that can be static, as files a static host serves like the live service.

The export asks the app itself (Flask's test client, on the public host) for each exported URL in
each content coding (identity, gzip, br), so the bytes, the ETags (``"<hash>"``, ``"<hash>-gzip"``,
``"<hash>-br"``) and every other header are exactly what the live service sends: the files cannot
drift from what the views, the security hooks and CORS do. Compressed bodies are written beside
their file as ``X.gz`` and ``X.br`` (only when live sends that coding: not for images, not when
compressing would not make a body smaller), and each file's modification time is its
``Last-Modified``.

Beside the tree: ``manifest.json`` (each file's live URL, content type, Content-Language, ETag per
coding and the live headers, and what is not exported and why) and ``nginx/`` (a configuration
that sends every live header per route, ``contentapi.delivery.export_nginx``). The tree is
world-readable (directories 0755, files 0644: nginx's workers run as an unprivileged user) and is
built aside and swapped in whole, so a failed export never leaves half a tree behind.
"""

from __future__ import annotations

import email.utils
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

from flask import Flask

from contentapi.delivery import urls
from contentapi.delivery.factory import EXTENSION
from contentapi.delivery.urls import STATIC_DIR
from contentapi.partners.registry import Registry

MANIFEST_FORMAT = 2
# What a client accepting each coding is sent, and the suffix of the file holding it.
CODINGS = ("identity", "gzip", "br")
SUFFIXES = {"identity": "", "gzip": ".gz", "br": ".br"}
# Folder names in embed paths for "no partner named" and "no origin named" (never a partner id
# or an origin, which are lowercase letters, digits and hyphens, or contain "://").
NONE = "_"
DIRECTORY_MODE = 0o755
FILE_MODE = 0o644

# Headers of a live response, lowercased: those the generated nginx config sends (it reproduces
# each), those that differ per coding, those nginx makes itself. A live header outside these
# stops the export, so a header added to the live service is never silently missing here.
SAME_IN_EVERY_CODING = (
    "content-type",
    "content-language",
    "cache-control",
    "vary",
    "content-security-policy",
    "x-content-type-options",
    "referrer-policy",
    "permissions-policy",
)
PER_CODING = ("content-encoding", "etag")
MADE_BY_THE_SERVER = ("content-length", "date", "last-modified")
SECURITY_HEADERS = ("content-security-policy", "x-content-type-options", "referrer-policy", "permissions-policy")

# Answered by the live service only; each is said in manifest.json and the README.
NOT_EXPORTED = (
    {"url": "/", "live": "200, the list in the locale negotiated from Accept-Language (Vary: Accept-Language)",
     "export": "404", "why": "depends on a request header; link to /{locale}/"},
    {"url": "/procedures/{slug}", "live": "302 to /{locale}/procedures/{slug} in the reader's language",
     "export": "404", "why": "negotiated from Accept-Language"},
    {"url": "/api/v1/procedures, /api/v1/procedures/{slug}, /api/v1/procedures/{slug}/fragment without ?lang=",
     "live": "200 in the locale negotiated from Accept-Language", "export": "404",
     "why": "negotiated from Accept-Language; the exported URLs carry ?lang="},
    {"url": "?lang= other than a supported locale's code (in any case: ES is es): es-MX, zh-CN, fr, %%%",
     "live": "200 in the matching locale (English for languages not served), 400 for a malformed tag",
     "export": "404", "why": "language matching (CLDR likely subtags) needs the service"},
    {"url": "redirected URLs: /es-MX/..., /embed/es-MX/..., /en, //en/",
     "live": "308 to the canonical URL", "export": "404", "why": "only canonical URLs are files"},
    {"url": "/oembed", "live": "200, oEmbed JSON sized by maxwidth and maxheight for a partner",
     "export": "404; exported pages link oEmbed discovery to PUBLIC_URL/oembed (the live service)",
     "why": "built per request"},
    {"url": "/embed/{locale}/procedures/{slug}?partner=ID&origin=O with O not one of ID's origins, or origin without partner",
     "live": "403 problem+json", "export": "404", "why": "refusals are not files"},
    {"url": "?partner=ID naming an unknown partner, or a partner with a key (on any route)",
     "live": "404 unknown partner; 401 without the key (200 with it, Cache-Control: private)", "export": "404",
     "why": "keys are checked per request and keyed answers are private"},
    {"url": "/api/v1/translations/...", "live": "publishing and previews for translators", "export": "404",
     "why": "writes and authenticated reads"},
    {"url": "/healthz", "live": "the serving worker's state", "export": "404", "why": "about the live service"},
    {"url": "OPTIONS (CORS preflights)", "live": "204 with the allowed methods and request headers",
     "export": "405", "why": "the answer echoes the request's headers; simple GETs need no preflight"},
    {"url": "errors (404 and other 4xx)", "live": "problem+json or an HTML page in the reader's language",
     "export": "nginx's own page, with the live security headers", "why": "error bodies name the request"},
)


class ExportError(Exception):
    """The export cannot be made; the message is one line saying why."""


@dataclass
class ExportedFile:
    """One exported URL: where its bytes are and what the live service sends with them."""

    url: str
    path: str  # in the tree, without a leading slash
    headers: dict[str, str]  # SAME_IN_EVERY_CODING headers live sends, lowercased names
    last_modified: str
    cors: bool  # a CORS route: live answers registered origins and says Vary: Origin
    codings: dict[str, tuple[str, str, str | None]] = field(default_factory=dict)  # coding -> (path, ETag, Content-Encoding)
    bodies: dict[str, bytes] = field(default_factory=dict, repr=False)  # path -> bytes

    def manifest_entry(self) -> dict:
        """The file as manifest.json lists it (its Last-Modified is the file's modification time: the
        manifest stays byte-identical while only publish times change)."""
        return {
            "url": self.url,
            "path": self.path,
            "content_type": self.headers.get("content-type"),
            "content_language": self.headers.get("content-language"),
            "etag": self.codings["identity"][1],
            "codings": {coding: {"path": path, "etag": etag, "content_encoding": encoding}
                        for coding, (path, etag, encoding) in self.codings.items()},
            "headers": self.headers,
            "cors": self.cors,
        }


@dataclass
class Export:
    """Everything an export writes, before it is written."""

    base_url: str
    public_url: str
    files: list[ExportedFile]
    registry: Registry
    error_headers: dict[str, str]  # the security headers live sends with a 404
    expose_headers: str | None  # Access-Control-Expose-Headers for an allowed origin (None: no CORS origin)

    def manifest(self) -> dict:
        """manifest.json."""
        return {
            "format": MANIFEST_FORMAT,
            "base_url": self.base_url,
            "public_url": self.public_url,
            "cors": {"public": self.registry.public,
                     "origins": sorted({o for partner in self.registry.partners.values() for o in partner.origins})},
            "files": [file.manifest_entry() for file in self.files],
            "not_exported": list(NOT_EXPORTED),
        }


def origin_folder(origin: str) -> str:
    """``http://127.0.0.1:8001`` -> ``http-127.0.0.1-8001``: the folder of embeds for one parent origin."""
    return origin.replace("://", "-").replace("[", "").replace("]", "").replace(":", "-")


def embed_path(locale: str, slug: str, partner_id: str = NONE, origin: str | None = None) -> str:
    """The file of an embed document for a partner (or none) and a parent origin (or none)."""
    folder = origin_folder(origin) if origin else NONE
    return f"embed/{partner_id}/{folder}/{locale}/procedures/{slug}.html"


def planned_urls(app: Flask) -> list[tuple[str, str]]:
    """(live URL, file in the tree) for every response the export holds."""
    service = app.extensions[EXTENSION].service
    registry = partner_registry_of(app)
    planned = [
        ("/embed.js", "embed.js"),
        ("/sitemap.xml", "sitemap.xml"),
        ("/api/v1/locales", "api/v1/locales.json"),
        ("/api/v1/openapi.json", "api/v1/openapi.json"),
    ]
    for path in sorted(STATIC_DIR.rglob("*")):
        if path.is_file():
            name = path.relative_to(STATIC_DIR).as_posix()
            planned.append((f"/static/{quote(name)}", f"static/{name}"))
    for partner in registry.partners.values():
        planned.append((f"/embed/themes/{partner.id}.css", f"embed/themes/{partner.id}.css"))
    keyless = [partner for partner in registry.partners.values() if not partner.requires_key]
    folders = {origin_folder(origin): origin for partner in keyless for origin in partner.origins}
    if len(folders) != len({origin for partner in keyless for origin in partner.origins}):
        raise ExportError("two registered origins would share an export folder; rename one")
    for locale in service.locales:
        planned.append((urls.page_index(locale), f"{locale}/index.html"))
        planned.append((urls.api_procedures(locale), f"api/v1/{locale}/procedures.json"))
        for procedure in service.library:
            slug = procedure.slug
            embed = f"/embed/{quote(locale)}/procedures/{quote(slug)}"
            planned += [
                (urls.page_procedure(slug, locale), f"{locale}/procedures/{slug}.html"),
                (urls.api_procedure(slug, locale), f"api/v1/{locale}/procedures/{slug}.json"),
                (f"/api/v1/procedures/{quote(slug)}/fragment?lang={quote(locale)}", f"api/v1/{locale}/fragments/{slug}.html"),
                (embed, embed_path(locale, slug)),
            ]
            for partner in keyless:
                planned.append((f"{embed}?partner={partner.id}", embed_path(locale, slug, partner.id)))
                for origin in partner.origins:
                    planned.append((f"{embed}?partner={partner.id}&origin={quote(origin, safe='')}",
                                    embed_path(locale, slug, partner.id, origin)))
    return planned


def partner_registry_of(app: Flask) -> Registry:
    """The app's partner registry (loaded by ``contentapi.web.partners``)."""
    from contentapi.web.partners import EXTENSION as PARTNERS

    return app.extensions[PARTNERS]


def cors_probe_origin(registry: Registry) -> str | None:
    """An Origin the live service allows CORS for (None when it allows none)."""
    if registry.public:
        return "https://export-probe.invalid"
    origins = sorted(origin for partner in registry.partners.values() for origin in partner.origins)
    return origins[0] if origins else None


def _lowercased(headers) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


class Recorder:
    """Asks the app for exported URLs on the public host, as a client of the live service would."""

    def __init__(self, app: Flask, base_url: str):
        self.app = app
        self.client = app.test_client()
        self.base_url = base_url
        self.probe_origin = cors_probe_origin(partner_registry_of(app))
        self.expose_headers: str | None = None

    def get(self, url: str, **headers: str):
        """One GET to the app, headers given as keyword arguments (underscores become hyphens)."""
        # A request reuses an app context that is already pushed (the command line's), and with it
        # ``g``: one request's policy or partner would leak into the next. Each gets its own here.
        with self.app.app_context():
            return self.client.get(url, base_url=self.base_url,
                                   headers={name.replace("_", "-"): value for name, value in headers.items()})

    def record(self, url: str, path: str) -> ExportedFile:
        """The live answers to ``url`` in every coding (ExportError when live does not answer 200)."""
        exported = None
        for coding in CODINGS:
            response = self.get(url, **({} if coding == "identity" else {"Accept-Encoding": coding}))
            if response.status_code != 200:
                raise ExportError(f"{url}: the live service answered {response.status_code}, not 200")
            headers = _lowercased(response.headers)
            unknown = sorted(set(headers) - {*SAME_IN_EVERY_CODING, *PER_CODING, *MADE_BY_THE_SERVER})
            if unknown:
                raise ExportError(f"{url}: the live service sends {unknown[0]}, which the export cannot reproduce")
            shared = {name: headers[name] for name in SAME_IN_EVERY_CODING if name in headers}
            encoding = headers.get("content-encoding")
            if encoding not in (None, coding) or (coding == "identity" and encoding):
                raise ExportError(f"{url}: asked for {coding}, the live service sent {encoding}")
            if exported is None:
                vary = {item.strip().lower() for item in shared.get("vary", "").split(",")}
                exported = ExportedFile(url, path, shared, headers["last-modified"], "origin" in vary)
            elif shared != exported.headers or headers["last-modified"] != exported.last_modified:
                raise ExportError(f"{url}: the live headers differ between codings")
            file = path + SUFFIXES[coding] if encoding else path
            exported.codings[coding] = (file, headers["etag"], encoding)
            exported.bodies[file] = response.get_data()
        if exported.cors and self.probe_origin:
            self._check_cors(exported)
        return exported

    def _check_cors(self, exported: ExportedFile) -> None:
        """Live answers an allowed origin with Access-Control-Allow-Origin and nothing else different."""
        response = self.get(exported.url, Origin=self.probe_origin)
        headers = _lowercased(response.headers)
        allowed, expose = headers.pop("access-control-allow-origin", None), headers.pop("access-control-expose-headers", None)
        shared = {name: headers[name] for name in SAME_IN_EVERY_CODING if name in headers}
        unknown = set(headers) - {*SAME_IN_EVERY_CODING, *PER_CODING, *MADE_BY_THE_SERVER}
        if (allowed not in (self.probe_origin, "*") or not expose or unknown or shared != exported.headers
                or response.get_data() != exported.bodies[exported.path]):
            raise ExportError(f"{exported.url}: the live CORS answer is not what the export reproduces")
        if self.expose_headers not in (None, expose):
            raise ExportError(f"{exported.url}: Access-Control-Expose-Headers differs between routes")
        self.expose_headers = expose

    def error_headers(self) -> dict[str, str]:
        """The security headers live sends with a 404 (nginx sends them with its own error pages)."""
        headers = _lowercased(self.get("/contentapi-export/not-a-page").headers)
        return {name: headers[name] for name in SECURITY_HEADERS if name in headers}


def write_bodies(file: ExportedFile, root: Path) -> None:
    """Write a recorded file's bodies under ``root``, dated with its Last-Modified, and let go of them
    (a large library's bodies do not fit in memory at once)."""
    modified = email.utils.parsedate_to_datetime(file.last_modified).timestamp()
    for name, body in file.bodies.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
        os.utime(target, (modified, modified))
    file.bodies.clear()


def collect(app: Flask, base_url: str, root: Path) -> Export:
    """Record every planned URL from the app, writing each file's bodies under ``root`` as it goes
    (ExportError when the base URL's host is not trusted, or the catalogs change meanwhile)."""
    trusted = app.config.get("TRUSTED_HOSTS")
    host = urlsplit(base_url).hostname
    if trusted and host not in trusted:
        raise ExportError(f"{host} is not among the trusted hosts ({', '.join(trusted)}): the live service "
                          "would refuse requests for it (set PUBLIC_URL or TRUSTED_HOSTS)")
    service = app.extensions[EXTENSION].service
    state = service.state()
    recorder = Recorder(app, base_url)
    files = []
    for url, path in planned_urls(app):
        files.append(recorder.record(url, path))
        write_bodies(files[-1], root)
    if service.state() != state:
        raise ExportError("a catalog was published while the export ran; run it again")
    return Export(base_url, app.config["PUBLIC_URL"], files, partner_registry_of(app), recorder.error_headers(),
                  recorder.expose_headers)


def write_tree(export: Export, root: Path, final_root: Path) -> None:
    """Write manifest.json and the nginx configuration under ``root`` (moved to ``final_root``
    afterwards, where nginx.conf finds it), and make the whole tree world-readable."""
    from contentapi.delivery.export_nginx import nginx_files

    (root / "manifest.json").write_text(json.dumps(export.manifest(), indent=1, ensure_ascii=False) + "\n",
                                        encoding="utf-8")
    for name, text in nginx_files(export, final_root).items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    # mkdtemp makes the staging folder 0700 and the umask may withhold read bits: a web server's
    # workers run as another user and must read every file and enter every folder.
    root.chmod(DIRECTORY_MODE)
    for folder, folders, names in os.walk(root):
        for name in folders:
            os.chmod(os.path.join(folder, name), DIRECTORY_MODE)
        for name in names:
            os.chmod(os.path.join(folder, name), FILE_MODE)


def is_export(folder: Path) -> bool:
    """Whether ``folder`` holds an earlier export (its manifest), so it may be replaced."""
    return (folder / "manifest.json").is_file()


def export_tree(app: Flask, destination: Path, base_url: str) -> int:
    """Write the export into ``destination`` (replaced as a whole); return the number of URLs exported."""
    destination = Path(destination).resolve()
    destination.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{destination.name}.", dir=destination.parent))
    try:
        export = collect(app, base_url, staging)
        write_tree(export, staging, destination)
        # Swap the finished tree in, so a failed export never leaves half a tree behind.
        if destination.exists():
            old = destination.with_name(f".{destination.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(destination, old)
            os.replace(staging, destination)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(staging, destination)
        return len(export.files)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
