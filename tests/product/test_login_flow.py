"""The whole v4 login with the package alone, sync and async, against the real emulator:
request token -> approval page (a plain GET, as a browser would) -> access token -> logout."""

from __future__ import annotations

import httpx
import pytest

from tmdb_auth import (
    AsyncTMDBAuth,
    InvalidAccessTokenError,
    InvalidRequestTokenError,
    RequestTokenNotApprovedError,
    TMDBAuth,
)
from tmdb_auth.emulator import Emulator


def options(emulator: Emulator) -> dict[str, str]:
    # The emulator serves both the API and the approval page.
    return {"read_access_token": emulator.read_token, "base_url": emulator.base_url, "site_url": emulator.base_url}


def test_login_and_logout_sync(tmdb_emulator: Emulator) -> None:
    tmdb_emulator.set_auto_approve(True)  # a plain GET of the approval page approves, as this test's browser
    with TMDBAuth(**options(tmdb_emulator)) as auth:
        request = auth.create_request_token(redirect_to="https://app.example/done")
        assert request.expires_at is not None
        with pytest.raises(RequestTokenNotApprovedError):
            auth.create_access_token(request)  # pending: the user has not approved yet

        approval = httpx.get(request.approval_url, timeout=10)
        assert approval.status_code == 302
        assert approval.headers["location"] == "https://app.example/done"

        token = auth.create_access_token(request)
        assert token.account_id == tmdb_emulator.account_id
        assert token.access_token in tmdb_emulator.state.access_tokens
        with pytest.raises(InvalidRequestTokenError):
            auth.create_access_token(request)  # a request token is used once

        auth.logout(token)
        assert token.access_token not in tmdb_emulator.state.access_tokens
        with pytest.raises(InvalidAccessTokenError):
            auth.logout(token)


async def test_login_and_logout_async(tmdb_emulator: Emulator) -> None:
    tmdb_emulator.set_auto_approve(True)  # a plain GET of the approval page approves, as this test's browser
    async with AsyncTMDBAuth(**options(tmdb_emulator)) as auth, httpx.AsyncClient(timeout=10) as browser:
        request = await auth.create_request_token()
        assert auth.approval_url(request) == request.approval_url
        assert (await browser.get(request.approval_url)).status_code == 200
        token = await auth.create_access_token(request.request_token)
        assert token.scopes == ("api_read", "api_write")
        await auth.logout(token.access_token)
        with pytest.raises(InvalidAccessTokenError):
            await auth.logout(token)
    assert tmdb_emulator.state.access_tokens == set()
