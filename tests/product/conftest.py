"""Fixtures for the product tests: a scripted loopback server, an exchange runner, a fake clock."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from tests.helpers import Exchange
from tests.helpers.loopback import LoopbackServer
from tests.helpers.tokens import READ_TOKEN, REQUEST_TOKEN
from tmdb_auth import AccessToken, AsyncTMDBAuth, TMDBAuth, _retry


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    """A scripted keep-alive HTTP/1.1 server on 127.0.0.1 (see tests/helpers/loopback.py)."""
    with LoopbackServer().running() as running:
        yield running


@pytest.fixture(params=["sync", "async"])
def exchange(request: pytest.FixtureRequest) -> Exchange:
    """Run one exchange through TMDBAuth or AsyncTMDBAuth, built with the given options."""

    def run(request_token: Any = REQUEST_TOKEN, **options: Any) -> AccessToken:
        options.setdefault("read_access_token", READ_TOKEN)
        if request.param == "sync":
            with TMDBAuth(**options) as auth:
                return auth.create_access_token(request_token)

        async def run_async() -> AccessToken:
            async with AsyncTMDBAuth(**options) as auth:
                return await auth.create_access_token(request_token)

        return asyncio.run(run_async())

    return run


@pytest.fixture
def fake_clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record every retry wait instead of sleeping."""
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)

    async def async_sleep(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr(_retry, "sleep", sleep)
    monkeypatch.setattr(_retry, "async_sleep", async_sleep)
    return waits
