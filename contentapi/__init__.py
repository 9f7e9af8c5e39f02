"""contentapi: multilingual patient-education content as JSON and accessible HTML.

``create_app(config=None)`` builds the Flask application: ``flask --app contentapi run``
for development, ``gunicorn "contentapi:create_app()"`` in production.
"""

from __future__ import annotations

from flask import Flask

from contentapi.config import load_config

__all__ = ["create_app"]


def create_app(config: dict | None = None) -> Flask:
    """Build the application: settings, content and catalogs, then one blueprint per area.

    Content and catalogs are loaded here, before the first request, so a malformed
    file stops start-up with one message naming the file and line (SystemExit).
    """
    app = Flask(__name__, instance_relative_config=True)
    load_config(app, config)

    # Imported here so that importing the package stays cheap (the Babel extractor, the CLI).
    from contentapi import cli, errors, headers, store
    from contentapi.web import api, embed, pages, response_cache, translations

    store.init_app(app)  # content and catalogs: stops start-up on a malformed file
    errors.init_app(app)
    headers.init_app(app)
    app.register_blueprint(api.blueprint)
    app.register_blueprint(pages.blueprint)
    app.register_blueprint(translations.blueprint)
    embed.init_app(app)  # embed blueprint, partner registry, CORS and partner keys
    response_cache.init_app(app)  # outermost WSGI layer: repeated content requests skip Flask
    cli.init_app(app)
    return app
