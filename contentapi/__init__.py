"""contentapi: multilingual patient-education content as JSON and accessible HTML.

``create_app(config=None)`` builds the Flask application: ``flask --app contentapi run``
for development, ``gunicorn "contentapi:create_app()"`` in production.
"""

from __future__ import annotations

import os

from flask import Flask

from contentapi.config import load_config

__all__ = ["create_app"]


def create_app(config: dict | None = None) -> Flask:
    """Build the application: settings, then each area in turn through its ``init_app``.

    Content and catalogs are loaded here, before the first request, so a malformed
    file stops start-up with one message naming the file and line (SystemExit).
    ``CONTENTAPI_INSTANCE_PATH`` names the instance folder (default: Flask's, ``instance/``).
    """
    # static_folder=None: /static/ is contentapi.web.static (validators from content, compression).
    app = Flask(__name__, static_folder=None, instance_relative_config=True,
                instance_path=os.environ.get("CONTENTAPI_INSTANCE_PATH") or None)
    load_config(app, config)

    # Imported here so that importing the package stays cheap (the Babel extractor, the CLI).
    from contentapi.delivery import commands as delivery_commands
    from contentapi.delivery import factory
    from contentapi.i18n import commands as i18n_commands
    from contentapi.i18n import db_commands
    from contentapi.partners import commands as partner_commands
    from contentapi.changes import commands as webhook_commands
    from contentapi.web import (
        api,
        changes,
        clinical,
        demo_partner,
        embed,
        errors,
        hosts,
        oembed,
        pages,
        partners,
        response_cache,
        reviews,
        search,
        security,
        static,
        translations,
    )

    hosts.init_app(app)  # PUBLIC_URL and the trusted hosts: stops a server that has neither
    factory.init_app(app)  # content and catalogs: stops start-up on a malformed file
    errors.init_app(app)
    security.init_app(app)
    partners.init_app(app)  # partner registry (stops start-up on a bad one), keys and CORS
    for area in (api, pages, embed, oembed, translations, reviews):
        app.register_blueprint(area.blueprint)
    clinical.init_app(app)  # Infobutton, FHIR, CDS Hooks (FHIR errors as OperationOutcome)
    search.init_app(app)  # /api/v1/search and /{locale}/search
    changes.init_app(app)  # change feed, content log at start-up, webhook deliveries
    static.init_app(app)
    response_cache.init_app(app)  # outermost WSGI layer: repeated content requests skip Flask
    for commands in (delivery_commands, i18n_commands, db_commands, partner_commands, demo_partner, webhook_commands):
        commands.init_app(app)
    return app
