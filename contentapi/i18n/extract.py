"""Babel extractor for procedure files (registered as ``contentapi_procedures``).

Yields one ``pgettext`` message per string of a procedure, with the msgctxt
naming procedure, section and block, and a translator comment giving the
section heading and block type, so ``pybabel extract`` and ``contentapi i18n
extract`` write the same messages.pot.
"""

from __future__ import annotations

from contentapi.content.loader import parse_procedure


def extract_procedures(fileobj, keywords, comment_tags, options):
    """Babel extraction method: ``(lineno, "pgettext", (msgctxt, msgid), [comment])`` per string.

    A malformed file raises ContentError, so extraction fails loudly instead of
    writing a template that silently lacks a procedure.
    """
    name = getattr(fileobj, "name", "<procedure>")
    procedure = parse_procedure(fileobj.read(), name)
    for message in procedure.messages():
        yield message.line, "pgettext", (message.context, message.source), [message.comment]
