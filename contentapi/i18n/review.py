"""Clinical review as data: each translated message's state, who translated, reviewed and approved
it and when, kept in the catalog itself and in every published revision.

Plain Python, no Flask. A message's review is one translator comment, the kind of comment every
.po editor keeps (Poedit's "comment for translators", Weblate, msgcat, msgmerge; GNU gettext
*drops* unknown ``#,`` flags, so flags cannot hold it)::

    # contentapi: review=approved; translated=maria 2026-11-20; reviewed=ana 2026-11-21; approved=jose 2026-11-22; source=3f2a9c1b0d11
    # contentapi: back-translation=Kyphoplasty and vertebroplasty are ...
    msgctxt "kyphoplasty-and-vertebroplasty/overview/1"

``source`` is a hash of the message's key and English (msgctxt, msgid, msgid_plural) when the state
was given: when the English changes, a reviewed or approved message reads as ``needs-review`` until
someone reviews it again, whatever its comment says. States: ``translated`` (the default of any
translated message without a review comment), ``reviewed``, ``approved``, ``needs-review``
(reviewed or approved once, changed since, or sent back). Untranslated and fuzzy messages are
``untranslated``: they are not served.

Who and when never come from an upload: the publisher keeps the review of every message whose text
did not change and records the token's name as translator of every message whose text did
(``carry``); only a review action (``reviewed``) writes reviewers, with the reviewer's token name
and today's date. So a .po file a translator edits in Poedit cannot approve itself.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from contentapi.i18n.locales import to_babel_id
from contentapi.i18n.po import PoEntry, PoFile, read_po

TRANSLATED = "translated"
REVIEWED = "reviewed"
APPROVED = "approved"
NEEDS_REVIEW = "needs-review"
UNTRANSLATED = "untranslated"
SOURCE = "source"  # the English itself
STATES = (TRANSLATED, REVIEWED, APPROVED, NEEDS_REVIEW)
# Lowest first: a page is as reviewed as its least reviewed block.
RANK = {UNTRANSLATED: 0, NEEDS_REVIEW: 1, TRANSLATED: 2, REVIEWED: 3, APPROVED: 4, SOURCE: 5}
# What a review action makes of a message.
ACTIONS = {"review": REVIEWED, "approve": APPROVED, "reject": NEEDS_REVIEW}

# Serving policies (per locale; see ``policy_of``).
SERVE_APPROVED = "approved"
SERVE_TRANSLATED = "translated"
POLICIES = (SERVE_APPROVED, SERVE_TRANSLATED)
POLICY_FILE = "locale.toml"
DEFAULT_POLICY = SERVE_APPROVED

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")  # a token's name (contentapi.i18n.tokens)
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
REVIEW_PREFIX = "contentapi: review="
BACK_PREFIX = "contentapi: back-translation="
_REVIEW_COMMENT = re.compile(r"^contentapi:\s*review\s*=\s*(.*)$")
_BACK_COMMENT = re.compile(r"^contentapi:\s*back-translation\s*=\s?(.*)$")
# A translator comment line: '#', not '#,', '#.', '#:', '#|' or '#~' (as contentapi.i18n.po reads them).
_COMMENT_LINE = re.compile(r"^\s*#(?![,.:|~])(.*)$")
# The compiled catalog carries the states of messages that have a review comment as one extra
# message under this context, so a worker knows them from the .mo it loads anyway (no .po parse).
MO_CONTEXT = "contentapi"
MO_MSGID = "review-states"
MAX_BACK_TRANSLATION = 10_000


class ReviewError(ValueError):
    """A review cannot be made (``kind``: ``unknown``, ``untranslated``, ``own-text``, ``invalid``)."""

    def __init__(self, kind: str, message: str, contexts: Iterable[str] = ()):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.contexts = tuple(contexts)


def today() -> str:
    """Today in UTC, ISO 8601: the date reviews and translations are recorded with."""
    return dt.datetime.now(dt.UTC).date().isoformat()


def source_hash(context: str | None, msgid: str, msgid_plural: str | None = None) -> str:
    """What a review was given for: the message's key and English, hashed (12 hex digits)."""
    text = f"{context or ''}\x04{msgid}\x00{msgid_plural or ''}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def entry_source(entry: PoEntry) -> str:
    """``source_hash`` of a catalog entry."""
    return source_hash(entry.context, entry.msgid, entry.msgid_plural)


