"""The partner registry: who may frame our embeds and call the API from a browser, in which colours.

Plain Python. A registry is a TOML file::

    public = false                 # true: the JSON API answers CORS with "*"
    default_partner = "demo"       # partner named in oEmbed snippets when a consumer names none

    [partners.demo]
    name = "Demo Hospital"
    origins = ["http://127.0.0.1:8001", "http://localhost:8001"]
    key_sha256 = "..."             # optional: hex SHA-256 of the partner's API key

    [partners.demo.theme]          # optional; unset colours are the service's own
    text = "#1b1b1b"
    background = "#ffffff"
    link = "#0b55b8"
    accent = "#0b3d63"
    accent_text = "#ffffff"
    focus = "#b3006b"
    logo_url = "https://hospital.example/logo.svg"
    font_stack = "Inter, Arial, sans-serif"

Loading checks everything, including the contrast of every theme, and raises
RegistryError with one line naming the file, the partner and what is wrong.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import hmac
import re
import secrets
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from contentapi.partners.contrast import (
    TEXT_RATIO,
    UI_COMPONENT_RATIO,
    ColourError,
    contrast_ratio,
    format_ratio,
    parse_colour,
)

EXAMPLE_REGISTRY = Path(__file__).resolve().parent.parent / "partners.example.toml"

PARTNER_ID = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
_KEY_HASH = re.compile(r"^[0-9a-f]{64}$")
# Font names, commas, quotes and hyphens only: the stack is written into a stylesheet.
_FONT_STACK = re.compile(r"""^[A-Za-z0-9 ,"'\-]{1,200}$""")
_DEFAULT_PORTS = {"http": 80, "https": 443}

_HOST_NAME = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*")
COLOUR_FIELDS = ("text", "background", "link", "accent", "accent_text", "focus")
THEME_FIELDS = COLOUR_FIELDS + ("logo_url", "font_stack")
PARTNER_FIELDS = ("name", "origins", "key_sha256", "theme", "webhooks")
WEBHOOK_FIELDS = ("url", "secret", "events")
# What the change feed announces (contentapi.changes.feed); a webhook subscribes to some, or "*".
WEBHOOK_EVENTS = ("translation.published", "translation.restored", "translation.imported", "translation.reviewed",
                  "procedure.added", "procedure.changed", "procedure.removed")
_WEBHOOK_SECRET = re.compile(r"^whsec_[A-Za-z0-9+/]+={0,2}$")
REGISTRY_FIELDS = ("public", "default_partner", "partners")


class RegistryError(ValueError):
    """A registry that cannot be used; the message is one line naming the file and the problem."""


@dataclass(frozen=True)
class Theme:
    """A partner's colours (opaque hex), optional logo and font stack."""

    text: str = "#1b1b1b"
    background: str = "#ffffff"
    link: str = "#0b55b8"
    accent: str = "#0b3d63"
    accent_text: str = "#ffffff"
    focus: str = "#b3006b"
    logo_url: str | None = None
    font_stack: str | None = None


@dataclass(frozen=True)
class ContrastCheck:
    """One foreground/background pair of a theme, its ratio and the minimum it needs."""

    pair: str
    foreground: str
    background: str
    ratio: float
    minimum: float

    @property
    def passes(self) -> bool:
        """True when the pair reaches its WCAG AA minimum."""
        return self.ratio >= self.minimum

    def describe(self) -> str:
        """``links on background (#a0c4ff on #ffffff) is 1.82:1, needs 4.5:1``."""
        return (
            f"{self.pair} ({self.foreground} on {self.background}) is {format_ratio(self.ratio)}, "
            f"needs {self.minimum:g}:1"
        )


def theme_checks(theme: Theme) -> list[ContrastCheck]:
    """Every pair a reader sees in an embed, with the WCAG AA minimum that applies to it.

    Body text and links are normal-size text (4.5:1); the button's label is text on the
    accent (4.5:1); the button's edge and the focus ring are UI components against the
    page background (3:1, WCAG 1.4.11).
    """
    pairs = [
        ("body text on background", theme.text, theme.background, TEXT_RATIO),
        ("links on background", theme.link, theme.background, TEXT_RATIO),
        ("button text on accent", theme.accent_text, theme.accent, TEXT_RATIO),
        ("accent (buttons) against background", theme.accent, theme.background, UI_COMPONENT_RATIO),
        ("focus ring against background", theme.focus, theme.background, UI_COMPONENT_RATIO),
    ]
    return [ContrastCheck(name, fg, bg, contrast_ratio(fg, bg), minimum) for name, fg, bg, minimum in pairs]


