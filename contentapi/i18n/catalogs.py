"""Compiled gettext catalogs, loaded per locale and reloaded when they change on disk.

Each worker of each server process checks the compiled files' identity (inode,
size, mtime) at most every ``check_interval`` seconds, so a catalog published by
any process is served everywhere within that interval, without a restart.
Publishing replaces files by rename, so a reader sees either the old or the new
file, never half of one.
"""

from __future__ import annotations

import gettext
import io
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from contentapi.i18n.locales import DEFAULT_LOCALE, to_babel_id
from contentapi.i18n.po import PoDecodeError, PoFile, PoSyntaxError, compile_mo, read_po

DOMAIN = "messages"


class CatalogError(Exception):
    """A catalog could not be read."""


class _Missing(gettext.NullTranslations):
    """Fallback that marks a missing translation instead of returning the msgid."""

    def pgettext(self, context, message):
        return None

    def gettext(self, message):
        return None

    def ngettext(self, singular, plural, number):
        return None


@dataclass(frozen=True)
class CatalogVersion:
    """Identity of a compiled catalog on disk; a new publish gives a new version."""

    inode: int
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, path: Path) -> "CatalogVersion | None":
        try:
            stat = path.stat()
        except FileNotFoundError:
            return None
        return cls(stat.st_ino, stat.st_size, stat.st_mtime_ns)


class LocaleCatalog:
    """The translations of one locale, with lookups that say whether a message is translated."""

    def __init__(self, locale: str, translations: gettext.NullTranslations, version: CatalogVersion | None):
        self.locale = locale
        self.version = version
        self._translations = translations
        if not isinstance(translations, _Missing):
            translations.add_fallback(_Missing())

    @classmethod
    def empty(cls, locale: str) -> "LocaleCatalog":
        """A catalog with no translations (the source locale, or a locale with no file yet)."""
        return cls(locale, _Missing(), None)

    @classmethod
    def from_mo_bytes(cls, locale: str, data: bytes, version: CatalogVersion | None = None) -> "LocaleCatalog":
        """Load a compiled catalog from bytes."""
        try:
            translations = gettext.GNUTranslations(io.BytesIO(data))
        except (OSError, ValueError, UnicodeDecodeError) as error:
            raise CatalogError(f"{locale}: compiled catalog is unreadable ({error})") from None
        return cls(locale, translations, version)

    @classmethod
    def from_po_bytes(cls, locale: str, data: bytes, version: CatalogVersion | None = None) -> "LocaleCatalog":
        """Compile a .po file in memory (fuzzy entries excluded) and load it."""
        return cls.from_mo_bytes(locale, compile_po_bytes(data, locale), version)

    def translate(self, context: str, message: str) -> str | None:
        """The translation of ``message`` in ``context``, or None if missing or fuzzy."""
        if not message:
            return None
        result = self._translations.pgettext(context, message)
        return result or None

    def gettext(self, message: str) -> str:
        """The translation of a UI string, or the English source."""
        return self._translations.gettext(message) or message

    def ngettext(self, singular: str, plural: str, number: int) -> str:
        """The plural form of a UI string for ``number``."""
        return self._translations.ngettext(singular, plural, number) or (singular if number == 1 else plural)

    def pgettext(self, context: str, message: str) -> str:
        """The translation of a UI string with a context, or the English source."""
        return self.translate(context, message) or message

    def has(self, context: str | None, message: str) -> bool:
        """True if the message has a non-fuzzy translation."""
        if context:
            return self.translate(context, message) is not None
        return (
            self._translations.gettext(message) is not None
            or self._translations.ngettext(message, message, 1) is not None
        )


def compile_po(po: PoFile, locale: str) -> bytes:
    """Compile a parsed catalog to .mo bytes (fuzzy entries left out); CatalogError if it cannot be."""
    try:
        return compile_mo(po)
    except Exception as error:  # noqa: BLE001  (Babel raises many types for a header it cannot use)
        raise CatalogError(f"{locale}: catalog cannot be compiled ({error})") from None


