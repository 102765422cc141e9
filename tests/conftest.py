"""Fixtures shared by every test package (helpers live in tests/helpers, not here)."""

from __future__ import annotations

import pytest

# Tests never leave the machine: a lookup or connection beyond loopback, here or in a Python
# subprocess, fails the test (tests/helpers/network_guard.py).
pytest_plugins = ["tests.helpers.network_guard_plugin"]


@pytest.fixture(scope="session")
def httpserver_listen_address() -> tuple[str, int]:
    """pytest-httpserver on loopback by address (not "localhost"), on a free port."""
    return ("127.0.0.1", 0)
