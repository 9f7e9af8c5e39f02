"""Generated corpora for the scale benchmark: N procedures in the seven locales.

Procedure 0 is the shipped seed; procedure i > 0 is the seed under the slug
``<seed slug>-<i>``. Each locale's catalog gets the seed's translations once per procedure under
the new message contexts (``<slug>/<section>/<block>``), then is compiled, so every page is as
translated as the seed's.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from contentapi.config import PACKAGE_DIR, REPOSITORY_DIR
from contentapi.i18n.catalogs import catalog_paths
from contentapi.i18n.locales import DEFAULT_LOCALE, SUPPORTED_LOCALES, to_babel_id

SEED_SLUG = "kyphoplasty-and-vertebroplasty"
SEED_FILE = PACKAGE_DIR / "content" / "procedures" / f"{SEED_SLUG}.md"
SHIPPED_TRANSLATIONS = REPOSITORY_DIR / "translations"


def slug_of(index: int) -> str:
    """The slug of the corpus's procedure number ``index`` (0 is the seed itself)."""
    return SEED_SLUG if index == 0 else f"{SEED_SLUG}-{index}"


def generate(destination: Path, count: int) -> tuple[Path, Path]:
    """Write ``count`` procedures and their compiled catalogs under ``destination``.

    Returns (content folder, translations folder), ready for CONTENTAPI_CONTENT_DIR and
    CONTENTAPI_TRANSLATIONS_DIR.
    """
    if count < 1:
        raise ValueError("a corpus has at least one procedure")
    content_dir = destination / "procedures"
    translations_dir = destination / "translations"
    content_dir.mkdir(parents=True)
    translations_dir.mkdir(parents=True)
    seed = SEED_FILE.read_text(encoding="utf-8")
    marker = f"slug: {SEED_SLUG}\n"
    if marker not in seed:
        raise ValueError(f"{SEED_FILE}: no '{marker.strip()}' line to replace")
    for index in range(count):
        slug = slug_of(index)
        (content_dir / f"{slug}.md").write_text(seed.replace(marker, f"slug: {slug}\n", 1), encoding="utf-8")
    if (SHIPPED_TRANSLATIONS / "messages.pot").exists():
        shutil.copy2(SHIPPED_TRANSLATIONS / "messages.pot", translations_dir / "messages.pot")
    for locale in SUPPORTED_LOCALES:
        if locale == DEFAULT_LOCALE:
            continue
        source_po, _ = catalog_paths(SHIPPED_TRANSLATIONS, locale)
        if not source_po.exists():
            continue
        with open(source_po, "rb") as handle:
            catalog = read_po(handle, locale=to_babel_id(locale))
        prefix = f"{SEED_SLUG}/"
        seed_messages = [m for m in catalog if m.id and m.context and m.context.startswith(prefix)]
        for index in range(1, count):
            slug = slug_of(index)
            for message in seed_messages:
                catalog.add(message.id, message.string, locations=(), flags=message.flags,
                            context=f"{slug}/{message.context[len(prefix):]}")
        po_path, mo_path = catalog_paths(translations_dir, locale)
        po_path.parent.mkdir(parents=True, exist_ok=True)
        buffer = io.BytesIO()
        write_po(buffer, catalog, width=0)
        po_path.write_bytes(buffer.getvalue())
        buffer = io.BytesIO()
        write_mo(buffer, catalog, use_fuzzy=False)
        mo_path.write_bytes(buffer.getvalue())
    return content_dir, translations_dir
