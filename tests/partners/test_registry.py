"""The partner registry, plain Python: WCAG contrast, origins, hashed keys."""

from __future__ import annotations

import pytest

from contentapi.partners.contrast import contrast_ratio, format_ratio, parse_colour, relative_luminance
from contentapi.partners.registry import (
    EXAMPLE_REGISTRY,
    Partner,
    RegistryError,
    Theme,
    hash_key,
    load_registry,
    normalize_origin,
    parse_registry,
    theme_checks,
)

# (foreground, background, ratio to two decimals, passes 4.5:1 text, passes 3:1 UI/large text)
CONTRAST_TABLE = [
    ("#000000", "#ffffff", 21.00, True, True),
    ("#ffffff", "#ffffff", 1.00, False, False),
    ("#767676", "#ffffff", 4.54, True, True),   # the lightest grey that passes on white
    ("#777777", "#ffffff", 4.47, False, True),  # one step lighter fails text, passes UI
    ("#0b55b8", "#ffffff", 6.98, True, True),
    ("#a0c4ff", "#ffffff", 1.77, False, False),  # a pale brand blue
    ("#949494", "#ffffff", 3.03, False, True),
    ("#959595", "#ffffff", 2.99, False, False),
    ("#ffdd00", "#0b0c0c", 14.55, True, True),
    ("#fff", "#000", 21.00, True, True),
]


@pytest.mark.parametrize(("foreground", "background", "ratio", "text_ok", "ui_ok"), CONTRAST_TABLE)
def test_contrast_table(foreground, background, ratio, text_ok, ui_ok):
    measured = contrast_ratio(foreground, background)
    assert round(measured, 2) == pytest.approx(ratio, abs=0.011)
    assert contrast_ratio(background, foreground) == measured
    assert (measured >= 4.5) is text_ok
    assert (measured >= 3.0) is ui_ok


def test_relative_luminance_endpoints_and_bad_colours():
    assert relative_luminance("#000000") == 0
    assert relative_luminance("#ffffff") == pytest.approx(1)
    assert parse_colour("#AbC") == (0xAA, 0xBB, 0xCC)
    for bad in ("red", "#12345", "#1234567", "rgb(0,0,0)", "#gggggg", "", None):
        with pytest.raises(ValueError):
            parse_colour(bad)


def test_ratios_are_truncated_never_rounded_up_to_a_pass():
    assert format_ratio(4.4999) == "4.49:1"
    assert format_ratio(21) == "21.00:1"


def registry(theme: dict | None = None, **partner) -> dict:
    entry = {"name": "North", "origins": ["https://north.example"], **partner}
    if theme is not None:
        entry["theme"] = theme
    return {"partners": {"north": entry}}


@pytest.mark.parametrize(
    ("theme", "pair", "foreground", "background"),
    [
        ({"link": "#a0c4ff"}, "links on background", "#a0c4ff", "#ffffff"),
        ({"text": "#777777"}, "body text on background", "#777777", "#ffffff"),
        ({"accent": "#3d8bfd", "accent_text": "#ffffff"}, "button text on accent", "#ffffff", "#3d8bfd"),
        ({"focus": "#ffdd00"}, "focus ring against background", "#ffdd00", "#ffffff"),
        ({"background": "#1b1b1b", "text": "#ffffff", "link": "#9cc3ff", "accent_text": "#1b1b1b", "accent": "#9cc3ff", "focus": "#121212"},
         "focus ring against background", "#121212", "#1b1b1b"),
        ({"background": "#1b1b1b", "text": "#ffffff"}, "links on background", "#0b55b8", "#1b1b1b"),
    ],
)
def test_failing_theme_is_refused_naming_partner_pair_and_ratio(theme, pair, foreground, background):
    with pytest.raises(RegistryError) as error:
        parse_registry(registry(theme), "partners.toml")
    message = str(error.value)
    ratio = format_ratio(contrast_ratio(foreground, background))
    assert float(ratio.split(":")[0]) < 4.5
    assert "partners.toml" in message and "'north'" in message and pair in message
    assert f"({foreground} on {background}) is {ratio}" in message
    assert "\n" not in message


