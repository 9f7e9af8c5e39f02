"""The locales we serve and how a request's language is chosen.

Order: ``?lang=`` (BCP 47, any case, ``-`` or ``_``), then ``Accept-Language``
by q-value, then English. A tag matches a supported locale on language and
script, with the script filled in from CLDR likely subtags, so ``zh``, ``zh-CN``,
``zh-SG`` and ``zh-Hans-CN`` all reach ``zh-Hans`` while ``zh-TW`` (Traditional
script) does not. Nothing here raises on any input: malformed parts are skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from babel import Locale
from babel.core import UnknownLocaleError, get_global

DEFAULT_LOCALE = "en"
# The order of this tuple is the order of the language switcher.
SUPPORTED_LOCALES = ("en", "es", "zh-Hans", "vi", "ko", "ar", "ru")

MAX_TAG_LENGTH = 35
MAX_ACCEPT_LANGUAGE_LENGTH = 1024
_TAG = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*$")
_RANGE = re.compile(r"^\s*(?P<tag>\*|[A-Za-z]{1,8}(?:[-_][A-Za-z0-9]{1,8})*)\s*(?:;\s*q\s*=\s*(?P<q>[0-9](?:\.[0-9]{0,3})?))?\s*$")


@dataclass(frozen=True)
class LocaleInfo:
    """A supported locale: BCP 47 code, Babel identifier, names and direction."""

    code: str
    babel_id: str
    name: str
    english_name: str
    direction: str

    @property
    def babel_locale(self) -> Locale:
        """The Babel Locale, for formatting dates and numbers."""
        return Locale.parse(self.babel_id)


def to_babel_id(code: str) -> str:
    """``zh-Hans`` to ``zh_Hans``: the folder name of a locale's catalog."""
    return code.replace("-", "_")


def to_bcp47(babel_id: str) -> str:
    """``zh_Hans`` to ``zh-Hans``."""
    return babel_id.replace("_", "-")


@lru_cache(maxsize=None)
def locale_info(code: str) -> LocaleInfo:
    """Names and direction of a supported locale, from CLDR through Babel."""
    locale = Locale.parse(to_babel_id(code))
    return LocaleInfo(
        code=code,
        babel_id=to_babel_id(code),
        name=locale.get_display_name(locale),
        english_name=locale.get_display_name("en"),
        direction=locale.text_direction,
    )


def translatable_locale(name: str | None, supported: tuple[str, ...] = SUPPORTED_LOCALES) -> str | None:
    """The served locale a catalog, path or command names (``zh_Hans``, ``ZH-hans``), or None.

    English, the source language, has no catalog and is never translatable.
    """
    if not isinstance(name, str):
        return None
    wanted = to_bcp47(name.strip()).lower()
    return next((code for code in supported if code != DEFAULT_LOCALE and code.lower() == wanted), None)


def is_well_formed(tag: str) -> bool:
    """True if ``tag`` looks like a BCP 47 language tag (``-`` or ``_`` separated)."""
    return isinstance(tag, str) and len(tag) <= MAX_TAG_LENGTH and bool(_TAG.match(tag))


@lru_cache(maxsize=4096)
def _language_and_script(tag: str) -> tuple[str, str | None] | None:
    try:
        locale = Locale.parse(tag.replace("-", "_"))
    except (ValueError, TypeError, UnknownLocaleError):
        # Unknown to CLDR with a region or variant: fall back to the bare language.
        language = tag.replace("_", "-").split("-")[0].lower()
        try:
            locale = Locale.parse(language)
        except (ValueError, TypeError, UnknownLocaleError):
            return None
    script = locale.script
    if script is None:
        likely = get_global("likely_subtags").get(locale.language)
        if likely:
            parts = likely.split("_")
            script = next((part for part in parts[1:] if len(part) == 4), None)
    return locale.language, script


@lru_cache(maxsize=None)
def _supported_keys(supported: tuple[str, ...]) -> dict[tuple[str, str | None], str]:
    return {_language_and_script(code): code for code in supported}


def match_tag(tag: str, supported: tuple[str, ...] = SUPPORTED_LOCALES) -> str | None:
    """The supported locale a single language tag resolves to, or None."""
    if not is_well_formed(tag):
        return None
    key = _language_and_script(tag)
    if key is None:
        return None
    return _supported_keys(supported).get(key)


def parse_accept_language(header: str | None) -> list[tuple[str, float]]:
    """Language ranges with their q-values, best first; malformed ranges are skipped."""
    if not header or len(header) > MAX_ACCEPT_LANGUAGE_LENGTH:
        return []
    ranges = []
    for position, part in enumerate(header.split(",")):
        match = _RANGE.match(part)
        if not match:
            continue
        quality = float(match["q"]) if match["q"] is not None else 1.0
        if 0 < quality <= 1:
            ranges.append((quality, -position, match["tag"]))
    return [(tag, quality) for quality, _, tag in sorted(ranges, reverse=True)]


def is_valid_accept_language(header: str | None) -> bool:
    """True if every comma-separated range in the header is well formed (RFC 9110 12.5.4)."""
    if header is None:
        return True
    if len(header) > MAX_ACCEPT_LANGUAGE_LENGTH:
        return False
    parts = [part for part in header.split(",") if part.strip()]
    return all(_RANGE.match(part) for part in parts)


def negotiate(lang: str | None, accept_language: str | None, supported: tuple[str, ...] = SUPPORTED_LOCALES) -> str:
    """The locale to serve for a ``?lang=`` value and an ``Accept-Language`` header.

    Never raises. Validation of a malformed ``lang`` (answered with 400) is the
    caller's job through ``is_well_formed``; here it is simply ignored.
    """
    if lang:
        matched = match_tag(lang, supported)
        return matched or DEFAULT_LOCALE
    for tag, _ in parse_accept_language(accept_language):
        if tag == "*":
            return DEFAULT_LOCALE if DEFAULT_LOCALE in supported else supported[0]
        matched = match_tag(tag, supported)
        if matched:
            return matched
    return DEFAULT_LOCALE