@dataclass(frozen=True)
class Mark:
    """Who did something to a message, and on which day."""

    name: str
    date: str

    def __str__(self) -> str:
        return f"{self.name} {self.date}"

    @classmethod
    def parse(cls, text: str) -> "Mark | None":
        """``maria 2026-11-20``, or None when it is not one."""
        parts = text.split()
        if len(parts) != 2 or not NAME.match(parts[0]) or not DATE.match(parts[1]):
            return None
        try:
            dt.date.fromisoformat(parts[1])
        except ValueError:
            return None
        return cls(parts[0], parts[1])


@dataclass(frozen=True)
class Review:
    """A message's review as its comment records it."""

    state: str
    source: str
    translated: Mark | None = None
    reviewed: Mark | None = None
    approved: Mark | None = None
    back_translated: Mark | None = None
    back_translation: str | None = None

    def comment_lines(self) -> list[str]:
        """The translator comment lines that record it (without ``# ``)."""
        parts = [self.state]
        for name in ("translated", "reviewed", "approved", "back-translated"):
            mark = getattr(self, name.replace("-", "_"))
            if mark is not None:
                parts.append(f"{name}={mark}")
        parts.append(f"source={self.source}")
        lines = [REVIEW_PREFIX + "; ".join(parts)]
        if self.back_translation:
            # A comment ending in a backslash would swallow the next line (gettext joins them): a
            # space after it keeps the line its own (readers strip it).
            lines += [BACK_PREFIX + line + (" " if line.endswith("\\") else "") for line in self.back_translation.split("\n")]
        return lines


# Babel's write_po (``pybabel update``, Flask-Babel projects) wraps every comment at 76 columns,
# whatever its width option: one of our lines may come back as several. msgcat, msgmerge, Poedit
# and Weblate keep comment lines whole.
COMMENT_WRAP = 76


def _wrapped_before(previous: str, line: str) -> bool:
    """True when ``line`` looks like the rest of ``previous`` as a 76-column wrapper left it: the
    previous line fits, the next word would not have, and ``line`` is not a comment of ours."""
    words = line.split()
    return (bool(words) and not line.startswith("contentapi:") and len(previous) <= COMMENT_WRAP
            and len(previous) + 1 + len(words[0]) > COMMENT_WRAP)


def _review_line(text: str) -> str | None:
    match = _REVIEW_COMMENT.match(text)
    return match.group(1) if match else None


def our_comments(comments: list[str]) -> list[tuple[str, list[int]]]:
    """The review and back-translation comments among an entry's translator comments, each as
    (its text with any wrapped continuation lines joined again, the indices of its lines). A review
    line continues while it cannot be read alone and the joined line can; a back-translation line
    while the next line looks wrapped (``_wrapped_before``)."""
    groups: list[tuple[str, list[int]]] = []
    index = 0
    while index < len(comments):
        text = comments[index]
        review = _review_line(text)
        if review is None and not _BACK_COMMENT.match(text):
            index += 1
            continue
        lines = [index]
        if review is not None and _parse_fields(review)[1] is not None:
            joined, following = text, index + 1
            while following < len(comments) and following - index <= 8 and _wrapped_before(comments[following - 1], comments[following]):
                joined += " " + comments[following]
                if _parse_fields(_review_line(joined) or "")[1] is None:
                    text, lines = joined, list(range(index, following + 1))
                    break
                following += 1
        else:
            while (lines[-1] + 1 < len(comments) and review is None
                   and _wrapped_before(comments[lines[-1]], comments[lines[-1] + 1])):
                text += " " + comments[lines[-1] + 1]
                lines.append(lines[-1] + 1)
        groups.append((text, lines))
        index = lines[-1] + 1
    return groups


