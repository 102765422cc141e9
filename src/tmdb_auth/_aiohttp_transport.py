"""httpx-aiohttp's transport with an exception mapping the facade can trust (imports aiohttp).

httpx-aiohttp 0.2.0 maps every ``aiohttp.ClientConnectionError`` to ``httpx.ConnectTimeout``,
including ``ServerDisconnectedError`` after the request was written: the facade reads
ConnectTimeout as "not sent" and would retry an access-token exchange, spending the
one-time request token twice. It also lets ``ClientResponseError`` (an invalid response)
escape as a raw aiohttp exception, and chains aiohttp exceptions whose repr carries the
request headers (the Bearer token). Here every aiohttp failure becomes one httpx
exception that says truthfully whether the request may have been sent:

- not sent (safe to retry): ``ClientConnectorError`` and its subclasses (refused, DNS,
  TLS, proxy) -> ``httpx.ConnectError``; ``ConnectionTimeoutError`` (aiohttp's ``connect``
  and ``sock_connect`` timeouts: establishing or waiting for a connection) ->
  ``httpx.ConnectTimeout``;
- possibly sent: every other timeout -> ``httpx.ReadTimeout``; a dropped connection or
  invalid response -> ``httpx.RemoteProtocolError``; any other socket error -> ``httpx.ReadError``.

The mapped exception quotes no server-provided text and chains nothing.

Pool: aiohttp's connector is not fair once its limit is reached. A task that has just
released a connection and asks again takes it before the waiter that was woken for it
(measured at concurrency 32 over 8 connections: p99 latency about 1 s against a p50 of
3 ms, and a starved request can run into the pool timeout). So ``max_connections`` is
enforced here by a FIFO ``asyncio.Semaphore`` held until the response is closed, the
connector itself unlimited, and waiting for a slot is bounded by httpx's pool timeout
(``httpx.PoolTimeout``: not sent).
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator

import aiohttp
import httpx
from httpx_aiohttp import AiohttpTransport

# What an aiohttp request or body read may raise (httpx-aiohttp's own mapped exceptions, or
# the aiohttp ones it does not map); anything else (cancellation, bugs) passes unchanged.
_FAILURES = (httpx.TransportError, aiohttp.ClientError, TimeoutError)


def _origin(exc: BaseException) -> BaseException:
    """The aiohttp exception behind httpx-aiohttp's mapped one (it raises ``mapped from exc``)."""
    if isinstance(exc, httpx.TransportError) and isinstance(exc.__cause__, aiohttp.ClientError | TimeoutError):
        return exc.__cause__
    return exc


def map_failure(exc: BaseException) -> httpx.TransportError:
    """The httpx exception for an aiohttp failure, by whether the request may have been sent."""
    origin = _origin(exc)
    kind = type(origin).__name__
    if isinstance(origin, aiohttp.ConnectionTimeoutError):
        return httpx.ConnectTimeout(f"timed out connecting or waiting for a pooled connection ({kind})")
    if isinstance(origin, aiohttp.ClientConnectorError):
        # OS-level text: host, port, errno, certificate error; nothing the server sent.
        return httpx.ConnectError(f"{kind}: {origin}")
    if isinstance(origin, TimeoutError):
        return httpx.ReadTimeout(f"timed out waiting for the response ({kind})")
    if isinstance(origin, aiohttp.ServerDisconnectedError | aiohttp.ClientPayloadError):
        return httpx.RemoteProtocolError(f"the server closed the connection before a complete response ({kind})")
    if isinstance(origin, aiohttp.ClientResponseError):
        return httpx.RemoteProtocolError(f"the server's response is not valid HTTP/1.1 ({kind})")
    if isinstance(origin, aiohttp.InvalidURL | aiohttp.NonHttpUrlClientError):
        return httpx.UnsupportedProtocol(f"the URL cannot be requested with aiohttp ({kind})")
    if isinstance(origin, OSError) and origin.strerror:
        return httpx.ReadError(f"{kind}: [Errno {origin.errno}] {origin.strerror}")
    return httpx.ReadError(f"the connection failed during the exchange ({kind})")


class _Slot:
    """One admission to the pool, given back once (when the response is closed, or on failure)."""

    __slots__ = ("_semaphore",)

    def __init__(self, semaphore: asyncio.Semaphore | None) -> None:
        self._semaphore = semaphore

    def release(self) -> None:
        if self._semaphore is not None:
            self._semaphore.release()
            self._semaphore = None


class _MappedStream(httpx.AsyncByteStream):
    """The response body, with failures while reading it mapped the same way; closing it frees the slot."""

    def __init__(self, inner: httpx.AsyncByteStream, slot: _Slot) -> None:
        self._inner = inner
        self._slot = slot

    async def __aiter__(self) -> AsyncIterator[bytes]:
        failure: httpx.TransportError | None = None
        try:
            async for chunk in self._inner:
                yield chunk
        except _FAILURES as exc:
            failure = map_failure(exc)
        if failure is not None:
            raise failure  # raised outside the except block: no chained aiohttp exception

    async def aclose(self) -> None:
        failure: httpx.TransportError | None = None
        try:
            await self._inner.aclose()
        except _FAILURES as exc:
            failure = map_failure(exc)
        finally:
            self._slot.release()
        if failure is not None:
            raise failure


class SafeAiohttpTransport(AiohttpTransport):
    """`AiohttpTransport` with the exception mapping above and a fair ``max_connections``."""

    def __init__(self, *, verify: ssl.SSLContext | str | bool, limits: httpx.Limits) -> None:
        if isinstance(verify, str):  # a CA bundle path, as httpx accepts it (without its deprecation warning)
            verify = ssl.create_default_context(cafile=verify)
        super().__init__(verify=verify, limits=limits)
        # httpx's max_connections=None means unlimited, not aiohttp's default 100.
        connections = limits.max_connections
        self._slots = None if connections is None else asyncio.Semaphore(connections)

    def get_client(self) -> aiohttp.ClientSession:
        # limit=0: the connector never queues; the FIFO semaphore above is the limit.
        connector = aiohttp.TCPConnector(limit=0, keepalive_timeout=self.limits.keepalive_expiry, ssl=self.ssl_context)
        return aiohttp.ClientSession(connector=connector)

    async def _admit(self, request: httpx.Request) -> _Slot:
        if self._slots is None:
            return _Slot(None)
        pool_timeout = request.extensions.get("timeout", {}).get("pool")
        try:
            async with asyncio.timeout(pool_timeout):
                await self._slots.acquire()
        except TimeoutError:
            raise httpx.PoolTimeout(
                f"no connection free within {pool_timeout} s (max_connections={self.limits.max_connections})"
            ) from None
        return _Slot(self._slots)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        slot = await self._admit(request)
        failure: httpx.TransportError | None = None
        try:
            response = await super().handle_async_request(request)
        except _FAILURES as exc:
            failure = map_failure(exc)
        except BaseException:  # cancelled: free the slot, change nothing else
            slot.release()
            raise
        if failure is not None:
            slot.release()
            raise failure
        assert isinstance(response.stream, httpx.AsyncByteStream)
        response.stream = _MappedStream(response.stream, slot)
        return response
