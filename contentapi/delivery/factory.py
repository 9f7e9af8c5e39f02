"""Builds the content service from the settings and gives it to the app (``init_app``).

Servers load it while the app is created, so a malformed content file stops start-up with
one line naming the file; the command line loads it only for the commands that serve content
(``export``), so ``contentapi i18n check`` still runs when a catalog or a procedure is broken.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from contentapi.content import ContentError, load_library
from contentapi.delivery.service import ContentService
from contentapi.i18n.catalogs import CatalogError, ServedCatalogs
from contentapi.i18n.domains import template_path
from contentapi.i18n.locales import SUPPORTED_LOCALES
from contentapi.i18n.po import PoDecodeError, PoSyntaxError, read_po
from contentapi.i18n.publishing import Publisher
from contentapi.i18n.review import PolicyError, policies
from contentapi.i18n.revisions import FileRevisionStore, RevisionStore, StoreError

EXTENSION = "contentapi.delivery"
REVISIONS_FOLDER = ".revisions"
LIBRARY_CACHE = "library.json"
logger = logging.getLogger("contentapi")


def revisions_dir(settings) -> Path:
    """Where this instance keeps revisions (files backend) and its import cache: TRANSLATION_REVISIONS_DIR,
    else ``<TRANSLATIONS_DIR>/.revisions``."""
    return Path(settings.get("TRANSLATION_REVISIONS_DIR") or Path(settings["TRANSLATIONS_DIR"]) / REVISIONS_FOLDER)


def open_store(settings) -> RevisionStore:
    """The revision store the settings name: PostgreSQL with DATABASE_URL, else files."""
    url = settings.get("DATABASE_URL")
    if url:
        from contentapi.i18n.postgres import PostgresRevisionStore

        return PostgresRevisionStore(url)
    return FileRevisionStore(revisions_dir(settings))


def build_publisher(settings, store: RevisionStore | None = None) -> Publisher:
    """The publisher of the settings' store and translations folder."""
    return Publisher(store or open_store(settings), settings["TRANSLATIONS_DIR"], revisions_dir(settings))


def ui_messages(template: Path) -> tuple[tuple[str | None, str], ...]:
    """The interface strings of a catalog template (content messages have a msgctxt with a slash).

    Completeness counts what a reader actually sees: every content block and these.
    """
    if not template.exists():
        return ()
    try:
        keys = read_po(template.read_bytes()).keys()
    except (PoDecodeError, PoSyntaxError) as error:
        raise CatalogError(f"{template}:{error.line}: the template cannot be read ({error.message})") from None
    return tuple(sorted((key for key in keys if not (key[0] and "/" in key[0])), key=str))


def build_service(settings, publisher: Publisher | None = None) -> ContentService:
    """Load the content, bring the repository's catalogs into the revision store, and follow the
    store's catalogs (raises ContentError or CatalogError)."""
    translations_dir = Path(settings["TRANSLATIONS_DIR"])
    if not translations_dir.is_dir():
        raise CatalogError(f"{translations_dir}: translations folder does not exist")
    library = load_library(settings["CONTENT_DIR"], cache=revisions_dir(settings) / LIBRARY_CACHE)
    publisher = publisher or build_publisher(settings)
    try:
        publisher.store.recover()
        publisher.import_repository()
    except (OSError, StoreError) as error:
        # Serving what is published matters more than importing: say so and go on.
        logger.error("catalog store: the repository's catalogs were not imported (%s)", error)
    try:
        serve = policies(translations_dir, SUPPORTED_LOCALES[1:], settings.get("TRANSLATION_POLICY", ""))
    except PolicyError as error:
        raise CatalogError(str(error)) from None
    catalogs = ServedCatalogs(publisher.store, SUPPORTED_LOCALES, check_interval=float(settings["CATALOG_CHECK_INTERVAL"]),
                              policies=serve)
    return ContentService(
        library,
        catalogs,
        cache_size=int(settings["RESPONSE_CACHE_SIZE"]),
        ui_messages=ui_messages(template_path(translations_dir)),
        public_url=settings.get("PUBLIC_URL") or "",
    )


class ServiceSlot:
    """The app's content service and catalog publisher, built once: at start-up for servers, on
    first use for commands."""

    def __init__(self, settings):
        self._settings = settings
        self._service: ContentService | None = None
        self._publisher: Publisher | None = None
        self._lock = threading.Lock()

    @property
    def publisher(self) -> Publisher:
        """The publisher of the revision store (StoreError if the store cannot be opened)."""
        if self._publisher is None:
            with self._lock:
                if self._publisher is None:
                    self._publisher = build_publisher(self._settings)
        return self._publisher

    @property
    def service(self) -> ContentService:
        """The service, built now if it was not yet (ContentError or CatalogError if it cannot be)."""
        service = self._service
        if service is None:
            publisher = self.publisher
            with self._lock:
                if self._service is None:
                    self._service = build_service(self._settings, publisher)
                service = self._service
        return service


def init_app(app) -> None:
    """Give the app its content service; unless LOAD_CONTENT_AT_START is off, load it or stop start-up."""
    slot = ServiceSlot(app.config)
    app.extensions[EXTENSION] = slot
    if not app.config["LOAD_CONTENT_AT_START"]:
        return
    try:
        slot.service  # noqa: B018  (loading is the point: fail now, before serving anything)
    except (ContentError, CatalogError, StoreError) as error:
        logger.critical("contentapi cannot start: %s", error)
        raise SystemExit(f"contentapi cannot start: {error}") from None
