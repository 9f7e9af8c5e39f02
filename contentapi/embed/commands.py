"""``contentapi partners check|new-key`` and ``contentapi demo-partner``."""

from __future__ import annotations

import os
import sys

import click

from contentapi.embed.contrast import format_ratio
from contentapi.embed.registry import RegistryError, hash_key, load_registry, new_key, theme_checks


def _fail(message: str) -> None:
    click.echo(f"contentapi: {message}", err=True)
    sys.exit(1)


@click.group("partners")
def partners() -> None:
    """The partner registry: check it, make API keys."""


@partners.command("check")
@click.argument("path", required=False, type=click.Path(dir_okay=False))
def check(path: str | None) -> None:
    """Validate a registry (PATH, else CONTENTAPI_PARTNERS, else the shipped example); exit 1 on failure.

    Every theme pair must reach WCAG AA: 4.5:1 for text, 3:1 for buttons and the focus ring.
    """
    path = path or os.environ.get("CONTENTAPI_PARTNERS") or None
    try:
        registry = load_registry(path)
    except RegistryError as error:
        _fail(str(error))
    for partner in registry.partners.values():
        click.echo(f"{partner.id}: {partner.name} ({', '.join(partner.origins)})" + (", key required" if partner.requires_key else ""))
        for result in theme_checks(partner.theme):
            click.echo(f"  ok  {format_ratio(result.ratio):>8}  {result.pair} ({result.foreground} on {result.background}), needs {result.minimum:g}:1")
    count = len(registry.partners)
    click.echo(f"{registry.source}: {count} partner{'' if count == 1 else 's'}, every theme meets WCAG AA contrast")


@partners.command("new-key")
def make_key() -> None:
    """Print a new random API key (give it to the partner) and its key_sha256 (put it in the registry)."""
    key = new_key()
    click.echo(f"key:        {key}")
    click.echo(f'key_sha256 = "{hash_key(key)}"')


@click.command("demo-partner")
@click.option("--port", default=8001, show_default=True, type=int, help="Port of the demo partner site.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--service", default="http://127.0.0.1:5000", show_default=True, help="URL of the contentapi service.")
@click.option("--partner", default="demo", show_default=True, help="Partner id the embeds name.")
def demo_partner(port: int, host: str, service: str, partner: str) -> None:
    """Serve a sample partner page with two embeds in two languages (es and ar).

    The shipped registry allows http://127.0.0.1:8001 and http://localhost:8001 for partner demo.
    """
    from werkzeug.serving import run_simple

    from contentapi.web.demo_partner import create_demo_app

    if not service.startswith(("http://", "https://")):
        _fail(f"--service must be an http(s) URL such as http://127.0.0.1:5000, not {service!r}")
    click.echo(f"demo partner on http://{host}:{port}/ embedding from {service}")
    run_simple(host, port, create_demo_app(service, partner), threaded=True)