def parse_review(comments: Iterable[str]) -> tuple[Review | None, str | None]:
    """The review recorded in an entry's translator comments: (review, problem). A comment that
    cannot be read is (None, why): the message then counts as translated, and ``check`` says so."""
    line = None
    back: list[str] = []
    for text, _ in our_comments(list(comments)):
        review = _review_line(text)
        if review is not None:
            if line is not None:
                return None, "two review comments on one message"
            line = review
            continue
        back.append(_BACK_COMMENT.match(text).group(1))
    if line is None:
        return None, None
    fields, problem = _parse_fields(line)
    if problem:
        return None, problem
    state = fields.pop("")
    marks = {name.replace("-", "_"): fields.pop(name) for name in ("translated", "reviewed", "approved", "back-translated")
             if name in fields}
    return Review(state, fields.pop("source"), back_translation="\n".join(back) or None, **marks), None


def _parse_fields(line: str) -> tuple[dict, str | None]:
    """A review line's fields (the state under ``""``, marks as Mark, ``source``), or a problem."""
    fields: dict = {}
    parts = [part.strip() for part in line.split(";")]
    state, rest = parts[0], parts[1:]
    for part in rest:
        key, sep, value = part.partition("=")
        if not sep or key.strip() in fields:
            return {}, f"cannot read {part!r}"
        fields[key.strip()] = value.strip()
    if state not in STATES:
        return {}, f"unknown state {state!r} (one of {', '.join(STATES)})"
    out: dict = {"": state}
    for name in ("translated", "reviewed", "approved", "back-translated"):
        if name in fields:
            mark = Mark.parse(fields.pop(name))
            if mark is None:
                return {}, f"{name}= must be a name and a date, e.g. {name}=maria 2026-11-20"
            out[name] = mark
    source = fields.pop("source", "")
    if not re.fullmatch(r"[0-9a-f]{12}", source):
        return {}, "source= (what the review was given for) is missing or malformed"
    out["source"] = source
    if fields:
        return {}, f"unknown field {next(iter(fields))!r}"
    if state == APPROVED and "approved" not in out:
        return {}, "approved without approved=NAME DATE"
    if state == REVIEWED and "reviewed" not in out:
        return {}, "reviewed without reviewed=NAME DATE"
    return out, None


def review_of(entry: PoEntry) -> Review | None:
    """The review an entry records, or None (none, or one that cannot be read)."""
    return parse_review(entry.translator_comments)[0]


def state_of(entry: PoEntry, review: Review | None = None) -> str:
    """The state a message is in: its recorded state while its English is the one it was given for."""
    if not entry.translated or entry.fuzzy:
        return UNTRANSLATED
    review = review if review is not None else review_of(entry)
    if review is None:
        return TRANSLATED
    if review.source != entry_source(entry):
        return TRANSLATED if review.state == TRANSLATED else NEEDS_REVIEW
    return review.state


def _translator(entry: PoEntry) -> str | None:
    review = review_of(entry)
    return review.translated.name if review is not None and review.translated is not None else None


def _same_text(before: PoEntry, after: PoEntry) -> bool:
    return before.msgstr == after.msgstr and before.fuzzy == after.fuzzy


def message_key(entry: PoEntry) -> tuple[str | None, str | None]:
    """What makes two entries the same message across versions: the msgctxt, else the msgid."""
    return (entry.context, None) if entry.context else (None, entry.msgid)


# -- writing reviews into a catalog --------------------------------------------------------------


