"""Wires content and catalogs into the app: ``app.extensions["contentapi"]`` is the ContentService."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask

from contentapi.content import ContentError, load_library
from contentapi.i18n.catalogs import CatalogError, CatalogStore
from contentapi.i18n.locales import SUPPORTED_LOCALES
from contentapi.service import ContentService, read_template_messages

logger = logging.getLogger("contentapi")


def build_service(config) -> ContentService:
    """Load content and catalogs named by a config mapping (raises ContentError or CatalogError)."""
    translations_dir = Path(config["TRANSLATIONS_DIR"])
    library = load_library(config["CONTENT_DIR"])
    catalogs = CatalogStore(translations_dir, SUPPORTED_LOCALES, check_interval=float(config["CATALOG_CHECK_INTERVAL"]))
    return ContentService(
        library,
        catalogs,
        cache_size=int(config["RESPONSE_CACHE_SIZE"]),
        template_messages=read_template_messages(translations_dir / "messages.pot"),
    )


def init_app(app: Flask) -> None:
    """Load everything or stop start-up with one clear line."""
    try:
        service = build_service(app.config)
    except (ContentError, CatalogError) as error:
        logger.critical("contentapi cannot start: %s", error)
        raise SystemExit(f"contentapi cannot start: {error}") from None
    app.extensions["contentapi"] = service
