"""Hostile translations: a corpus of script injection, event handlers, javascript: and data: URLs,
SVG and MathML tricks, CSS expressions and bidi overrides that reverse a dose. Each one is refused
by `contentapi i18n check` and by publishing; and when such a catalog reaches the disk by hand
(compiled with no check at all), every page that shows it still runs no script, in real Chromium."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.by import By

from contentapi.i18n.domains import catalog_path
from contentapi.i18n.tokens import TokenStore
from tests.helpers import LOOPBACK_HOSTS, SLUG, put_in_store

MARK = "document.documentElement.dataset.pwned"
HOSTILE = {
    "script-tag": f"Texto <script>{MARK}='script'</script> final.",
    "img-onerror": f'Texto <img src=x onerror="{MARK}=1"> final.',
    "svg-onload": f'Texto <svg onload="{MARK}=1"><circle r=1></circle></svg> final.',
    "svg-script": f"Texto <svg><script>{MARK}='svg'</script></svg> final.",
    "mathml-mutation": f'Texto <math><mtext><table><mglyph><style><img src=x onerror="{MARK}=1"></style></mglyph></table></mtext></math>.',
    "markdown-javascript-link": f"Texto [pulse aquí](javascript:{MARK}='md') final.",
    "markdown-mixed-case-scheme": f"Texto [pulse aquí](JaVaScRiPt:{MARK}='md2') final.",
    "entity-obfuscated-scheme": f'Texto <a href="jav&#x09;ascript:{MARK}=1">pulse</a> final.',
    "markdown-data-url": "Texto [abrir](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==) final.",
    "autolink-javascript": f"Texto <javascript:{MARK}=1> final.",
    "iframe": f"Texto <iframe src=\"javascript:parent.{MARK}=1\"></iframe> final.",
    "object-embed": "Texto <object data=\"data:text/html,<script>alert(1)</script>\"></object> final.",
    "css-expression": f'Texto <span style="width: expression({MARK}=1)">estilo</span> final.',
    "style-tag": "Texto <style>body{background:url(javascript:alert(1))}</style> final.",
    "bidi-reversed-dose": "No reanude sus actividades durante \u202e42\u202c horas.",
    "bidi-isolate": "No reanude sus actividades durante \u2067 24 \u2069 horas.",
}
# One hostile string per translatable slot of the seed page.
SLOTS = [
    f"{SLUG}/overview/1", f"{SLUG}/how-it-works/1", f"{SLUG}/procedure/1", f"{SLUG}/aftercare/1",
    f"{SLUG}/risks/1", f"{SLUG}/risks/3", f"{SLUG}/summary", f"{SLUG}/attribution", f"{SLUG}/overview/heading",
    f"{SLUG}/how-it-works/heading", f"{SLUG}/procedure/heading", f"{SLUG}/aftercare/heading",
    f"{SLUG}/risks/heading", f"{SLUG}/also-known-as/1", f"{SLUG}/also-known-as/2", f"{SLUG}/title",
]
CONTENTAPI = str(Path(sys.executable).with_name("contentapi"))


def write_catalog(translations: Path, strings: dict[str, str]) -> Path:
    """Put ``strings`` (msgctxt -> msgstr) into the seed's Spanish catalog file, without checking anything."""
    po_path = catalog_path(translations, "es", SLUG)
    with open(po_path, "rb") as handle:
        catalog = read_po(handle)
    for message in catalog:
        if message.context in strings:
            message.string = strings[message.context]
    with open(po_path, "wb") as handle:
        write_po(handle, catalog, width=0)
    return po_path


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_check_refuses_each_hostile_translation(own_translations, name):
    po_path = write_catalog(own_translations, {f"{SLUG}/aftercare/1": HOSTILE[name]})
    result = subprocess.run([CONTENTAPI, "i18n", "check", str(po_path), "--format", "json"], capture_output=True, text=True)
    assert result.returncode == 1, result.stdout + result.stderr
    errors = [f for f in json.loads(result.stdout)["findings"] if f["severity"] == "error"]
    assert errors and {f["msgctxt"] for f in errors} == {f"{SLUG}/aftercare/1"}
    if name.startswith("bidi"):
        assert "control-characters" in {f["check"] for f in errors}


