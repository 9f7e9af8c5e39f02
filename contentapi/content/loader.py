"""Load procedure files: Markdown with YAML front matter.

A malformed file stops loading with one ContentError naming the file and line,
so the service never starts with half of its content.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import yaml
from markdown_it import MarkdownIt

from contentapi.content.codes import CodeError, parse_code
from contentapi.content.model import SECTION_IDS, Block, Library, Procedure, Section

# libyaml's safe loader when PyYAML was built with it: the same documents and marks, about ten
# times faster, which keeps start-up under 5 s with 1000 procedures (benchmarks/scale.py).
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Each procedure's translations are a gettext domain named by its slug; "messages" is the interface's.
RESERVED_SLUG = "messages"
HEADING_ID = re.compile(r"^(?P<text>.*?)\s*\{#(?P<id>[^}\s]+)\}\s*$")
REQUIRED_KEYS = ("slug", "title", "summary", "reviewed", "next_review", "attribution")
KNOWN_KEYS = set(REQUIRED_KEYS) | {
    "also_known_as",
    "updated",
    "source",
    "related",
    "procedure_type",
    "body_location",
    "codes",
}

_markdown = MarkdownIt("commonmark")


class ContentError(Exception):
    """A content file is malformed. ``str()`` is ``path:line: message``."""

    def __init__(self, path: Path | str, line: int, message: str):
        self.path = Path(path)
        self.line = line
        self.message = message
        super().__init__(f"{path}:{line}: {message}")


def load_library(content_dir: Path | str, cache: Path | None = None) -> Library:
    """Parse every ``*.md`` file in ``content_dir`` into a Library.

    Raises ContentError for the first malformed file, duplicate slug or dangling
    related slug, so a deployment either loads all of its content or none. With ``cache`` (a
    file this process may write), files unchanged since they were last parsed are read back
    from it instead (``contentapi.content.cache``): a library of thousands starts in seconds.
    """
    from contentapi.content.cache import ParsedFiles

    folder = Path(content_dir)
    if not folder.is_dir():
        raise ContentError(folder, 0, "content folder does not exist")
    parsed = ParsedFiles(cache)
    procedures: dict[str, Procedure] = {}
    for path in sorted(folder.glob("*.md")):
        procedure = parsed.get(path, lambda path=path: parse_procedure(path.read_bytes(), path))
        if procedure.slug in procedures:
            first = procedures[procedure.slug].path
            raise ContentError(
                path, procedure.key_lines.get("slug", 1), f'duplicate slug "{procedure.slug}" (also in {first.name})'
            )
        procedures[procedure.slug] = procedure
    for procedure in procedures.values():
        for slug in procedure.related:
            if slug not in procedures:
                raise ContentError(
                    procedure.path, procedure.key_lines.get("related", 1), f'related slug "{slug}" is not a procedure'
                )
    parsed.save()
    return Library(dict(sorted(procedures.items())))


def parse_procedure(raw: bytes, path: Path | str) -> Procedure:
    """Parse one procedure file's bytes; ``path`` is used for messages and provenance."""
    path = Path(path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise ContentError(path, line, "file is not UTF-8") from None
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise ContentError(path, 1, 'file must start with a "---" line opening the YAML front matter')
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        raise ContentError(path, 1, 'front matter is not closed by a "---" line') from None
    meta, key_lines = _parse_front_matter("\n".join(lines[1:end]), path)
    sections = _parse_body("\n".join(lines[end + 1 :]), path, first_line=end + 2)
    return _build_procedure(meta, key_lines, sections, path)


def _parse_front_matter(text: str, path: Path) -> tuple[dict, dict[str, int]]:
    # Line numbers are offset by one for the opening "---".
    try:
        try:
            node = yaml.compose(text, Loader=YAML_LOADER)
        except yaml.YAMLError:
            # Report the pure-Python parser's message and line: same words on every machine.
            node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 2 if mark else 1
        problem = getattr(error, "problem", None) or str(error)
        raise ContentError(path, line, f"front matter is not valid YAML: {problem}") from None
    if node is None or not isinstance(node, yaml.MappingNode):
        raise ContentError(path, 2, "front matter must be a mapping of keys to values")
    key_lines: dict[str, int] = {}
    for key_node, value_node in node.value:
        key = key_node.value
        line = key_node.start_mark.line + 2
        if key in key_lines:
            raise ContentError(path, line, f'front matter key "{key}" appears twice')
        if key not in KNOWN_KEYS:
            raise ContentError(path, line, f'unknown front matter key "{key}" (known: {", ".join(sorted(KNOWN_KEYS))})')
        key_lines[key] = line
        if key == "codes" and isinstance(value_node, yaml.SequenceNode):
            for number, item in enumerate(value_node.value):
                key_lines[f"codes.{number}"] = item.start_mark.line + 2
    meta = yaml.load(text, Loader=YAML_LOADER)
    for key in REQUIRED_KEYS:
        if meta.get(key) in (None, ""):
            raise ContentError(path, key_lines.get(key, 1), f'front matter is missing "{key}"')
    return meta, key_lines


def _parse_body(text: str, path: Path, first_line: int) -> tuple[Section, ...]:
    tokens = _markdown.parse(text)
    sections: list[Section] = []
    heading: tuple[str, str, int] | None = None
    blocks: list[Block] = []
    seen_ids: set[str] = set()

    def line_of(token) -> int:
        return first_line + (token.map[0] if token.map else 0)

    def close_section() -> None:
        if heading is None:
            return
        section_id, heading_text, line = heading
        if not blocks:
            raise ContentError(path, line, f'section "{section_id}" has no paragraphs or lists')
        sections.append(Section(section_id, heading_text, line, tuple(blocks)))

    i = 0
    while i < len(tokens):
        token = tokens[i]
        line = line_of(token)
        if token.type == "heading_open":
            if token.tag != "h2":
                raise ContentError(path, line, f'only "##" section headings are allowed in the body, found {token.markup}')
            close_section()
            section_id, heading_text = _section_heading(tokens[i + 1].content, path, line)
            if section_id in seen_ids:
                raise ContentError(path, line, f'section id "{section_id}" is used twice')
            seen_ids.add(section_id)
            heading, blocks = (section_id, heading_text, line), []
            i += 3
            continue
        if heading is None:
            raise ContentError(path, line, 'text before the first "## Heading {#section-id}"')
        if token.type == "paragraph_open":
            source = " ".join(part.strip() for part in tokens[i + 1].content.splitlines())
            blocks.append(Block("paragraph", len(blocks) + 1, source, line))
            i += 3
            continue
        if token.type in ("bullet_list_open", "ordered_list_open"):
            i, block = _parse_list(tokens, i, path, line, len(blocks) + 1)
            blocks.append(block)
            continue
        raise ContentError(path, line, f"unsupported Markdown ({token.type.removesuffix('_open')}): use paragraphs and lists")
    close_section()
    if not sections:
        raise ContentError(path, first_line, "the body has no sections")
    return tuple(sections)


def _section_heading(content: str, path: Path, line: int) -> tuple[str, str]:
    match = HEADING_ID.match(content)
    if not match:
        raise ContentError(path, line, 'section heading needs a stable id, like "## Risks {#risks}"')
    section_id = match["id"]
    if section_id not in SECTION_IDS:
        raise ContentError(path, line, f'unknown section id "{section_id}" (known: {", ".join(SECTION_IDS)})')
    return section_id, match["text"].strip()


def _parse_list(tokens, start: int, path: Path, line: int, index: int) -> tuple[int, Block]:
    """Read one flat list starting at tokens[start]; return the next index and the block."""
    ordered = tokens[start].type == "ordered_list_open"
    close = "ordered_list_close" if ordered else "bullet_list_close"
    items: list[str] = []
    i = start + 1
    while tokens[i].type != close:
        token = tokens[i]
        if token.type == "inline":
            items.append(" ".join(part.strip() for part in token.content.splitlines()))
        elif token.type in ("bullet_list_open", "ordered_list_open") or (
            token.type == "paragraph_open" and not token.hidden
        ):
            raise ContentError(path, line, "lists must be flat and tight (one line per item, no nested lists)")
        i += 1
    marker = (lambda n: f"{n}.") if ordered else (lambda n: "-")
    source = "\n".join(f"{marker(n)} {item}" for n, item in enumerate(items, start=1))
    return i + 1, Block("list", index, source, line, ordered=ordered)


def _date(meta: dict, key: str, key_lines: dict[str, int], path: Path) -> dt.date:
    value = meta[key]
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ContentError(path, key_lines.get(key, 1), f'"{key}" must be a date like 2026-09-15') from None


def _strings(meta: dict, key: str, key_lines: dict[str, int], path: Path) -> tuple[str, ...]:
    value = meta.get(key) or []
    if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
        raise ContentError(path, key_lines.get(key, 1), f'"{key}" must be a list of non-empty strings')
    return tuple(item.strip() for item in value)


def _text(meta: dict, key: str, key_lines: dict[str, int], path: Path) -> str:
    value = meta.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ContentError(path, key_lines.get(key, 1), f'"{key}" must be non-empty text')
    return " ".join(value.split())


def _codes(meta: dict, key_lines: dict[str, int], path: Path) -> tuple:
    """The ``codes`` list: each a mapping of system, code and display; no code twice."""
    value = meta.get("codes") or []
    if not isinstance(value, list):
        raise ContentError(path, key_lines.get("codes", 1), '"codes" must be a list of {system, code, display}')
    codes, seen = [], {}
    for number, item in enumerate(value):
        line = key_lines.get(f"codes.{number}", key_lines.get("codes", 1))
        if not isinstance(item, dict) or set(item) - {"system", "code", "display"}:
            raise ContentError(path, line, "each code is a mapping of system, code and display only")
        try:
            code = parse_code(item.get("system"), item.get("code"), item.get("display"))
        except CodeError as error:
            raise ContentError(path, line, str(error)) from None
        if (code.system, code.code) in seen:
            raise ContentError(path, line, f'code {code.code} of {code.system} is listed twice (also line {seen[(code.system, code.code)]})')
        seen[(code.system, code.code)] = line
        codes.append(code)
    return tuple(codes)


def _build_procedure(meta: dict, key_lines: dict[str, int], sections, path: Path) -> Procedure:
    slug = meta["slug"]
    if not isinstance(slug, str) or not SLUG_PATTERN.match(slug) or len(slug) > 100:
        raise ContentError(path, key_lines["slug"], "slug must be lowercase letters, digits and single hyphens")
    if slug == RESERVED_SLUG:
        raise ContentError(path, key_lines["slug"], f'slug "{slug}" is reserved: it names the interface catalog')
    reviewed = _date(meta, "reviewed", key_lines, path)
    next_review = _date(meta, "next_review", key_lines, path)
    if next_review <= reviewed:
        raise ContentError(path, key_lines["next_review"], '"next_review" must be after "reviewed"')
    related = _strings(meta, "related", key_lines, path)
    optional = {key: _text(meta, key, key_lines, path) if meta.get(key) else None for key in ("source", "procedure_type", "body_location")}
    return Procedure(
        slug=slug,
        title=_text(meta, "title", key_lines, path),
        summary=_text(meta, "summary", key_lines, path),
        also_known_as=_strings(meta, "also_known_as", key_lines, path),
        reviewed=reviewed,
        next_review=next_review,
        updated=_date(meta, "updated", key_lines, path) if meta.get("updated") else reviewed,
        attribution=_text(meta, "attribution", key_lines, path),
        source=optional["source"] or "",
        related=related,
        procedure_type=optional["procedure_type"],
        body_location=optional["body_location"],
        sections=sections,
        path=path,
        key_lines=key_lines,
        codes=_codes(meta, key_lines, path),
    )
