"""The `tmdb_emulator` pytest fixture, used exactly as a user's own test suite would."""

from __future__ import annotations

import pytest

from tmdb_auth import AsyncTMDBAuth, RequestTokenNotApprovedError, TMDBAuth
from tmdb_auth.emulator import Emulator

pytest_plugins = ["pytester"]


def test_login_with_the_fixture(tmdb_emulator: Emulator) -> None:
    request_token = tmdb_emulator.mint_request_token(approved=True)
    with TMDBAuth(tmdb_emulator.read_token, base_url=tmdb_emulator.base_url) as auth:
        token = auth.create_access_token(request_token)
    assert token.account_id == tmdb_emulator.account_id


async def test_unapproved_with_the_fixture(tmdb_emulator: Emulator) -> None:
    request_token = tmdb_emulator.mint_request_token(approved=False)
    async with AsyncTMDBAuth(tmdb_emulator.read_token, base_url=tmdb_emulator.base_url) as auth:
        with pytest.raises(RequestTokenNotApprovedError):
            await auth.create_access_token(request_token)


def test_state_is_reset_between_tests(tmdb_emulator: Emulator) -> None:
    assert tmdb_emulator.state.request_tokens == {}
    assert not tmdb_emulator.state.faults


@pytest.mark.slow
def test_the_plugin_is_registered_for_a_fresh_test_suite(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        from tmdb_auth import TMDBAuth

        def test_user_code(tmdb_emulator):
            token = tmdb_emulator.mint_request_token(approved=True)
            with TMDBAuth(tmdb_emulator.read_token, base_url=tmdb_emulator.base_url) as auth:
                assert auth.create_access_token(token).scopes == ("api_read", "api_write")
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