def compile_po_bytes(data: bytes, locale: str) -> bytes:
    """Compile .po bytes to .mo bytes, leaving out fuzzy entries; CatalogError if they are not a .po file."""
    try:
        po = read_po(data)
    except (PoDecodeError, PoSyntaxError) as error:
        raise CatalogError(f"{locale}: catalog is not a valid .po file (line {error.line}: {error.message})") from None
    return compile_po(po, locale)


def catalog_paths(translations_dir: Path, locale: str) -> tuple[Path, Path]:
    """The .po and .mo paths of a locale inside a translations folder."""
    folder = Path(translations_dir) / to_babel_id(locale) / "LC_MESSAGES"
    return folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"


class CatalogStore:
    """All locales' catalogs from one translations folder, reloaded when files change."""

    def __init__(self, translations_dir: Path | str, locales: tuple[str, ...], check_interval: float = 1.0):
        self.translations_dir = Path(translations_dir)
        self.locales = locales
        self.check_interval = check_interval
        self._catalogs: dict[str, LocaleCatalog] = {}
        self._state: tuple = ()
        self._next_check = 0.0
        self._lock = threading.Lock()
        if not self.translations_dir.is_dir():
            raise CatalogError(f"{self.translations_dir}: translations folder does not exist")
        for locale in locales:
            self._catalogs[locale] = self._load(locale)

    def _load(self, locale: str) -> LocaleCatalog:
        if locale == DEFAULT_LOCALE:
            return LocaleCatalog.empty(locale)
        po_path, mo_path = catalog_paths(self.translations_dir, locale)
        version = CatalogVersion.of(mo_path)
        if version is not None:
            try:
                return LocaleCatalog.from_mo_bytes(locale, mo_path.read_bytes(), version)
            except FileNotFoundError:
                return self._load(locale)  # replaced between stat and read
        if po_path.exists():
            # Not compiled yet (a fresh checkout): compile in memory rather than serve English.
            return LocaleCatalog.from_po_bytes(locale, po_path.read_bytes(), CatalogVersion.of(po_path))
        return LocaleCatalog.empty(locale)

    def get(self, locale: str) -> LocaleCatalog:
        """The current catalog of a locale (checking the disk at most every check_interval)."""
        self.refresh()
        return self._catalogs[locale]

    def refresh(self, force: bool = False) -> list[str]:
        """Reload catalogs whose compiled file changed; return the locales reloaded."""
        now = time.monotonic()
        if not force and now < self._next_check:
            return []
        with self._lock:
            if not force and now < self._next_check:
                return []
            reloaded = []
            for locale in self.locales:
                if locale == DEFAULT_LOCALE:
                    continue
                po_path, mo_path = catalog_paths(self.translations_dir, locale)
                current = CatalogVersion.of(mo_path) or CatalogVersion.of(po_path)
                if current != self._catalogs[locale].version:
                    try:
                        self._catalogs[locale] = self._load(locale)
                        reloaded.append(locale)
                    except CatalogError:
                        # A broken file on disk keeps the last good catalog in service.
                        pass
            self._next_check = time.monotonic() + self.check_interval
            return reloaded

    def versions(self) -> dict[str, CatalogVersion | None]:
        """The version of every locale's catalog currently in memory."""
        return {locale: catalog.version for locale, catalog in self._catalogs.items()}

    def state(self) -> tuple:
        """Identity of every catalog in service (checked on disk at most every check interval).

        The same object while nothing changed: every kept response holds this one tuple, so
        checking it reads memory that stays in the CPU caches; a publish changes it.
        """
        self.refresh()
        current = tuple(catalog.version for catalog in self._catalogs.values())
        if current != self._state:
            self._state = current
        return self._state


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file, fsync and rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        with open(temporary, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    finally:
        if temporary.exists():
            temporary.unlink()
