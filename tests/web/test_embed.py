"""Partner embedding over real HTTP and in a real Chromium: embeds framed only by their partner,
embed.js across origins, fragments, oEmbed, CORS per origin and API keys."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from contentapi.partners.registry import hash_key
from contentapi.i18n.locales import SUPPORTED_LOCALES, locale_info
from contentapi.web.demo_partner import create_demo_app
from tests.helpers import SLUG, put_in_store, wait_until

PARTNER_ORIGINS = ("http://127.0.0.1:8001", "http://localhost:8001")
KEY = "test-key-0123456789-abcdefghijklmnopqrstuvwxyz"


def write_registry(path: Path, partners: dict[str, list[str]], keyed: dict[str, str] | None = None, public=False) -> Path:
    """A registry file with the given partners (default themes) and optional keys."""
    lines = [f"public = {'true' if public else 'false'}"]
    if partners:
        lines.append(f'default_partner = "{next(iter(partners))}"')
    for partner_id, origins in partners.items():
        lines.append(f"[partners.{partner_id}]")
        lines.append(f'name = "Partner {partner_id}"')
        lines.append("origins = [" + ", ".join(f'"{origin}"' for origin in origins) + "]")
        if keyed and partner_id in keyed:
            lines.append(f'key_sha256 = "{hash_key(keyed[partner_id])}"')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def service(make_app, serve, tmp_path):
    """The service with two partners (one keyed) behind a real HTTP server."""
    registry = write_registry(
        tmp_path / "partners.toml",
        {"north": ["https://north.example", "http://127.0.0.1:8001"], "south": ["https://south.example"], "vault": ["https://vault.example"]},
        keyed={"vault": KEY},
    )
    return serve(make_app(PARTNERS=str(registry)))


def frame_ancestors(csp: str) -> list[str]:
    """The sources of a CSP's frame-ancestors directive."""
    for directive in csp.split(";"):
        name, _, value = directive.strip().partition(" ")
        if name == "frame-ancestors":
            return value.split()
    raise AssertionError(f"no frame-ancestors in {csp!r}")


# -- headers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("partner", "expected"),
    [
        ("north", ["https://north.example", "http://127.0.0.1:8001"]),
        ("south", ["https://south.example"]),
    ],
)
def test_embed_is_frameable_by_exactly_its_partners_origins(service, partner, expected):
    response = service.get(f"/embed/es/procedures/{SLUG}?partner={partner}")
    assert response.status == 200
    assert frame_ancestors(response.headers["Content-Security-Policy"]) == expected
    assert "X-Frame-Options" not in response.headers
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp


@pytest.mark.parametrize(
    "path",
    ["/", "/es/", f"/es/procedures/{SLUG}", f"/api/v1/procedures/{SLUG}", f"/api/v1/procedures/{SLUG}/fragment",
     "/oembed?url=/es/procedures/" + SLUG, "/embed.js", f"/embed/es/procedures/{SLUG}"],
)
def test_every_other_route_refuses_to_be_framed(service, path):
    response = service.get(path)
    assert response.status == 200
    assert frame_ancestors(response.headers["Content-Security-Policy"]) == ["'none'"]


def test_embed_posts_height_only_to_a_registered_origin(service):
    good = service.get(f"/embed/ar/procedures/{SLUG}?partner=north&origin={quote('http://127.0.0.1:8001')}")
    assert good.status == 200
    assert 'data-parent-origin="http://127.0.0.1:8001"' in good.text
    assert '<html lang="ar" dir="rtl"' in good.text
    # Named main: the partner page's main and every other embed's main stay distinguishable.
    assert '<main class="contentapi-embed" aria-labelledby="contentapi-embed-title">' in good.text
    assert good.text.count('id="contentapi-embed-title"') == 1 and good.text.count("<h1") == 1
    for origin in ("https://south.example", "https://north.example.evil", "https://north.example/path", "*"):
        response = service.get(f"/embed/ar/procedures/{SLUG}?partner=north&origin={quote(origin)}", accept="application/json")
        assert response.status == 403, origin
        assert response.json()["title"] == "Origin not registered"


