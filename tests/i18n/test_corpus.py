"""contentapi i18n check agrees with GNU gettext: every catalog the real ``msgfmt -c`` refuses, the
checker refuses too, on the mutation corpus (tests/i18n/corpus.py) and on random one-line changes
to the shipped catalogs."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contentapi.i18n.checks import check_po_bytes, has_errors
from contentapi.i18n.locales import to_babel_id
from tests.i18n.corpus import LOCALES, MUTATIONS, msgfmt_says, shipped, write_corpus


def msgfmt_refuses(path) -> bool:
    return msgfmt_says(path)[0] != 0


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return write_corpus(tmp_path_factory.mktemp("corpus"))


def test_the_corpus_has_at_least_forty_single_changes_to_the_shipped_catalogs(corpus):
    assert len(MUTATIONS) >= 40 and len({mutation.name for mutation in MUTATIONS}) == len(MUTATIONS)
    for mutation in MUTATIONS:
        changed = corpus[mutation.name][1].read_bytes()
        assert changed != shipped(mutation.locale).encode("utf-8"), mutation.name


@pytest.mark.parametrize("locale", LOCALES)
def test_msgfmt_and_check_accept_the_shipped_catalogs(corpus, locale):
    path = corpus[f"shipped-{locale}"][1]
    assert not msgfmt_refuses(path)
    assert not has_errors(check_po_bytes(path.read_bytes(), str(path)))


@pytest.mark.parametrize("name", [mutation.name for mutation in MUTATIONS])
def test_every_catalog_msgfmt_refuses_check_refuses_too(corpus, name):
    _, path = corpus[name]
    if msgfmt_refuses(path):
        findings = check_po_bytes(path.read_bytes(), str(path))
        assert has_errors(findings), f"msgfmt -c refuses {name}; check: {[f.format() for f in findings]}"


PIECES = [
    '"', "\\", "%", "% ", "50%", "%(num)s", "%(num)d", "%s", "%5.2f", "%1$s", "%(", ")", "{", "}", "{0}", "{num}",
    "\\n", "\\t", "\\x", "\\x41", "\\101", "\\0", "\\'", "#", "#, fuzzy", "#, python-format", "#, c-format", "#~ ", "#~ \"",
    "msgstr ", "msgid ", "msgctxt ", "msgid_plural ", "msgstr[0] ", "msgstr[2] ", "nplurals=1", "plural=0", "n%10", ";",
    "#| ", "#| msgid ", "#~| ", "#~ msgid ", '" "', "\\\n",
    " ", "\t", "\r", "\u00e9", "\ufeff", "\n", "",
]


@st.composite
def one_line_changes(draw):
    """A shipped catalog with one line deleted, doubled, swapped with the next, or given one piece."""
    locale = draw(st.sampled_from(LOCALES))
    lines = shipped(locale).split("\n")
    at = draw(st.integers(0, len(lines) - 2))
    operation = draw(st.sampled_from(["delete", "double", "swap", "insert", "replace"]))
    if operation == "delete":
        del lines[at]
    elif operation == "double":
        lines.insert(at, lines[at])
    elif operation == "swap":
        lines[at], lines[at + 1] = lines[at + 1], lines[at]
    else:
        position = draw(st.integers(0, len(lines[at])))
        end = position + (operation == "replace")
        lines[at] = lines[at][:position] + draw(st.sampled_from(PIECES)) + lines[at][end:]
    return locale, "\n".join(lines).encode("utf-8")


@settings(max_examples=200, deadline=None)
@given(one_line_changes())
def test_random_one_line_changes_that_msgfmt_refuses_are_refused(tmp_path_factory, change):
    locale, data = change
    path = tmp_path_factory.mktemp("change") / to_babel_id(locale) / "LC_MESSAGES" / "messages.po"
    path.parent.mkdir(parents=True)
    path.write_bytes(data)
    if msgfmt_refuses(path):
        assert has_errors(check_po_bytes(data, str(path))), data.decode("utf-8", "replace")


def test_readme_shows_the_table_measured_on_the_corpus():
    """README "Compared with msgfmt -c and pofilter" is what the three tools say today, not a claim."""
    from contentapi.config import REPOSITORY_DIR
    from tests.i18n.corpus import measure, table

    measured = table(measure())
    assert measured in (REPOSITORY_DIR / "README.md").read_text(encoding="utf-8"), (
        "README's corpus table is stale; paste the output of: python -m tests.i18n.corpus --table\n" + measured
    )