@pytest.fixture(scope="module")
def publishing_server(tmp_path_factory):
    from contentapi import create_app
    from tests.helpers import LiveServer, copy_translations

    folder = tmp_path_factory.mktemp("hostile-publish")
    translations = copy_translations(folder / "translations")
    tokens = folder / "tokens.json"
    token = TokenStore(tokens).add("mallory", ("es",))
    app = create_app(
        {"TRANSLATIONS_DIR": str(translations), "TOKENS": str(tokens), "TRANSLATION_REVISIONS_DIR": str(folder / "rev"),
         "TRUSTED_HOSTS": LOOPBACK_HOSTS}
    )
    server = LiveServer(app)
    yield server, token, translations
    server.stop()


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_publish_refuses_each_hostile_translation(publishing_server, tmp_path, name):
    server, token, translations = publishing_server
    authorization = {"Authorization": f"Bearer {token}"}
    url = f"/api/v1/translations/es/procedures/{SLUG}"
    current = server.request("GET", url, authorization)
    po_copy = tmp_path / "translations"
    catalog_path(po_copy, "es", SLUG).parent.mkdir(parents=True)
    catalog_path(po_copy, "es", SLUG).write_bytes(current.body)
    body = write_catalog(po_copy, {f"{SLUG}/aftercare/1": HOSTILE[name]}).read_bytes()
    response = server.request(
        "PUT",
        url,
        {**authorization, "If-Match": current.headers["ETag"], "Content-Type": "text/x-gettext-translation"},
        body,
    )
    assert response.status == 422
    assert response.headers["Content-Type"] == "application/problem+json"
    assert server.request("GET", url, authorization).body == current.body


def assert_no_script_ran(browser, url: str) -> None:
    browser.get(url)
    try:
        alert = browser.switch_to.alert
        pytest.fail(f"a dialog opened on {url}: {alert.text}")
    except NoAlertPresentException:
        pass
    assert browser.execute_script(f"return {MARK} === undefined"), url
    scripts = browser.execute_script(
        "return [...document.scripts].filter(s => s.type !== 'application/ld+json').map(s => s.src)"
    )
    assert all(src.startswith(url.split("/", 3)[0] + "//" + url.split("/", 3)[2] + "/") for src in scripts), scripts
    dangerous = browser.execute_script(
        """return [...document.querySelectorAll('*')].filter(e =>
             [...e.attributes].some(a => /^on/i.test(a.name) || /^\\s*(javascript|data):/i.test(a.value))
             || ['IFRAME','OBJECT','EMBED','svg','math','STYLE'].includes(e.tagName)
             || e.hasAttribute('style')).map(e => e.outerHTML.slice(0, 120))"""
    )
    assert dangerous == [], url
    text = browser.find_element(By.TAG_NAME, "body").text
    assert "\u202e" not in text and "\u2067" not in text


def test_a_hostile_catalog_in_the_store_runs_no_script(own_translations, make_app, serve, browser):
    write_catalog(own_translations, dict(zip(SLOTS, HOSTILE.values(), strict=False)))
    put_in_store(own_translations, "es", SLUG)  # the checks would refuse it: here it is served anyway
    server = serve(make_app(TRANSLATIONS_DIR=str(own_translations)))
    for path in (
        f"/es/procedures/{SLUG}",
        "/es/",
        f"/embed/es/procedures/{SLUG}?partner=demo",
        f"/api/v1/procedures/{SLUG}/fragment?lang=es",
    ):
        assert_no_script_ran(browser, server.url + path)
    document = server.get(f"/api/v1/procedures/{SLUG}?lang=es").json()
    for section in document["sections"]:
        for block in section["blocks"]:
            assert markup_of(block["html"]) <= SAFE_MARKUP, block["html"]


SAFE_MARKUP = {("a", "href", "https"), ("a", "rel", None), ("em", None, None), ("strong", None, None),
               ("code", None, None), ("ul", None, None), ("ol", None, None), ("li", None, None), ("br", None, None)}


def markup_of(html: str) -> set[tuple]:
    """Every (tag, attribute, URL scheme) in an HTML fragment, as a real parser sees it."""
    from html.parser import HTMLParser

    found: set[tuple] = set()

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.add((tag, None, None))
            for name, value in attrs:
                scheme = (value or "").split(":", 1)[0].strip().lower() if name == "href" else None
                found.add((tag, name, scheme))

    Collector().feed(html)
    return found
