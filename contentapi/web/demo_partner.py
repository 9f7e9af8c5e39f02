"""A sample partner site for ``contentapi demo-partner``: one accessible page with two embeds in
two languages, served from its own origin so a partner's developer sees embed.js work across
origins, and an auditor has a real embedding page to audit. It needs no internet, only the service.
"""

from __future__ import annotations

from urllib.parse import quote

import click
from flask import Flask, Response, current_app

from contentapi.cli import fail

from contentapi.web.security import ContentSecurityPolicy

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
    from contentapi.delivery.html import create_environment

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
    response.headers["Content-Security-Policy"] = ContentSecurityPolicy.of(
        default_src="'none'",
        script_src=service,
        connect_src=service,
        frame_src=("'self'", service),
        style_src="'self'",
        img_src="'self'",
        base_uri="'none'",
        form_action="'none'",
        frame_ancestors="'none'",
    ).header
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def stylesheet() -> Response:
    """The partner's own stylesheet (its colours, not ours)."""
    return Response(STYLESHEET, content_type="text/css; charset=utf-8")


@click.command("demo-partner")
@click.option("--port", default=8001, show_default=True, type=int,
              help="Port of the demo partner site (0: any free port, printed on start).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--service", default="http://127.0.0.1:5000", show_default=True, help="URL of the contentapi service.")
@click.option("--partner", default="demo", show_default=True, help="Partner id the embeds name.")
def demo_partner(port: int, host: str, service: str, partner: str) -> None:
    """Serve a sample partner page with two embeds in two languages (es and ar).

    The shipped registry allows http://127.0.0.1:8001 and http://localhost:8001 for partner demo.
    """
    from werkzeug.serving import make_server

    if not service.startswith(("http://", "https://")):
        fail(f"--service must be an http(s) URL such as http://127.0.0.1:5000, not {service!r}")
    try:
        server = make_server(host, port, create_demo_app(service, partner), threaded=True)
    except OSError as error:
        fail(f"cannot listen on {host}:{port}: {error.strerror or error}")
    click.echo(f"demo partner on http://{host}:{server.port}/ embedding from {service}")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def init_app(app: Flask) -> None:
    """Register ``contentapi demo-partner``."""
    app.cli.add_command(demo_partner)