def with_reviews(po: PoFile, reviews: Mapping[tuple, Review | None]) -> bytes:
    """The catalog's bytes with each message's review comments replaced by ``reviews[message_key]``
    (removed for None); messages not in ``reviews`` keep theirs. Nothing else changes: every other
    line, comment and string stays byte for byte as it was."""
    lines = po.lines
    remove: set[int] = set()
    insert: dict[int, list[str]] = {}
    for entry in po.messages:
        key = message_key(entry)
        if key not in reviews:
            continue
        comment_lines = [number for number in range(entry.first_line, entry.line) if _COMMENT_LINE.match(lines[number - 1])]
        comments = [_COMMENT_LINE.match(lines[number - 1]).group(1).strip() for number in comment_lines]
        for _, indices in our_comments(comments):
            remove.update(comment_lines[index] for index in indices)
        review = reviews[key]
        if review is not None:
            insert[entry.first_line] = ["# " + line for line in review.comment_lines()]
    if not remove and not insert:
        return po.data
    out: list[str] = []
    for number, line in enumerate(lines, start=1):
        out.extend(insert.get(number, ()))
        if number not in remove:
            out.append(line)
    data = "\n".join(out).encode("utf-8")
    _verify(po, read_po(data), reviews)
    return data


def _verify(before: PoFile, after: PoFile, reviews: Mapping[tuple, Review | None]) -> None:
    """The rewritten catalog says exactly what the original said, but for the reviews asked for."""
    old, new = before.messages, after.messages
    same = len(old) == len(new) and all(
        (a.context, a.msgid, a.msgid_plural, a.msgstr, a.flags) == (b.context, b.msgid, b.msgid_plural, b.msgstr, b.flags)
        for a, b in zip(old, new)
    )
    if not same or any(review_of(entry) != reviews.get(message_key(entry), review_of(entry)) for entry in new):
        raise ReviewError("invalid", "the catalog could not be given its reviews without changing it (a comment "
                                     "continued with a backslash?); nothing was changed")


def carry(before: PoFile | None, upload: PoFile, translator: str | None, date: str | None = None) -> bytes:
    """An upload as published: reviews come from the published catalog, never from the upload.

    A message whose text (or fuzzy flag) is what the published catalog has keeps its published
    review. One whose text changed, or that is new, is ``translated`` by ``translator`` today, or
    ``needs-review`` when it had been reviewed or approved. An untranslated one has none.
    """
    date = date or today()
    published = {message_key(entry): entry for entry in before.messages} if before else {}
    reviews: dict[tuple, Review | None] = {}
    for entry in upload.messages:
        key = message_key(entry)
        old = published.get(key)
        old_review = review_of(old) if old is not None else None
        if old is not None and _same_text(old, entry):
            reviews[key] = old_review
        elif entry.translated:
            was_reviewed = old_review is not None and old_review.state != TRANSLATED
            reviews[key] = Review(NEEDS_REVIEW if was_reviewed else TRANSLATED, entry_source(entry),
                                  translated=Mark(translator, date) if translator and NAME.match(translator) else None)
        else:
            reviews[key] = None
    return with_reviews(upload, reviews)


def carry_restored(current: PoFile | None, restored: PoFile) -> bytes:
    """A restored revision as published again: a message whose text is the current one keeps its
    current review (the newer decision); another keeps the review its revision recorded for that
    very text (the server wrote it)."""
    now = {message_key(entry): entry for entry in current.messages} if current else {}
    reviews: dict[tuple, Review | None] = {}
    for entry in restored.messages:
        key = message_key(entry)
        same = now.get(key)
        reviews[key] = review_of(same) if same is not None and _same_text(same, entry) else review_of(entry)
    return with_reviews(restored, reviews)


def message_names(po: PoFile) -> dict[str, PoEntry]:
    """How a review names each message of a catalog: its msgctxt, or, for a message without one (an
    interface string), its msgid. A msgctxt wins over an equal msgid."""
    names: dict[str, PoEntry] = {}
    for entry in po.messages:
        if entry.context:
            names.setdefault(entry.context, entry)
    for entry in po.messages:
        if not entry.context:
            names.setdefault(entry.msgid, entry)
    return names


