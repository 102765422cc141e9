"""The aiohttp backend (``AsyncTMDBAuth(http_backend="aiohttp")``, the ``aiohttp`` extra) keeps
every facade guarantee, against 127.0.0.1.

httpx-aiohttp's own transport reports a connection dropped after the request was sent as
``httpx.ConnectTimeout`` ("not sent"), so the facade would retry an exchange and spend the
request token twice; aiohttp itself resends a dropped DELETE (logout); and its connector
lets tasks barge at its limit. `tmdb_auth._aiohttp_transport` and the facade's FIFO gate
(`tmdb_auth._gate`) fix each; these tests pin that, the retry rule of every operation, the
timeouts, the secrets and the lifecycle.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
import sys
import threading
import time
from typing import Any

import aiohttp
import certifi
import httpx
import pytest
from httpx_aiohttp import AiohttpTransport
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from tests.helpers.clock import FakeClock
from tests.helpers.leaks import assert_no_secret_in_error
from tests.helpers.loopback import LoopbackServer, Reply, hanging_connect, raw_server
from tests.helpers.tokens import (
    ACCESS_TOKEN,
    ACCOUNT_ID,
    READ_TOKEN,
    REQUEST_TOKEN,
    REQUEST_TOKEN_JWT,
    assert_no_secret,
    logout_success,
    request_token_success,
    success_body,
    tmdb_error,
)
from tests.product.test_operations import ARGUMENTS, FAILURES, RETRY_RULES, always
from tmdb_auth import (
    AccessToken,
    APIError,
    AsyncTMDBAuth,
    AuthenticationError,
    ConfigurationError,
    NetworkError,
    RequestTimeoutError,
    TMDBError,
)
from tmdb_auth._aiohttp import EXTRA_HINT, aiohttp_transport
from tmdb_auth._aiohttp_transport import SafeAiohttpTransport, map_failure
from tmdb_auth._gate import GatedTransport
from tmdb_auth.emulator import Emulator


def aiohttp_auth(base_url: str, *, clock: FakeClock | None = None, **options: Any) -> AsyncTMDBAuth:
    """AsyncTMDBAuth on the aiohttp backend; retry waits go to `clock` when given."""
    if clock is not None:
        options.setdefault("sleep", clock.async_sleep)
    options.setdefault("read_access_token", READ_TOKEN)
    return AsyncTMDBAuth(base_url=base_url, http_backend="aiohttp", **options)


def run(base_url: str, clock: FakeClock | None = None, operation: str = "create_access_token", **options: Any) -> Any:
    """One operation (with the arguments test_operations uses) on a fresh aiohttp-backed client."""

    async def one() -> Any:
        async with aiohttp_auth(base_url, clock=clock, **options) as auth:
            return await getattr(auth, operation)(*ARGUMENTS[operation])

    return asyncio.run(one())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


# --- the three operations, the whole login -------------------------------------------------------


def test_every_operation_sends_the_same_request_as_the_default_backend(server: LoopbackServer) -> None:
    server.reply(Reply(200, request_token_success()), Reply(200, success_body()), Reply(200, logout_success()))

    async def login() -> AccessToken:
        async with aiohttp_auth(server.url) as auth:
            request_token = await auth.create_request_token()
            token = await auth.create_access_token(request_token)
            await auth.logout(token)
            return token

    token = asyncio.run(login())
    assert token == AccessToken(access_token=ACCESS_TOKEN, account_id=ACCOUNT_ID)
    created, exchanged, logged_out = server.received
    assert (created.method, created.path, created.json()) == ("POST", "/4/auth/request_token", {})
    assert (exchanged.method, exchanged.path) == ("POST", "/4/auth/access_token")
    assert exchanged.json() == {"request_token": REQUEST_TOKEN_JWT}
    assert (logged_out.method, logged_out.path, logged_out.json()) == (
        "DELETE",
        "/4/auth/access_token",
        {"access_token": ACCESS_TOKEN},
    )
    for received in server.received:  # header names as httpx writes them, not lower-cased
        assert received.headers["Authorization"] == f"Bearer {READ_TOKEN}"
        assert received.headers["Content-Type"] == "application/json"


async def test_the_whole_login_against_the_emulator(tmdb_emulator: Emulator) -> None:
    tmdb_emulator.set_auto_approve(True)  # a plain GET of the approval page approves, as this test's browser
    options: dict[str, Any] = {"read_access_token": tmdb_emulator.read_token, "site_url": tmdb_emulator.base_url}
    async with aiohttp_auth(tmdb_emulator.base_url, **options) as auth, httpx.AsyncClient(timeout=10) as browser:
        request_token = await auth.create_request_token()
        assert (await browser.get(request_token.approval_url)).status_code == 200
        token = await auth.create_access_token(request_token)
        assert token.access_token in tmdb_emulator.state.access_tokens
        await auth.logout(token)
    assert token.access_token not in tmdb_emulator.state.access_tokens


# --- retries: what the server sees -----------------------------------------------------------------


@pytest.mark.parametrize("operation", list(RETRY_RULES))
@pytest.mark.parametrize("failure", list(FAILURES))
def test_the_retry_rule_of_every_operation_holds(
    server: LoopbackServer, fake_clock: FakeClock, operation: str, failure: str
) -> None:
    """The same table as the default backend (test_operations.RETRY_RULES), counted server-side."""
    server.reply(*always(FAILURES[failure]))
    with pytest.raises((APIError, NetworkError)) as caught:
        run(server.url, fake_clock, operation, max_retries=2, timeout=0.2)
    expected = RETRY_RULES[operation][failure]
    assert len(server.received) == expected, f"{operation} after {failure}"
    assert len(fake_clock) == expected - 1
    if failure == "dropped":
        assert isinstance(caught.value, NetworkError)
        assert caught.value.request_sent is True
    assert_no_secret_in_error(caught.value)


def test_a_drop_after_the_request_was_read_is_reported_as_sent(server: LoopbackServer, fake_clock: FakeClock) -> None:
    # A retry would succeed (the second reply): only the mapping keeps the token from being spent twice.
    server.reply(Reply(drop=True), Reply(200, success_body()))
    with pytest.raises(NetworkError) as caught:
        run(server.url, fake_clock)
    assert caught.value.request_sent is True
    assert len(server.received) == 1
    assert fake_clock == []
    assert isinstance(caught.value.__cause__, httpx.RemoteProtocolError)


def test_httpx_aiohttp_alone_would_spend_the_token_twice(server: LoopbackServer, fake_clock: FakeClock) -> None:
    """Why SafeAiohttpTransport exists: the unwrapped transport retries that drop, and it succeeds."""
    server.reply(Reply(drop=True), Reply(200, success_body()))

    async def exchange() -> AccessToken:
        async with (
            AiohttpTransport() as transport,
            AsyncTMDBAuth(READ_TOKEN, base_url=server.url, transport=transport, sleep=fake_clock.async_sleep) as auth,
        ):
            return await auth.create_access_token(REQUEST_TOKEN)

    assert asyncio.run(exchange()).account_id == ACCOUNT_ID
    assert len(server.received) == 2


def test_a_drop_in_the_middle_of_the_body_is_not_retried(fake_clock: FakeClock) -> None:
    def half_a_response(conn: socket.socket) -> None:
        conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"access')

    with raw_server(half_a_response) as (url, received), pytest.raises(NetworkError) as caught:
        run(url, fake_clock)
    assert caught.value.request_sent is True
    assert len(received) == 1
    assert fake_clock == []


def test_a_refused_connection_is_retried_then_reported_as_not_sent(fake_clock: FakeClock) -> None:
    with pytest.raises(NetworkError) as caught:
        run(f"http://127.0.0.1:{free_port()}", fake_clock, max_retries=2)
    assert caught.value.request_sent is False
    assert len(fake_clock) == 2
    assert isinstance(caught.value.__cause__, httpx.ConnectError)


# --- timeouts ---------------------------------------------------------------------------------


def test_read_timeout_fires_and_is_not_retried(server: LoopbackServer, fake_clock: FakeClock) -> None:
    server.reply(Reply(200, success_body(), delay=1.0), Reply(200, success_body()))
    started = time.monotonic()
    with pytest.raises(RequestTimeoutError) as caught:
        run(server.url, fake_clock, timeout=0.2)
    assert time.monotonic() - started < 0.9
    assert caught.value.request_sent is True
    assert fake_clock == []


def test_a_server_that_never_answers_times_out(fake_clock: FakeClock) -> None:
    """Reads the request and then says nothing: the read timeout bounds the call."""
    hold = threading.Event()

    def say_nothing(conn: socket.socket) -> None:
        hold.wait(2)

    with raw_server(say_nothing) as (url, received):
        started = time.monotonic()
        with pytest.raises(RequestTimeoutError) as caught:
            run(url, fake_clock, timeout=0.2)
        hold.set()
    assert time.monotonic() - started < 1.5
    assert caught.value.request_sent is True
    assert len(received) == 1


def test_a_trickling_server_hits_the_attempt_deadline(fake_clock: FakeClock) -> None:
    """Each read is quick, the whole never ends: the facade's attempt_timeout holds on aiohttp too."""

    def trickle(conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n")
        for _ in range(40):
            try:
                conn.sendall(b" ")
            except OSError:  # the client gave up, as it should
                return
            time.sleep(0.1)

    started = time.monotonic()
    with raw_server(trickle) as (url, _), pytest.raises(RequestTimeoutError, match="attempt_timeout") as caught:
        run(url, fake_clock, timeout=0.5, attempt_timeout=1.0, max_retries=0)
    assert time.monotonic() - started < 3.5
    assert caught.value.request_sent is True


def test_connect_timeout_fires_and_is_retried(fake_clock: FakeClock) -> None:
    with hanging_connect() as url:
        started = time.monotonic()
        with pytest.raises(RequestTimeoutError) as caught:
            run(url, fake_clock, timeout=0.2, max_retries=1)
        elapsed = time.monotonic() - started
    assert caught.value.request_sent is False
    assert fake_clock != [], "a timeout before sending is retried"
    assert elapsed < 2.0


# --- secrets, invalid responses, mapping --------------------------------------------------------


def test_an_invalid_response_echoing_the_secrets_is_typed_and_leaks_nothing(fake_clock: FakeClock) -> None:
    def garbage(conn: socket.socket) -> None:
        conn.sendall(f"HTTP/1.1 2x0 {READ_TOKEN} {REQUEST_TOKEN}\r\nX: {READ_TOKEN}\r\n\r\n".encode())

    with raw_server(garbage) as (url, received), pytest.raises(NetworkError) as caught:
        run(url, fake_clock)
    assert len(received) == 1
    assert caught.value.request_sent is True
    assert_no_secret_in_error(caught.value)
    assert caught.value.__cause__ is not None
    assert caught.value.__cause__.__cause__ is None
    assert caught.value.__cause__.__context__ is None


def test_no_secret_in_errors_or_debug_logs(
    server: LoopbackServer, caplog: pytest.LogCaptureFixture, fake_clock: FakeClock
) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("aiohttp", "asyncio", "httpx", "tmdb_auth"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    replies = [
        Reply(200, success_body()),
        Reply(401, tmdb_error(7, f"Invalid API key {READ_TOKEN}")),
        Reply(200, {"echo": REQUEST_TOKEN}),
        Reply(200, success_body(), delay=0.5),
        Reply(drop=True),
    ]
    errors: list[TMDBError] = []
    for reply in replies:
        server.reply(reply)
        try:
            token = run(server.url, fake_clock, timeout=0.25)
        except TMDBError as error:
            errors.append(error)
            assert_no_secret_in_error(error)
        else:
            assert_no_secret(repr(token))
    assert len(errors) == 4
    assert any(isinstance(error, AuthenticationError) for error in errors)
    assert any(record.name == "httpx" for record in caplog.records), "DEBUG logs were captured"
    for record in caplog.records:
        assert_no_secret(record.getMessage())
    assert_no_secret(caplog.text)


@pytest.mark.parametrize(
    ("failure", "expected"),
    [
        (aiohttp.ServerDisconnectedError(), httpx.RemoteProtocolError),
        (aiohttp.ClientPayloadError("Response payload is not completed"), httpx.RemoteProtocolError),
        (aiohttp.ClientOSError(104, "Connection reset by peer"), httpx.ReadError),
        (aiohttp.SocketTimeoutError("Timeout on reading data from socket"), httpx.ReadTimeout),
        (aiohttp.ServerTimeoutError("timeout"), httpx.ReadTimeout),
        (TimeoutError(), httpx.ReadTimeout),
        (aiohttp.ConnectionTimeoutError("Connection timeout to host"), httpx.ConnectTimeout),
        (aiohttp.ClientConnectionError("closed"), httpx.ReadError),
    ],
)
def test_each_aiohttp_failure_maps_by_whether_the_request_may_have_been_sent(
    failure: BaseException, expected: type[httpx.TransportError]
) -> None:
    assert type(map_failure(failure)) is expected


def test_a_connector_error_stays_a_connect_error() -> None:
    error = aiohttp.ClientConnectorError(
        aiohttp.client_reqrep.ConnectionKey("127.0.0.1", 9, False, True, None, None, None),
        ConnectionRefusedError(111, "Connection refused"),
    )
    mapped = map_failure(error)
    assert type(mapped) is httpx.ConnectError
    assert "Connection refused" in str(mapped)


def test_a_response_error_carrying_the_bearer_header_is_not_quoted() -> None:
    info = aiohttp.RequestInfo(
        url=URL("http://127.0.0.1/4/auth/access_token"),
        method="POST",
        headers=CIMultiDictProxy(CIMultiDict(Authorization=f"Bearer {READ_TOKEN}")),
    )
    error = aiohttp.ClientResponseError(info, (), status=400, message=f"Bad status line {REQUEST_TOKEN}")
    assert READ_TOKEN in repr(error)  # what would leak if it were chained or quoted
    mapped = map_failure(error)
    assert type(mapped) is httpx.RemoteProtocolError
    assert_no_secret(repr(mapped))
    assert_no_secret(str(mapped))


# --- pool, TLS, lifecycle, missing extra ----------------------------------------------------------


def test_limits_cap_the_aiohttp_pool(server: LoopbackServer) -> None:
    server.reply(*[Reply(200, success_body(), delay=0.02) for _ in range(12)])

    async def exchanges() -> list[AccessToken]:
        async with aiohttp_auth(server.url, client_options={"limits": httpx.Limits(max_connections=2)}) as auth:
            return await asyncio.gather(*(auth.create_access_token(REQUEST_TOKEN) for _ in range(12)))

    assert len(asyncio.run(exchanges())) == 12
    assert 1 <= server.connections <= 2


def test_the_pool_is_fair_when_full(server: LoopbackServer) -> None:
    """aiohttp's connector lets a task that just freed a connection take it again before the
    woken waiter; the transport's FIFO admission keeps every worker moving."""
    workers, rounds = 4, 5
    server.reply(*[Reply(200, success_body()) for _ in range(workers * rounds)])

    async def worker(auth: AsyncTMDBAuth, number: int) -> None:
        for _ in range(rounds):
            await auth.create_access_token(f"{REQUEST_TOKEN}-{number}")

    async def all_workers() -> None:
        async with aiohttp_auth(server.url, client_options={"limits": httpx.Limits(max_connections=1)}) as auth:
            await asyncio.gather(*(worker(auth, number) for number in range(workers)))

    asyncio.run(all_workers())
    order = [received.json()["request_token"].rsplit("-", 1)[1] for received in server.received]
    assert len(order) == workers * rounds
    assert len(set(order[:workers])) == workers, f"a worker was starved: {order}"


def test_waiting_for_a_full_pool_is_bounded_by_the_pool_timeout(server: LoopbackServer) -> None:
    server.reply(Reply(200, success_body(), delay=1.0))
    options: dict[str, Any] = {
        "timeout": httpx.Timeout(5.0, pool=0.2),
        "max_retries": 0,
        "client_options": {"limits": httpx.Limits(max_connections=1)},
    }

    async def two_exchanges() -> AccessToken:
        async with aiohttp_auth(server.url, **options) as auth:
            first = asyncio.create_task(auth.create_access_token(REQUEST_TOKEN))
            await asyncio.sleep(0.05)
            started = time.monotonic()
            with pytest.raises(RequestTimeoutError) as caught:
                await auth.create_access_token(REQUEST_TOKEN)
            assert time.monotonic() - started < 0.8
            assert caught.value.request_sent is False
            assert isinstance(caught.value.__cause__, httpx.PoolTimeout)
            assert len(server.received) == 1
            return await first

    assert asyncio.run(two_exchanges()).account_id == ACCOUNT_ID


def test_tls_is_verified_and_verify_is_honoured() -> None:
    strict, bundle, off = (
        aiohttp_transport(verify=verify, limits=httpx.Limits()) for verify in (True, certifi.where(), False)
    )
    assert isinstance(strict, SafeAiohttpTransport)
    assert isinstance(bundle, SafeAiohttpTransport)
    assert isinstance(off, SafeAiohttpTransport)
    assert strict.ssl_context.verify_mode == ssl.CERT_REQUIRED
    assert bundle.ssl_context.verify_mode == ssl.CERT_REQUIRED
    assert bundle.ssl_context.get_ca_certs()
    assert off.ssl_context.verify_mode == ssl.CERT_NONE


def test_aclose_closes_the_aiohttp_session(server: LoopbackServer) -> None:
    server.reply(Reply(200, success_body()))

    async def exchange_and_close() -> aiohttp.ClientSession:
        async with aiohttp_auth(server.url) as auth:
            await auth.create_access_token(REQUEST_TOKEN)
            gated = auth._http._transport  # the facade's own: white-box, to see the session
            assert isinstance(gated, GatedTransport)
            transport = gated.lanes[0]
            assert set(gated.lanes) == {transport}, "one aiohttp session shared by every lane"
            assert isinstance(transport, SafeAiohttpTransport)
            session = transport.client
            assert isinstance(session, aiohttp.ClientSession)
            assert not session.closed
        return session

    assert asyncio.run(exchange_and_close()).closed


@pytest.mark.parametrize("missing", ["aiohttp", "httpx_aiohttp"])
def test_missing_extra_is_a_configuration_error_naming_the_install_command(
    monkeypatch: pytest.MonkeyPatch, missing: str
) -> None:
    monkeypatch.setitem(sys.modules, missing, None)
    with pytest.raises(ConfigurationError) as caught:
        AsyncTMDBAuth(READ_TOKEN, http_backend="aiohttp")
    assert EXTRA_HINT == "pip install 'tmdb-v4-auth[aiohttp]'"
    assert EXTRA_HINT in str(caught.value)
    assert missing in str(caught.value)