@pytest.mark.parametrize(
    "theme",
    [
        None,
        {"text": "#767676"},
        {"background": "#1b1b1b", "text": "#ffffff", "link": "#9cc3ff", "accent": "#9cc3ff", "accent_text": "#1b1b1b", "focus": "#ffdd00"},
        {"accent": "#949494", "accent_text": "#000000"},
    ],
)
def test_passing_theme_is_accepted_with_its_ratios(theme):
    partner = parse_registry(registry(theme)).partners["north"]
    checks = theme_checks(partner.theme)
    assert {check.pair for check in checks} == {
        "body text on background", "links on background", "button text on accent",
        "accent (buttons) against background", "focus ring against background",
    }
    assert all(check.passes for check in checks)
    minimums = {check.pair: check.minimum for check in checks}
    assert minimums["body text on background"] == 4.5 and minimums["focus ring against background"] == 3.0


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://Hospital.Example", "https://hospital.example"),
        ("https://hospital.example:443", "https://hospital.example"),
        ("http://127.0.0.1:8001", "http://127.0.0.1:8001"),
        ("http://[::1]:8001", "http://[::1]:8001"),
    ],
)
def test_origins_are_normalised_like_browsers_send_them(value, expected):
    assert normalize_origin(value) == expected


@pytest.mark.parametrize(
    "value",
    ["*", "https://*.example.org", "https://a.example/", "https://a.example/path", "ftp://a.example", "a.example",
     "https://user@a.example", "https://a.example?x", "null", " https://a.example", "https://a.example:99999",
     # ';' and ',' would end a CSP directive (or the header) and let a registry entry write its own
     "https://a.example;script-src", "https://a.example,https://b.example", "https://a.example%3Bx",
     "https://exämple.org", "http://[not:an:ip]"],
)
def test_anything_but_a_bare_origin_is_refused(value):
    with pytest.raises(ValueError):
        normalize_origin(value)
    with pytest.raises(RegistryError):
        parse_registry(registry(origins=[value]))


def test_origin_matching_is_exact():
    partner = parse_registry(registry(origins=["https://north.example", "http://localhost:8001"])).partners["north"]
    assert partner.allows_origin("https://north.example")
    assert partner.allows_origin("HTTPS://NORTH.EXAMPLE:443")
    for other in ("https://north.example.evil", "https://evil-north.example", "http://north.example",
                  "http://localhost:8002", "null", "", None):
        assert not partner.allows_origin(other), other


def test_keys_are_stored_hashed_and_compared():
    key = "a-long-random-partner-key-0123456789"
    partner = Partner("vault", "Vault", ("https://vault.example",), Theme(), hash_key(key))
    assert partner.requires_key and partner.key_matches(key)
    for wrong in (None, "", key[:-1], key + "x", hash_key(key)):
        assert not partner.key_matches(wrong)
    assert hash_key(key) != key and len(hash_key(key)) == 64


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"partners": {"Bad Id": {"name": "x", "origins": ["https://a.example"]}}}, "ids are lowercase"),
        (registry(origins=[]), "needs origins"),
        ({"partners": {"north": {"origins": ["https://a.example"]}}}, "needs a name"),
        (registry(key_sha256="not-a-hash"), "key_sha256"),
        (registry(colour="#fff"), "unknown field 'colour'"),
        (registry({"links": "#000000"}), "unknown theme field 'links'"),
        (registry({"link": "blue"}), "theme.link"),
        (registry({"font_stack": "Arial; } body { display: none"}), "font_stack"),
        (registry({"logo_url": "javascript:alert(1)"}), "logo_url"),
        (registry({"logo_url": "https://a.example;script-src/logo.svg"}), "logo_url"),
        (registry({"logo_url": "https://a.example/logo.svg;x"}), "logo_url"),
        (registry({"logo_url": "https://a.example/a,b.svg"}), "logo_url"),
        ({"public": "yes", "partners": {}}, "public must be true or false"),
        ({"default_partner": "ghost", "partners": {}}, "default_partner 'ghost'"),
    ],
)
def test_malformed_registry_names_the_problem(data, fragment):
    with pytest.raises(RegistryError, match=None) as error:
        parse_registry(data, "partners.toml")
    assert fragment in str(error.value)


def test_example_registry_has_the_demo_partner():
    shipped = load_registry(None)
    assert shipped.source == str(EXAMPLE_REGISTRY)
    demo = shipped.partners["demo"]
    assert demo.origins == ("http://127.0.0.1:8001", "http://localhost:8001")
    assert shipped.default_partner == "demo" and not shipped.public and not demo.requires_key


def test_unreadable_and_invalid_files(tmp_path):
    with pytest.raises(RegistryError, match="cannot read"):
        load_registry(tmp_path / "missing.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[partners.north\n", encoding="utf-8")
    with pytest.raises(RegistryError, match="not valid TOML"):
        load_registry(broken)


def test_app_refuses_to_start_with_a_failing_theme(make_app, tmp_path):
    path = tmp_path / "partners.toml"
    path.write_text('[partners.pale]\nname = "Pale"\norigins = ["https://pale.example"]\n[partners.pale.theme]\nlink = "#a0c4ff"\n')
    with pytest.raises(SystemExit, match="'pale'.*links on background.*1.77:1"):
        make_app(PARTNERS=str(path))
