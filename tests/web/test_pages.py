"""The HTML pages in a real headless Chromium: language and direction, structure, the language
switcher, JSON-LD, reader controls that persist, reflow at 320 px, media features and print."""

from __future__ import annotations

import json

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from contentapi.i18n.locales import SUPPORTED_LOCALES, locale_info
from tests.helpers import SLUG, wait_until


def open_page(browser, live_server, path):
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "", "features": []})
    browser.get(live_server.url + path)
    return browser


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_procedure_page_structure(browser, live_server, locale):
    page = open_page(browser, live_server, f"/{locale}/procedures/{SLUG}")
    root = page.find_element(By.TAG_NAME, "html")
    info = locale_info(locale)
    assert root.get_attribute("lang") == locale
    assert root.get_attribute("dir") == info.direction
    assert page.execute_script("return getComputedStyle(document.documentElement).direction") == info.direction
    if locale == "en":
        assert page.title == "Kyphoplasty and vertebroplasty | Patient education"
    else:
        assert page.title and "Kyphoplasty" not in page.title and "Patient" not in page.title
    assert len(page.find_elements(By.TAG_NAME, "h1")) == 1
    levels = [int(h.tag_name[1]) for h in page.find_elements(By.CSS_SELECTOR, "h1, h2, h3, h4, h5, h6")]
    assert levels[0] == 1  # the h1 comes first: "Reading options" before main is not a heading
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:]))
    skip = page.find_element(By.CSS_SELECTOR, "a.skip-link")
    assert skip.get_attribute("href").endswith("#main")
    assert page.find_element(By.ID, "main").tag_name == "main"
    assert page.find_elements(By.CSS_SELECTOR, "header") and page.find_elements(By.CSS_SELECTOR, "body > footer")
    links = page.find_elements(By.CSS_SELECTOR, "nav.languages a")
    assert [link.get_attribute("hreflang") for link in links] == list(SUPPORTED_LOCALES)
    for link, code in zip(links, SUPPORTED_LOCALES):
        assert link.get_attribute("lang") == code
        assert link.text.lower() == locale_info(code).name.lower()
    current = page.find_elements(By.CSS_SELECTOR, "nav.languages a[aria-current]")
    assert [link.get_attribute("hreflang") for link in current] == [locale]
    alternates = page.find_elements(By.CSS_SELECTOR, 'link[rel="alternate"][hreflang]')
    assert {link.get_attribute("hreflang") for link in alternates} == set(SUPPORTED_LOCALES) | {"x-default"}
    data = json.loads(page.find_element(By.CSS_SELECTOR, 'script[type="application/ld+json"]').get_attribute("textContent"))
    assert data["@type"] == "MedicalWebPage" and data["inLanguage"] == locale
    assert data["about"]["@type"] == "MedicalProcedure" and data["lastReviewed"] == "2026-09-15"
    times = page.find_elements(By.CSS_SELECTOR, ".procedure__review time")
    assert [t.get_attribute("datetime") for t in times] == ["2026-09-15", "2027-09-15"]
    assert all(t.is_displayed() and t.text for t in times)


def test_dates_are_formatted_per_locale(browser, live_server):
    shown = {}
    for locale in ("en", "es", "ko", "ru"):
        page = open_page(browser, live_server, f"/{locale}/procedures/{SLUG}")
        shown[locale] = page.find_element(By.CSS_SELECTOR, ".procedure__review time").text
    assert shown["en"] == "September 15, 2026"
    assert shown["es"] == "15 de septiembre de 2026"
    assert shown["ko"].startswith("2026년 9월 15일")
    assert "сентября" in shown["ru"]


def test_reader_controls_work_by_keyboard_and_persist(browser, live_server):
    page = open_page(browser, live_server, f"/en/procedures/{SLUG}")
    page.execute_script("localStorage.clear()")
    page.refresh()
    base_size = page.execute_script("return parseFloat(getComputedStyle(document.querySelector('main p')).fontSize)")
    panel = page.find_element(By.CSS_SELECTOR, "[data-reader-controls]")
    assert panel.is_displayed()
    standard = panel.find_element(By.CSS_SELECTOR, 'input[name="reader-text-size"][value="standard"]')
    page.execute_script("arguments[0].focus()", standard)
    standard.send_keys(Keys.ARROW_RIGHT)  # native radio group: arrow moves and selects
    contrast = panel.find_element(By.CSS_SELECTOR, 'input[name="reader-high-contrast"]')
    page.execute_script("arguments[0].focus()", contrast)
    contrast.send_keys(Keys.SPACE)
    assert page.execute_script("return document.documentElement.dataset.textSize") == "large"
    page.get(live_server.url + f"/ar/procedures/{SLUG}")
    root = page.find_element(By.TAG_NAME, "html")
    assert root.get_attribute("data-text-size") == "large"
    assert root.get_attribute("data-high-contrast") == "on"
    size = page.execute_script("return parseFloat(getComputedStyle(document.querySelector('main p')).fontSize)")
    assert size == pytest.approx(base_size * 1.25, rel=0.01)
    assert page.find_element(By.CSS_SELECTOR, 'input[name="reader-text-size"][value="large"]').is_selected()
    page.execute_script("localStorage.clear()")


