"""Procedure content: the model, the Markdown loader and the block renderer.

Plain Python with no Flask import, so the CLI, the Babel extractor and the audit
suite can load content exactly as the service does.
"""

from contentapi.content.loader import ContentError, load_library, parse_procedure
from contentapi.content.model import SECTION_IDS, Block, Library, Procedure, Section

__all__ = [
    "SECTION_IDS",
    "Block",
    "ContentError",
    "Library",
    "Procedure",
    "Section",
    "load_library",
    "parse_procedure",
]
