"""Translator tokens on a real file: verify, scopes, revoke, and a damaged file."""

from __future__ import annotations

import json

import pytest

from contentapi.i18n.tokens import TokenError, TokenStore, hash_token, parse_locales


def test_a_token_verifies_to_its_translator_and_scopes(tmp_path):
    store = TokenStore(tmp_path / "tokens.json")
    maria = store.add("maria", ("es", "ar"))
    li = store.add("li", ("zh-Hans",))
    assert maria != li and maria.startswith("ctr_")
    translator = store.verify(maria)
    assert (translator.name, translator.locales) == ("maria", ("es", "ar"))
    assert translator.may_publish("ar") and not translator.may_publish("zh-Hans")
    assert store.verify(li).name == "li"
    for wrong in (None, "", maria[:-1], maria + "x", hash_token(maria), "x" * 10_000):
        assert store.verify(wrong) is None


def test_revoked_tokens_stop_working_and_names_stay_unique(tmp_path):
    store = TokenStore(tmp_path / "tokens.json")
    token = store.add("maria", ("es",))
    with pytest.raises(TokenError, match="exists"):
        store.add("maria", ("ru",))
    store.revoke("maria")
    assert store.verify(token) is None
    assert store.names() == []
    with pytest.raises(TokenError, match="no token"):
        store.revoke("maria")


def test_only_hashes_are_stored(tmp_path):
    path = tmp_path / "tokens.json"
    token = TokenStore(path).add("maria", ("es",))
    text = path.read_text(encoding="utf-8")
    assert token not in text and token[4:] not in text
    assert json.loads(text)["tokens"][0]["sha256"] == hash_token(token)


def test_a_damaged_tokens_file_is_an_error_not_an_open_door(tmp_path):
    path = tmp_path / "tokens.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(TokenError, match="unreadable") as caught:
        TokenStore(path).verify("ctr_anything")
    assert "ctr_anything" not in str(caught.value)
    path.write_text('{"tokens": [{"name": "x", "locales": ["es"], "sha256": 5}]}', encoding="utf-8")
    assert TokenStore(path).verify("ctr_anything") is None


def test_locales_are_parsed_strictly():
    assert parse_locales("es, AR,zh_hans") == ("es", "ar", "zh-Hans")
    for bad in ("en", "fr", "", ","):
        with pytest.raises(TokenError):
            parse_locales(bad)