def hash_key(key: str) -> str:
    """The hex SHA-256 of an API key, as stored in the registry (keys are long random strings)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def new_key() -> str:
    """A fresh random API key (256 bits)."""
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class Webhook:
    """Where a partner hears about changes: a URL, the Standard Webhooks signing secret, the events."""

    url: str
    secret: str = field(repr=False)
    events: tuple[str, ...] = WEBHOOK_EVENTS

    def wants(self, event_type: str) -> bool:
        """True when this webhook subscribed to the event type."""
        return event_type in self.events


@dataclass(frozen=True)
class Partner:
    """A partner site: where it may embed us from, its key (hashed) and its theme."""

    id: str
    name: str
    origins: tuple[str, ...]
    theme: Theme = field(default_factory=Theme)
    key_sha256: str | None = None
    webhooks: tuple[Webhook, ...] = ()

    @property
    def requires_key(self) -> bool:
        """True when requests naming this partner must present its API key."""
        return self.key_sha256 is not None

    def key_matches(self, presented: str | None) -> bool:
        """Compare a presented key with the stored hash in constant time."""
        if self.key_sha256 is None:
            return True
        if not presented:
            return False
        return hmac.compare_digest(hash_key(presented), self.key_sha256)

    def allows_origin(self, origin: str | None) -> bool:
        """True when ``origin`` is exactly one of this partner's origins."""
        if not origin:
            return False
        try:
            return normalize_origin(origin) in self.origins
        except ValueError:
            return False  # "null", wildcards, paths: never a registered origin


@dataclass(frozen=True)
class Registry:
    """Every partner, whether content is public to any origin, and the oEmbed default partner."""

    partners: dict[str, Partner]
    public: bool = False
    default_partner: str | None = None
    source: str = "<memory>"

    def get(self, partner_id: str | None) -> Partner | None:
        """The partner with this id, or None."""
        return self.partners.get(partner_id) if partner_id else None

    def allows_origin(self, origin: str | None) -> bool:
        """True when some partner registered exactly this origin."""
        return any(partner.allows_origin(origin) for partner in self.partners.values())

    def cors_origin(self, origin: str | None) -> str | None:
        """The Access-Control-Allow-Origin value for a request's Origin, or None for no CORS headers."""
        if not origin:
            return None
        if self.public:
            return "*"
        return origin if self.allows_origin(origin) else None