# Line breaks however they were typed; other control characters have no place in a comment line.
_LINE_BREAKS = re.compile(r"\r\n|[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]")
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f]")


def clean_back_translation(text: str) -> str:
    """A back-translation as its comment lines read back: line breaks made ``\\n``, other control
    characters dropped, each line stripped (a comment line keeps no outer spaces), no empty ends."""
    lines = _LINE_BREAKS.sub("\n", _CONTROLS.sub("", text)).replace("\t", " ").split("\n")
    return "\n".join(line.strip() for line in lines).strip()


@dataclass
class ReviewRequest:
    """What a reviewer asks of one catalog: an action on some messages (all translated ones of the
    catalog when ``everything``), and back-translations to attach. Messages are named as
    ``message_names`` does: by msgctxt, or by msgid when they have none."""

    action: str | None
    contexts: set[str] = field(default_factory=set)
    everything: bool = False
    back_translations: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Reviewed:
    """One message a review changed."""

    msgctxt: str | None
    msgid: str
    state: str
    previous_state: str

    def to_dict(self) -> dict:
        """The JSON form."""
        return {"msgctxt": self.msgctxt, "msgid": self.msgid, "state": self.state, "previous_state": self.previous_state}


def reviewed(po: PoFile, request: ReviewRequest, reviewer: str, date: str | None = None) -> tuple[bytes, list[Reviewed]]:
    """The catalog with a review applied by ``reviewer``: (bytes, what changed).

    ReviewError when a named message does not exist (``unknown``) or is not translated
    (``untranslated``), or when the reviewer translated a message they would review or approve
    (``own-text``: nobody approves their own text). Rejecting sends a message back to
    ``needs-review``, forgetting its reviewers. Back-translations are attached as
    ``clean_back_translation`` leaves them.
    """
    date = date or today()
    by_name = message_names(po)
    named = set(request.contexts) | set(request.back_translations)
    unknown = sorted(name for name in named if name not in by_name)
    if unknown:
        raise ReviewError("unknown", f"no message of this catalog has the msgctxt {unknown[0]!r} (nor that msgid, "
                                     "without a msgctxt)", unknown)
    named_ids = {id(by_name[name]) for name in request.contexts}
    backs = {id(by_name[name]): text for name, text in request.back_translations.items()}
    target_state = ACTIONS.get(request.action)
    # A whole catalog: every translated message not yet where the action takes it (an approved
    # message keeps its approver when a procedure is approved again). Named messages: each of them.
    already = {REVIEWED: {REVIEWED, APPROVED}, APPROVED: {APPROVED}, NEEDS_REVIEW: {NEEDS_REVIEW}}.get(target_state, set())
    targets = [entry for entry in po.messages
               if request.action and (id(entry) in named_ids
                                      or (request.everything and state_of(entry) not in already | {UNTRANSLATED}))]
    untranslated = sorted(entry.context or entry.msgid for entry in targets if state_of(entry) == UNTRANSLATED)
    if untranslated:
        raise ReviewError("untranslated", f"{untranslated[0]!r} is not translated (or is fuzzy): there is nothing to review",
                          untranslated)
    if request.action in ("review", "approve"):
        own = sorted(entry.context or entry.msgid for entry in targets if _translator(entry) == reviewer)
        if own:
            raise ReviewError("own-text", f"you translated {own[0]!r}: another reviewer must {request.action} it", own)
    for name, text in request.back_translations.items():
        if state_of(by_name[name]) == UNTRANSLATED:
            raise ReviewError("untranslated", f"{name!r} is not translated: there is nothing to back-translate", [name])
        if len(text) > MAX_BACK_TRANSLATION:
            raise ReviewError("invalid", f"the back-translation of {name!r} is longer than {MAX_BACK_TRANSLATION} characters")
    reviews: dict[tuple, Review | None] = {}
    changed: list[Reviewed] = []
    target_ids = {id(entry) for entry in targets}
    for entry in po.messages:
        is_target = id(entry) in target_ids
        back = backs.get(id(entry))
        if not is_target and back is None:
            continue
        before_state = state_of(entry)
        current = review_of(entry)
        if current is None or current.source != entry_source(entry):
            # No review yet, or one given for other English: start from what the message is now.
            current = Review(TRANSLATED if before_state == TRANSLATED else NEEDS_REVIEW, entry_source(entry),
                             translated=current.translated if current else None,
                             back_translated=current.back_translated if current else None,
                             back_translation=current.back_translation if current else None)
        updated = current
        if is_target:
            target_state = ACTIONS[request.action]
            if target_state == REVIEWED:
                updated = replace(updated, state=REVIEWED if updated.state != APPROVED else APPROVED,
                                  reviewed=Mark(reviewer, date))
            elif target_state == APPROVED:
                updated = replace(updated, state=APPROVED, approved=Mark(reviewer, date),
                                  reviewed=updated.reviewed or Mark(reviewer, date))
            else:
                updated = replace(updated, state=NEEDS_REVIEW, reviewed=None, approved=None)
        if back is not None:
            text = clean_back_translation(back)
            updated = replace(updated, back_translation=text or None, back_translated=Mark(reviewer, date) if text else None)
        if updated != review_of(entry):
            reviews[message_key(entry)] = updated
            changed.append(Reviewed(entry.context, entry.msgid, state_of(entry, updated), before_state))
    return (with_reviews(po, reviews) if reviews else po.data), changed