def test_embed_of_unknown_partner_slug_or_locale(service):
    assert service.get(f"/embed/es/procedures/{SLUG}?partner=nobody", accept="application/json").status == 404
    assert service.get("/embed/es/procedures/no-such-thing?partner=north", accept="application/json").status == 404
    assert service.get(f"/embed/xx/procedures/{SLUG}?partner=north", accept="application/json").status == 404
    redirect = service.get(f"/embed/es-MX/procedures/{SLUG}?partner=north")
    assert redirect.status in (301, 308)
    assert redirect.headers["Location"].endswith(f"/embed/es/procedures/{SLUG}?partner=north")


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        ("https://north.example", "https://north.example"),
        ("http://127.0.0.1:8001", "http://127.0.0.1:8001"),
        ("https://south.example", "https://south.example"),
        ("https://evil.example", None),
        ("https://north.example.evil.example", None),
        ("http://north.example", None),
        ("null", None),
    ],
)
def test_cors_answers_registered_origins_only(service, origin, allowed):
    for path in (f"/api/v1/procedures/{SLUG}?lang=es", "/api/v1/procedures", f"/api/v1/procedures/{SLUG}/fragment"):
        response = service.get(path, origin=origin)
        assert response.status == 200
        assert "Origin" in response.headers["Vary"]
        assert response.headers.get("Access-Control-Allow-Origin") == allowed
        if allowed:
            assert "ETag" in response.headers["Access-Control-Expose-Headers"]


@pytest.mark.parametrize(("origin", "allowed"), [("https://south.example", True), ("https://evil.example", False)])
def test_preflight(service, origin, allowed):
    response = service.request(
        "OPTIONS",
        f"/api/v1/procedures/{SLUG}",
        {"Origin": origin, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "X-API-Key, If-None-Match"},
    )
    assert response.status == 204
    assert "Origin" in response.headers["Vary"]
    if allowed:
        assert response.headers["Access-Control-Allow-Origin"] == origin
        assert response.headers["Access-Control-Allow-Methods"] == "GET, HEAD"
        assert set(response.headers["Access-Control-Allow-Headers"].split(", ")) == {"x-api-key", "if-none-match"}
        assert int(response.headers["Access-Control-Max-Age"]) > 0
    else:
        assert "Access-Control-Allow-Origin" not in response.headers
        assert "Access-Control-Allow-Methods" not in response.headers
    refused = service.request(
        "OPTIONS", f"/api/v1/procedures/{SLUG}", {"Origin": "https://south.example", "Access-Control-Request-Method": "DELETE"}
    )
    assert "Access-Control-Allow-Origin" not in refused.headers


def test_public_registry_answers_any_origin_with_a_star(make_app, serve, tmp_path):
    server = serve(make_app(PARTNERS=str(write_registry(tmp_path / "p.toml", {"north": ["https://north.example"]}, public=True))))
    response = server.get("/api/v1/procedures", origin="https://anyone.example")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Origin" not in server.get("/api/v1/procedures").headers
    assert "Access-Control-Allow-Origin" not in server.get("/es/", origin="https://anyone.example").headers


# -- keys ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-API-Key": "wrong"}, {"X-API-Key": KEY[:-1]}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {KEY}"}],
)
def test_partner_that_requires_a_key_gets_401_without_a_valid_one(service, headers):
    for path in (f"/api/v1/procedures/{SLUG}/fragment?partner=vault", f"/api/v1/procedures?partner=vault",
                 f"/oembed?url=/es/procedures/{SLUG}&partner=vault"):
        response = service.request("GET", path, headers)
        assert response.status == 401, path
        assert response.headers["Content-Type"] == "application/problem+json"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        problem = response.json()
        assert problem["status"] == 401 and "X-API-Key" in problem["detail"]
        assert KEY not in response.text


