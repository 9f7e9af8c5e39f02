"""How long ``contentapi i18n check`` takes on hostile input: for each adversarial pattern (the issue's
40,000 ``[``, nested emphasis, runs of ``<`` and of backslashes, ...) a 1 MiB catalog of it, and one
catalog mixing them all, against the 2 s target. In-process, no server: the checker is what a
preview or publish runs before anything else.
"""

from __future__ import annotations

import statistics
import time

from benchmarks.common import say, table, write_result

TARGET_SECONDS = 2.0
CATALOG_BYTES = 1024 * 1024
STRING_CHARACTERS = 40_000  # per adversarial msgstr (and msgid): the 40,000 "["

# name -> the unit repeated to make a string (as text; escaped for the .po file when written)
PATTERNS = {
    "[": "[",
    "![": "![",
    "[a](": "[a](",
    "](": "](",
    "nested emphasis": "*a **a ***a ",
    "_a*": "_a*",
    "<": "<",
    "<a:": "<a:",
    "backslashes": "\\",
    "`a": "`a",
    "&#": "&#",
    "- (list markers)": "- ",
    "%( (placeholders)": "%(",
    "{: (braces)": "{:",
    "www.": "www.",
    "1. (numbers)": "1.",
    "one long word": "a",
    "on= (attributes)": "<b on",
    "\\u202e": "\u202e",
    "newlines": "\n",
}
ONE_WORD_ENTRIES = "one-word entries"  # the most entries 1 MiB can hold
HEADER = (
    'msgid ""\nmsgstr ""\n"Language: es\\n"\n"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n'
    '"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
)


def quoted(text: str) -> str:
    """``text`` as a .po string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def one_word_catalog(size: int = CATALOG_BYTES) -> bytes:
    """About ``size`` bytes of the shortest entries there are (``msgid "R1"`` / ``msgstr "D1"``)."""
    entries, total, number = [HEADER], len(HEADER), 0
    while total < size:
        entry = f'msgid "R{number}"\nmsgstr "D{number}"\n\n'
        entries.append(entry)
        total += len(entry)
        number += 1
    return "".join(entries).encode("utf-8")


def adversarial_catalog(units: list[str], size: int = CATALOG_BYTES, length: int = STRING_CHARACTERS) -> bytes:
    """About ``size`` bytes of catalog: entries whose translation (and every other msgid: an upload
    controls both) repeat one unit to ``length`` characters, cycling through ``units``."""
    entries = [HEADER]
    total, number = len(HEADER), 0
    while total < size:
        unit = units[number % len(units)]
        hostile = (unit * (length // len(unit) + 1))[:length]
        msgid = hostile if number % 2 else "See [the guide](https://example.org/guide) for 24 hours."
        entry = f"msgctxt {quoted(f'proc/s/{number}')}\nmsgid {quoted(msgid)}\nmsgstr {quoted(hostile)}\n\n"
        entries.append(entry)
        total += len(entry.encode("utf-8"))
        number += 1
    return "".join(entries).encode("utf-8")


def seconds_to_check(data: bytes, repeat: int) -> tuple[float, float]:
    """The median wall and CPU times of ``check_po_bytes`` over ``repeat`` runs."""
    from contentapi.i18n.checks import check_po_bytes

    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        check_po_bytes(data, "es/LC_MESSAGES/messages.po")
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def run(quick: bool = False, repeat: int = 3) -> dict:
    """Time the checker on each catalog; print and save the table."""
    repeat = 1 if quick else repeat
    catalogs = {"all patterns, 4,000-character strings": adversarial_catalog(list(PATTERNS.values()), length=4000)}
    if not quick:
        catalogs["[ in 4,000-character strings"] = adversarial_catalog(["["], length=4000)
        catalogs.update({f"{name}, 40,000-character strings": adversarial_catalog([unit]) for name, unit in PATTERNS.items()})
        catalogs[ONE_WORD_ENTRIES] = one_word_catalog()
    rows, figures = [], {}
    for name, data in catalogs.items():
        wall, cpu = seconds_to_check(data, repeat)
        figures[name] = {"bytes": len(data), "wall_seconds": round(wall, 3), "cpu_seconds": round(cpu, 3)}
        rows.append([name, f"{len(data) / 1024 / 1024:.2f} MiB", f"{wall:.2f} s", f"{cpu:.2f} s"])
        say(f"checks: {name}: {wall:.2f} s")
    worst = max(figure["wall_seconds"] for figure in figures.values())
    targets = {f"check of a 1 MiB adversarial catalog under {TARGET_SECONDS:.0f} s": worst < TARGET_SECONDS}
    output = table(["catalog", "size", f"check, wall (median of {repeat})", "CPU"], rows)
    print(output)
    write_result("checks", {"repeat": repeat, "figures": figures, "worst_wall_seconds": worst, "targets": targets})
    return {"table": output, "targets": targets}
