"""The change feed: every published translation (each revision of each locale, from the revision
store) and every change of a procedure's English (from the content log), in order, each naming the
procedure, the locale, the revision, the sections and blocks that changed and the new ETag of the
procedure's JSON in that locale.

Plain Python. A cursor is opaque to partners: it encodes, per source, the last entry handed out (a
revision id per locale, a content log number). Both only grow and are stored, so a cursor stays valid
across restarts and on every instance, and nothing committed after it is skipped. A page merges the
sources by time.
"""

from __future__ import annotations

import base64
import binascii
import json
import heapq
import itertools
import threading
from collections import OrderedDict
from dataclasses import dataclass

from contentapi.changes.content_log import ContentChange, ContentLog
from contentapi.content.model import SECTION_IDS
from contentapi.delivery.documents import procedure_document
from contentapi.delivery.localize import localize
from contentapi.delivery.representations import JSON, Representation, dump_json
from contentapi.delivery.service import ContentService
from contentapi.i18n.catalogs import CatalogError, LocaleCatalog
from contentapi.i18n.domains import UI_DOMAIN
from contentapi.i18n.locales import DEFAULT_LOCALE
from contentapi.i18n.po import PoDecodeError, PoSyntaxError, read_po
from contentapi.i18n.review import state_of
from contentapi.i18n.revisions import Pointer, Revision, StoreError

MAX_PAGE = 500


class CursorError(ValueError):
    """A cursor we did not hand out."""