@pytest.mark.parametrize("headers", [{"X-API-Key": KEY}, {"Authorization": f"Bearer {KEY}"}])
def test_valid_key_is_accepted(service, headers):
    response = service.request("GET", f"/api/v1/procedures/{SLUG}/fragment?partner=vault&lang=ko", headers)
    assert response.status == 200
    assert response.headers["Content-Language"] == "ko"


def test_keys_are_not_logged(make_app, serve, tmp_path, caplog):
    registry = write_registry(tmp_path / "p.toml", {"vault": ["https://vault.example"]}, keyed={"vault": KEY})
    server = serve(make_app(PARTNERS=str(registry)))
    with caplog.at_level("DEBUG"):
        server.request("GET", "/api/v1/procedures?partner=vault", {"X-API-Key": "a-wrong-key-value"})
        server.request("GET", "/api/v1/procedures?partner=vault", {"X-API-Key": KEY})
    assert "a-wrong-key-value" not in caplog.text and KEY not in caplog.text


def test_unknown_partner_is_a_404_problem(service):
    response = service.get("/api/v1/procedures?partner=nobody")
    assert response.status == 404
    assert response.headers["Content-Type"] == "application/problem+json"
    assert "nobody" in response.json()["detail"]


# -- fragment ------------------------------------------------------------------------------------


