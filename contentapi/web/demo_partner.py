"""A sample partner site for ``contentapi demo-partner``: one accessible page with two embeds in
two languages, served from its own origin so a partner's developer sees embed.js work across
origins, and an auditor has a real embedding page to audit. It needs no internet, only the service.
"""

from __future__ import annotations

from urllib.parse import quote

from flask import Flask, Response, current_app

DEFAULT_SLUG = "kyphoplasty-and-vertebroplasty"
DEFAULT_EMBEDS = (("es", "Spanish"), ("ar", "Arabic"))

STYLESHEET = """\
body { margin: 0; font-family: system-ui, Arial, sans-serif; color: #1f2933; background: #ffffff; line-height: 1.5; }
header, main, footer { max-width: 48rem; margin-inline: auto; padding: 1rem; }
header { border-block-end: 4px solid #005a70; }
footer { border-block-start: 1px solid #5c6670; }
a { color: #005a70; }
a:focus-visible { outline: 3px solid #b3006b; outline-offset: 2px; }
.embed { margin-block: 1.5rem; border: 1px solid #5c6670; }
"""


def create_demo_app(service_url: str, partner: str = "demo", slug: str = DEFAULT_SLUG, embeds=DEFAULT_EMBEDS) -> Flask:
    """The demo partner site; ``app.config["SERVICE_URL"]`` may be changed before the first request."""
    app = Flask("contentapi_demo_partner", template_folder=None)
    app.config.update(SERVICE_URL=service_url.rstrip("/"), PARTNER=partner, SLUG=slug, EMBEDS=tuple(embeds))
    app.add_url_rule("/", "page", page)
    app.add_url_rule("/demo.css", "stylesheet", stylesheet)
    return app


def page() -> Response:
    """The partner page: the placeholders, one script tag, and a strict CSP of the partner's own."""
    from contentapi.rendering import create_environment

    config = current_app.config
    service = config["SERVICE_URL"]
    html = create_environment().get_template("demo_partner.html").render(
        service=service,
        partner=config["PARTNER"],
        slug=config["SLUG"],
        embeds=[
            {"lang": lang, "language": language, "page_url": f"{service}/{quote(lang)}/procedures/{quote(config['SLUG'])}"}
            for lang, language in config["EMBEDS"]
        ],
    )
    response = Response(html, content_type="text/html; charset=utf-8")
    # What a careful partner sends: the service may run scripts, frames and API calls, nothing else may.
    response.headers["Content-Security-Policy"] = (
        f"default-src 'none'; script-src {service}; connect-src {service}; frame-src 'self' {service}; "
        "style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def stylesheet() -> Response:
    """The partner's own stylesheet (its colours, not ours)."""
    return Response(STYLESHEET, content_type="text/css; charset=utf-8")
