"""The deadline of one attempt, and the httpcore network backends that hold every socket operation to it.

httpx's timeouts bound each socket operation, not an exchange: a server that sends its
status line a byte at a time, or ``102 Processing`` forever, answers every read in time
and never finishes. The shells start an attempt's clock (`start_attempt`) in a context
variable, visible to everything the attempt runs in the same thread (sync) or task
(async); the facade's own httpcore pools connect, read and write through `DeadlineBackend`
/ `AsyncDeadlineBackend`, which give each operation ``min(its timeout, time left)`` and
raise httpcore's timeout for that phase once the deadline has passed. So an attempt ends
by its deadline whatever the server does, and the error still says which phase it was in:
a connect (nothing sent) or a read or write (the request may have been sent).

Outside an attempt (no deadline set) the backends pass every timeout through unchanged.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Iterable
from contextvars import ContextVar, Token
from typing import Any

import httpcore
import httpx

_attempt: ContextVar[tuple[float, float] | None] = ContextVar("tmdb_auth_attempt", default=None)
"""(deadline on the monotonic clock, attempt_timeout) of the attempt running in this thread or task."""

# A timeout reported within this long before the deadline is the deadline's (timer granularity).
_SLACK = 0.001


def start_attempt(seconds: float) -> Token[tuple[float, float] | None]:
    """Start the clock of one attempt: connect, send and the whole response must fit in `seconds`."""
    return _attempt.set((time.monotonic() + seconds, seconds))


def end_attempt(token: Token[tuple[float, float] | None]) -> None:
    _attempt.reset(token)


def attempt_deadline() -> float | None:
    """The running attempt's deadline (monotonic clock), or None outside an attempt."""
    attempt = _attempt.get()
    return None if attempt is None else attempt[0]


def seconds_left() -> float | None:
    """Seconds until the running attempt's deadline (<= 0 once past), or None outside an attempt."""
    attempt = _attempt.get()
    return None if attempt is None else attempt[0] - time.monotonic()


def expired_attempt_timeout() -> float | None:
    """The running attempt's attempt_timeout if its deadline has passed, else None."""
    attempt = _attempt.get()
    if attempt is not None and time.monotonic() >= attempt[0] - _SLACK:
        return attempt[1]
    return None


def _clamp(timeout: float | None, timeout_error: type[httpcore.TimeoutException]) -> float | None:
    """`timeout` shortened to the time left in the attempt; `timeout_error` once none is left."""
    attempt = _attempt.get()
    if attempt is None:
        return timeout
    left = attempt[0] - time.monotonic()
    if left <= 0:  # never pass 0: a socket timeout of 0 means non-blocking, not "expired"
        raise timeout_error(f"attempt_timeout ({attempt[1]:g} s) has passed")
    return left if timeout is None or left < timeout else timeout


class _DeadlineStream(httpcore.NetworkStream):
    __slots__ = ("_inner",)

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _clamp(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _clamp(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        return _DeadlineStream(
            self._inner.start_tls(ssl_context, server_hostname, _clamp(timeout, httpcore.ConnectTimeout))
        )

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class DeadlineBackend(httpcore.NetworkBackend):
    """A sync httpcore network backend whose every operation ends by the attempt's deadline."""

    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self.inner = inner

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        timeout = _clamp(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self.inner.connect_tcp(host, port, timeout, local_address, socket_options))

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        timeout = _clamp(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self.inner.connect_unix_socket(path, timeout, socket_options))

    def sleep(self, seconds: float) -> None:
        self.inner.sleep(seconds)


class _AsyncDeadlineStream(httpcore.AsyncNetworkStream):
    __slots__ = ("_inner",)

    def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
        self._inner = inner

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._inner.read(max_bytes, _clamp(timeout, httpcore.ReadTimeout))

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._inner.write(buffer, _clamp(timeout, httpcore.WriteTimeout))

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.AsyncNetworkStream:
        timeout = _clamp(timeout, httpcore.ConnectTimeout)
        return _AsyncDeadlineStream(await self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class AsyncDeadlineBackend(httpcore.AsyncNetworkBackend):
    """An async httpcore network backend whose every operation ends by the attempt's deadline."""

    def __init__(self, inner: httpcore.AsyncNetworkBackend) -> None:
        self.inner = inner

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        timeout = _clamp(timeout, httpcore.ConnectTimeout)
        return _AsyncDeadlineStream(await self.inner.connect_tcp(host, port, timeout, local_address, socket_options))

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        timeout = _clamp(timeout, httpcore.ConnectTimeout)
        return _AsyncDeadlineStream(await self.inner.connect_unix_socket(path, timeout, socket_options))

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


def hold_to_deadline(transport: httpx.HTTPTransport | httpx.AsyncHTTPTransport) -> bool:
    """Make the httpcore pool behind `transport` connect, read and write through a deadline backend.

    Call it before the transport's first request (connections take the pool's backend when
    they are made). httpx offers no public way to pass httpcore a network backend, hence
    the private attribute (``transport._pool._network_backend``, httpcore 1.0: set by every
    pool class, the proxies' included); if a release renames it this returns False and the
    attempt is only bounded per body chunk. tests/product/test_bounds.py fails then.
    """
    pool: Any = getattr(transport, "_pool", None)
    backend = getattr(pool, "_network_backend", None)
    if isinstance(backend, DeadlineBackend | AsyncDeadlineBackend):
        return True
    if isinstance(backend, httpcore.NetworkBackend):
        pool._network_backend = DeadlineBackend(backend)
        return True
    if isinstance(backend, httpcore.AsyncNetworkBackend):
        pool._network_backend = AsyncDeadlineBackend(backend)
        return True
    return False


def clamp_pool_timeout(request: httpx.Request) -> None:
    """Shorten the request's pool wait to the time left in the attempt (the first phase of a request)."""
    left = seconds_left()
    if left is not None:
        timeouts = request.extensions.get("timeout")
        if isinstance(timeouts, dict):
            pool = timeouts.get("pool")
            if pool is None or left < pool:
                timeouts["pool"] = max(left, 0.0)


async def async_clamp_pool_timeout(request: httpx.Request) -> None:
    clamp_pool_timeout(request)
