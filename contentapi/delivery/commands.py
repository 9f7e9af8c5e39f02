"""``contentapi export``: the delivery area's command-line glue (registered by ``init_app``)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from contentapi.cli import fail
from contentapi.content import ContentError
from contentapi.delivery.export import export_tree
from contentapi.delivery.factory import EXTENSION
from contentapi.i18n.catalogs import CatalogError


@click.command("export")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--base-url", default="http://127.0.0.1:5000", show_default=True, help="Public URL for the sitemap.")
@with_appcontext
def export_command(directory: Path, base_url: str) -> None:
    """Write every JSON and HTML response into DIRECTORY for nginx or a CDN."""
    if directory.exists() and any(directory.iterdir()) and not (directory / "manifest.json").exists():
        fail(f"{directory} is not empty and is not an earlier export; refusing to replace it")
    try:
        service = current_app.extensions[EXTENSION].service
    except (ContentError, CatalogError) as error:
        fail(str(error))
    count = export_tree(service, directory, base_url)
    click.echo(f"exported {count} responses to {directory}")


def init_app(app: Flask) -> None:
    """Register ``contentapi export``."""
    app.cli.add_command(export_command)
