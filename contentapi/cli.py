"""The ``contentapi`` command line: Flask's command group over the app, whose areas register
their own commands (``contentapi.i18n.commands``, ``contentapi.partners.commands``,
``contentapi.delivery.commands``, ``contentapi.web.demo_partner``) in their ``init_app``.

The app is made as for serving, with the same settings (defaults, the instance file,
``CONTENTAPI_*`` variables), except that content and catalogs are loaded only by the commands
that need them, so a broken file never stops the command that would diagnose it.
``flask --app contentapi COMMAND`` runs the same commands.
"""

from __future__ import annotations

import sys
from typing import NoReturn

import click
from flask import Flask
from flask.cli import FlaskGroup


def create_cli_app() -> Flask:
    """The app the commands run in: the server's, with content loaded on first use."""
    from contentapi import create_app

    return create_app({"LOAD_CONTENT_AT_START": False})


@click.group(cls=FlaskGroup, create_app=create_cli_app, add_default_commands=True, add_version_option=False)
def main() -> None:
    """contentapi: multilingual patient-education content and its accessibility audit."""


def fail(message: str, code: int = 1) -> NoReturn:
    """Print one line to stderr and exit non-zero (the one way commands report a failure)."""
    click.echo(f"contentapi: {message}", err=True)
    sys.exit(code)
