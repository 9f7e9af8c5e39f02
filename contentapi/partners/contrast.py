"""WCAG 2.2 contrast: relative luminance of sRGB colours and the ratio between two of them.

Plain Python, used when a partner registry is loaded and by ``contentapi partners check``,
so a pale brand colour is refused before any reader sees it.
"""

from __future__ import annotations

import re

# 1.4.3 Contrast (Minimum): normal text. 1.4.11 Non-text Contrast and large text: 3:1.
TEXT_RATIO = 4.5
LARGE_TEXT_RATIO = 3.0
UI_COMPONENT_RATIO = 3.0

_HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")


class ColourError(ValueError):
    """A colour that is not written as ``#rgb`` or ``#rrggbb``."""


def parse_colour(value: str) -> tuple[int, int, int]:
    """``#0b55b8`` or ``#fff`` to (r, g, b) in 0..255; only opaque hex colours, so contrast is exact."""
    if not isinstance(value, str) or not _HEX.match(value):
        raise ColourError(f"{value!r} is not a colour; write it as #rrggbb (or #rgb)")
    digits = value[1:]
    if len(digits) == 3:
        digits = "".join(character * 2 for character in digits)
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def _linear(channel: int) -> float:
    value = channel / 255
    return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: str) -> float:
    """WCAG relative luminance, 0 (black) to 1 (white)."""
    red, green, blue = (_linear(channel) for channel in parse_colour(colour))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first: str, second: str) -> float:
    """WCAG contrast ratio between two colours, 1 to 21, independent of their order."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def format_ratio(ratio: float) -> str:
    """A ratio as people write it: ``4.48:1``, truncated (never rounded up to a pass)."""
    truncated = int(ratio * 100) / 100
    return f"{truncated:.2f}:1"