# -- what a worker serves ------------------------------------------------------------------------


@dataclass(frozen=True)
class MessageReview:
    """What a reader's document says of one message: its state and who did what, when."""

    state: str
    translated: Mark | None = None
    reviewed: Mark | None = None
    approved: Mark | None = None


UNKNOWN_TRANSLATED = MessageReview(TRANSLATED)
NOT_TRANSLATED = MessageReview(UNTRANSLATED)
ENGLISH = MessageReview(SOURCE)


def _mo_key(context: str | None, msgid: str) -> str:
    return context if context else "\x00" + msgid


def mo_states(po: PoFile) -> str | None:
    """The review states of a catalog's reviewed messages as JSON, for its compiled catalog (None
    when no message has a review comment: every translated message is then ``translated``)."""
    states = {}
    for entry in po.messages:
        review = review_of(entry)
        if review is None or entry.fuzzy or not entry.translated:
            continue
        row = [state_of(entry, review)]
        for mark in (review.translated, review.reviewed, review.approved):
            row += [mark.name, mark.date] if mark else [None, None]
        states[_mo_key(entry.context, entry.msgid)] = row
    return json.dumps({"v": 1, "m": states}, separators=(",", ":"), sort_keys=True) if states else None


def read_mo_states(text: str | None) -> dict[str, MessageReview]:
    """``mo_states`` read back (an empty mapping for None or anything unreadable)."""
    if not text:
        return {}
    try:
        document = json.loads(text)
        out = {}
        for key, row in document["m"].items():
            state = row[0] if row[0] in STATES else TRANSLATED
            marks = [Mark(row[i], row[i + 1]) if row[i] and row[i + 1] else None for i in (1, 3, 5)]
            out[key] = MessageReview(state, *marks)
        return out
    except (ValueError, KeyError, TypeError, IndexError):
        return {}


def lookup(states: Mapping[str, MessageReview], context: str | None, msgid: str) -> MessageReview:
    """The review of a translated message (``translated``, translator unknown, when none is recorded)."""
    return states.get(_mo_key(context, msgid), UNKNOWN_TRANSLATED)


# -- summaries -----------------------------------------------------------------------------------


