"""The accessibility audit suite: axe-core through Selenium plus the checks axe cannot make.

Filled in by the audit issue; ``python -m audits`` and ``contentapi-audit`` run it.
"""
