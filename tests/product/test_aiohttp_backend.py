"""The aiohttp backend (the ``aiohttp`` extra) keeps every facade guarantee, against 127.0.0.1.

httpx-aiohttp's own transport reports a connection dropped after the request was sent as
``httpx.ConnectTimeout`` ("not sent"), so the facade would retry an exchange and spend the
request token twice; `tmdb_auth._aiohttp_transport` maps failures by whether the request may
have been sent. These tests pin that, the timeouts, the secrets and the lifecycle.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import aiohttp
import certifi
import httpx
import pytest
from httpx_aiohttp import AiohttpTransport
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from tests.helpers.loopback import LoopbackServer, Reply
from tests.helpers.tokens import (
    ACCESS_TOKEN,
    ACCOUNT_ID,
    READ_TOKEN,
    REQUEST_TOKEN,
    assert_error_has_no_secret,
    assert_no_secret,
    success_body,
    tmdb_error,
)
from tmdb_auth import (
    AccessToken,
    AsyncTMDBAuth,
    AuthenticationError,
    ConfigurationError,
    NetworkError,
    RequestTimeoutError,
    TMDBError,
)
from tmdb_auth._aiohttp import EXTRA_HINT, aiohttp_transport
from tmdb_auth._aiohttp_transport import SafeAiohttpTransport, map_failure


def aiohttp_auth(base_url: str, **options: Any) -> AsyncTMDBAuth:
    """AsyncTMDBAuth on the aiohttp backend."""
    options.setdefault("transport", aiohttp_transport(verify=True, limits=httpx.Limits(max_connections=8)))
    return AsyncTMDBAuth(READ_TOKEN, base_url=base_url, **options)


def run(base_url: str, request_token: str = REQUEST_TOKEN, **options: Any) -> AccessToken:
    async def exchange() -> AccessToken:
        async with aiohttp_auth(base_url, **options) as auth:
            return await auth.create_access_token(request_token)

    return asyncio.run(exchange())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@contextmanager
def raw_server(answer: Callable[[socket.socket], None]) -> Iterator[tuple[str, list[bytes]]]:
    """A one-connection-at-a-time server: reads each request whole, then `answer` writes raw bytes and it closes."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)
    received: list[bytes] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn:
                data = b""
                while b"\r\n\r\n" not in data:
                    data += conn.recv(65536)
                head, _, body = data.partition(b"\r\n\r\n")
                length = 0
                for line in head.lower().split(b"\r\n"):
                    if line.startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                while len(body) < length:
                    body += conn.recv(65536)
                received.append(head + b"\r\n\r\n" + body)
                answer(conn)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", received
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()


# --- the three cases the facade's retry rule depends on ----------------------------------------


def test_exchange_succeeds_with_the_same_request_shape(server: LoopbackServer) -> None:
    server.reply(Reply(200, success_body()))
    token = run(server.url)
    assert token == AccessToken(access_token=ACCESS_TOKEN, account_id=ACCOUNT_ID)
    (received,) = server.received
    assert (received.method, received.path) == ("POST", "/4/auth/access_token")
    headers = {name.lower(): value for name, value in received.headers.items()}  # aiohttp sends them lower-case
    assert headers["authorization"] == f"Bearer {READ_TOKEN}"
    assert headers["content-type"] == "application/json"
    assert received.json() == {"request_token": REQUEST_TOKEN}


def test_a_drop_after_the_request_was_read_is_not_retried(server: LoopbackServer, fake_clock: list[float]) -> None:
    # A retry would succeed (the second reply): only the mapping keeps the token from being spent twice.
    server.reply(Reply(drop=True), Reply(200, success_body()))
    with pytest.raises(NetworkError) as caught:
        run(server.url)
    assert caught.value.request_sent is True
    assert len(server.received) == 1
    assert fake_clock == []
    assert isinstance(caught.value.__cause__, httpx.RemoteProtocolError)


def test_httpx_aiohttp_alone_would_retry_that_drop(server: LoopbackServer, fake_clock: list[float]) -> None:
    """Why SafeAiohttpTransport exists: the unwrapped transport spends the token twice."""
    server.reply(Reply(drop=True), Reply(200, success_body()))
    run(server.url, transport=AiohttpTransport())
    assert len(server.received) == 2


