"""Translator tokens: one per person, scoped to locales and roles, stored only as hashes.

Plain Python, no Flask. The file named by ``CONTENTAPI_TOKENS`` is JSON::

    {"version": 1, "tokens": [{"name": "maria", "locales": ["es"], "roles": ["translator"],
                               "sha256": "...", "created": "..."}]}

Roles: ``translator`` publishes and restores text, ``reviewer`` marks messages reviewed or approved
(and attaches back-translations), ``admin`` does both; every role may read catalogs, their history
and previews. A token written before roles existed is a ``translator``'s. The token's name is who
a revision, a translation and a review are recorded as (and what readers' documents show).

A token is ``ctr_`` + 32 random bytes (``secrets.token_urlsafe``), shown once by
``contentapi tokens add``; a SHA-256 of such a high-entropy secret cannot be
reversed or guessed, so no slow password hash is needed. Presented tokens are
compared with ``hmac.compare_digest`` against every stored hash, and the file is
read on each check, so ``revoke`` takes effect in every server process at once.
Tokens are never logged or put in error messages.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import hmac
import json
import os
import re
import secrets
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from contentapi.i18n.catalogs import atomic_write
from contentapi.i18n.locales import DEFAULT_LOCALE, SUPPORTED_LOCALES

TOKEN_PREFIX = "ctr_"
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
MAX_TOKEN_LENGTH = 200


class TokenError(Exception):
    """The tokens file or a command's arguments are wrong; one line, never containing a token."""


TRANSLATOR = "translator"
REVIEWER = "reviewer"
ADMIN = "admin"
ROLES = (TRANSLATOR, REVIEWER, ADMIN)


@dataclass(frozen=True)
class Translator:
    """Who a valid token belongs to, which locales it may work on and in which roles."""

    name: str
    locales: tuple[str, ...]
    roles: tuple[str, ...] = (TRANSLATOR,)

    def may_publish(self, locale: str) -> bool:
        """True if this token is scoped to ``locale`` (reading catalogs needs nothing more)."""
        return locale in self.locales

    def has_role(self, role: str) -> bool:
        """True if this token has ``role`` (an admin has every role)."""
        return role in self.roles or ADMIN in self.roles


def parse_roles(value: str) -> tuple[str, ...]:
    """``translator,reviewer`` to roles; TokenError for others."""
    roles = []
    for item in (part.strip().lower() for part in value.split(",")):
        if not item:
            continue
        if item not in ROLES:
            raise TokenError(f"{item!r} is not a role ({', '.join(ROLES)})")
        if item not in roles:
            roles.append(item)
    if not roles:
        raise TokenError(f"give at least one role ({', '.join(ROLES)}), e.g. --roles reviewer")
    return tuple(roles)


def hash_token(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def parse_locales(value: str) -> tuple[str, ...]:
    """``es,ar`` to served locale codes (any case, ``-`` or ``_``); TokenError for others."""
    out = []
    for item in (part.strip() for part in value.split(",")):
        if not item:
            continue
        code = next((c for c in SUPPORTED_LOCALES if c.lower() == item.replace("_", "-").lower()), None)
        if code is None or code == DEFAULT_LOCALE:
            raise TokenError(f"{item!r} is not a translatable locale ({', '.join(SUPPORTED_LOCALES[1:])})")
        if code not in out:
            out.append(code)
    if not out:
        raise TokenError("give at least one locale, e.g. --locales es,ar")
    return tuple(out)


class TokenStore:
    """The tokens file."""

    def __init__(self, path: Path | str):
        self.path = Path(path)

    def _read(self) -> list[dict]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError) as error:
            raise TokenError(f"{self.path}: tokens file is unreadable ({type(error).__name__})") from None
        if not isinstance(data, dict) or not isinstance(data.get("tokens"), list):
            raise TokenError(f"{self.path}: tokens file must be an object with a 'tokens' list")
        return [entry for entry in data["tokens"] if isinstance(entry, dict)]

    def _write(self, entries: list[dict]) -> None:
        body = json.dumps({"version": 1, "tokens": entries}, indent=2, ensure_ascii=False) + "\n"
        atomic_write(self.path, body.encode("utf-8"))
        os.chmod(self.path, 0o600)

    @contextmanager
    def _locked(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_name(self.path.name + ".lock"), "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield

    def names(self) -> list[dict]:
        """Every token's name, locales, roles and creation time (never the hash)."""
        return [{"name": e.get("name"), "locales": e.get("locales"), "roles": e.get("roles") or [TRANSLATOR],
                 "created": e.get("created")} for e in self._read()]

    def add(self, name: str, locales: tuple[str, ...], roles: tuple[str, ...] = (TRANSLATOR,)) -> str:
        """Create a token for ``name``; return it (the only time it is ever available)."""
        if not NAME.match(name or ""):
            raise TokenError("a token name is 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit")
        with self._locked():
            entries = self._read()
            if any(entry.get("name") == name for entry in entries):
                raise TokenError(f"a token named {name!r} exists; revoke it first")
            token = TOKEN_PREFIX + secrets.token_urlsafe(32)
            entries.append(
                {
                    "name": name,
                    "locales": list(locales),
                    "roles": list(roles),
                    "sha256": hash_token(token),
                    "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                }
            )
            self._write(entries)
        return token

    def revoke(self, name: str) -> None:
        """Delete the token named ``name``; TokenError if there is none."""
        with self._locked():
            entries = self._read()
            kept = [entry for entry in entries if entry.get("name") != name]
            if len(kept) == len(entries):
                raise TokenError(f"no token is named {name!r}")
            self._write(kept)

    def verify(self, token: str | None) -> Translator | None:
        """The translator a presented token belongs to, or None; compared in constant time."""
        if not token or len(token) > MAX_TOKEN_LENGTH:
            return None
        presented = hash_token(token)
        found = None
        for entry in self._read():
            stored = entry.get("sha256")
            # Compare with every entry (no early exit) so timing says nothing about which matched.
            if isinstance(stored, str) and hmac.compare_digest(stored.encode("ascii", "replace"), presented.encode("ascii")):
                found = entry
        if found is None:
            return None
        locales = tuple(code for code in found.get("locales") or () if code in SUPPORTED_LOCALES)
        roles = found.get("roles")
        roles = tuple(role for role in roles if role in ROLES) if isinstance(roles, list) else (TRANSLATOR,)
        return Translator(str(found.get("name")), locales, roles)
