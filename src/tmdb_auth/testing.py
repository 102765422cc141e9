"""pytest plugin (registered as the ``tmdb_auth`` pytest11 entry point): a running TMDB emulator.

    def test_login(tmdb_emulator):
        request_token = tmdb_emulator.mint_request_token(approved=True)
        with TMDBAuth(tmdb_emulator.read_token, base_url=tmdb_emulator.base_url) as auth:
            assert auth.create_access_token(request_token).account_id == tmdb_emulator.account_id

One emulator serves the whole session (started on first use, on 127.0.0.1 and a free
port); `tmdb_emulator` resets its tokens, faults and rate limit before each test. Needs
the ``emulator`` extra. Importing this module costs nothing: the emulator is imported
only when a test asks for the fixture.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .emulator import Emulator


@pytest.fixture(scope="session")
def tmdb_emulator_session() -> Iterator[Emulator]:
    """The session's emulator, started once."""
    try:
        from .emulator import Emulator
    except ImportError as exc:  # pragma: no cover - depends on the environment
        pytest.fail(f"the tmdb_emulator fixture needs the emulator extra: pip install 'tmdb-v4-auth[emulator]' ({exc})")
    with Emulator() as emulator:
        yield emulator


@pytest.fixture
def tmdb_emulator(tmdb_emulator_session: Emulator) -> Emulator:
    """A running TMDB v4 auth emulator, reset for this test.

    Attributes and helpers: ``base_url``, ``read_token``, ``account_id``,
    ``mint_request_token(approved=True)``, ``inject(kind, count)``, ``set_rate_limit(n, per_seconds)``.
    """
    tmdb_emulator_session.reset()
    return tmdb_emulator_session
