"""The catalogs a worker serves: each locale's published revisions, loaded from the revision store,
followed as they change, and never a reason to fail a request.

Plain Python. Every worker of every process checks each locale's manifest (a cheap identity, a
``stat`` for files) at most every ``check_interval`` seconds, and a worker forked or restarted at
any time checks at its first request, so every worker serves the revisions the manifests name.
A domain's revision is loaded when first used and verified by its hashes: a damaged .mo is
compiled again from the revision's .po; when neither can be used the worker keeps the last good
revision it had, or the newest readable older one, or English (per block, flagged as always);
each case is logged once in one line naming the file and the reason, and reported by
``health()`` (``/healthz?verbose``) as ``degraded``.
"""

from __future__ import annotations

import gettext
import io
import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from contentapi.i18n.domains import UI_DOMAIN, domain_of
from contentapi.i18n.locales import DEFAULT_LOCALE
from contentapi.i18n.po import PoDecodeError, PoFile, PoSyntaxError, compile_mo, read_po
from contentapi.i18n.review import (
    ENGLISH,
    MO_CONTEXT,
    MO_MSGID,
    NOT_TRANSLATED,
    SERVE_TRANSLATED,
    MessageReview,
    lookup,
    mo_states,
    read_mo_states,
)
from contentapi.i18n.revisions import Manifest, Pointer, RevisionStore, StoreError, content_hash

logger = logging.getLogger("contentapi")


class CatalogError(Exception):
    """A catalog could not be read or compiled."""


class _Missing(gettext.NullTranslations):
    """Fallback that marks a missing translation instead of returning the msgid."""

    def pgettext(self, context, message):
        return None

    def gettext(self, message):
        return None

    def ngettext(self, singular, plural, number):
        return None


_MISSING = _Missing()


def load_mo(data: bytes) -> gettext.NullTranslations:
    """Compiled catalog bytes as gettext translations that answer None when a message is missing;
    CatalogError (never struct.error, UnicodeDecodeError, RecursionError...) when unreadable."""
    try:
        translations = gettext.GNUTranslations(io.BytesIO(data))
    except Exception as error:  # noqa: BLE001  (damaged bytes raise anything; each is "unreadable")
        raise CatalogError(f"compiled catalog is unreadable ({type(error).__name__}: {error})") from None
    translations.add_fallback(_Missing())
    return translations


def compile_po(po: PoFile, locale: str) -> bytes:
    """Compile a parsed catalog to .mo bytes (fuzzy entries left out), with the review states of its
    reviewed messages (``contentapi.i18n.review``); CatalogError if it cannot be."""
    states = mo_states(po)
    try:
        return compile_mo(po, {(MO_CONTEXT, MO_MSGID): states} if states else None)
    except Exception as error:  # noqa: BLE001  (Babel raises many types for a header it cannot use)
        raise CatalogError(f"{locale}: catalog cannot be compiled ({error})") from None


def compile_po_bytes(data: bytes, locale: str) -> bytes:
    """Compile .po bytes to .mo bytes, leaving out fuzzy entries; CatalogError if they are not a .po file."""
    try:
        po = read_po(data)
    except (PoDecodeError, PoSyntaxError) as error:
        raise CatalogError(f"{locale}: catalog is not a valid .po file (line {error.line}: {error.message})") from None
    return compile_po(po, locale)


@dataclass(frozen=True)
class DomainCatalog:
    """One domain's translations as a worker serves them."""

    served: Pointer | None  # the revision served (None: no translations, English)
    translations: gettext.NullTranslations
    problem: str | None = None  # why this is not the manifest's current revision


