"""Property tests: locale negotiation is total (never raises) on any input, and always answers
with a supported locale; the HTTP layer answers any lang or Accept-Language with 200 or 400."""

from __future__ import annotations

from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contentapi.i18n.locales import (
    SUPPORTED_LOCALES,
    is_valid_accept_language,
    is_well_formed,
    match_tag,
    negotiate,
    parse_accept_language,
)

tags = st.one_of(
    st.text(max_size=60),
    st.from_regex(r"[A-Za-z]{1,8}([-_][A-Za-z0-9]{1,8}){0,4}", fullmatch=True),
    st.sampled_from(["zh-Hant-TW", "zh-Hans-CN", "es-419", "sr-Latn-RS", "x-klingon", "i-default", "und", "root"]),
)
headers = st.one_of(
    st.text(max_size=300),
    st.lists(
        st.tuples(tags, st.one_of(st.none(), st.floats(allow_nan=True), st.text(max_size=5))), max_size=8
    ).map(lambda items: ", ".join(tag + ("" if q is None else f";q={q}") for tag, q in items)),
)


@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow])
@given(lang=st.one_of(st.none(), tags), header=st.one_of(st.none(), headers))
def test_negotiation_never_raises_and_always_answers_a_supported_locale(lang, header):
    assert negotiate(lang, header) in SUPPORTED_LOCALES
    assert isinstance(is_well_formed(lang or ""), bool)
    assert isinstance(is_valid_accept_language(header), bool)
    for tag, quality in parse_accept_language(header):
        assert 0 < quality <= 1 and tag
    if lang is not None:
        assert match_tag(lang) in (*SUPPORTED_LOCALES, None)


@settings(max_examples=150, deadline=None)
@given(lang=tags, header=st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), max_size=200))
def test_http_answers_any_language_input_with_200_or_400(live_server, lang, header):
    path = "/api/v1/procedures?lang=" + quote(lang, safe="")
    response = live_server.request("GET", path, {"Accept-Language": header})
    assert response.status in (200, 400)
    if response.status == 400:
        assert response.headers["Content-Type"] == "application/problem+json"
    else:
        assert response.headers["Content-Language"] in SUPPORTED_LOCALES
