"""The retry policy: what is retried, how often, with what waits (fake clock), and what never is."""

from __future__ import annotations

import asyncio
import logging
import socket
from typing import Any

import pytest

from tests.helpers import Exchange
from tests.helpers.clock import FakeClock
from tests.helpers.leaks import assert_no_secret_in_error
from tests.helpers.loopback import LoopbackServer, Reply
from tests.helpers.tokens import READ_TOKEN, REQUEST_TOKEN, success_body, tmdb_error
from tmdb_auth import AsyncTMDBAuth, NetworkError, RateLimitError, ServerError, TMDBAuth


@pytest.fixture(autouse=True)
def _no_real_sleep(fake_clock: FakeClock) -> None:
    """Every test here runs on the fake clock (the call/exchange fixtures pass it as ``sleep``)."""


def rate_limited(retry_after: str | None = None) -> Reply:
    return Reply(429, tmdb_error(25, "Limit"), {"Retry-After": retry_after} if retry_after else {})


def unavailable(retry_after: str | None = None) -> Reply:
    return Reply(503, tmdb_error(9, "Service offline."), {"Retry-After": retry_after} if retry_after else {})


def test_429_honours_retry_after_then_succeeds(
    server: LoopbackServer, exchange: Exchange, fake_clock: FakeClock
) -> None:
    server.reply(rate_limited("2"), Reply(200, success_body()))
    token = exchange(base_url=server.url)
    assert token.access_token == success_body()["access_token"]
    assert fake_clock == [2.0]
    assert len(server.received) == 2
    assert server.received[1].json() == {"request_token": REQUEST_TOKEN}


def test_503_without_retry_after_backs_off_exponentially_with_jitter(
    server: LoopbackServer, exchange: Exchange, fake_clock: FakeClock
) -> None:
    server.reply(unavailable(), unavailable(), Reply(200, success_body()))
    exchange(base_url=server.url, max_retries=2)
    assert len(server.received) == 3
    first, second = fake_clock
    assert 0.5 <= first <= 1.0
    assert 1.0 <= second <= 1.5


def test_retries_stop_after_max_retries(server: LoopbackServer, exchange: Exchange, fake_clock: FakeClock) -> None:
    server.reply(*[rate_limited("1") for _ in range(5)])
    with pytest.raises(RateLimitError) as caught:
        exchange(base_url=server.url, max_retries=3)
    assert len(server.received) == 4
    assert fake_clock == [1.0, 1.0, 1.0]
    assert caught.value.retry_after == 1.0
    assert_no_secret_in_error(caught.value)


def test_max_retries_zero_never_retries(server: LoopbackServer, exchange: Exchange, fake_clock: FakeClock) -> None:
    server.reply(unavailable(), Reply(200, success_body()))
    with pytest.raises(ServerError):
        exchange(base_url=server.url, max_retries=0)
    assert len(server.received) == 1
    assert fake_clock == []


def test_a_retry_after_longer_than_the_cap_raises_at_once(
    server: LoopbackServer, exchange: Exchange, fake_clock: FakeClock
) -> None:
    server.reply(rate_limited("120"), Reply(200, success_body()))
    with pytest.raises(RateLimitError, match="retry in 120 seconds") as caught:
        exchange(base_url=server.url, max_retry_after=30)
    assert caught.value.retry_after == 120.0
    assert len(server.received) == 1
    assert fake_clock == []


@pytest.mark.parametrize("status", [500, 502, 504])
def test_server_errors_that_may_have_consumed_the_token_are_not_retried(
    server: LoopbackServer, exchange: Exchange, fake_clock: FakeClock, status: int
) -> None:
    server.reply(Reply(status, "<html>error</html>"), Reply(200, success_body()))
    with pytest.raises(ServerError, match="may already be consumed"):
        exchange(base_url=server.url)
    assert len(server.received) == 1
    assert fake_clock == []


def test_other_errors_are_not_retried(server: LoopbackServer, exchange: Exchange, fake_clock: FakeClock) -> None:
    for reply in (Reply(401, tmdb_error(7, "x")), Reply(422, tmdb_error(41, "x")), Reply(200, b"garbage")):
        server.reply(reply, Reply(200, success_body()))
        with pytest.raises(Exception):  # noqa: B017, PT011 (each is its own TMDBError subclass)
            exchange(base_url=server.url)
        server.replies.clear()
    assert len(server.received) == 3
    assert fake_clock == []


def test_connection_refused_is_retried(exchange: Exchange, fake_clock: FakeClock) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(NetworkError) as caught:
        exchange(base_url=f"http://127.0.0.1:{port}", max_retries=2)
    assert caught.value.request_sent is False
    assert len(fake_clock) == 2


def test_read_timeout_is_not_retried(server: LoopbackServer, exchange: Exchange, fake_clock: FakeClock) -> None:
    server.reply(Reply(200, success_body(), delay=0.6), Reply(200, success_body()))
    with pytest.raises(NetworkError):
        exchange(base_url=server.url, timeout=0.2)
    assert fake_clock == []


def test_retries_are_logged_without_secrets(
    server: LoopbackServer, caplog: pytest.LogCaptureFixture, fake_clock: FakeClock
) -> None:
    caplog.set_level(logging.DEBUG)
    server.reply(rate_limited("1"), Reply(200, success_body()))
    with TMDBAuth(READ_TOKEN, base_url=server.url, sleep=fake_clock.sleep) as auth:
        auth.create_access_token(REQUEST_TOKEN)
    (retry_record,) = [r for r in caplog.records if r.name == "tmdb_auth"]
    assert retry_record.getMessage() == "create_access_token: RateLimitError; retrying in 1.00s (retry 1 of 2)"


async def test_async_retry_uses_the_async_sleep(server: LoopbackServer, fake_clock: FakeClock) -> None:
    server.reply(unavailable("0.25"), Reply(200, success_body()))
    async with AsyncTMDBAuth(READ_TOKEN, base_url=server.url, sleep=fake_clock.async_sleep) as auth:
        token = await auth.create_access_token(REQUEST_TOKEN)
    assert token.account_id
    assert fake_clock == [0.25]


async def test_concurrent_async_calls_share_one_client(server: LoopbackServer) -> None:
    server.reply(*[Reply(200, success_body()) for _ in range(8)])
    async with AsyncTMDBAuth(READ_TOKEN, base_url=server.url) as auth:
        results: list[Any] = await asyncio.gather(*(auth.create_access_token(REQUEST_TOKEN) for _ in range(8)))
    assert len(results) == 8
    assert server.connections <= 8