class LocaleCatalog:
    """The translations of one locale, across its domains, with lookups that say whether a message
    is translated. Immutable once made: a newer manifest makes a new object."""

    def __init__(self, locale: str, manifest: Manifest | None = None, loader=None, carried: dict | None = None,
                 problem: str | None = None, attempt: int = 0, policy: str = SERVE_TRANSLATED):
        self.locale = locale
        self.policy = policy  # what readers get: "approved" messages only, or every "translated" one
        self.manifest = manifest or Manifest(locale)
        self.problem = problem  # the manifest itself could not be read
        self.attempt = attempt  # how many times damaged domains were tried again under this manifest
        self._loader = loader
        self._domains: dict[str, DomainCatalog] = dict(carried or {})

    @property
    def version(self) -> tuple[int, int]:
        """Changes whenever anything of the locale is published, or a damaged domain is tried again."""
        return self.manifest.sequence, self.attempt

    @classmethod
    def empty(cls, locale: str) -> "LocaleCatalog":
        """A catalog with no translations (the source locale, or a locale with nothing published)."""
        return cls(locale)

    @classmethod
    def from_mo_bytes(cls, locale: str, data: bytes, domain: str = UI_DOMAIN) -> "LocaleCatalog":
        """A catalog of one domain loaded from compiled bytes (previews, tests)."""
        return cls(locale, carried={domain: DomainCatalog(None, load_mo(data))})

    def with_domain(self, domain: str, data: bytes, served: Pointer | None = None) -> "LocaleCatalog":
        """This catalog with one domain replaced by compiled bytes (a preview of an upload; ``served``:
        the revision those bytes are, when they are one)."""
        catalog = LocaleCatalog(self.locale, self.manifest, self._loader, {**self._domains}, self.problem, self.attempt,
                                self.policy)
        catalog._domains[domain] = DomainCatalog(served, load_mo(data))
        return catalog

    def domain(self, name: str) -> DomainCatalog:
        """A domain's translations, loaded on first use."""
        found = self._domains.get(name)
        if found is None:
            pointer = self.manifest.domains.get(name)
            found = self._loader(self.locale, name, pointer) if pointer and self._loader else DomainCatalog(None, _MISSING)
            self._domains[name] = found
        return found

    def loaded(self) -> dict[str, DomainCatalog]:
        """The domains loaded so far."""
        return dict(self._domains)

    @property
    def degraded(self) -> bool:
        """True when a loaded domain serves something other than its current revision."""
        return any(catalog.problem for catalog in self._domains.values())

    def revision_of(self, name: str) -> int | None:
        """The revision of a domain this worker serves (None: nothing, English)."""
        served = self.domain(name).served
        return served.revision if served else None

    def served(self, name: str) -> Pointer | None:
        """The revision record of a domain this worker serves."""
        return self.domain(name).served

    def translate(self, context: str, message: str) -> str | None:
        """The translation of ``message`` in ``context``, or None if missing or fuzzy."""
        if not message:
            return None
        result = self.domain(domain_of(context)).translations.pgettext(context, message)
        return result or None

    def gettext(self, message: str) -> str:
        """The translation of an interface string, or the English source."""
        return self.domain(UI_DOMAIN).translations.gettext(message) or message

    def ngettext(self, singular: str, plural: str, number: int) -> str:
        """The plural form of an interface string for ``number``."""
        translated = self.domain(UI_DOMAIN).translations.ngettext(singular, plural, number)
        return translated or (singular if number == 1 else plural)

    def pgettext(self, context: str, message: str) -> str:
        """The translation of an interface string with a context, or the English source."""
        return self.translate(context, message) or message

    def review(self, context: str | None, message: str) -> MessageReview:
        """The review state of a message as this worker serves it (``untranslated`` when it has no usable
        translation; ``source`` in English), read from the compiled revision (nothing more is loaded)."""
        if self.locale == DEFAULT_LOCALE:
            return ENGLISH
        if not self.has(context, message):
            return NOT_TRANSLATED
        return lookup(review_states(self.domain(domain_of(context)).translations), context, message)

    def info(self, name: str) -> dict[str, str]:
        """The header fields of a domain's served catalog (lower-case names, as gettext reads them)."""
        info = getattr(self.domain(name).translations, "info", None)
        return dict(info()) if info else {}

    def has(self, context: str | None, message: str) -> bool:
        """True if the message has a non-fuzzy translation."""
        if context:
            return self.translate(context, message) is not None
        translations = self.domain(UI_DOMAIN).translations
        return translations.gettext(message) is not None or translations.ngettext(message, message, 1) is not None


def review_states(translations: gettext.NullTranslations) -> dict[str, MessageReview]:
    """The review states a compiled catalog carries, read once per loaded catalog."""
    states = getattr(translations, "_contentapi_review_states", None)
    if states is None:
        states = read_mo_states(translations.pgettext(MO_CONTEXT, MO_MSGID))
        try:
            translations._contentapi_review_states = states
        except AttributeError:  # noqa: S110  (an object without attributes: read again next time)
            pass
    return states


RETRY_INTERVAL = 5.0  # seconds between attempts to load again a domain that could not be loaded


