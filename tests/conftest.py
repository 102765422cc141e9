"""Fixtures shared by every test package (helpers live in tests/helpers, not here)."""

from __future__ import annotations

import pytest

from tests.helpers import TERMINAL_VARIABLES

# Tests never leave the machine: a lookup or connection beyond loopback, here or in a Python
# subprocess, fails the test (tests/helpers/network_guard.py).
pytest_plugins = ["tests.helpers.network_guard_plugin"]


@pytest.fixture(scope="session")
def httpserver_listen_address() -> tuple[str, int]:
    """pytest-httpserver on loopback by address (not "localhost"), on a free port."""
    return ("127.0.0.1", 0)


@pytest.fixture(autouse=True)
def neutral_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test starts without the variables that change how `login` waits (CI's CI=true, a desktop's
    DISPLAY, an SSH session): the suite gives the same results on a laptop, over SSH and in CI. A test
    that needs one sets it itself, in this process or in its subprocess's environment."""
    for name in TERMINAL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
