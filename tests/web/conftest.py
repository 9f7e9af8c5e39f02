"""Fixtures of the web tests."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def spec(live_server):
    """Our OpenAPI document as the live app serves it."""
    return live_server.get("/api/v1/openapi.json").json()
