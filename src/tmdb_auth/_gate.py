"""FIFO admission in front of async connection pools: at most ``max_connections`` requests in flight.

httpcore's async pool does per-request assignment work that walks every queued request
times every connection, and for each idle connection every connection again
(encode/httpcore#1035), several times per exchange; aiohttp's connector lets a task that
just freed a connection take it again before the waiter woken for it. Both costs come from
requests queueing *inside* a pool, and httpcore's also from the pool's size.

`GatedTransport` admits requests first come, first served (``asyncio.Semaphore`` has not
let a caller barge ahead of its waiters since Python 3.11) onto *lanes*: transports that
each carry one request at a time. A lane is either a one-connection httpx pool (the
facade's default: no pool ever holds more than one connection or queues a request, so
httpcore's scans stay O(1)), or the same shared transport repeated ``max_connections``
times (a pool that does its own connection management, aiohttp's or a proxy's, which then
never sees more requests than connections).

A request holds its lane until its response is closed (httpx closes every response it
reads, and on every error), and gives it back on every other path: an exception or a
cancellation while sending, a response closed before or during reading, a body that was
already in memory (``httpx.ByteStream``: nothing to close, and httpx never closes it). The wait for a
lane is bounded by the request's pool timeout and ends in ``httpx.PoolTimeout``, which the
facade reports as a timeout before anything was sent.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Sequence

import httpx


class Slot:
    """One admission onto `lane`, given back once (when the response is closed, or on failure)."""

    __slots__ = ("_free", "_semaphore", "lane")

    def __init__(
        self, lane: httpx.AsyncBaseTransport, free: deque[httpx.AsyncBaseTransport], semaphore: asyncio.Semaphore
    ) -> None:
        self.lane = lane
        self._free: deque[httpx.AsyncBaseTransport] | None = free
        self._semaphore = semaphore

    def release(self) -> None:
        if self._free is not None:
            self._free.append(self.lane)  # before the semaphore: whoever it admits finds a free lane
            self._free = None
            self._semaphore.release()


class _SlotStream(httpx.AsyncByteStream):
    """A response body that gives its slot back when closed."""

    def __init__(self, inner: httpx.AsyncByteStream, slot: Slot) -> None:
        self._inner = inner
        self._slot = slot

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._inner.__aiter__()  # the inner iterator itself: no generator layer per response

    async def aclose(self) -> None:
        try:
            await self._inner.aclose()  # first: the connection is back in its pool before the lane is reused
        finally:
            self._slot.release()


class GatedTransport(httpx.AsyncBaseTransport):
    """Sends each request on a free lane, one request per lane, waiting in arrival order for one.

    ``lanes``: one entry per request allowed in flight; the same transport may appear
    several times. Closing this closes each distinct lane once.
    """

    def __init__(self, lanes: Sequence[httpx.AsyncBaseTransport]) -> None:
        if not lanes:
            raise ValueError("a gate needs at least one lane")
        self.lanes = tuple(lanes)
        # Last in, first out: the lanes used last are reused first, so under light load the
        # same few connections stay warm (lanes listed last are taken first).
        self._free = deque(self.lanes)
        self._semaphore = asyncio.Semaphore(len(self.lanes))

    @property
    def max_connections(self) -> int:
        return len(self.lanes)

    async def _admit(self, request: httpx.Request) -> Slot:
        if self._semaphore.locked():
            pool_timeout = request.extensions.get("timeout", {}).get("pool")
            try:
                async with asyncio.timeout(pool_timeout):
                    await self._semaphore.acquire()
            except TimeoutError:
                raise httpx.PoolTimeout(
                    f"no connection free within {pool_timeout} s (max_connections={self.max_connections})"
                ) from None
        else:  # a lane is free and nobody waits: acquire() returns at once, no timer needed
            await self._semaphore.acquire()
        return Slot(self._free.pop(), self._free, self._semaphore)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        slot = await self._admit(request)
        try:
            response = await slot.lane.handle_async_request(request)
            assert isinstance(response.stream, httpx.AsyncByteStream)
        except BaseException:  # an error or a cancellation: nothing holds the lane any more
            slot.release()
            raise
        if isinstance(response.stream, httpx.ByteStream):
            # A body already in memory holds no connection, and httpx never closes its stream.
            slot.release()
        else:
            response.stream = _SlotStream(response.stream, slot)
        return response

    async def aclose(self) -> None:
        failure: BaseException | None = None
        for lane in dict.fromkeys(self.lanes):  # each distinct transport once; one failing does not skip the rest
            try:
                await lane.aclose()
            except BaseException as exc:  # re-raised below, once the others are closed
                failure = failure or exc
        if failure is not None:
            raise failure