def test_a_drop_in_the_middle_of_the_body_is_not_retried(fake_clock: list[float]) -> None:
    def half_a_response(conn: socket.socket) -> None:
        conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"access')

    with raw_server(half_a_response) as (url, received), pytest.raises(NetworkError) as caught:
        run(url)
    assert caught.value.request_sent is True
    assert len(received) == 1
    assert fake_clock == []


def test_a_refused_connection_is_retried_then_reported_as_not_sent(fake_clock: list[float]) -> None:
    with pytest.raises(NetworkError) as caught:
        run(f"http://127.0.0.1:{free_port()}", max_retries=2)
    assert caught.value.request_sent is False
    assert len(fake_clock) == 2
    assert isinstance(caught.value.__cause__, httpx.ConnectError)


# --- timeouts ---------------------------------------------------------------------------------


def test_read_timeout_fires_and_is_not_retried(server: LoopbackServer, fake_clock: list[float]) -> None:
    server.reply(Reply(200, success_body(), delay=1.0), Reply(200, success_body()))
    started = time.monotonic()
    with pytest.raises(RequestTimeoutError) as caught:
        run(server.url, timeout=0.2)
    assert time.monotonic() - started < 0.9
    assert caught.value.request_sent is True
    assert fake_clock == []


def test_a_server_that_never_answers_times_out(fake_clock: list[float]) -> None:
    """Reads the request and then says nothing: the read timeout bounds the call."""
    hold = threading.Event()

    def say_nothing(conn: socket.socket) -> None:
        hold.wait(2)

    with raw_server(say_nothing) as (url, received):
        started = time.monotonic()
        with pytest.raises(RequestTimeoutError) as caught:
            run(url, timeout=0.2)
        hold.set()
    assert time.monotonic() - started < 1.5
    assert caught.value.request_sent is True
    assert len(received) == 1


def test_connect_timeout_fires_and_is_retried(fake_clock: list[float]) -> None:
    # A listener with a full accept queue: the kernel drops further SYNs, so connect() hangs.
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        fillers = [socket.socket() for _ in range(3)]
        for filler in fillers:
            filler.setblocking(False)
            filler.connect_ex(("127.0.0.1", port))
        try:
            started = time.monotonic()
            with pytest.raises(RequestTimeoutError) as caught:
                run(f"http://127.0.0.1:{port}", timeout=0.2, max_retries=1)
            elapsed = time.monotonic() - started
        finally:
            for filler in fillers:
                filler.close()
    assert caught.value.request_sent is False
    assert fake_clock != [], "a timeout before sending is retried"
    assert elapsed < 2.0


# --- secrets, invalid responses, mapping --------------------------------------------------------


def test_an_invalid_response_echoing_the_secrets_is_typed_and_leaks_nothing(fake_clock: list[float]) -> None:
    def garbage(conn: socket.socket) -> None:
        conn.sendall(f"HTTP/1.1 2x0 {READ_TOKEN} {REQUEST_TOKEN}\r\nX: {READ_TOKEN}\r\n\r\n".encode())

    with raw_server(garbage) as (url, received), pytest.raises(NetworkError) as caught:
        run(url)
    assert len(received) == 1
    assert caught.value.request_sent is True
    assert_error_has_no_secret(caught.value)
    assert_no_secret(repr(caught.value.__cause__))
    assert caught.value.__cause__ is not None
    assert caught.value.__cause__.__cause__ is None
    assert caught.value.__cause__.__context__ is None


def test_no_secret_in_errors_or_debug_logs(
    server: LoopbackServer, caplog: pytest.LogCaptureFixture, fake_clock: list[float]
) -> None:
    caplog.set_level(logging.DEBUG)
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
            token = run(server.url, timeout=0.25)
        except TMDBError as error:
            errors.append(error)
            assert_error_has_no_secret(error)
            assert_no_secret(repr(error.__cause__))
        else:
            assert_no_secret(repr(token))
    assert len(errors) == 4
    assert any(isinstance(error, AuthenticationError) for error in errors)
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
        # an httpx error whose aiohttp cause is unknown: assume the request may have been sent
        (httpx.ConnectTimeout("Server disconnected"), httpx.ReadError),
    ],
)
def test_each_aiohttp_failure_maps_by_whether_the_request_may_have_been_sent(
    failure: BaseException, expected: type[httpx.TransportError]
) -> None:
    assert type(map_failure(failure)) is expected


