"""Security headers on every response, and the Content-Security-Policy as an object routes extend.

Every response gets ``DEFAULT_POLICY`` unless its view chose another with ``use_policy``; a view
derives its policy from the default (``DEFAULT_POLICY.replace(frame_ancestors=...)``) instead of
writing a header string, so every policy keeps the same strict base and directive order.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from flask import Flask, Response, g


@dataclass(frozen=True)
class ContentSecurityPolicy:
    """An ordered set of CSP directives, each a tuple of sources; immutable."""

    directives: tuple[tuple[str, tuple[str, ...]], ...]

    @classmethod
    def of(cls, **directives: str | tuple[str, ...]) -> "ContentSecurityPolicy":
        """``of(default_src="'none'", script_src=("'self'", origin))``: underscores become hyphens."""
        return cls(()).replace(**directives)

    def replace(self, **directives: str | tuple[str, ...]) -> "ContentSecurityPolicy":
        """A copy with these directives set (in place when present, appended otherwise)."""
        current = dict(self.directives)
        for name, sources in directives.items():
            current[name.replace("_", "-")] = _sources(sources)
        return ContentSecurityPolicy(tuple(current.items()))

    def extend(self, **directives: str | tuple[str, ...]) -> "ContentSecurityPolicy":
        """A copy with these sources added to the directives' own."""
        current = dict(self.directives)
        changes = {}
        for name, sources in directives.items():
            key = name.replace("_", "-")
            changes[name] = current.get(key, ()) + tuple(s for s in _sources(sources) if s not in current.get(key, ()))
        return self.replace(**changes)

    @cached_property
    def header(self) -> str:
        """The header value (made once per policy)."""
        return "; ".join(f"{name} {' '.join(sources)}" for name, sources in self.directives)


def _sources(sources: str | tuple[str, ...]) -> tuple[str, ...]:
    values = (sources,) if isinstance(sources, str) else tuple(sources)
    for value in values:
        # A ';' or ',' would end the directive (or the policy) and let a value write its own.
        if not value or any(character in value for character in ";,\r\n") or value.strip() != value:
            raise ValueError(f"{value!r} is not a CSP source expression")
    return values


DEFAULT_POLICY = ContentSecurityPolicy.of(
    default_src="'none'",
    script_src="'self'",
    style_src="'self'",
    img_src="'self'",
    font_src="'self'",
    connect_src="'self'",
    base_uri="'none'",
    form_action="'self'",
    frame_ancestors="'none'",
)
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
    "payment=(), usb=(), interest-cohort=()"
)


def use_policy(policy: ContentSecurityPolicy) -> None:
    """Send ``policy`` instead of the default with the current request's response."""
    g.content_security_policy = policy


def add_security_headers(response: Response) -> Response:
    """Set the security headers: the request's policy (the default unless a view chose one) and the rest."""
    headers = response.headers
    policy = g.get("content_security_policy", DEFAULT_POLICY)
    headers.setdefault("Content-Security-Policy", policy.header)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
    return response


def init_app(app: Flask) -> None:
    """Register the header hook."""
    app.after_request(add_security_headers)
