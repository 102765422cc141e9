"""The `tmdb_emulator` pytest fixture, used exactly as a user's own test suite would."""

from __future__ import annotations

import re
import time

import httpx
import pytest

from tests.helpers import ROOT
from tmdb_auth import AsyncTMDBAuth, InvalidRequestTokenError, RequestTokenNotApprovedError, TMDBAuth
from tmdb_auth.emulator import REQUEST_TOKEN_LIFETIME, Emulator

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


def create_request_token(emulator: Emulator) -> str:
    """What a user's app does first, over HTTP as at TMDB."""
    headers = {"Authorization": f"Bearer {emulator.read_token}"}
    response = httpx.post(f"{emulator.base_url}/4/auth/request_token", headers=headers, json={})
    token = response.raise_for_status().json()["request_token"]
    assert isinstance(token, str)
    return token


def test_the_user_approves(tmdb_emulator: Emulator) -> None:
    request_token = create_request_token(tmdb_emulator)
    with TMDBAuth(tmdb_emulator.read_token, base_url=tmdb_emulator.base_url) as auth:
        with pytest.raises(RequestTokenNotApprovedError):
            auth.create_access_token(request_token)
        tmdb_emulator.approve(request_token)
        assert auth.create_access_token(request_token).account_id == tmdb_emulator.account_id


async def test_the_user_denies(tmdb_emulator: Emulator) -> None:
    request_token = create_request_token(tmdb_emulator)
    tmdb_emulator.deny(request_token)
    async with AsyncTMDBAuth(tmdb_emulator.read_token, base_url=tmdb_emulator.base_url) as auth:
        with pytest.raises(InvalidRequestTokenError) as caught:
            await auth.create_access_token(request_token)
    assert caught.value.tmdb_code == 33


def test_the_request_token_expires(tmdb_emulator: Emulator) -> None:
    request_token = create_request_token(tmdb_emulator)
    tmdb_emulator.approve(request_token)
    tmdb_emulator.expire(request_token)
    with (
        TMDBAuth(tmdb_emulator.read_token, base_url=tmdb_emulator.base_url) as auth,
        pytest.raises(InvalidRequestTokenError),
    ):
        auth.create_access_token(request_token)


def test_a_short_lifetime_and_auto_approve(tmdb_emulator: Emulator) -> None:
    """Knobs a test changes; the next test gets them back (see test_state_is_reset_between_tests)."""
    tmdb_emulator.set_request_token_lifetime(0.3)
    tmdb_emulator.set_auto_approve()
    request_token = create_request_token(tmdb_emulator)
    time.sleep(0.4)
    approval = httpx.get(tmdb_emulator.approval_url(request_token))
    assert approval.status_code == 401, "expired before the user got to it"


def test_state_is_reset_between_tests(tmdb_emulator: Emulator) -> None:
    assert tmdb_emulator.state.request_tokens == {}
    assert not tmdb_emulator.state.faults
    assert tmdb_emulator.requests == []
    assert tmdb_emulator.state.request_token_lifetime == REQUEST_TOKEN_LIFETIME
    assert tmdb_emulator.state.auto_approve is False


@pytest.mark.slow
def test_the_plugin_is_registered_for_a_fresh_test_suite(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest
        from tmdb_auth import InvalidRequestTokenError, TMDBAuth

        def test_user_code(tmdb_emulator):
            token = tmdb_emulator.mint_request_token(approved=True)
            with TMDBAuth(tmdb_emulator.read_token, base_url=tmdb_emulator.base_url) as auth:
                assert auth.create_access_token(token).scopes == ("api_read", "api_write")

        def test_user_denies(tmdb_emulator):
            token = tmdb_emulator.mint_request_token(approved=False)
            tmdb_emulator.deny(token)
            with TMDBAuth(tmdb_emulator.read_token, base_url=tmdb_emulator.base_url) as auth:
                with pytest.raises(InvalidRequestTokenError):
                    auth.create_access_token(token)
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


@pytest.mark.slow
def test_the_readme_fixture_example_passes_as_a_users_suite(pytester: pytest.Pytester) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    marker = "<!-- README fixture example: run by tests/product/test_plugin_usage.py as a user's suite -->"
    match = re.search(re.escape(marker) + r"\n```python\n(.*?)```", readme, re.DOTALL)
    assert match, "the README fixture example is missing"
    pytester.makepyfile(match.group(1))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