def test_the_mapping_looks_through_httpx_aiohttp_s_own_mapping() -> None:
    mapped = httpx.ConnectTimeout("Server disconnected")  # as httpx-aiohttp raises it: `from` the aiohttp error
    mapped.__cause__ = aiohttp.ServerDisconnectedError()
    assert type(map_failure(mapped)) is httpx.RemoteProtocolError


def test_a_connector_error_stays_a_connect_error_without_the_request_headers() -> None:
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


# --- pool, lifecycle, missing extra -------------------------------------------------------------


def test_limits_cap_the_aiohttp_pool(server: LoopbackServer) -> None:
    server.reply(*[Reply(200, success_body(), delay=0.02) for _ in range(12)])

    async def exchanges() -> list[AccessToken]:
        transport = aiohttp_transport(verify=True, limits=httpx.Limits(max_connections=2))
        async with aiohttp_auth(server.url, transport=transport) as auth:
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
        transport = aiohttp_transport(verify=True, limits=httpx.Limits(max_connections=1))
        async with aiohttp_auth(server.url, transport=transport) as auth:
            await asyncio.gather(*(worker(auth, number) for number in range(workers)))

    asyncio.run(all_workers())
    order = [received.json()["request_token"].rsplit("-", 1)[1] for received in server.received]
    assert len(order) == workers * rounds
    assert len(set(order[:workers])) == workers, f"a worker was starved: {order}"


def test_waiting_for_a_full_pool_is_bounded_by_the_pool_timeout(server: LoopbackServer) -> None:
    server.reply(Reply(200, success_body(), delay=1.0))
    timeout = httpx.Timeout(5.0, pool=0.2)

    async def two_exchanges() -> tuple[AccessToken | BaseException, ...]:
        transport = aiohttp_transport(verify=True, limits=httpx.Limits(max_connections=1))
        async with aiohttp_auth(server.url, transport=transport, timeout=timeout, max_retries=0) as auth:
            first = asyncio.create_task(auth.create_access_token(REQUEST_TOKEN))
            await asyncio.sleep(0.05)
            started = time.monotonic()
            with pytest.raises(RequestTimeoutError) as caught:
                await auth.create_access_token(REQUEST_TOKEN)
            assert time.monotonic() - started < 0.8
            assert caught.value.request_sent is False
            assert isinstance(caught.value.__cause__, httpx.PoolTimeout)
            assert len(server.received) == 1
            return (await first,)

    (first,) = asyncio.run(two_exchanges())
    assert isinstance(first, AccessToken)


def test_aclose_closes_the_aiohttp_session(server: LoopbackServer) -> None:
    server.reply(Reply(200, success_body()))
    transport = aiohttp_transport(verify=True, limits=httpx.Limits())
    assert isinstance(transport, SafeAiohttpTransport)

    async def exchange_and_close() -> aiohttp.ClientSession:
        async with aiohttp_auth(server.url, transport=transport) as auth:
            await auth.create_access_token(REQUEST_TOKEN)
            session = transport.client
            assert isinstance(session, aiohttp.ClientSession)
            assert not session.closed
        return session

    assert asyncio.run(exchange_and_close()).closed


def test_verify_is_honoured_as_httpx_takes_it() -> None:
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


def test_missing_extra_is_a_configuration_error_naming_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "aiohttp", None)
    monkeypatch.delitem(sys.modules, "tmdb_auth._aiohttp_transport")
    with pytest.raises(ConfigurationError) as caught:
        aiohttp_transport(verify=True, limits=httpx.Limits())
    assert EXTRA_HINT in str(caught.value)
    assert "pip install 'tmdb-v4-auth[aiohttp]'" in str(caught.value)
