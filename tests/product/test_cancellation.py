"""A caller may give up on any call at any await point, any number of times; the client keeps working.

Web apps cancel calls all the time (``asyncio.wait_for``, a request handler's task cancelled
when its client goes away). A cancelled request can leave httpcore's async pool holding a
connection it will never use nor reap (encode/httpcore#1093); with 2 connections a default
``httpx.AsyncClient`` then answers every later call with ``PoolTimeout``. Here hundreds of
calls are given up at random points, then the next sequential calls and 64 concurrent ones
must all succeed, promptly, with the default pool and with a pool of 2 connections.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.helpers.tokens import READ_TOKEN, request_token_success
from tmdb_auth import AsyncTMDBAuth

GIVEN_UP = 300
PROMPT = 3.0
"""Seconds a call after the storm may take at most (it takes milliseconds): a safety net, not a timing test."""


@contextlib.contextmanager
def quick_server() -> Iterator[str]:
    """A keep-alive HTTP/1.1 server on 127.0.0.1 answering every request after 0-10 ms, in its own thread and loop."""
    import json

    body = json.dumps(request_token_success()).encode()
    answer = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
    delays = random.Random(7)
    started = threading.Event()
    box: dict[str, object] = {}

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(Exception):
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    (
                        int(line.split(b":")[1])
                        for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length:")
                    ),
                    0,
                )
                await reader.readexactly(length)
                await asyncio.sleep(delays.choice((0, 0, 0.001, 0.003, 0.01)))
                writer.write(answer)
                await writer.drain()
        writer.close()

    async def serve() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=512)
        box["port"], box["loop"], box["stop"] = (
            server.sockets[0].getsockname()[1],
            asyncio.get_running_loop(),
            asyncio.Event(),
        )
        started.set()
        async with server:
            await box["stop"].wait()  # type: ignore[attr-defined]

    thread = threading.Thread(target=asyncio.run, args=(serve(),), daemon=True)
    thread.start()
    assert started.wait(10)
    try:
        yield f"http://127.0.0.1:{box['port']}"
    finally:
        box["loop"].call_soon_threadsafe(box["stop"].set)  # type: ignore[attr-defined]
        thread.join(10)


async def give_up_on_calls(auth: AsyncTMDBAuth, count: int, rng: random.Random) -> int:
    """Start `count` calls and abandon most of them at random points; return how many were cut short."""
    cut = 0
    for index in range(0, count, 10):
        if index % 20 == 0:  # a batch of tasks, cancelled together
            tasks = [asyncio.ensure_future(auth.create_request_token()) for _ in range(10)]
            await asyncio.sleep(rng.uniform(0, 0.005))
            for task in tasks:
                task.cancel()
            results = await asyncio.gather(*tasks, return_exceptions=True)
            cut += sum(isinstance(result, asyncio.CancelledError) for result in results)
        else:  # one call at a time, each given a tiny timeout
            for _ in range(10):
                try:
                    await asyncio.wait_for(auth.create_request_token(), rng.uniform(0, 0.004))
                except TimeoutError:
                    cut += 1
    return cut


@pytest.mark.parametrize("connections", [None, 2], ids=["default-pool", "2-connections"])
async def test_the_client_keeps_working_after_hundreds_of_cancelled_calls(connections: int | None) -> None:
    options = {} if connections is None else {"client_options": {"limits": httpx.Limits(max_connections=connections)}}
    with quick_server() as url:
        async with AsyncTMDBAuth(READ_TOKEN, base_url=url, timeout=5, max_retries=0, **options) as auth:  # type: ignore[arg-type]
            cut = await give_up_on_calls(auth, GIVEN_UP, random.Random(16))
            assert cut > GIVEN_UP // 3, f"only {cut} calls were cut short: the storm did not cancel enough"

            for _ in range(5):
                started = time.monotonic()
                await asyncio.wait_for(auth.create_request_token(), PROMPT)
                assert time.monotonic() - started < PROMPT
            started = time.monotonic()
            results = await asyncio.wait_for(
                asyncio.gather(*(auth.create_request_token() for _ in range(64)), return_exceptions=True), PROMPT * 3
            )
            failures = [type(result).__name__ for result in results if isinstance(result, BaseException)]
            assert not failures, f"{len(failures)} of 64 concurrent calls failed after the storm: {set(failures)}"
