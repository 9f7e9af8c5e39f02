"""``contentapi partners check|new-key``: the partner area's
command-line glue (registered by ``init_app``); settings come from the app's configuration."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from contentapi.cli import fail
from contentapi.partners.contrast import format_ratio
from contentapi.partners.registry import RegistryError, hash_key, load_registry, new_key, theme_checks


@click.group("partners", cls=AppGroup)
def partners() -> None:
    """The partner registry: check it, make API keys."""


@partners.command("check")
@click.argument("path", required=False, type=click.Path(dir_okay=False))
def check(path: str | None) -> None:
    """Validate a registry (PATH, else the PARTNERS setting, else the shipped example); exit 1 on failure.

    Every theme pair must reach WCAG AA: 4.5:1 for text, 3:1 for buttons and the focus ring.
    """
    path = path or current_app.config.get("PARTNERS") or None
    try:
        registry = load_registry(path)
    except RegistryError as error:
        fail(str(error))
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


def init_app(app: Flask) -> None:
    """Register ``contentapi partners``."""
    app.cli.add_command(partners)
