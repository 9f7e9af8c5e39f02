"""Partner hospital sites, plain Python: the registry (origins, hashed keys, themes whose
contrast is checked on load) and WCAG contrast.

The HTTP side lives in ``contentapi.web.partners`` (keys, CORS) and ``contentapi.web.embed``
(the embed views); the commands in ``contentapi.partners.commands``.
"""

from contentapi.partners.contrast import contrast_ratio, relative_luminance
from contentapi.partners.registry import Partner, Registry, RegistryError, Theme, load_registry, theme_checks

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