class FragmentParser(HTMLParser):
    """Collects every start tag with its attributes."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_fragment_is_sanitised_scoped_and_absolute(service, locale):
    response = service.get(f"/api/v1/procedures/{SLUG}/fragment?lang={locale}")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.headers["Content-Language"] == locale
    parser = FragmentParser()
    parser.feed(response.text)
    root_tag, root = parser.tags[0]
    assert root_tag == "div" and root["lang"] == locale and root["dir"] == locale_info(locale).direction
    assert response.text.strip().endswith("</div>")
    # Not a placeholder: embed.js on the same page must leave an included fragment alone.
    assert "data-contentapi-procedure" not in response.text
    allowed = {"div", "article", "h2", "h3", "p", "section", "footer", "dl", "dt", "dd", "time", "a", "em", "strong", "code", "ul", "ol", "li", "br"}
    for tag, attributes in parser.tags:
        assert tag in allowed, tag
        assert not any(name.startswith("on") or name in ("style", "id", "srcdoc") for name in attributes), (tag, attributes)
        for class_name in (attributes.get("class") or "").split():
            assert class_name.startswith("contentapi-embed"), class_name
        if tag == "a":
            assert attributes["href"].startswith(service.url + "/"), attributes["href"]
    links = [attributes["href"] for tag, attributes in parser.tags if tag == "a"]
    assert f"{service.url}/{locale}/procedures/{SLUG}" in links
    json_document = service.get(f"/api/v1/procedures/{SLUG}?lang={locale}").json()
    assert json_document["title"] in response.text.replace("&#39;", "'")
    assert json_document["attribution"].split()[0] in response.text


def test_fragment_marks_fallback_blocks_like_the_json(make_app, serve, own_translations):
    po = own_translations / "vi" / "LC_MESSAGES" / f"{SLUG}.po"
    text = po.read_text(encoding="utf-8")
    # Drop one block's translation: that block is now served in English, in JSON and fragment alike.
    match = re.search(r'msgctxt "' + SLUG + r'/overview/1"\nmsgid "[^\n]*"\nmsgstr "[^\n]+"', text)
    assert match, "the vi catalog translates the first overview block"
    po.write_text(text.replace(match.group(0), match.group(0).rsplit("msgstr", 1)[0] + 'msgstr ""'), encoding="utf-8")
    put_in_store(own_translations, po.parts[-3].replace("_", "-"), SLUG)
    server = serve(make_app(TRANSLATIONS_DIR=str(own_translations)))
    document = server.get(f"/api/v1/procedures/{SLUG}?lang=vi").json()
    fallback = [block for section in document["sections"] for block in section["blocks"] if block["fallback"]]
    assert len(fallback) == 1
    fragment = server.get(f"/api/v1/procedures/{SLUG}/fragment?lang=vi").text
    assert fragment.count(' lang="en" dir="ltr"') == 1
    embed = server.get(f"/embed/vi/procedures/{SLUG}").text
    assert embed.count(' lang="en" dir="ltr"') == 1


def test_fragment_strips_unsafe_markup_from_a_hostile_translation(make_app, serve, own_translations):
    po = own_translations / "ru" / "LC_MESSAGES" / f"{SLUG}.po"
    text = po.read_text(encoding="utf-8")
    match = re.search(r'(msgctxt "' + SLUG + r'/overview/1"\nmsgid "[^\n]*"\nmsgstr )"[^\n]+"', text)
    assert match
    hostile = (
        '"Текст <script>alert(1)</script> <img src=x onerror=alert(2)> [ссылка](javascript:alert(3)) '
        '[страница](/ru/) <a href=\\"https://evil.example\\" onclick=\\"x()\\" style=\\"color:red\\">a</a>"'
    )
    po.write_text(text.replace(match.group(0), match.group(1) + hostile), encoding="utf-8")
    put_in_store(own_translations, po.parts[-3].replace("_", "-"), SLUG)
    server = serve(make_app(TRANSLATIONS_DIR=str(own_translations)))
    for path in (f"/api/v1/procedures/{SLUG}/fragment?lang=ru", f"/embed/ru/procedures/{SLUG}?partner=demo"):
        body = server.get(path).text
        assert "Текст" in body  # the block is served, its markup escaped or dropped
        parser = FragmentParser()
        parser.feed(body)
        tags = [tag for tag, _ in parser.tags]
        assert "img" not in tags and tags.count("script") == (1 if path.startswith("/embed/") else 0)  # embed-frame.js only
        for tag, attributes in parser.tags:
            assert not any(name.startswith("on") or name == "style" for name in attributes), (tag, attributes)
            href = attributes.get("href") or ""
            assert not href.lower().startswith("javascript") and "evil.example" not in href, href
            if tag == "script":
                assert attributes["src"].split("?v=")[0] == "/static/embed-frame.js"
        assert f'href="{server.url}/ru/"' in body


def test_fragment_uses_public_url_when_configured(make_app, serve):
    server = serve(make_app(PUBLIC_URL="https://content.example.org"))
    text = server.get(f"/api/v1/procedures/{SLUG}/fragment?lang=es").text
    assert f'href="https://content.example.org/es/procedures/{SLUG}"' in text
    assert server.url not in text


# -- oEmbed ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("maxwidth", "maxheight"), [(None, None), (300, 200), (2000, 5000), (1, 1)])
def test_oembed_rich_within_maxima(service, maxwidth, maxheight):
    query = f"url={quote(service.url + '/ar/procedures/' + SLUG)}&format=json"
    if maxwidth:
        query += f"&maxwidth={maxwidth}&maxheight={maxheight}"
    response = service.get(f"/oembed?{query}")
    assert response.status == 200
    document = response.json()
    assert document["version"] == "1.0" and document["type"] == "rich"
    assert 0 < document["width"] <= (maxwidth or 10**6) and 0 < document["height"] <= (maxheight or 10**6)
    title = service.get(f"/api/v1/procedures/{SLUG}?lang=ar").json()["title"]
    assert document["title"] == title
    html = document["html"]
    assert f'data-contentapi-procedure="{SLUG}"' in html and 'data-lang="ar"' in html and 'data-partner="north"' in html
    assert f'<script src="{service.url}/embed.js" async></script>' in html
    assert f'href="{service.url}/ar/procedures/{SLUG}"' in html
    assert f'data-max-height="{document["height"]}"' in html


def test_oembed_names_the_requested_partner(service):
    html = service.get(f"/oembed?url=/es/procedures/{SLUG}&partner=south").json()["html"]
    assert 'data-partner="south"' in html


@pytest.mark.parametrize(
    "url",
    ["/es/procedures/no-such-thing", "/xx/procedures/" + SLUG, "https://elsewhere.example/es/procedures/" + SLUG, "/es/", "javascript:alert(1)"],
)
def test_oembed_unknown_url_is_404(service, url):
    response = service.get(f"/oembed?url={quote(url)}&format=json")
    assert response.status == 404
    assert response.headers["Content-Type"] == "application/problem+json"


def test_oembed_xml_is_501_and_bad_sizes_400(service):
    assert service.get(f"/oembed?url=/es/procedures/{SLUG}&format=xml").status == 501
    assert service.get(f"/oembed?url=/es/procedures/{SLUG}&format=yaml").status == 400
    assert service.get(f"/oembed?url=/es/procedures/{SLUG}&maxwidth=-3").status == 400
    # Digits int() refuses (superscripts) or that are not ASCII: a 400, never a 500.
    for odd in ("%C2%B2", "%D9%A1%D9%A2", "12%0A", "1e3", "99999999999999999999"):
        response = service.get(f"/oembed?url=/es/procedures/{SLUG}&maxwidth={odd}")
        assert response.status == 400 and response.json()["title"] == "Invalid maxwidth", odd
    assert service.get("/oembed").status == 400


def test_pages_carry_oembed_discovery(live_server):
    text = live_server.get(f"/es/procedures/{SLUG}").text
    match = re.search(r'<link rel="alternate" type="application/json\+oembed" href="([^"]+)"', text)
    assert match, "no oEmbed discovery link"
    href = match.group(1).replace("&amp;", "&")
    response = live_server.get(href)
    assert response.status == 200
    assert response.json()["title"] == live_server.get(f"/api/v1/procedures/{SLUG}?lang=es").json()["title"]


# -- a real partner page on another origin, in Chromium -------------------------------------------


SPOOF_PAGE = '<!doctype html><html lang="en"><head><title>spoof</title><script src="/spoof.js"></script></head><body></body></html>'
SPOOF_SCRIPT = """
for (var i = 0; i < 10; i += 1) {
  window.parent.postMessage({ type: "contentapi:embed-height", height: 4321 }, "*");
}
document.documentElement.setAttribute("data-sent", "10");
"""


@pytest.fixture
def partner_page(serve, make_app, tmp_path):
    """A partner page (the demo partner app) on one loopback origin, the service on another."""
    demo = create_demo_app("http://service.invalid")
    demo.add_url_rule("/spoof", "spoof", lambda: (SPOOF_PAGE, 200, {"Content-Type": "text/html"}))
    demo.add_url_rule("/spoof.js", "spoof_js", lambda: (SPOOF_SCRIPT, 200, {"Content-Type": "text/javascript"}))
    partner = serve(demo)
    registry = write_registry(tmp_path / "partners.toml", {"demo": [partner.url]})
    server = serve(make_app(PARTNERS=str(registry)))
    demo.config["SERVICE_URL"] = server.url
    return partner, server


def frame_content_height(browser, iframe) -> int:
    browser.switch_to.frame(iframe)
    try:
        return browser.execute_script("return Math.ceil(document.body.getBoundingClientRect().height)")
    finally:
        browser.switch_to.default_content()


@pytest.mark.browser
def test_two_embeds_on_a_partner_page(browser, partner_page):
    partner, server = partner_page
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    browser.get(partner.url + "/")
    iframes = wait_until(lambda: browser.find_elements(By.CSS_SELECTOR, "iframe.contentapi-frame") if len(
        browser.find_elements(By.CSS_SELECTOR, "iframe.contentapi-frame")) == 2 else None, message="two iframes")

    # Localised titles, from the JSON API over CORS.
    expected = [server.get(f"/api/v1/procedures/{SLUG}?lang={lang}").json()["title"] for lang in ("es", "ar")]
    wait_until(lambda: [iframe.get_attribute("title") for iframe in iframes] == expected, message=f"titles {expected}")
    assert [iframe.get_attribute("lang") for iframe in iframes] == ["es", "ar"]
    for iframe in iframes:
        assert iframe.get_attribute("loading") == "lazy"
        assert "allow-forms" not in iframe.get_attribute("sandbox") and "allow-scripts" in iframe.get_attribute("sandbox")
        assert iframe.get_attribute("referrerpolicy") == "no-referrer"
        assert "origin=" + quote(partner.url, safe="") in iframe.get_attribute("src")

    # Each resizes to its content (lazily loaded: scroll each into view).
    def sized():
        heights = []
        for iframe in iframes:
            browser.execute_script("arguments[0].scrollIntoView()", iframe)
            outer = browser.execute_script("return arguments[0].getBoundingClientRect().height", iframe)
            inner = frame_content_height(browser, iframe)
            if not inner or abs(outer - inner) > 1:
                return None
            heights.append(outer)
        return heights

    heights = wait_until(sized, message="iframes sized to their content")
    assert all(height > 480 for height in heights), heights  # grew beyond the initial height
    assert heights[0] != heights[1]

    # Messages from the wrong origin are ignored: the page itself and a frame of the partner's origin.
    # A listener added after embed.js's counts the spoofed messages: listeners run in the order they
    # were added, so once it has seen all eleven, embed.js has handled (and ignored) every one.
    browser.execute_script(
        "window.spoofsSeen = 0;"
        "window.addEventListener('message', function (event) {"
        "  if (event.data && event.data.height === 4321) { window.spoofsSeen += 1; } });"
        "window.postMessage({type: 'contentapi:embed-height', height: 4321}, '*');"
        "var spoof = document.createElement('iframe'); spoof.id = 'spoof'; spoof.title = 'spoof';"
        "spoof.src = '/spoof'; document.body.appendChild(spoof);"
    )
    wait_until(lambda: browser.execute_script("return window.spoofsSeen") == 11, message="eleven spoofed messages handled")
    after = [browser.execute_script("return arguments[0].getBoundingClientRect().height", iframe) for iframe in iframes]
    assert after == heights
    browser.execute_script("document.getElementById('spoof').remove()")

    # Focus runs from the link before, through both embeds, to the link after.
    browser.execute_script("window.scrollTo(0, 0); document.getElementById('partner-home').focus()")
    visited = []
    for _ in range(60):
        ActionChains(browser).send_keys(Keys.TAB).perform()
        where = browser.execute_script(
            "var a = document.activeElement; var frames = Array.from(document.querySelectorAll('iframe.contentapi-frame'));"
            "return a.tagName === 'IFRAME' ? 'frame' + frames.indexOf(a) : (a.id || a.tagName)"
        )
        if where.startswith("frame") and (not visited or visited[-1] != where):
            browser.switch_to.frame(iframes[int(where[5:])])
            inner = browser.execute_script("return document.activeElement.tagName")
            browser.switch_to.default_content()
            assert inner == "A", f"focus in {where} is on {inner}, not inside the embed's content"
        visited.append(where)
        if where == "partner-contact":
            break
    order = [place for index, place in enumerate(visited) if index == 0 or visited[index - 1] != place]
    assert order == ["frame0", "frame1", "partner-contact"], visited

    # Heights are clamped: a placeholder added later with data-max-height stops there.
    clamped = browser.execute_script(
        "var div = document.createElement('div'); div.setAttribute('data-contentapi-procedure', arguments[0]);"
        "div.setAttribute('data-lang', 'ru'); div.setAttribute('data-partner', 'demo');"
        "div.setAttribute('data-max-height', '600'); document.querySelector('main').appendChild(div);"
        "window['contentapiEmbed:' + arguments[1]](); var frame = div.querySelector('iframe');"
        "frame.scrollIntoView(); return frame;",
        SLUG, server.url,
    )
    wait_until(lambda: frame_content_height(browser, clamped) > 600, message="third embed loaded")
    # Not the initial 480 px, not its content's height: the maximum.
    wait_until(lambda: browser.execute_script("return arguments[0].getBoundingClientRect().height", clamped) == 600,
             message="third embed clamped to 600 px")

    # "Read the full page" leaves the partner page for the canonical page, in the top window.
    browser.switch_to.frame(iframes[0])
    link = browser.find_element(By.CSS_SELECTOR, "a.contentapi-embed__canonical")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", link)
    link.click()
    browser.switch_to.default_content()
    wait_until(lambda: browser.current_url == f"{server.url}/es/procedures/{SLUG}", message="top window on the canonical page")


# -- accessibility of the embed document ----------------------------------------------------------

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
AXE_RUN = """
var done = arguments[arguments.length - 1];
axe.run(document, {runOnly: {type: 'tag', values: JSON.parse(arguments[0])}, resultTypes: ['violations']})
  .then(function (r) { done(r.violations.map(function (v) { return v.id + ': ' + v.nodes.map(function (n) { return n.html; }).join(' | '); })); },
        function (e) { done(['axe failed: ' + e]); });
