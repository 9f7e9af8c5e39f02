"""A partner's theme as a stylesheet of CSS custom properties (the embed's CSP forbids inline styles).

Plain Python. Every value was validated, contrast included, when the registry was loaded.
"""

from __future__ import annotations

from contentapi.partners.registry import Partner


def theme_stylesheet(partner: Partner) -> str:
    """CSS custom properties for a partner's validated theme, scoped to the embed."""
    theme = partner.theme
    lines = [
        f"/* Theme of partner {partner.id}; contrast checked when the registry was loaded. */",
        ".contentapi-embed {",
        f"  --contentapi-text: {theme.text};",
        f"  --contentapi-background: {theme.background};",
        f"  --contentapi-link: {theme.link};",
        f"  --contentapi-accent: {theme.accent};",
        f"  --contentapi-accent-text: {theme.accent_text};",
        f"  --contentapi-focus: {theme.focus};",
    ]
    if theme.font_stack:
        lines.append(f"  --contentapi-font: {theme.font_stack};")
    lines.append("}")
    lines.append(f"html.contentapi-embed-document body {{ background: {theme.background}; }}")
    return "\n".join(lines) + "\n"
