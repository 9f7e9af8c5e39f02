"""``contentapi export``: the delivery area's command-line glue (registered by ``init_app``)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from contentapi.cli import fail
from contentapi.content import ContentError
from contentapi.delivery.export import ExportError, export_tree, is_export
from contentapi.delivery.factory import EXTENSION
from contentapi.i18n.catalogs import CatalogError

# Where `scripts/serve` listens: the base URL of a development export (no PUBLIC_URL).
DEVELOPMENT_URL = "http://127.0.0.1:5000"


def export_base_url(public_url: str, given: str | None) -> str:
    """The URL the export is served at: PUBLIC_URL, which ``--base-url`` may repeat but not contradict.

    Without PUBLIC_URL (development) it is ``--base-url``, else ``scripts/serve``'s address.
    Raises ValueError with one line when the two disagree or ``--base-url`` is not a URL.
    """
    from contentapi.web.hosts import PublicUrlError, normalize_public_url

    try:
        base = normalize_public_url(given) if given else ""
    except PublicUrlError as error:
        raise ValueError(str(error).replace("PUBLIC_URL", "--base-url", 1)) from None
    if public_url and base and base != public_url:
        raise ValueError(f"--base-url {base} is not PUBLIC_URL {public_url}: the export must link where the "
                         "live service does (leave --base-url out to use PUBLIC_URL)")
    return public_url or base or DEVELOPMENT_URL


@click.command("export")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--base-url", default=None,
              help="Public URL the export is served at (default and only allowed value: PUBLIC_URL, when set).")
@with_appcontext
def export_command(directory: Path, base_url: str | None) -> None:
    """Write every response that can be static into DIRECTORY, with the nginx configuration that serves it."""
    if directory.exists() and any(directory.iterdir()) and not is_export(directory):
        fail(f"{directory} is not empty and is not an earlier export; refusing to replace it")
    public_url = current_app.config["PUBLIC_URL"]
    try:
        base = export_base_url(public_url, base_url)
    except ValueError as error:
        fail(str(error))
    try:
        current_app.extensions[EXTENSION].service  # noqa: B018  (load it now: a broken file fails in one line)
        if not public_url:
            click.echo(f"contentapi: PUBLIC_URL is not set: links point at {base} and pages find oEmbed "
                       "relatively (development)", err=True)
        count = export_tree(current_app, directory, base)
    except (ContentError, CatalogError, ExportError) as error:
        fail(str(error))
    except OSError as error:
        fail(f"cannot write the export: {error.strerror or error}")
    click.echo(f"exported {count} responses to {directory}")


def init_app(app: Flask) -> None:
    """Register ``contentapi export``."""
    app.cli.add_command(export_command)
