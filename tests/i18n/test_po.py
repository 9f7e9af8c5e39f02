"""The one .po reader reads strings as GNU msgfmt does, or refuses them: every escape it accepts means
the same text to msgfmt (checked with the real msgfmt and msgunfmt), and hostile shapes cost one pass."""

from __future__ import annotations

import subprocess
import time

import pytest

from contentapi.i18n.checks import check_po_bytes
from contentapi.i18n.po import PoSyntaxError, read_po

HEADER = (
    'msgid ""\nmsgstr ""\n"Language: es\\n"\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
    '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n\n'
)


def msgfmt_reads(tmp_path, body: str) -> str | None:
    """The msgstr of ``msgid "a"`` as msgfmt compiles it, or None when msgfmt refuses the file."""
    po, mo = tmp_path / "e.po", tmp_path / "e.mo"
    po.write_text(HEADER + body, encoding="utf-8")
    if subprocess.run(["msgfmt", "-o", str(mo), str(po)], capture_output=True).returncode != 0:
        return None
    from gettext import GNUTranslations

    with open(mo, "rb") as handle:
        try:
            return GNUTranslations(handle).gettext("a")
        except UnicodeDecodeError:
            return "(not UTF-8: Python's gettext cannot load what msgfmt wrote)"


@pytest.mark.parametrize("escaped", [
    r"\n", r"\t", r"\\", r"\"", r"\a", r"\101", r"\x41", r"\x041", r"\1010",  # read alike
    r"\'", r"\?", r"\e", r"\u00e9", r"\x",  # msgfmt: invalid control sequence
    r"\xc3\xa9", r"\303\251", r"\xff", r"\0",  # bytes to msgfmt, characters to a text reader: refused here
])
def test_escapes_mean_what_msgfmt_reads_or_are_refused(tmp_path, escaped):
    body = f'msgid "a"\nmsgstr "b{escaped}c"\n'
    theirs = msgfmt_reads(tmp_path, body)
    try:
        ours = read_po((HEADER + body).encode()).messages[0].msgstr[0]
    except PoSyntaxError:
        ours = None
    if ours is not None:
        assert ours == theirs
    if escaped in (r"\xc3\xa9", r"\303\251", r"\xff", r"\0"):
        assert theirs is not None and ours is None  # accepted by msgfmt with another meaning; refused here


def test_a_plural_index_of_thousands_of_digits_is_a_finding_not_a_crash():
    data = (HEADER + 'msgid "a"\nmsgid_plural "b"\nmsgstr[' + "9" * 5000 + '] "x"\n').encode()
    assert {f.check for f in check_po_bytes(data, "es.po")} == {"unparsable"}


@pytest.mark.parametrize("shape", ["continuation lines", "escapes", "previous msgid lines"])
def test_long_strings_are_read_in_one_pass(shape):
    """A 1 MiB string in 4-byte pieces: a reader that re-copies what it has read takes seconds."""
    pieces = 250_000
    if shape == "continuation lines":
        body = 'msgid "a"\nmsgstr ""\n' + '"a"\n' * pieces
    elif shape == "escapes":
        body = 'msgid "a"\nmsgstr "' + r"\101" * pieces + '"\n'
    else:
        body = '#, fuzzy\n#| msgid ""\n' + '#| "a"\n' * pieces + 'msgid "a"\nmsgstr "b"\n'
    started = time.process_time()
    read_po((HEADER + body).encode())
    assert time.process_time() - started < 1.5


@pytest.mark.parametrize("body", [
    'msgid "a"\n# a comment\nmsgstr "b"\n',  # comments go above an entry
    'msgctxt "c"\n#: file.py:1\nmsgid "a"\nmsgstr "b"\n',
    'msgid "a"\nmsgstr "b"\n#~ "c"\n',  # an obsolete string cannot continue an active entry
    '#~ msgid "c"\nmsgstr "d"\n\nmsgid "a"\nmsgstr "b"\n',
    '#~ msgid "c"\n\nmsgid "a"\nmsgstr "b"\n',  # an obsolete entry is read with the same syntax
    '#~ Spanish\nmsgid "a"\nmsgstr "b"\n',
    '#| foo\nmsgid "a"\nmsgstr "b"\n',  # so is the previous msgid of an update
    '#| "x"\nmsgid "a"\nmsgstr "b"\n',
    '#| msgctxt "x"\nmsgid "a"\nmsgstr "b"\n',
    '#~| msgid "x"\nmsgid "a"\nmsgstr "b"\n',
    '#: file.py:1\\\nmsgid "a"\nmsgstr "b"\n',  # backslash-newline joins lines, even after a comment
    'msgid "a"\nmsgid_plural "as"\nmsgstr[1] "bs"\nmsgstr[0] "b"\n',  # forms in order
    # accepted by both, and read alike:
    'msgid "a"\nmsgstr "b" "c"\n',
    'msgid "a"\nmsgstr "b\\\nc"\n',
    '#| msgid "x" "y"\n#~ msgid "c"\n#~ msgstr "d"\n#~ "e"\n\nmsgid "a"\nmsgstr "b"\n',
])
def test_entries_are_refused_exactly_when_msgfmt_refuses_them_and_otherwise_read_alike(tmp_path, body):
    theirs = msgfmt_reads(tmp_path, body)
    try:
        ours = read_po((HEADER + body).encode()).messages
    except PoSyntaxError:
        ours = None
    assert (ours is None) == (theirs is None)
    if ours is not None:
        assert [entry.msgstr[0] for entry in ours if entry.msgid == "a"] == [theirs]
