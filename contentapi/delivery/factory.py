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
from contentapi.i18n.catalogs import CatalogError, CatalogStore
from contentapi.i18n.locales import SUPPORTED_LOCALES
from contentapi.i18n.po import PoDecodeError, PoSyntaxError, read_po

EXTENSION = "contentapi.delivery"
TEMPLATE_NAME = "messages.pot"
logger = logging.getLogger("contentapi")


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


def build_service(settings) -> ContentService:
    """Load the content and catalogs a settings mapping names (raises ContentError or CatalogError)."""
    translations_dir = Path(settings["TRANSLATIONS_DIR"])
    library = load_library(settings["CONTENT_DIR"])
    catalogs = CatalogStore(translations_dir, SUPPORTED_LOCALES, check_interval=float(settings["CATALOG_CHECK_INTERVAL"]))
    return ContentService(
        library,
        catalogs,
        cache_size=int(settings["RESPONSE_CACHE_SIZE"]),
        ui_messages=ui_messages(translations_dir / TEMPLATE_NAME),
    )


class ServiceSlot:
    """The app's content service, built once: at start-up for servers, on first use for commands."""

    def __init__(self, settings):
        self._settings = settings
        self._service: ContentService | None = None
        self._lock = threading.Lock()

    @property
    def service(self) -> ContentService:
        """The service, built now if it was not yet (ContentError or CatalogError if it cannot be)."""
        service = self._service
        if service is None:
            with self._lock:
                if self._service is None:
                    self._service = build_service(self._settings)
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
    except (ContentError, CatalogError) as error:
        logger.critical("contentapi cannot start: %s", error)
        raise SystemExit(f"contentapi cannot start: {error}") from None
