"""Settings: defaults, then an instance config file, then ``CONTENTAPI_*`` environment variables,
then the mapping given to ``create_app`` (tests), each layer overriding the one before.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPOSITORY_DIR = PACKAGE_DIR.parent

DEFAULTS = {
    # Folder of procedure files (Markdown with YAML front matter).
    "CONTENT_DIR": str(PACKAGE_DIR / "content" / "procedures"),
    # Folder of gettext catalogs: <locale>/LC_MESSAGES/messages.po and .mo, plus messages.pot.
    "TRANSLATIONS_DIR": str(REPOSITORY_DIR / "translations"),
    # How often each worker looks for catalogs published by another process, in seconds.
    "CATALOG_CHECK_INTERVAL": 1.0,
    # Cache-Control max-age for content responses, in seconds.
    "CACHE_MAX_AGE": 300,
    # How many rendered responses each worker keeps (each procedure x locale x format is one).
    "RESPONSE_CACHE_SIZE": 4096,
    # Finished responses each worker keeps and resends without running Flask (0 turns it off);
    # see contentapi/web/response_cache.py and README "Performance".
    "HTTP_RESPONSE_CACHE_SIZE": 16384,
    # ... and at most this many bytes of them (bodies and headers), whatever the traffic sends.
    "HTTP_RESPONSE_CACHE_BYTES": 128 * 1024 * 1024,
    # Browsers keep static files a year: their URLs carry a content hash (urls.static).
    "SEND_FILE_MAX_AGE_DEFAULT": 365 * 24 * 3600,
    # Largest request body accepted, in bytes (catalog uploads are the only bodies).
    "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
    # Partner registry (TOML): origins, hashed API keys, themes. Empty: contentapi/partners.example.toml.
    "PARTNERS": "",
    # Public origin (https://content.example.org): every absolute link is made from it, and its host
    # is trusted. A server needs it (or TRUSTED_HOSTS); see contentapi/web/hosts.py and README "Deploying".
    "PUBLIC_URL": "",
    # More host names requests may carry (comma-separated: "localhost,10.0.0.5"); any other gets 400.
    "TRUSTED_HOSTS": "",
    # Development only: answer any Host (links then follow the request's host). Tests set TESTING.
    "DEVELOPMENT": False,
    # Translator tokens file (JSON of names, locales and SHA-256 hashes; `contentapi tokens add`).
    # Empty: publishing over HTTP is not configured and /api/v1/translations answers 503.
    "TOKENS": "",
    # Published catalogs (files backend: revisions and manifests; both backends: the import cache);
    # empty: <TRANSLATIONS_DIR>/.revisions.
    "TRANSLATION_REVISIONS_DIR": "",
    # PostgreSQL (postgresql://user@host:port/db): revisions and pointers in tables, for several
    # machines. Empty: the files backend in TRANSLATION_REVISIONS_DIR.
    "DATABASE_URL": "",
    # What readers get per locale: "approved" (only approved translations, English for the rest) or
    # "translated" (every translation that passes the checks, with a notice while any is not
    # approved); "es=approved,ar=translated" per locale. Empty: each locale's
    # translations/<locale>/locale.toml, else "approved". README "Clinical review".
    "TRANSLATION_POLICY": "",
    # Largest .po upload accepted by PUT and preview, in bytes (413 above).
    "TRANSLATION_MAX_BYTES": 1024 * 1024,
    # Name of the instance config file inside the Flask instance folder.
    "INSTANCE_CONFIG": "contentapi.cfg",
    # Load content and catalogs while the app is created (servers: fail fast on a bad file).
    # The command line turns it off so that its commands work whatever the content's state.
    "LOAD_CONTENT_AT_START": True,
    # Webhooks (issue 17): deliver from a thread of the server process holding the worker lock (one
    # machine); false when `contentapi webhooks run` delivers. Retry schedule in seconds, comma-separated
    # (empty: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h), seconds between passes, request timeout.
    "WEBHOOKS_IN_PROCESS": True,
    "WEBHOOK_RETRY_SCHEDULE": "",
    "WEBHOOK_POLL_INTERVAL": 0.5,
    "WEBHOOK_TIMEOUT": 15.0,
}

ENVIRONMENT_PREFIX = "CONTENTAPI"


def load_config(app, overrides: dict | None) -> None:
    """Layer the settings onto ``app.config`` in the documented order."""
    app.config.from_mapping(DEFAULTS)
    app.config.from_pyfile(app.config["INSTANCE_CONFIG"], silent=True)
    app.config.from_prefixed_env(ENVIRONMENT_PREFIX)
    if overrides:
        app.config.from_mapping(overrides)