def shares(states: Iterable[str]) -> dict[str, float]:
    """How much is approved, reviewed (or approved) and translated (in any state), 0 to 1, of a set
    of messages (cumulative: approved <= reviewed <= translated)."""
    states = list(states)
    total = len(states) or 1
    count = lambda names: sum(1 for state in states if state in names)  # noqa: E731
    if not states:
        return {"approved": 1.0, "reviewed": 1.0, "translated": 1.0}
    return {
        "approved": round(count({APPROVED, SOURCE}) / total, 4),
        "reviewed": round(count({APPROVED, REVIEWED, SOURCE}) / total, 4),
        "translated": round(count({APPROVED, REVIEWED, TRANSLATED, NEEDS_REVIEW, SOURCE}) / total, 4),
    }


def counts(po: PoFile) -> dict[str, int]:
    """How many messages of a catalog are in each state (revision stats)."""
    out = {state: 0 for state in (*STATES, UNTRANSLATED)}
    for entry in po.messages:
        out[state_of(entry)] += 1
    return out


# -- policy --------------------------------------------------------------------------------------


class PolicyError(ValueError):
    """A policy file or setting cannot be read; one line naming it."""


def policy_path(translations_dir: Path | str, locale: str) -> Path:
    """The locale's settings file: ``translations/<babel_id>/locale.toml``."""
    return Path(translations_dir) / to_babel_id(locale) / POLICY_FILE


def read_policy_file(path: Path) -> str | None:
    """``serve`` of a locale settings file (None when there is no file); PolicyError when it is wrong."""
    import tomllib

    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise PolicyError(f"{path}: cannot be read ({error})") from None
    serve = document.get("serve", DEFAULT_POLICY)
    if serve not in POLICIES:
        raise PolicyError(f"{path}: serve = {serve!r}; write serve = \"approved\" or serve = \"translated\"")
    return serve


def parse_policy_setting(value: str, locales: Iterable[str]) -> dict[str, str]:
    """``TRANSLATION_POLICY``: ``approved`` or ``translated`` for every locale, or ``es=approved,ar=translated``."""
    locales = tuple(locales)
    value = (value or "").strip()
    if not value:
        return {}
    if value in POLICIES:
        return {locale: value for locale in locales}
    out = {}
    for item in value.split(","):
        locale, sep, serve = item.strip().partition("=")
        code = next((code for code in locales if code.lower() == locale.strip().replace("_", "-").lower()), None)
        if not sep or code is None or serve.strip() not in POLICIES:
            raise PolicyError(f"TRANSLATION_POLICY: cannot read {item.strip()!r}; write 'approved', 'translated' or "
                              "'es=approved,ar=translated'")
        out[code] = serve.strip()
    return out


def policies(translations_dir: Path | str, locales: Iterable[str], setting: str = "") -> dict[str, str]:
    """Each locale's serving policy: the setting, else its ``locale.toml``, else ``approved``."""
    locales = tuple(locales)
    overrides = parse_policy_setting(setting, locales)
    out = {}
    for locale in locales:
        out[locale] = overrides.get(locale) or read_policy_file(policy_path(translations_dir, locale)) or DEFAULT_POLICY
    return out


def write_policy(translations_dir: Path | str, locale: str, serve: str) -> Path:
    """Write a locale's settings file with ``serve``."""
    from contentapi.i18n.catalogs import atomic_write

    if serve not in POLICIES:
        raise PolicyError(f"serve must be one of {', '.join(POLICIES)}, not {serve!r}")
    text = (
        "# What readers of this locale get (README: Clinical review).\n"
        "#   approved    only messages a reviewer approved; English, flagged, for the rest\n"
        "#   translated  every translation that passes the checks, with a notice on pages while any is not approved\n"
        f'serve = "{serve}"\n'
    )
    path = policy_path(translations_dir, locale)
    atomic_write(path, text.encode("utf-8"))
    return path
