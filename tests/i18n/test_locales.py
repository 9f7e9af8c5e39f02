"""Locale negotiation: the documented order and fallbacks, over real HTTP."""

from __future__ import annotations

import pytest

from contentapi.i18n.locales import SUPPORTED_LOCALES, locale_info, negotiate, parse_accept_language
from tests.helpers import SLUG

CASES = [
    # (?lang=, Accept-Language, locale served)
    (None, None, "en"),
    ("es", None, "es"),
    ("ES", None, "es"),
    ("es-MX", None, "es"),
    ("es_mx", None, "es"),
    ("zh", None, "zh-Hans"),
    ("zh-CN", None, "zh-Hans"),
    ("zh_SG", None, "zh-Hans"),
    ("zh-Hans-CN", None, "zh-Hans"),
    ("zh-hans", None, "zh-Hans"),
    ("zh-TW", None, "en"),
    ("fr", None, "en"),
    ("ar-EG", None, "ar"),
    ("ko-KR", "es", "ko"),
    ("fr", "es", "en"),
    (None, "es-MX", "es"),
    (None, "es-MX,es;q=0.9,en;q=0.8", "es"),
    (None, "fr-CA, ru;q=0.7, es;q=0.6", "ru"),
    (None, "de;q=0.9, vi;q=0.95", "vi"),
    (None, "en;q=0.1, ar", "ar"),
    (None, "zh-TW, zh-CN;q=0.5", "zh-Hans"),
    (None, "zh", "zh-Hans"),
    (None, "fr, de", "en"),
    (None, "*", "en"),
    (None, "ko;q=0", "en"),
    (None, "en-GB", "en"),
]


@pytest.mark.parametrize(("lang", "accept", "served"), CASES)
def test_locale_served_over_http(live_server, lang, accept, served):
    path = f"/api/v1/procedures/{SLUG}" + (f"?lang={lang}" if lang is not None else "")
    headers = {"Accept-Language": accept} if accept is not None else {}
    response = live_server.request("GET", path, headers)
    assert response.status == 200
    assert response.headers["Content-Language"] == served
    assert response.json()["locale"] == served
    # The header chose the locale only when there was no lang: Vary says so exactly then.
    assert ("Accept-Language" in response.headers["Vary"]) is (lang is None)


@pytest.mark.parametrize(("lang", "accept", "served"), CASES)
def test_negotiate_matches_the_table(lang, accept, served):
    assert negotiate(lang, accept) == served


def test_accept_language_orders_by_quality_then_position():
    assert parse_accept_language("a;q=0.5, b, c;q=0.5, d;q=1.0") == [("b", 1.0), ("d", 1.0), ("a", 0.5), ("c", 0.5)]


def test_locale_names_come_from_cldr_in_their_own_language():
    names = {code: locale_info(code) for code in SUPPORTED_LOCALES}
    assert names["es"].name == "español" and names["es"].english_name == "Spanish"
    assert names["zh-Hans"].name == "中文 (简体)"
    assert names["ar"].direction == "rtl"
    assert {info.direction for code, info in names.items() if code != "ar"} == {"ltr"}
