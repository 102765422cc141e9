"""Fixtures for the product tests: a scripted loopback server, sync/async runners, a fake clock, and the
environment of the terminal login's commands."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import Call, Exchange
from tests.helpers.clock import FakeClock
from tests.helpers.loopback import LoopbackServer
from tests.helpers.terminal import Login, command_env
from tests.helpers.tokens import READ_TOKEN, REQUEST_TOKEN
from tmdb_auth import AccessToken, AsyncTMDBAuth, TMDBAuth
from tmdb_auth.emulator import Emulator


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    """A scripted keep-alive HTTP/1.1 server on 127.0.0.1 (see tests/helpers/loopback.py)."""
    with LoopbackServer().running() as running:
        yield running


@pytest.fixture
def fake_clock() -> FakeClock:
    """Every client built by `call` / `exchange` in this test waits on this clock (the `sleep` seam)."""
    return FakeClock()


@pytest.fixture(params=["sync", "async"])
def call(request: pytest.FixtureRequest) -> Call:
    """Run one operation through TMDBAuth or AsyncTMDBAuth (both, by parametrization), built with the options."""
    clock: FakeClock | None = request.getfixturevalue("fake_clock") if "fake_clock" in request.fixturenames else None

    def run(method: str, *args: Any, **options: Any) -> Any:
        options.setdefault("read_access_token", READ_TOKEN)
        if request.param == "sync":
            if clock is not None:
                options.setdefault("sleep", clock.sleep)
            with TMDBAuth(**options) as auth:
                return getattr(auth, method)(*args)

        if clock is not None:
            options.setdefault("sleep", clock.async_sleep)

        async def run_async() -> Any:
            async with AsyncTMDBAuth(**options) as auth:
                return await getattr(auth, method)(*args)

        return asyncio.run(run_async())

    run.mode = request.param  # type: ignore[attr-defined]
    return run


@pytest.fixture
def exchange(call: Call) -> Exchange:
    """Run one create_access_token through TMDBAuth or AsyncTMDBAuth, built with the given options."""

    def run(request_token: Any = REQUEST_TOKEN, **options: Any) -> AccessToken:
        result: AccessToken = call("create_access_token", request_token, **options)
        return result

    return run


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    return tmp_path / "config" / "tmdb-auth"


@pytest.fixture
def env(tmdb_emulator: Emulator, config_dir: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The environment of every terminal-login command: the emulator, a private config dir, no keyring, no
    browser. Also applied to this process, for the commands run in-process."""
    values = {
        "TMDB_READ_ACCESS_TOKEN": tmdb_emulator.read_token,
        "TMDB_BASE_URL": tmdb_emulator.base_url,
        "TMDB_SITE_URL": tmdb_emulator.base_url,
        "TMDB_AUTH_CONFIG_DIR": str(config_dir),
        "TMDB_AUTH_KEYRING": "off",
    }
    return command_env(monkeypatch, values)


@pytest.fixture
def logins() -> Iterator[list[Login]]:
    """Every Login started by a test, killed if the test left it running."""
    started: list[Login] = []
    yield started
    for login in started:
        login.kill()