@dataclass(frozen=True)
class Cursor:
    """Per locale the last revision id handed out, and the last content log number."""

    revisions: dict[str, int]
    content: int

    def encode(self) -> str:
        """The opaque form partners keep."""
        document = {"c": self.content, "r": dict(sorted(self.revisions.items()))}
        return base64.urlsafe_b64encode(json.dumps(document, separators=(",", ":")).encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> "Cursor":
        """Read a cursor (CursorError when it is not one of ours)."""
        if len(text) > 2000:
            raise CursorError("the cursor is too long to be one this service handed out")
        try:
            document = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
            revisions = {str(key): value for key, value in document["r"].items()}
            content = document["c"]
        except (ValueError, KeyError, TypeError, AttributeError, binascii.Error):
            raise CursorError("the cursor is not one this service handed out; start again without since") from None
        # Only the whole numbers we write (a float, an infinity or a number past 64 bits is not ours).
        if not all(_counter(value) for value in (content, *revisions.values())):
            raise CursorError("the cursor is not one this service handed out; start again without since")
        return cls(revisions, content)


# A revision's action -> its entry's type (translation.published, ...; an import otherwise).
REVISION_EVENTS = {"publish": "published", "restore": "restored", "review": "reviewed"}


def _counter(value) -> bool:
    """True for a revision id or content log number as cursors hold them: a whole number in 0..2**63-1."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**63


def _translated(data: bytes) -> dict[str, tuple[str, str]]:
    """msgctxt -> (translation, review state) of every translated, non-fuzzy entry of a .po: a review
    changes what a reader gets (the block's state; under ``serve: approved``, its language)."""
    try:
        po = read_po(data)
    except (PoDecodeError, PoSyntaxError):
        return {}
    return {entry.context or entry.msgid: ("\x00".join(entry.forms), state_of(entry)) for entry in po.messages
            if entry.translated and not entry.fuzzy}


def block_id(context: str) -> tuple[str | None, str]:
    """A msgctxt's (section id, block or string id): ``slug/risks/2`` -> (risks, risks-2)."""
    place = context.split("/", 1)[1] if "/" in context else context
    section, _, rest = place.partition("/")
    if rest.isdigit():
        return section, f"{section}-{rest}"
    if rest == "heading":
        return section, f"{section}-heading"
    return None, place.replace("/", "-")


class ChangeFeed:
    """Entries of the feed, built from the stores of a content service."""

    def __init__(self, service: ContentService, content_log: ContentLog):
        self.service = service
        self.store = service.catalogs.store
        self.content_log = content_log
        self._details: OrderedDict = OrderedDict()  # (locale, revision) -> (sections, blocks, etag)
        self._lock = threading.Lock()

    def start(self) -> Cursor:
        """A cursor before every entry."""
        return Cursor({}, 0)

    def now(self) -> Cursor:
        """A cursor after every entry committed so far (what a new partner starts from)."""
        revisions = {}
        for locale in self.service.locales:
            if locale != DEFAULT_LOCALE:
                revisions[locale] = self.store.manifest(locale).last_revision
        return Cursor(revisions, self.content_log.last())

    def _changed(self, revision: Revision) -> tuple[list[str], list[str], str | None]:
        key = (revision.locale, revision.id)
        kept = self._details.get(key)
        if kept is not None:
            return kept
        po = self.store.read_file(revision.locale, revision.domain, revision.id, "po")
        previous = b""
        if revision.previous is not None:
            try:
                previous = self.store.read_file(revision.locale, revision.domain, revision.previous, "po")
            except (OSError, StoreError):
                previous = b""
        before, after = _translated(previous), _translated(po)
        contexts = sorted(context for context in set(before) | set(after) if before.get(context) != after.get(context))
        if revision.domain == UI_DOMAIN:
            sections, blocks = [], []
        else:
            places = [block_id(context) for context in contexts]
            sections = sorted({section for section, _ in places if section in SECTION_IDS})
            blocks = [block for _, block in places]
        etag = self._etag(revision)
        details = (sections, blocks, etag)
        with self._lock:
            self._details[key] = details
            while len(self._details) > 4096:
                self._details.popitem(last=False)
        return details

    def _etag(self, revision: Revision) -> str | None:
        """The ETag of the procedure's JSON in that locale with this revision (and today's English)."""
        procedure = self.service.library.get(revision.domain)
        if procedure is None:
            return None
        try:
            mo = self.store.read_file(revision.locale, revision.domain, revision.id, "mo")
            # As a worker serves that revision: under the locale's policy, naming the revision.
            served = Pointer(revision.id, revision.hash, revision.time, "")
            catalog = LocaleCatalog(revision.locale, policy=self.service.catalogs.policy(revision.locale)).with_domain(
                revision.domain, mo, served)
        except (OSError, StoreError, CatalogError):
            return None
        document = procedure_document(localize(procedure, catalog), self.service.locales)
        return Representation.build(dump_json(document), JSON, 0, revision.locale).etag

    def _revision_entry(self, revision: Revision) -> dict:
        sections, blocks, etag = self._changed(revision)
        return {
            "id": f"{revision.locale}.{revision.id}",
            "type": f"translation.{REVISION_EVENTS.get(revision.action, 'imported')}",
            "time": revision.time,
            "procedure": None if revision.domain == UI_DOMAIN else revision.domain,
            "locale": revision.locale,
            "revision": revision.id,
            "changed": {"sections": sections, "blocks": blocks, "interface": revision.domain == UI_DOMAIN},
            "etag": etag,
        }

    @staticmethod
    def _content_entry(change: ContentChange) -> dict:
        return {
            "id": f"content.{change.sequence}",
            "type": f"procedure.{change.kind}",
            "time": change.time,
            "procedure": change.slug,
            "locale": DEFAULT_LOCALE,
            "revision": None,
            "changed": {"sections": list(change.sections), "blocks": list(change.blocks), "interface": False},
            "etag": change.etag,
        }

    def page(self, cursor: Cursor, limit: int = 100) -> tuple[list[dict], Cursor]:
        """Entries after ``cursor``, at most ``limit``, and the cursor after them. Sources are merged by
        time; each source's entries go out in their own order (heads compared, as ``heapq.merge`` does)."""
        limit = max(1, min(limit, MAX_PAGE))
        sources: list[list[tuple[str, str, int, object]]] = []
        for locale in self.service.locales:
            seen = cursor.revisions.get(locale, 0)
            if locale == DEFAULT_LOCALE or self.store.manifest(locale).last_revision <= seen:
                continue  # nothing new: no history read
            newer = sorted((item for item in self.store.history(locale) if item.id > seen), key=lambda item: item.id)
            sources.append([(item.time, locale, item.id, item) for item in newer[:limit]])
        sources.append([(change.time, "", change.sequence, change) for change in self.content_log.after(cursor.content, limit)])
        revisions, content, entries = dict(cursor.revisions), cursor.content, []
        for _, source, order, item in itertools.islice(heapq.merge(*sources, key=lambda row: (row[0], row[1])), limit):
            if source:
                entries.append(self._revision_entry(item))
                revisions[source] = order
            else:
                entries.append(self._content_entry(item))
                content = order
        return entries, Cursor(revisions, content)
