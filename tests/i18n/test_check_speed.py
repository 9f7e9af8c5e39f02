"""Checking takes linear time: a 1 MiB catalog of adversarial strings is checked within a generous
bound (the target is 2 s, measured by ``python -m benchmarks checks``), every text feature the
checker computes takes one pass over each pattern, and markdown-it itself grows linearly
on those patterns, which is why a budget of its work (not a regular expression of ours) bounds it."""

from __future__ import annotations

import time

import pytest

from benchmarks.checks import ONE_WORD_ENTRIES, PATTERNS, adversarial_catalog, one_word_catalog
from contentapi.content.markdown import block_tokens, inline_tokens
from contentapi.i18n import features, markup
from contentapi.i18n.checks import DOUBLED_WORD, _controls, check_po_bytes, has_errors
from contentapi.i18n.markup import Rendered

GENEROUS_SECONDS = 6.0  # three times the target, for a machine shared with other work

CATALOGS = [*PATTERNS, ONE_WORD_ENTRIES]


def cpu_seconds(function, *args) -> float:
    """The least CPU time of three calls (the least disturbed by other processes)."""
    times = []
    for _ in range(3):
        started = time.process_time()
        function(*args)
        times.append(time.process_time() - started)
    return min(times)


@pytest.mark.slow
@pytest.mark.parametrize("name", CATALOGS)
def test_a_1_mib_adversarial_catalog_is_checked_within_a_generous_bound(name):
    data = one_word_catalog() if name == ONE_WORD_ENTRIES else adversarial_catalog([PATTERNS[name]])
    assert len(data) >= 1024 * 1024
    assert cpu_seconds(check_po_bytes, data, "es/LC_MESSAGES/messages.po") < GENEROUS_SECONDS
    assert has_errors(check_po_bytes(data, "es/LC_MESSAGES/messages.po"))


def text_features(text: str) -> None:
    """Everything the checker computes from a text apart from parsing it as Markdown."""
    features.placeholders(text)
    features.placeholders(text, printf_format=True)
    features.numbers(text)
    features.text_urls(text)
    features.end_class(text)
    features.letter_count(text)
    list(DOUBLED_WORD.finditer(text))
    rendered = Rendered((), features.Counter(), features.Counter({text: 1}), text)
    markup.unsafe_parts(rendered)
    _controls(text, rendered)
    markup.markdown_cost(text, as_list=True)


@pytest.mark.parametrize("name", PATTERNS)
def test_every_text_feature_takes_one_pass_over_a_quarter_mib(name):
    """About 0.1 s each; a quadratic pattern would take minutes on 256 KiB."""
    unit = PATTERNS[name]
    text = unit * (256 * 1024 // len(unit))
    started = time.process_time()
    text_features(text)
    assert time.process_time() - started < 1.0


@pytest.mark.slow
@pytest.mark.parametrize("name", PATTERNS)
def test_markdown_it_grows_linearly_on_each_pattern(name):
    """Four times the text takes about four times as long (quadratic would be sixteen)."""
    unit = PATTERNS[name]
    short, long = (unit * (n // len(unit)) for n in (5_000, 20_000))
    for parse in (inline_tokens, block_tokens):
        ratio = cpu_seconds(parse, long) / max(cpu_seconds(parse, short), 1e-4)
        assert ratio < 8, f"{parse.__name__}: {ratio:.1f}x for 4x the text"
