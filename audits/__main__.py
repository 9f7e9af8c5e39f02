"""``python -m audits``: the accessibility audit (placeholder until the audit engine lands)."""

import sys


def main() -> int:
    """Run the audit."""
    print("contentapi-audit: the audit engine is not implemented yet", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
