"""Webhook entries of the partner registry: URL, Standard Webhooks secret and events are checked when
the registry loads, and a wrong entry is refused in one line naming file, partner and webhook."""

from __future__ import annotations

import pytest

from contentapi.changes.webhooks import new_secret
from contentapi.partners.registry import WEBHOOK_EVENTS, RegistryError, parse_registry

SECRET = new_secret()


def registry(*webhooks) -> dict:
    return {"partners": {"north": {"name": "North", "origins": ["https://north.example"], "webhooks": list(webhooks)}}}


def test_a_webhook_subscribes_to_its_events_or_to_all():
    parsed = parse_registry(registry({"url": "https://north.example/hooks", "secret": SECRET, "events": ["procedure.changed"]},
                                     {"url": "http://127.0.0.1:9000/", "secret": SECRET}))
    some, every = parsed.get("north").webhooks
    assert some.events == ("procedure.changed",) and every.events == WEBHOOK_EVENTS
    assert SECRET not in repr(some)  # the secret never shows in logs or reprs


@pytest.mark.parametrize(("entry", "message"), [
    ("https://north.example/hooks", "must be a table of url, secret and events"),
    ({"url": "https://north.example", "secret": SECRET, "verb": "PUT"}, "unknown field 'verb'"),
    ({"url": "ftp://north.example/", "secret": SECRET}, "absolute http(s) URL"),
    ({"url": "https://user:pw@north.example/", "secret": SECRET}, "without credentials"),
    ({"url": "https://north.example/", "secret": "hunter2"}, "whsec_ and 24 to 64 random bytes"),
    ({"url": "https://north.example/", "secret": "whsec_" + "A" * 8}, "whsec_ and 24 to 64 random bytes"),
    ({"url": "https://north.example/", "secret": SECRET, "events": []}, "events must be a list"),
    ({"url": "https://north.example/", "secret": SECRET, "events": ["page.viewed"]}, "unknown event 'page.viewed'"),
])
def test_a_wrong_entry_is_refused_in_one_line(entry, message):
    with pytest.raises(RegistryError) as raised:
        parse_registry(registry(entry), "partners.toml")
    text = str(raised.value)
    assert text.startswith("partners.toml: partner 'north': webhook 1") and message in text and "\n" not in text
