"""Publishing a translation over real HTTP the way a translator does (fetch the catalog and its ETag,
change one string, PUT it with If-Match), for tests of what follows a publish: search, the change
feed, webhooks."""

from __future__ import annotations

import json
import re
from pathlib import Path

from contentapi.i18n.locales import DEFAULT_LOCALE, SUPPORTED_LOCALES
from contentapi.i18n.tokens import TokenStore
from tests.helpers import SLUG, http_request

PO = "text/x-gettext-translation; charset=utf-8"


def translator_token(folder: Path) -> tuple[Path, str]:
    """A tokens file with one token for every translatable locale: (file, token)."""
    tokens = folder / "tokens.json"
    token = TokenStore(tokens).add("tester", tuple(code for code in SUPPORTED_LOCALES if code != DEFAULT_LOCALE))
    return tokens, token


def publish_catalog(port: int, token: str, locale: str, edit, slug: str = SLUG, allow_removals: bool = False) -> dict:
    """Publish ``edit(text)`` of a procedure's published catalog of ``locale``; the publish result."""
    url = f"/api/v1/translations/{locale}/procedures/{slug}"
    auth = {"Authorization": f"Bearer {token}"}
    status, headers, body = http_request(port, "GET", url, auth)
    assert status == 200, body[:300]
    edited = edit(body.decode("utf-8")).encode("utf-8")
    status, _, answer = http_request(port, "PUT", url + ("?allow-removals=true" if allow_removals else ""),
                                     {**auth, "If-Match": headers["ETag"], "Content-Type": PO}, edited)
    assert status == 200, answer[:500]
    return json.loads(answer)


def publish_change(port: int, token: str, locale: str, old: str, new: str, slug: str = SLUG) -> dict:
    """Replace ``old`` by ``new`` in a procedure's published catalog of ``locale``; the publish result."""
    def edit(text: str) -> str:
        assert old in text, f"{old!r} is not in the {locale} catalog"
        return text.replace(old, new)

    return publish_catalog(port, token, locale, edit, slug)


def without_translation(context: str):
    """An edit that empties the translation of one message (by its msgctxt)."""
    def edit(text: str) -> str:
        pattern = re.compile(rf'(msgctxt "{re.escape(context)}"\nmsgid (?:".*"\n)+msgstr )((?:".*"\n)+)')
        assert pattern.search(text), context
        return pattern.sub(lambda match: match.group(1) + '""\n', text, count=1)

    return edit