class ServedCatalogs:
    """Every locale's catalogs as this worker serves them, following the store's manifests."""

    def __init__(self, store: RevisionStore, locales: tuple[str, ...], check_interval: float = 1.0,
                 policies: dict[str, str] | None = None):
        self.store = store
        self.locales = locales
        self.policies = dict(policies or {})  # locale -> "approved" | "translated" (default "translated")
        self.check_interval = check_interval
        self._catalogs: dict[str, LocaleCatalog] = {}
        self._identities: dict[str, object] = {}
        self._state: tuple = ()
        self._next_check = 0.0
        self._next_retry = 0.0
        self._lock = threading.Lock()
        self._logged: set[tuple] = set()
        for locale in locales:
            self._catalogs[locale] = LocaleCatalog(locale, policy=self.policy(locale))
        self.refresh(force=True)
        # A worker forked from a master that loaded everything checks the manifests at its first
        # request: it serves what they name now, never the master's copy from boot time.
        os.register_at_fork(after_in_child=self._forget_checks)

    def policy(self, locale: str) -> str:
        """What readers of ``locale`` get: ``approved`` messages only, or every ``translated`` one."""
        return self.policies.get(locale, SERVE_TRANSLATED)

    def _forget_checks(self) -> None:
        self._next_check = 0.0
        self._identities = {}
        self._lock = threading.Lock()

    # -- loading -------------------------------------------------------------------------------

    def _log_once(self, key: tuple, message: str, *args) -> None:
        if key not in self._logged:
            self._logged.add(key)
            logger.error(message, *args)

    def _try(self, locale: str, domain: str, pointer: Pointer) -> tuple[gettext.NullTranslations | None, str | None]:
        """Load one revision, verified by its hashes; (translations, None) or (None, why not)."""
        where = f"revision {pointer.revision} of {locale}/{domain}"
        try:
            mo = self.store.read_file(locale, domain, pointer.revision, "mo")
        except (OSError, StoreError) as error:
            problem = f"{where}.mo: cannot be read ({getattr(error, 'strerror', None) or error})"
        else:
            if content_hash(mo) == pointer.mo_hash:
                try:
                    return load_mo(mo), None
                except CatalogError as error:
                    problem = f"{where}.mo: {error}"
            else:
                problem = f"{where}.mo: damaged (its hash is not the recorded one)"
        try:
            po = self.store.read_file(locale, domain, pointer.revision, "po")
        except (OSError, StoreError) as error:
            return None, f"{problem}; {where}.po: cannot be read ({getattr(error, 'strerror', None) or error})"
        if content_hash(po) != pointer.hash:
            return None, f"{problem}; {where}.po: damaged too (its hash is not the recorded one)"
        try:
            translations = load_mo(compile_po_bytes(po, locale))
        except CatalogError as error:
            return None, f"{problem}; compiling its .po failed ({error})"
        self._log_once((locale, domain, pointer.revision, "recompiled"),
                       "catalog %s; served from its .po, compiled again", problem)
        return translations, None

    def _load(self, locale: str, domain: str, pointer: Pointer, last_good: DomainCatalog | None = None) -> DomainCatalog:
        translations, problem = self._try(locale, domain, pointer)
        if translations is not None:
            return DomainCatalog(pointer, translations)
        if last_good is not None and last_good.served is not None:
            self._log_once((locale, domain, pointer.revision), "catalog %s; still serving revision %s",
                           problem, last_good.served.revision)
            return DomainCatalog(last_good.served, last_good.translations, problem)
        try:
            older = [item for item in self.store.history(locale, domain) if item.id < pointer.revision]
        except (OSError, StoreError):
            older = []
        for revision in older:
            candidate = self._pointer_of(locale, domain, revision.id, revision.hash, revision.time)
            if candidate is None:
                continue
            translations, _ = self._try(locale, domain, candidate)
            if translations is not None:
                self._log_once((locale, domain, pointer.revision), "catalog %s; serving revision %s instead",
                               problem, revision.id)
                return DomainCatalog(candidate, translations, problem)
        self._log_once((locale, domain, pointer.revision), "catalog %s; no earlier revision can be read: English is served",
                       problem)
        return DomainCatalog(None, _MISSING, problem)

    def _pointer_of(self, locale: str, domain: str, revision: int, digest: str, when: str) -> Pointer | None:
        # An older revision's .mo hash is not in any manifest any more: its .po hash (in its record)
        # is what proves it, so the .mo is taken as it is and compiled again if it cannot be loaded.
        try:
            mo = self.store.read_file(locale, domain, revision, "mo")
        except (OSError, StoreError):
            mo = b""
        return Pointer(revision, digest, when, content_hash(mo))

    def _loader_for(self, previous: LocaleCatalog):
        last_good = previous.loaded()

        def load(locale: str, domain: str, pointer: Pointer) -> DomainCatalog:
            return self._load(locale, domain, pointer, last_good.get(domain))

        return load

    # -- following the store -------------------------------------------------------------------

    def get(self, locale: str) -> LocaleCatalog:
        """The current catalog of a locale (checking the store at most every check interval)."""
        self.refresh()
        return self._catalogs[locale]

    def refresh(self, force: bool = False) -> list[str]:
        """Follow manifests that changed; return the locales whose catalog changed."""
        now = time.monotonic()
        if not force and now < self._next_check:
            return []
        with self._lock:
            if not force and now < self._next_check:
                return []
            changed = []
            for locale in self.locales:
                if locale != DEFAULT_LOCALE and self._follow(locale):
                    changed.append(locale)
            now = time.monotonic()
            self._next_check = now + self.check_interval
            if now >= self._next_retry:
                self._next_retry = now + RETRY_INTERVAL
            return changed

    def _follow(self, locale: str) -> bool:
        previous = self._catalogs[locale]
        # Damaged domains are tried again now and then (a file restored, a database back).
        retry = previous.degraded and time.monotonic() >= self._next_retry
        try:
            identity = self.store.identity(locale)
            if identity is not None and identity == self._identities.get(locale) and not retry:
                return False
            manifest = self.store.manifest(locale)
        except (OSError, StoreError) as error:
            # The store is out of reach (a database restart) or its manifest damaged: keep serving
            # what this worker has (English at start-up), and say so in health().
            self._log_once((locale, "store", str(error)), "catalog store: %s; serving what this worker has", error)
            if previous.problem != str(error):
                self._catalogs[locale] = LocaleCatalog(locale, previous.manifest, previous._loader, previous.loaded(),
                                                       problem=str(error), attempt=previous.attempt,
                                                       policy=previous.policy)
            return False
        self._identities[locale] = identity
        attempt = 0
        if manifest.sequence == previous.manifest.sequence and previous.problem is None:
            if not retry:
                return False
            attempt = previous.attempt + 1  # what they serve meanwhile stays their last good
        loaded = previous.loaded()
        carried = {name: catalog for name, catalog in loaded.items()
                   if catalog.problem is None and manifest.domains.get(name) == catalog.served}
        catalog = LocaleCatalog(locale, manifest, self._loader_for(previous), carried, attempt=attempt,
                                policy=previous.policy)
        # Damaged domains are tried again now rather than at their next use: until then this
        # worker's health() would not know of them and say "ok".
        for name, item in loaded.items():
            if item.problem and name in manifest.domains:
                catalog.domain(name)
        self._catalogs[locale] = catalog
        return True

    def state(self) -> tuple:
        """Identity of every catalog in service (checked at most every check interval).

        The same object while nothing changed: every kept response holds this one tuple, so
        checking it reads memory that stays in the CPU caches; a publish changes it.
        """
        self.refresh()
        current = tuple(catalog.version for catalog in self._catalogs.values())
        if current != self._state:
            self._state = current
        return self._state

    def health(self) -> dict:
        """Per locale: the last revision, a hash of what this worker serves, and what is degraded."""
        import hashlib

        locales = {}
        degraded = False
        for locale, catalog in self._catalogs.items():
            if locale == DEFAULT_LOCALE:
                continue
            loaded = catalog.loaded()
            served = {name: loaded[name].served if name in loaded else pointer
                      for name, pointer in catalog.manifest.domains.items()}
            digest = hashlib.sha256("\n".join(f"{name}:{pointer.hash if pointer else '-'}"
                                              for name, pointer in sorted(served.items())).encode()).hexdigest()
            problems = [{"domain": name, "serving": item.served.revision if item.served else None, "reason": item.problem}
                        for name, item in sorted(loaded.items()) if item.problem]
            if catalog.problem:
                problems.append({"domain": None, "serving": None, "reason": catalog.problem})
            degraded = degraded or bool(problems)
            locales[locale] = {"revision": catalog.manifest.last_revision, "sequence": catalog.manifest.sequence,
                               "hash": digest[:40], "degraded": problems}
        return {"status": "degraded" if degraded else "ok", "pid": os.getpid(), "locales": locales}


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
