"""pytest plugin (registered as the ``tmdb_auth`` pytest11 entry point): a running TMDB emulator.

    def test_login(tmdb_emulator):
        request_token = tmdb_emulator.mint_request_token(approved=True)
        with TMDBAuth(tmdb_emulator.read_token, base_url=tmdb_emulator.base_url) as auth:
            assert auth.create_access_token(request_token).account_id == tmdb_emulator.account_id

Your code creates the request token over HTTP as it would at TMDB; the test plays the user:

    def test_denied_login(tmdb_emulator):
        request_token = my_app.start_login(base_url=tmdb_emulator.base_url)
        tmdb_emulator.deny(request_token)          # or approve(...), expire(...)
        with pytest.raises(InvalidRequestTokenError):
            my_app.finish_login(request_token)     # the exchange answers 401, code 33

    def test_the_token_expires(tmdb_emulator):
        tmdb_emulator.set_request_token_lifetime(2)  # seconds, for tokens created from now on

Helpers: ``approve(token)``, ``deny(token)`` (the user's answer on the approval page, without
a browser; one answer per token: a second raises AlreadyAnsweredError, and a token the user
could not answer, unknown, expired or exchanged, UnanswerableTokenError, both ValueErrors),
``expire(token)``, ``set_request_token_lifetime(seconds)``,
``set_auto_approve(True)`` (``GET /auth/access`` then approves at once instead of showing the
page, for code that follows the approval link itself), ``approval_url(token)`` (the emulator's
approval page, for a real browser), ``requests`` (method, path and status of each request
answered), and the knobs ``inject(kind, count)`` and ``set_rate_limit(n, per_seconds)``. For v3
sessions: ``api_key`` (accepted beside ``read_token`` on the v3 routes), ``mint_access_token()``,
``revoke_access_token(token)``, ``access_token_alive(token)``, ``mint_session()`` and
``session_alive(session_id)``.

One emulator serves the whole session (started on first use, on 127.0.0.1 and a free
port); `tmdb_emulator` resets it before each test: its tokens, sessions, faults, rate limit and
seen requests are forgotten, and the page (not auto-approve) and the 15-minute request token
lifetime come back. Needs the ``emulator`` extra. Importing this module costs nothing: the
emulator is imported only when a test asks for the fixture.
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

    Attributes and helpers: ``base_url``, ``read_token``, ``api_key``, ``account_id``,
    ``mint_request_token(approved=True)``, ``approve(token)``, ``deny(token)``, ``expire(token)``,
    ``set_request_token_lifetime(seconds)``, ``set_auto_approve(enabled)``, ``approval_url(token)``,
    ``requests``, ``inject(kind, count)``, ``set_rate_limit(n, per_seconds)``, ``mint_access_token()``,
    ``revoke_access_token(token)``, ``access_token_alive(token)``, ``mint_session()``, ``session_alive(id)``.
    """
    tmdb_emulator_session.reset()
    return tmdb_emulator_session