def normalize_origin(value: str) -> str:
    """``HTTPS://Example.org:443`` to ``https://example.org``: how browsers serialise an Origin.

    Raises ValueError for anything that is not a bare http(s) origin (paths, wildcards, userinfo).
    """
    if not isinstance(value, str) or value.strip() != value or not value:
        raise ValueError(f"{value!r} is not an origin")
    parts = urlsplit(value)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"{value!r} has an invalid port") from None
    if (
        scheme not in _DEFAULT_PORTS
        or not parts.hostname
        or "*" in value
        or parts.username is not None
        or parts.password is not None
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or value.endswith("/")
    ):
        raise ValueError(f"{value!r} is not an origin; write scheme://host[:port] with nothing after it")
    host = parts.hostname.lower()
    if ":" in host:
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise ValueError(f"{value!r} has an invalid IPv6 address") from None
        host = f"[{host}]"
    elif not _HOST_NAME.fullmatch(host):
        # Origins go into CSP and CORS headers: a ';' or ',' there would end the directive and
        # let the registry write its own. Non-ASCII names are written as browsers send them (xn--).
        raise ValueError(f"{value!r} has a host name with characters outside a-z, 0-9, '-' and '.'")
    if port is None or port == _DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def _url_origin(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        raise ValueError(f"{value!r} is not an absolute http(s) URL")
    return normalize_origin(f"{parts.scheme}://{parts.netloc}")


def logo_origin(theme: Theme) -> str | None:
    """The origin the logo is loaded from, for the embed's img-src, or None."""
    return _url_origin(theme.logo_url) if theme.logo_url else None


def _theme(where: str, data) -> Theme:
    if data is None:
        return Theme()
    if not isinstance(data, dict):
        raise RegistryError(f"{where}: theme must be a table")
    unknown = sorted(set(data) - set(THEME_FIELDS))
    if unknown:
        raise RegistryError(f"{where}: unknown theme field {unknown[0]!r} (known: {', '.join(THEME_FIELDS)})")
    values = {}
    for name in COLOUR_FIELDS:
        if name in data:
            try:
                parse_colour(data[name])
            except ColourError as error:
                raise RegistryError(f"{where}: theme.{name}: {error}") from None
            values[name] = data[name].lower()
    if data.get("logo_url"):
        try:
            _url_origin(data["logo_url"])
        except ValueError as error:
            raise RegistryError(f"{where}: theme.logo_url: {error}") from None
        if any(character in data["logo_url"] for character in "\"'<>\\ ;,"):
            raise RegistryError(
                f"{where}: theme.logo_url must not contain quotes, spaces, angle brackets, ';' or ','")
        values["logo_url"] = data["logo_url"]
    if data.get("font_stack"):
        if not isinstance(data["font_stack"], str) or not _FONT_STACK.match(data["font_stack"]):
            raise RegistryError(
                f"{where}: theme.font_stack may hold only font names, commas, quotes and hyphens (200 characters)"
            )
        values["font_stack"] = data["font_stack"]
    return Theme(**values)


def _check_table(where: str, data, fields: tuple[str, ...], shape: str) -> None:
    """RegistryError unless ``data`` is a table whose keys are all among ``fields``."""
    if not isinstance(data, dict):
        raise RegistryError(f"{where}: {shape}")
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise RegistryError(f"{where}: unknown field {unknown[0]!r} (known: {', '.join(fields)})")


def _webhooks(where: str, data) -> tuple[Webhook, ...]:
    """``webhooks = [{url, secret, events}]``: absolute http(s) URLs, Standard Webhooks secrets
    (``whsec_`` and 24 to 64 random bytes in base64), known event types or "*"."""
    if data is None:
        return ()
    if not isinstance(data, list):
        raise RegistryError(f"{where}: webhooks must be a list of {{url, secret, events}} tables")
    out = []
    for number, item in enumerate(data, start=1):
        here = f"{where}: webhook {number}"
        _check_table(here, item, WEBHOOK_FIELDS, "must be a table of url, secret and events")
        url = item.get("url")
        parts = urlsplit(url) if isinstance(url, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
            raise RegistryError(f"{here}: url must be an absolute http(s) URL without credentials")
        secret = item.get("secret")
        try:
            key = base64.b64decode(secret[6:], validate=True) if isinstance(secret, str) and _WEBHOOK_SECRET.match(secret) else b""
        except ValueError:
            key = b""
        if not 24 <= len(key) <= 64:
            raise RegistryError(f"{here}: secret must be whsec_ and 24 to 64 random bytes in base64 "
                                "(contentapi webhooks new-secret)")
        events = item.get("events", ["*"])
        if not isinstance(events, list) or not events or not all(isinstance(event, str) for event in events):
            raise RegistryError(f"{here}: events must be a list such as [\"translation.published\"] or [\"*\"]")
        wrong = [event for event in events if event != "*" and event not in WEBHOOK_EVENTS]
        if wrong:
            raise RegistryError(f"{here}: unknown event {wrong[0]!r} (known: *, {', '.join(WEBHOOK_EVENTS)})")
        out.append(Webhook(url, secret, WEBHOOK_EVENTS if "*" in events else tuple(dict.fromkeys(events))))
    return tuple(out)


def _partner(source: str, partner_id: str, data) -> Partner:
    where = f"{source}: partner {partner_id!r}"
    if not PARTNER_ID.match(partner_id):
        raise RegistryError(f"{where}: ids are lowercase letters, digits and hyphens (at most 64)")
    _check_table(where, data, PARTNER_FIELDS, "must be a table")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise RegistryError(f"{where}: needs a name")
    origins = data.get("origins")
    if not isinstance(origins, list) or not origins:
        raise RegistryError(f"{where}: needs origins, a list such as [\"https://hospital.example\"]")
    normalized = []
    for origin in origins:
        try:
            normalized.append(normalize_origin(origin))
        except ValueError as error:
            raise RegistryError(f"{where}: origins: {error}") from None
    key_sha256 = data.get("key_sha256")
    if key_sha256 is not None and (not isinstance(key_sha256, str) or not _KEY_HASH.match(key_sha256)):
        raise RegistryError(f"{where}: key_sha256 must be 64 lowercase hex digits (contentapi partners new-key)")
    theme = _theme(where, data.get("theme"))
    for check in theme_checks(theme):
        if not check.passes:
            raise RegistryError(f"{where}: theme contrast too low: {check.describe()}")
    webhooks = _webhooks(where, data.get("webhooks"))
    return Partner(partner_id, name.strip(), tuple(dict.fromkeys(normalized)), theme, key_sha256, webhooks)


def parse_registry(data: dict, source: str = "<memory>") -> Registry:
    """Validate a registry's parsed TOML (RegistryError with one line on the first problem)."""
    unknown = sorted(set(data) - set(REGISTRY_FIELDS))
    if unknown:
        raise RegistryError(f"{source}: unknown field {unknown[0]!r} (known: {', '.join(REGISTRY_FIELDS)})")
    public = data.get("public", False)
    if not isinstance(public, bool):
        raise RegistryError(f"{source}: public must be true or false")
    partners_data = data.get("partners", {})
    if not isinstance(partners_data, dict):
        raise RegistryError(f"{source}: partners must be a table of [partners.ID] entries")
    partners = {pid: _partner(source, pid, entry) for pid, entry in partners_data.items()}
    default_partner = data.get("default_partner")
    if default_partner is not None and default_partner not in partners:
        raise RegistryError(f"{source}: default_partner {default_partner!r} is not a partner in this registry")
    return Registry(partners, public, default_partner, source)


def load_registry(path: str | Path | None) -> Registry:
    """Read and validate a registry file; the shipped example when ``path`` is empty."""
    path = Path(path) if path else EXAMPLE_REGISTRY
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise RegistryError(f"{path}: cannot read the partner registry ({error.strerror})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise RegistryError(f"{path}: not valid TOML: {error}") from None
    return parse_registry(data, str(path))
