"""The export tree and a set of live responses are byte-identical to the committed snapshots
(``tests/delivery/snapshot.py`` says when and how to regenerate them)."""

from __future__ import annotations

import json

import pytest

from tests.delivery.snapshot import SNAPSHOTS, export_digests, responses


@pytest.fixture(scope="module")
def shipped_app(translations_dir):
    from contentapi import create_app

    return create_app({"TESTING": True, "TRANSLATIONS_DIR": str(translations_dir)})


def test_the_export_is_byte_identical_to_the_snapshot(shipped_app):
    expected = json.loads((SNAPSHOTS / "export.json").read_text(encoding="utf-8"))
    assert export_digests(shipped_app) == expected


def test_live_responses_are_identical_to_the_snapshot(shipped_app):
    expected = json.loads((SNAPSHOTS / "responses.json").read_text(encoding="utf-8"))
    got = responses(shipped_app)
    assert [entry["request"] for entry in got] == [entry["request"] for entry in expected]
    for before, after in zip(expected, got):
        assert after == before, before["request"]
