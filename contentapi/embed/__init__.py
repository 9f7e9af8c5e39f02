"""Partner embedding, plain Python: the partner registry (origins, hashed keys, themes whose
contrast is checked on load) and the link rewriting for embeds and fragments.

The HTTP side lives in ``contentapi.web.embed``; the commands in ``contentapi.embed.commands``.
"""

from contentapi.embed.contrast import contrast_ratio, relative_luminance
from contentapi.embed.registry import Partner, Registry, RegistryError, Theme, load_registry, theme_checks

__all__ = [
    "Partner",
    "Registry",
    "RegistryError",
    "Theme",
    "contrast_ratio",
    "load_registry",
    "relative_luminance",
    "theme_checks",
]
