"""The FIFO gate in front of AsyncTMDBAuth's pools (`tmdb_auth._gate`): it caps the requests in
flight at ``max_connections``, admits them in arrival order, gives every slot back on every path
(error, cancellation, early close, a body that fails), and a wait longer than the pool timeout is a
typed "not sent" timeout. Only the transports the facade builds are gated; a caller's are theirs.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.helpers.leaks import assert_no_secret_in_error
from tests.helpers.loopback import LoopbackServer, Reply
from tests.helpers.tokens import ACCOUNT_ID, READ_TOKEN, REQUEST_TOKEN, success_body
from tmdb_auth import DEFAULT_ASYNC_LIMITS, AccessToken, AsyncTMDBAuth, RequestTimeoutError
from tmdb_auth._gate import GatedTransport
from tmdb_auth._transport import _gate_own_transports

BACKENDS = ["httpx", "aiohttp"]


# --- the gate itself, over a transport the test holds ----------------------------------------------


class _Body(httpx.AsyncByteStream):
    def __init__(self, inner: HeldTransport, fail: bool) -> None:
        self._inner = inner
        self._fail = fail
        self._closed = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield b"partial"
        if self._fail:
            raise httpx.ReadError("the connection broke in the middle of the body")

    async def aclose(self) -> None:
        if not self._closed:
            self._closed = True
            self._inner.in_flight -= 1


class HeldTransport(httpx.AsyncBaseTransport):
    """Holds each request until `go` is set; counts requests in flight (sent, response not closed yet).

    The header ``x-mode`` picks the path: ``ok``, ``raise`` (a connect error), ``fail-body``,
    ``in-memory`` (a body already read).
    """

    def __init__(self) -> None:
        self.go = asyncio.Event()
        self.order: list[str] = []
        self.in_flight = 0
        self.max_in_flight = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.order.append(request.headers["x-name"])
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await self.go.wait()
            await asyncio.sleep(0)  # as a network would: other tasks run while this one is sent
            if request.headers["x-mode"] == "raise":
                raise httpx.ConnectError("refused")
        except BaseException:
            self.in_flight -= 1
            raise
        if request.headers["x-mode"] == "in-memory":  # as httpx.MockTransport answers: read, nothing to close
            self.in_flight -= 1
            return httpx.Response(200, content=b"whole", request=request)
        return httpx.Response(200, stream=_Body(self, fail=request.headers["x-mode"] == "fail-body"), request=request)


def gated_client(inner: HeldTransport, lanes: int, pool_timeout: float = 5.0) -> httpx.AsyncClient:
    timeout = httpx.Timeout(5.0, pool=pool_timeout)
    return httpx.AsyncClient(transport=GatedTransport([inner] * lanes), base_url="http://gate.test", timeout=timeout)


async def send(client: httpx.AsyncClient, name: str, mode: str = "ok") -> httpx.Response:
    return await client.get("/", headers={"x-name": name, "x-mode": mode})


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def assert_every_slot_free(client: httpx.AsyncClient, inner: HeldTransport, lanes: int) -> None:
    """`lanes` requests get in at once (a leaked slot would leave one waiting into a PoolTimeout)."""
    inner.go.clear()
    before = inner.in_flight
    tasks = [asyncio.create_task(send(client, f"check-{n}")) for n in range(lanes)]
    await settle()
    assert inner.in_flight - before == lanes
    inner.go.set()
    await asyncio.gather(*tasks)


async def test_it_caps_the_requests_in_flight_and_admits_them_in_arrival_order() -> None:
    inner = HeldTransport()
    async with gated_client(inner, lanes=3) as client:
        tasks = []
        for n in range(10):
            tasks.append(asyncio.create_task(send(client, str(n))))
            await settle()  # each task is queued before the next one starts
        assert inner.in_flight == 3
        assert inner.order == ["0", "1", "2"]
        inner.go.set()
        responses = await asyncio.gather(*tasks)
    assert all(response.content == b"partial" for response in responses)
    assert inner.max_in_flight == 3
    assert inner.order == [str(n) for n in range(10)], "admitted first come, first served"
    assert inner.in_flight == 0


async def test_a_caller_that_just_finished_queues_behind_the_waiters() -> None:
    inner = HeldTransport()
    inner.go.set()
    async with gated_client(inner, lanes=1) as client:

        async def worker(name: str) -> None:
            for _ in range(3):
                await send(client, name)

        await asyncio.gather(*(worker(name) for name in "abcd"))
    assert inner.order == list("abcd" * 3), "no worker takes the lane twice while others wait"


@pytest.mark.parametrize("mode", ["raise", "fail-body"])
async def test_an_error_gives_the_slot_back(mode: str) -> None:
    inner = HeldTransport()
    inner.go.set()
    async with gated_client(inner, lanes=1, pool_timeout=1.0) as client:
        expected = httpx.ConnectError if mode == "raise" else httpx.ReadError
        for _ in range(3):  # more failures than lanes: each one must have given its slot back
            with pytest.raises(expected):
                await send(client, "failing", mode)
        await assert_every_slot_free(client, inner, lanes=1)
    assert inner.in_flight == 0


async def test_a_response_closed_before_or_during_reading_gives_the_slot_back() -> None:
    inner = HeldTransport()
    inner.go.set()
    async with gated_client(inner, lanes=1, pool_timeout=1.0) as client:
        request = client.build_request("GET", "/", headers={"x-name": "unread", "x-mode": "ok"})
        unread = await client.send(request, stream=True)
        await unread.aclose()
        async with client.stream("GET", "/", headers={"x-name": "half-read", "x-mode": "ok"}) as response:
            async for _ in response.aiter_raw():
                break
        await assert_every_slot_free(client, inner, lanes=1)
    assert inner.in_flight == 0


async def test_a_body_already_in_memory_holds_no_slot() -> None:
    inner = HeldTransport()
    inner.go.set()
    async with gated_client(inner, lanes=1, pool_timeout=1.0) as client:
        for _ in range(3):
            assert (await send(client, "in-memory", "in-memory")).content == b"whole"
        await assert_every_slot_free(client, inner, lanes=1)


async def test_cancellation_while_sending_or_waiting_gives_the_slot_back() -> None:
    inner = HeldTransport()
    async with gated_client(inner, lanes=1) as client:
        sending = asyncio.create_task(send(client, "sending"))
        await settle()
        waiting = asyncio.create_task(send(client, "waiting"))
        await settle()
        assert inner.order == ["sending"]
        waiting.cancel()  # cancelled in the queue: takes no slot with it
        sending.cancel()  # cancelled inside the transport: gives its slot back
        for task in (waiting, sending):
            with pytest.raises(asyncio.CancelledError):
                await task
        await assert_every_slot_free(client, inner, lanes=1)
    assert inner.order == ["sending", "check-0"]
    assert inner.in_flight == 0


async def test_waiting_longer_than_the_pool_timeout_is_a_pool_timeout_and_leaks_no_slot() -> None:
    inner = HeldTransport()
    async with gated_client(inner, lanes=1, pool_timeout=0.1) as client:
        holder = asyncio.create_task(send(client, "holder"))
        await settle()
        with pytest.raises(httpx.PoolTimeout, match=r"max_connections=1"):
            await send(client, "late")
        assert inner.order == ["holder"], "the late request was never sent"
        inner.go.set()
        await holder
        await assert_every_slot_free(client, inner, lanes=1)


async def test_closing_closes_each_distinct_lane_once() -> None:
    closed: list[str] = []

    class Lane(httpx.AsyncBaseTransport):
        def __init__(self, name: str) -> None:
            self.name = name

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            raise NotImplementedError

        async def aclose(self) -> None:
            closed.append(self.name)

    shared, own = Lane("shared"), Lane("own")
    await GatedTransport([shared, shared, own]).aclose()
    assert closed == ["shared", "own"]


# --- the facade: which transports are gated, and what a caller sees --------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
async def test_the_facade_caps_requests_in_flight_at_max_connections(server: LoopbackServer, backend: str) -> None:
    server.reply(*[Reply(200, success_body(), delay=0.05) for _ in range(12)])
    options = {"limits": httpx.Limits(max_connections=3)}
    async with AsyncTMDBAuth(READ_TOKEN, base_url=server.url, client_options=options, http_backend=backend) as auth:
        tokens = await asyncio.gather(*(auth.create_access_token(REQUEST_TOKEN) for _ in range(12)))
    assert [token.account_id for token in tokens] == [ACCOUNT_ID] * 12
    assert server.max_active == 3, "never more than max_connections at the server, and all of them used"
    assert server.connections <= 3


@pytest.mark.parametrize("backend", BACKENDS)
async def test_the_facade_admits_in_arrival_order(server: LoopbackServer, backend: str) -> None:
    workers, rounds = 4, 5
    server.reply(*[Reply(200, success_body()) for _ in range(workers * rounds)])
    options = {"limits": httpx.Limits(max_connections=1)}

    async def worker(auth: AsyncTMDBAuth, number: int) -> None:
        for _ in range(rounds):
            await auth.create_access_token(f"{REQUEST_TOKEN}-{number}")

    async with AsyncTMDBAuth(READ_TOKEN, base_url=server.url, client_options=options, http_backend=backend) as auth:
        await asyncio.gather(*(worker(auth, number) for number in range(workers)))
    order = [received.json()["request_token"].rsplit("-", 1)[1] for received in server.received]
    assert order == [str(number) for number in range(workers)] * rounds, f"not first come, first served: {order}"


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_pool_timeout_waiting_for_a_slot_is_a_not_sent_timeout_without_secrets(
    server: LoopbackServer, backend: str
) -> None:
    server.reply(Reply(200, success_body(), delay=1.0), Reply(200, success_body()))
    options: dict[str, Any] = {
        "timeout": httpx.Timeout(5.0, pool=0.2),
        "max_retries": 0,
        "client_options": {"limits": httpx.Limits(max_connections=1)},
        "http_backend": backend,
    }
    async with AsyncTMDBAuth(READ_TOKEN, base_url=server.url, **options) as auth:
        first = asyncio.create_task(auth.create_access_token(REQUEST_TOKEN))
        await asyncio.sleep(0.1)
        with pytest.raises(RequestTimeoutError) as caught:
            await auth.create_access_token(REQUEST_TOKEN)
        assert len(server.received) == 1, "the second exchange was not sent"
        assert (await first).account_id == ACCOUNT_ID
        again: AccessToken = await auth.create_access_token(REQUEST_TOKEN)  # the slot came back
    error = caught.value
    assert error.request_sent is False
    assert isinstance(error.__cause__, httpx.PoolTimeout)
    assert "max_connections=1" in str(error.__cause__), "raised by the gate, not by a pool queue behind it"
    assert_no_secret_in_error(error)
    assert again.account_id == ACCOUNT_ID


def _facade_client(auth: AsyncTMDBAuth) -> httpx.AsyncClient:
    return auth._http  # white-box: httpx offers no public view of its transports


async def test_the_default_pool_is_one_gate_over_one_connection_lanes() -> None:
    async with AsyncTMDBAuth(READ_TOKEN) as auth:
        transport = _facade_client(auth)._transport
    assert isinstance(transport, GatedTransport)
    assert transport.max_connections == DEFAULT_ASYNC_LIMITS.max_connections
    assert len(set(transport.lanes)) == transport.max_connections
    for lane in transport.lanes:
        assert isinstance(lane, httpx.AsyncHTTPTransport)
        assert lane._pool._max_connections == 1  # type: ignore[attr-defined]


async def test_limits_keep_alive_and_proxy_transports_follow_client_options() -> None:
    limits = httpx.Limits(max_connections=4, max_keepalive_connections=1, keepalive_expiry=7)
    options = {"limits": limits, "proxy": "http://127.0.0.1:9"}
    async with AsyncTMDBAuth(READ_TOKEN, client_options=options) as auth:
        client = _facade_client(auth)
    transport = client._transport
    assert isinstance(transport, GatedTransport)
    pools = [lane._pool for lane in transport.lanes]  # type: ignore[attr-defined]
    assert [pool._max_keepalive_connections for pool in pools] == [0, 0, 0, 1], "the kept-alive lane is taken first"
    assert {pool._keepalive_expiry for pool in pools} == {7}
    proxies = [mounted for mounted in client._mounts.values() if mounted is not None]
    assert proxies, "httpx mounted a proxy transport"
    for proxy in proxies:
        assert isinstance(proxy, GatedTransport)
        assert proxy.max_connections == 4
        assert len(set(proxy.lanes)) == 1, "the proxy's pool is shared by the lanes"


async def test_no_gate_for_an_unlimited_pool() -> None:
    options = {"limits": httpx.Limits(max_connections=None)}
    async with AsyncTMDBAuth(READ_TOKEN, client_options=options) as auth:
        assert isinstance(_facade_client(auth)._transport, httpx.AsyncHTTPTransport)


async def test_no_gate_with_http2() -> None:
    """One HTTP/2 connection carries many requests at once; a lane carries one (h2 is not a dependency,
    so the gating step is called directly on a client httpx built)."""
    client = httpx.AsyncClient()
    untouched = client._transport
    _gate_own_transports(client, {"limits": httpx.Limits(max_connections=2), "http2": True})
    assert client._transport is untouched
    _gate_own_transports(client, {"limits": httpx.Limits(max_connections=2)})
    assert isinstance(client._transport, GatedTransport)
    await client.aclose()


async def test_a_callers_transport_is_not_gated() -> None:
    in_flight = 0
    most = 0
    go = asyncio.Event()

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        await go.wait()
        in_flight -= 1
        return httpx.Response(200, json=success_body())

    options = {"limits": httpx.Limits(max_connections=1)}
    transport = httpx.MockTransport(handler)
    async with AsyncTMDBAuth(READ_TOKEN, transport=transport, client_options=options) as auth:
        tasks = [asyncio.create_task(auth.create_access_token(REQUEST_TOKEN)) for _ in range(4)]
        await settle()
        go.set()
        await asyncio.gather(*tasks)
    assert most == 4, "the caller's transport has its own limits; the facade's limits are not applied to it"
