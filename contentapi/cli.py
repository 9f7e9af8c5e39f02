"""The ``contentapi`` command line: serving helpers, export and the catalog workflow."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext


def _create(*_args) -> Flask:
    from contentapi import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create, add_default_commands=True, add_version_option=False)
def main() -> None:
    """contentapi: multilingual patient-education content and its accessibility audit."""


def init_app(app: Flask) -> None:
    """Expose the commands under ``flask --app contentapi`` too."""
    for command in main.commands.values():
        if command.name not in app.cli.commands and command.name not in ("run", "shell", "routes"):
            app.cli.add_command(command)


def fail(message: str, code: int = 1) -> None:
    """Print one line to stderr and exit non-zero."""
    click.echo(f"contentapi: {message}", err=True)
    sys.exit(code)


@main.command("export")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--base-url", default="http://127.0.0.1:5000", show_default=True, help="Public URL for the sitemap.")
@with_appcontext
def export_command(directory: Path, base_url: str) -> None:
    """Write every JSON and HTML response into DIRECTORY for nginx or a CDN."""
    from contentapi.export import export_tree

    if directory.exists() and any(directory.iterdir()) and not (directory / "manifest.json").exists():
        fail(f"{directory} is not empty and is not an earlier export; refusing to replace it")
    count = export_tree(current_app.extensions["contentapi"], directory, base_url)
    click.echo(f"exported {count} responses to {directory}")


# The command groups of each area live beside their code.
from contentapi.embed.commands import demo_partner, partners  # noqa: E402
from contentapi.i18n.cli import i18n, tokens  # noqa: E402

for command in (partners, demo_partner, i18n, tokens):
    main.add_command(command)
