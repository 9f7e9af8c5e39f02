"""The content loader: the seed procedure parses whole, and every kind of malformed file stops
start-up with one message naming the file and the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from contentapi import create_app
from contentapi.config import DEFAULTS
from contentapi.content import ContentError, load_library

SEED = Path(DEFAULTS["CONTENT_DIR"]) / "kyphoplasty-and-vertebroplasty.md"
# The original hospital page our seed procedure was written from, as the project received it.
SEED_TEXT = Path(__file__).with_name("data") / "seed-kyphoplasty-and-vertebroplasty.txt"

GOOD = """---
slug: {slug}
title: Example procedure
summary: A short summary.
reviewed: 2026-01-01
next_review: 2027-01-01
attribution: Example hospital.
---

## Overview {{#overview}}

A paragraph.
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_seed_procedure_has_the_five_sections_in_order():
    library = load_library(DEFAULTS["CONTENT_DIR"])
    procedure = library.get("kyphoplasty-and-vertebroplasty")
    assert [section.id for section in procedure.sections] == ["overview", "how-it-works", "procedure", "aftercare", "risks"]
    assert procedure.next_review > procedure.reviewed


def test_seed_procedure_keeps_every_sentence_of_the_source_page():
    library = load_library(DEFAULTS["CONTENT_DIR"])
    procedure = library.get("kyphoplasty-and-vertebroplasty")
    ours = " ".join(
        block.source.replace("\n- ", " ").lstrip("- ") for section in procedure.sections for block in section.blocks
    ).lower()
    source = SEED_TEXT.read_text(encoding="utf-8").split("\n", 1)[1].rsplit("Patient-Centered Care", 1)[0]
    body_lines = [line.strip() for line in source.splitlines() if line.strip() and not line.strip().endswith("?")]
    headings = {"vertebroplasty and kyphoplasty procedures"}
    words_missing = []
    for line in body_lines:
        if line.lower() in headings:
            continue
        for word in line.lower().replace(",", " ").replace(".", " ").split():
            if word not in ours:
                words_missing.append(word)
    assert words_missing == []


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("no front matter\n", 1, 'must start with a "---"'),
        ("---\nslug: x\ntitle: [unclosed\n---\n", 3, "not valid YAML"),
        (GOOD.format(slug="ok").replace("title: Example procedure\n", ""), 1, 'missing "title"'),
        (GOOD.format(slug="ok").replace("{#overview}", "{#overveiw}"), 10, 'unknown section id "overveiw"'),
        (GOOD.format(slug="Bad Slug"), 2, "slug must be lowercase"),
        (GOOD.format(slug="ok").replace("reviewed: 2026-01-01", "reviewed: soon"), 5, '"reviewed" must be a date'),
        (GOOD.format(slug="ok").replace("## Overview {#overview}", "## Overview"), 10, "needs a stable id"),
        (GOOD.format(slug="ok").replace("A paragraph.", "    code block"), 12, "unsupported Markdown"),
        (GOOD.format(slug="ok") + "\n# Big heading\n", 14, "only \"##\" section headings"),
        (GOOD.format(slug="ok").replace("slug: ok", "slug: ok\nslug: ok"), 3, "appears twice"),
    ],
)
def test_malformed_file_names_file_and_line(tmp_path, text, line, message):
    path = write(tmp_path, "broken.md", text)
    with pytest.raises(ContentError) as raised:
        load_library(tmp_path)
    assert raised.value.path == path
    assert raised.value.line == line
    assert message in str(raised.value)
    assert str(raised.value).startswith(f"{path}:{line}: ")


def test_duplicate_slug_names_the_second_file(tmp_path):
    write(tmp_path, "a.md", GOOD.format(slug="same"))
    second = write(tmp_path, "b.md", GOOD.format(slug="same"))
    with pytest.raises(ContentError, match='duplicate slug "same"') as raised:
        load_library(tmp_path)
    assert raised.value.path == second and raised.value.line == 2


def test_dangling_related_slug_is_refused(tmp_path):
    write(tmp_path, "a.md", GOOD.format(slug="a").replace("attribution:", "related: [nope]\nattribution:"))
    with pytest.raises(ContentError, match='related slug "nope"'):
        load_library(tmp_path)


def test_malformed_content_stops_start_up_with_one_line(tmp_path, translations_dir, caplog):
    write(tmp_path, "good.md", GOOD.format(slug="good"))
    broken = write(tmp_path, "broken.md", GOOD.format(slug="broken").replace("{#overview}", "{#nope}"))
    with pytest.raises(SystemExit) as raised:
        create_app({"CONTENT_DIR": str(tmp_path), "TRANSLATIONS_DIR": str(translations_dir), "TRUSTED_HOSTS": "localhost"})
    message = str(raised.value.code)
    assert message == f'contentapi cannot start: {broken}:10: unknown section id "nope" (known: ' + message.split("(known: ")[1]
    assert "\n" not in message


def test_content_dir_from_the_environment(tmp_path, translations_dir, monkeypatch):
    write(tmp_path, "other.md", GOOD.format(slug="hospital-own-procedure"))
    monkeypatch.setenv("CONTENTAPI_CONTENT_DIR", str(tmp_path))
    monkeypatch.setenv("CONTENTAPI_TRANSLATIONS_DIR", str(translations_dir))
    monkeypatch.setenv("CONTENTAPI_TRUSTED_HOSTS", "localhost")
    app = create_app()
    response = app.test_client().get("/api/v1/procedures")
    assert [entry["slug"] for entry in response.get_json()["procedures"]] == ["hospital-own-procedure"]
