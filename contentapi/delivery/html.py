"""HTML pages rendered with Jinja, outside any request, so responses can be built once and cached.

UI strings go through the locale's catalog as plain strings and are escaped by
autoescaping; unlike Jinja's newstyle gettext they are never marked safe, so a
translator's HTML is shown as text, not run.
"""

from __future__ import annotations

import datetime as dt

from babel.dates import format_date
from babel.lists import format_list
from babel.numbers import format_decimal
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from contentapi.delivery import urls
from contentapi.i18n.catalogs import LocaleCatalog
from contentapi.i18n.locales import SUPPORTED_LOCALES, locale_info


def create_environment() -> Environment:
    """The Jinja environment of the package's templates."""
    environment = Environment(
        loader=PackageLoader("contentapi", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.globals["urls"] = urls
    # JSON-LD in the page's own script, readable and compact; tojson still escapes <, >, & and '.
    environment.policies["json.dumps_kwargs"] = {"ensure_ascii": False, "sort_keys": True}
    return environment


class PageRenderer:
    """Renders a template in a locale with that locale's catalog, dates and numbers."""

    def __init__(self, locales: tuple[str, ...] = SUPPORTED_LOCALES, environment: Environment | None = None):
        self.environment = environment or create_environment()
        self.locales = tuple(locale_info(code) for code in locales)

    def render(self, template: str, catalog: LocaleCatalog, **context) -> str:
        """Render ``template`` in the catalog's locale."""
        info = locale_info(catalog.locale)
        babel_locale = info.babel_locale

        def date(value: dt.date | str) -> str:
            if isinstance(value, str):
                value = dt.date.fromisoformat(value)
            return format_date(value, format="long", locale=babel_locale)

        def number(value: int | float) -> str:
            return format_decimal(value, locale=babel_locale)

        def join_list(items) -> Markup:
            # CLDR list patterns ("A, B and C", "A y B", "A和B"). Each item is a LocalizedText whose
            # html is sanitised; one in another language than the page keeps its own lang.
            placeholders = [f"\x00{index}\x00" for index in range(len(items))]
            joined = str(escape(format_list(placeholders, locale=babel_locale)))
            for placeholder, item in zip(placeholders, items):
                if item.lang == info.code:
                    span = Markup("<span>{}</span>").format(Markup(item.html))
                else:
                    span = Markup('<span lang="{}" dir="ltr">{}</span>').format(item.lang, Markup(item.html))
                joined = joined.replace(placeholder, span)
            return Markup(joined)

        return self.environment.get_template(template).render(
            _=catalog.gettext,
            gettext=catalog.gettext,
            ngettext=catalog.ngettext,
            pgettext=catalog.pgettext,
            format_date=date,
            format_number=number,
            format_list=join_list,
            locale=info,
            locales=self.locales,
            **context,
        )
