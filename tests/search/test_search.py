"""Search over real HTTP with both engines (SQLite FTS5, PostgreSQL full-text search): every shipped
locale finds the procedure from words of its own text (accents, Arabic marks and case ignored; Chinese
and Korean found inside words written without spaces), ranked with a marked snippet; a publish is
searchable at once; bad requests are 400 problems; the index page's search box works without
JavaScript."""

from __future__ import annotations

import itertools
from html.parser import HTMLParser
from urllib.parse import quote

import pytest

from contentapi import create_app
from contentapi.i18n.locales import SUPPORTED_LOCALES
from contentapi.i18n.postgres import upgrade
from tests.helpers import LOOPBACK_HOSTS, SLUG, LiveServer, copy_translations, wait_until
from tests.publishing import publish_catalog, publish_change, translator_token, without_translation

# A query per locale, as a reader would type it, and the words of the served text it must find.
QUERIES = {
    "en": ("CEMENT", "cement"),
    "es": ("cifoplastía", "Cifoplastia"),  # an accent the text does not have, and upper case there
    "zh-Hans": ("椎体", "椎体"),  # inside 椎体强化术, written without spaces
    "vi": ("xi mang", "măng"),  # without Vietnamese diacritics
    "ko": ("성형술", "성형술"),  # the end of the compound 척추후만성형술
    "ar": ("الفِقرات", "الفقرات"),  # with a kasra the text does not have
    "ru": ("ЦЕМЕНТ", "цемент"),
}
_databases = itertools.count(1)


@pytest.fixture(scope="module", params=["sqlite-fts5", "postgresql"])
def searchable(request, tmp_path_factory):
    """A live server on private catalogs with a translator token, on each engine."""
    folder = tmp_path_factory.mktemp("search")
    tokens, token = translator_token(folder)
    settings = {"TRANSLATIONS_DIR": str(copy_translations(folder / "translations")), "TOKENS": str(tokens),
                "CATALOG_CHECK_INTERVAL": 0.0, "TRUSTED_HOSTS": LOOPBACK_HOSTS}
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres").create_database(f"contentapi_search_{next(_databases)}")
        upgrade(url)
        settings["DATABASE_URL"] = url
    server = LiveServer(create_app(settings))
    yield server, token, request.param
    server.stop()


def search(server, query: str, lang: str, **headers):
    response = server.get(f"/api/v1/search?q={quote(query)}&lang={quote(lang)}", **headers)
    assert response.status == 200, response.body[:300]
    assert response.headers["Content-Language"] == lang
    return response.json()


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_every_locale_finds_the_procedure_from_its_own_words(searchable, locale):
    server, _, engine = searchable
    query, served = QUERIES[locale]
    document = search(server, query, locale)
    assert document["engine"] == engine and document["total"] == 1
    [result] = document["results"]
    assert result["slug"] == SLUG and result["links"]["html"] == f"/{locale}/procedures/{SLUG}"
    assert f"<mark>{served}</mark>".casefold() in result["snippet_html"].casefold()
    assert result["snippet_lang"] == locale and result["rank"] > 0
    page = server.get(result["links"]["self"]).json()
    assert result["title"] == page["title"]


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_words_not_in_a_locale_find_nothing(searchable, locale):
    server, _, _ = searchable
    assert search(server, "zeppelin", locale) == {**search(server, "zeppelin", locale), "total": 0, "results": []}


def test_a_publish_is_searchable_at_once(searchable):
    server, token, _ = searchable
    assert search(server, "zanahoria", "es")["total"] == 0
    publish_change(server.port, token, "es", "cemento óseo", "cemento óseo de zanahoria")
    found = wait_until(lambda: search(server, "ZANAHORIA", "es")["results"], timeout=5, message="the new word found")
    assert "<mark>zanahoria</mark>" in found[0]["snippet_html"]


def test_a_block_served_in_english_is_searched_in_english(searchable):
    server, token, _ = searchable
    assert search(server, "osteoporosis", "ru")["total"] == 0  # the Russian says остеопороз
    publish_catalog(server.port, token, "ru", without_translation(f"{SLUG}/overview/1"), allow_removals=True)
    [result] = wait_until(lambda: search(server, "osteoporosis", "ru")["results"], timeout=5, message="English found")
    assert result["snippet_lang"] == "en" and "<mark>osteoporosis</mark>" in result["snippet_html"]
    assert search(server, "остеопороз", "ru")["total"] == 0


def test_a_title_served_in_english_is_marked_as_english(searchable):
    server, token, _ = searchable
    [before] = search(server, "ЦЕМЕНТ", "ru")["results"]
    assert before["title_lang"] == "ru"
    publish_catalog(server.port, token, "ru", without_translation(f"{SLUG}/title"), allow_removals=True)
    [result] = wait_until(lambda: [r for r in search(server, "цемент", "ru")["results"] if r["title_lang"] == "en"],
                          timeout=5, message="the English title")
    assert result["title"] == "Kyphoplasty and vertebroplasty"
    page = server.get(f"/ru/search?q={quote('цемент')}").text
    assert f'<a href="/ru/procedures/{SLUG}" lang="en" dir="ltr">Kyphoplasty and vertebroplasty</a>' in page


@pytest.mark.parametrize("path", ["/api/v1/search", "/api/v1/search?q=", "/api/v1/search?q=a&limit=0",
                                  "/api/v1/search?q=a&limit=x", "/api/v1/search?q=a&limit=%C2%B3", "/api/v1/search?q=a&lang=!!",
                                  "/api/v1/search?q=" + "a" * 201])
def test_malformed_requests_are_400_problems(searchable, path):
    server, _, _ = searchable
    response = server.get(path)
    assert response.status == 400 and response.headers["Content-Type"] == "application/problem+json"


class Forms(HTMLParser):
    """The forms of a page: action, method, and the inputs' names; labels by their for."""

    def __init__(self):
        super().__init__()
        self.forms, self.labels, self.scripts = [], set(), 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attributes.get("action"), "method": attributes.get("method"), "inputs": {}})
        elif tag == "input" and self.forms:
            self.forms[-1]["inputs"][attributes.get("name")] = attributes.get("id")
        elif tag == "label":
            self.labels.add(attributes.get("for"))


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_the_index_search_box_works_without_javascript(searchable, locale):
    server, _, _ = searchable
    parser = Forms()
    parser.feed(server.get(f"/{locale}/").text)
    [form] = [form for form in parser.forms if form["action"] == f"/{locale}/search"]
    assert form["method"] == "get" and form["inputs"]["q"] in parser.labels  # a labelled field named q
    query, served = QUERIES[locale]
    page = server.get(f"{form['action']}?q={quote(query)}")  # what the browser sends on submit
    assert page.status == 200 and page.headers["Content-Language"] == locale
    assert f'href="/{locale}/procedures/{SLUG}"' in page.text and "<mark>" in page.text
    assert f'value="{query}"' in page.text  # the query stays in the field
