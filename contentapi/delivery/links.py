"""Content HTML made fit for another site: absolute links, optionally opened in the top window.

Plain Python. The block HTML is already sanitised; it is cleaned again here with the same
allow-list while its links are rewritten, so nothing that leaves through an embed or a
fragment can carry markup the content renderer would not produce.
"""

from __future__ import annotations

from urllib.parse import urljoin

import nh3

from contentapi.content.markdown import ALLOWED_ATTRIBUTES, ALLOWED_SCHEMES, ALLOWED_TAGS


def absolute_links(html: str, base_url: str, target: str | None = None) -> str:
    """Rewrite every ``href`` against ``base_url`` (``/en/x`` becomes ``https://host/en/x``).

    ``target="_top"`` is for embeds: our pages refuse to be framed, so a link followed inside
    the iframe would fail; in the top window it behaves like any other link on the partner page.
    """

    def rewrite(tag: str, attribute: str, value: str) -> str | None:
        if tag == "a" and attribute == "href":
            return urljoin(base_url.rstrip("/") + "/", value)
        return value

    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        attribute_filter=rewrite,
        link_rel="noopener noreferrer",
        set_tag_attribute_values={"a": {"target": target}} if target else None,
    )
