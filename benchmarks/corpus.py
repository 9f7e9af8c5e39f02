"""Generated corpora for the scale benchmark: N procedures in the seven locales.

Procedure 0 is the shipped seed; procedure i > 0 is the seed under the slug
``<seed slug>-<i>``. Each procedure gets the seed's template and, in every locale, the seed's
catalog under its own message contexts (``<slug>/<section>/<block>``), so every page is as
translated as the seed's; the interface catalogs are the shipped ones.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from contentapi.config import PACKAGE_DIR, REPOSITORY_DIR
from contentapi.i18n.domains import catalog_path, template_path
from contentapi.i18n.locales import DEFAULT_LOCALE, SUPPORTED_LOCALES
from contentapi.i18n.review import policy_path

SEED_SLUG = "kyphoplasty-and-vertebroplasty"
SEED_FILE = PACKAGE_DIR / "content" / "procedures" / f"{SEED_SLUG}.md"
SHIPPED_TRANSLATIONS = REPOSITORY_DIR / "translations"


def slug_of(index: int) -> str:
    """The slug of the corpus's procedure number ``index`` (0 is the seed itself)."""
    return SEED_SLUG if index == 0 else f"{SEED_SLUG}-{index}"


def renamed(data: bytes, slug: str) -> bytes:
    """A seed catalog or template with its message contexts moved to another procedure's slug."""
    return data.replace(f'msgctxt "{SEED_SLUG}/'.encode(), f'msgctxt "{slug}/'.encode())


def generate(destination: Path, count: int) -> tuple[Path, Path]:
    """Write ``count`` procedures and their catalogs under ``destination``.

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
    shutil.copy2(template_path(SHIPPED_TRANSLATIONS), template_path(translations_dir))
    seed_template = template_path(SHIPPED_TRANSLATIONS, SEED_SLUG).read_bytes()
    for index in range(count):
        target = template_path(translations_dir, slug_of(index))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(renamed(seed_template, slug_of(index)))
    for locale in SUPPORTED_LOCALES:
        if locale == DEFAULT_LOCALE or not catalog_path(SHIPPED_TRANSLATIONS, locale).exists():
            continue
        interface = catalog_path(translations_dir, locale)
        interface.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(catalog_path(SHIPPED_TRANSLATIONS, locale), interface)
        # The shipped locales' serving policy (locale.toml): the samples are served as shipped.
        shutil.copy2(policy_path(SHIPPED_TRANSLATIONS, locale), policy_path(translations_dir, locale))
        seed_catalog = catalog_path(SHIPPED_TRANSLATIONS, locale, SEED_SLUG).read_bytes()
        for index in range(count):
            catalog_path(translations_dir, locale, slug_of(index)).write_bytes(renamed(seed_catalog, slug_of(index)))
    return content_dir, translations_dir
