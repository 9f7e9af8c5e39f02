"""``contentapi db`` (upgrade, import): the PostgreSQL store's schema, and moving to it from files.

The command-line glue of ``contentapi.i18n.postgres`` (registered by ``init_app``). The database
is the app's DATABASE_URL (``CONTENTAPI_DATABASE_URL``); the files store to import is
``--from``, else the app's TRANSLATION_REVISIONS_DIR. Failures print one line to stderr and exit
non-zero.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from contentapi.cli import fail


@click.group("db", cls=AppGroup)
def db() -> None:
    """The PostgreSQL store of published catalogs: upgrade its schema, import a files store."""


def database_url() -> str:
    """The app's DATABASE_URL, or a one-line failure."""
    url = current_app.config.get("DATABASE_URL")
    if not url:
        fail("no database: set CONTENTAPI_DATABASE_URL (postgresql://user@host:port/database)")
    return url


@db.command("upgrade")
def upgrade_command() -> None:
    """Apply the schema migrations the database lacks (running it again does nothing)."""
    from contentapi.i18n.postgres import upgrade
    from contentapi.i18n.revisions import StoreError

    try:
        version, applied = upgrade(database_url())
    except StoreError as error:
        fail(f"cannot upgrade: {error.detail}")
    for number, description in applied:
        click.echo(f"applied migration {number}: {description}")
    click.echo(f"schema at version {version}" + ("" if applied else ", nothing to do"))


@db.command("import")
@click.option("--from", "source", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Files store to copy (default: TRANSLATION_REVISIONS_DIR, <TRANSLATIONS_DIR>/.revisions).")
@click.option("--replace", is_flag=True, help="Replace the revisions the database already has of those locales.")
def import_command(source: Path | None, replace: bool) -> None:
    """Copy a files store into the database: every locale's history and current catalogs, same revision ids."""
    from contentapi.delivery.factory import revisions_dir
    from contentapi.i18n.postgres import ImportRefused, file_store_locales, import_files
    from contentapi.i18n.revisions import StoreError

    url = database_url()
    folder = source or revisions_dir(current_app.config)
    if not folder.is_dir() or not file_store_locales(folder):
        fail(f"{folder}: no files store here (a folder of <locale>/current.json)")
    try:
        results = import_files(url, folder, replace)
    except ImportRefused as error:
        fail(f"the database already has revisions of {', '.join(error.locales)}: nothing imported "
             "(--replace replaces them)")
    except StoreError as error:
        fail(f"cannot import: {error.detail}")
    failed = [result for result in results if result.problem]
    for result in results:
        if result.problem:
            click.echo(f"contentapi: {result.locale}: not imported: {result.problem}", err=True)
        else:
            note = f" ({result.recompiled} .mo compiled again from their .po)" if result.recompiled else ""
            click.echo(f"imported {result.locale}: {result.revisions} revisions{note}")
    if failed:
        raise SystemExit(1)


def init_app(app: Flask) -> None:
    """Register ``contentapi db``."""
    app.cli.add_command(db)