def test_no_horizontal_scrolling_at_320_css_pixels(browser, live_server):
    for locale in SUPPORTED_LOCALES:
        page = open_page(browser, live_server, f"/{locale}/procedures/{SLUG}")
        page.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride", {"width": 320, "height": 640, "deviceScaleFactor": 1, "mobile": False}
        )
        overflow = page.execute_script("return document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, locale
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_dark_mode_and_print_stylesheet(browser, live_server):
    page = open_page(browser, live_server, f"/en/procedures/{SLUG}")
    light = page.execute_script("return getComputedStyle(document.body).backgroundColor")
    page.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
    dark = page.execute_script("return getComputedStyle(document.body).backgroundColor")
    assert light == "rgb(255, 255, 255)" and dark != light
    page.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print", "features": []})
    hidden = page.execute_script(
        "return ['.languages', '.reader-controls', '.skip-link', '.toc']"
        ".map(s => getComputedStyle(document.querySelector(s)).display)"
    )
    assert hidden == ["none"] * 4
    assert page.find_element(By.CSS_SELECTOR, "main h1").is_displayed()
    page.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "", "features": []})


def test_the_print_view_shows_the_handout_and_opens_the_print_dialog(browser, live_server):
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "", "features": []})
    # Count print() calls instead of printing (installed before the page's own scripts run).
    script = browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument",
                                     {"source": "window.__printed = 0; window.print = () => { window.__printed += 1; };"})
    try:
        browser.get(f"{live_server.url}/es/procedures/{SLUG}")
        assert browser.execute_script("return window.__printed") == 0  # the page itself never prints
        browser.get(f"{live_server.url}/es/procedures/{SLUG}#print")
        browser.refresh()  # a fragment change alone does not load the page again
        wait_until(lambda: browser.execute_script("return window.__printed") == 1, timeout=10, message="print() called")
        hidden = browser.execute_script(
            "return ['.languages', '.reader-controls', '.skip-link', '.toc']"
            ".map(s => getComputedStyle(document.querySelector(s)).display)")
        assert hidden == ["none"] * 4  # the handout's layout, on screen
        assert browser.find_element(By.CSS_SELECTOR, "main h1").is_displayed()
    finally:
        browser.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", {"identifier": script["identifier"]})
        browser.get("about:blank")


def test_no_request_leaves_the_service_origin(browser, live_server):
    page = open_page(browser, live_server, f"/zh-Hans/procedures/{SLUG}")
    resources = page.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert resources and all(url.startswith(live_server.url) for url in resources)


def test_index_pages_and_redirects(live_server):
    home = live_server.get("/", Accept_Language="vi")
    assert home.status == 200 and home.headers["Content-Language"] == "vi" and 'lang="vi"' in home.text
    assert f'href="/vi/procedures/{SLUG}"' in home.text
    redirect = live_server.get(f"/procedures/{SLUG}", Accept_Language="ar, en;q=0.5")
    assert redirect.status == 302 and redirect.headers["Location"].endswith(f"/ar/procedures/{SLUG}")
    assert "Accept-Language" in redirect.headers["Vary"]
    variant = live_server.get(f"/es-MX/procedures/{SLUG}")
    assert variant.status == 308 and variant.headers["Location"].endswith(f"/es/procedures/{SLUG}")
    unknown = live_server.get(f"/fr/procedures/{SLUG}", Accept="text/html")
    assert unknown.status == 404 and unknown.headers["Content-Type"].startswith("text/html")
    assert "<h1>" in unknown.text and 'lang="en"' in unknown.text


def test_sitemap_lists_every_page_in_every_locale(live_server):
    sitemap = live_server.get("/sitemap.xml")
    assert sitemap.headers["Content-Type"].startswith("application/xml")
    for locale in SUPPORTED_LOCALES:
        assert f"<loc>{live_server.url}/{locale}/procedures/{SLUG}</loc>" in sitemap.text
        assert f"<loc>{live_server.url}/{locale}/</loc>" in sitemap.text


def test_static_files_carry_their_content_hash_and_are_kept_a_year(live_server):
    import hashlib
    import re

    page = live_server.get(f"/es/procedures/{SLUG}").text
    references = re.findall(r'(?:href|src)="(/static/[^"?]+)\?v=([0-9a-f]{12})"', page)
    assert {path for path, _ in references} >= {"/static/contentapi.css", "/static/reader.js", "/static/print.css"}
    for path, version in references:
        response = live_server.get(f"{path}?v={version}")
        assert hashlib.sha256(response.body).hexdigest()[:12] == version
        assert response.headers["Cache-Control"] == "public, max-age=31536000"