"""


@pytest.fixture(scope="module")
def axe_source():
    from importlib import util

    spec = util.find_spec("axe_selenium_python")
    return (Path(spec.origin).parent / "node_modules" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")


@pytest.mark.browser
@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_embed_document_has_no_axe_violations(browser, live_server, axe_source, locale):
    import json

    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    for query in ("?partner=demo", ""):
        browser.get(f"{live_server.url}/embed/{locale}/procedures/{SLUG}{query}")
        assert browser.execute_script("return document.documentElement.lang") == locale
        browser.execute_script(axe_source)
        violations = browser.execute_async_script(AXE_RUN, json.dumps(AXE_TAGS))
        assert violations == [], (query, violations)


@pytest.mark.browser
def test_embed_focus_is_visible_in_the_partner_theme(browser, live_server):
    browser.get(f"{live_server.url}/embed/es/procedures/{SLUG}?partner=demo")
    link = browser.find_element(By.CSS_SELECTOR, "a.contentapi-embed__canonical")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", link)
    browser.execute_script("document.activeElement && document.activeElement.blur()")
    for _ in range(40):  # keyboard focus, so :focus-visible applies
        ActionChains(browser).send_keys(Keys.TAB).perform()
        if browser.switch_to.active_element == link:
            break
    assert browser.switch_to.active_element == link
    style = browser.execute_script(
        "var s = getComputedStyle(arguments[0]); return [s.outlineStyle, s.outlineWidth, s.outlineColor]", link
    )
    assert style[0] == "solid" and style[1] == "3px" and style[2] == "rgb(179, 0, 107)"  # the theme's focus colour


def test_partner_logo_joins_img_src_and_has_the_partner_name_as_alt(make_app, serve, tmp_path):
    path = tmp_path / "partners.toml"
    path.write_text(
        '[partners.north]\nname = "North Hospital"\norigins = ["https://north.example"]\n'
        '[partners.north.theme]\nlogo_url = "https://cdn.north.example/logo.svg"\nfont_stack = "Inter, Arial, sans-serif"\n',
        encoding="utf-8",
    )
    server = serve(make_app(PARTNERS=str(path)))
    response = server.get(f"/embed/ko/procedures/{SLUG}?partner=north")
    csp = response.headers["Content-Security-Policy"]
    assert "img-src 'self' https://cdn.north.example;" in csp
    assert '<img class="contentapi-embed__logo" src="https://cdn.north.example/logo.svg" alt="North Hospital">' in response.text
    theme_href = re.search(r'href="(/embed/themes/north\.css\?v=[0-9a-f]+)"', response.text).group(1)
    theme = server.get(theme_href)
    assert theme.headers["Content-Type"].startswith("text/css")
    assert "--contentapi-font: Inter, Arial, sans-serif;" in theme.text and "--contentapi-focus: #b3006b;" in theme.text
    assert server.get("/embed/themes/nobody.css").status == 404
