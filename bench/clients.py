"""The clients under test, each reduced to ``call(request_token)`` and ``close()``.

Sync, per call: (a) raw ``httpx.Client.post`` + JSON parse, (b) the generated
``create_an_access_token.sync``, (c) ``TMDBAuth.create_access_token``, (d)
``requests.Session.post`` + JSON parse (how tmdbsimple-style wrappers call), (e) a raw
keep-alive socket doing the same HTTP/1.1 exchange (the floor).

Async, under concurrency: ``AsyncTMDBAuth`` (default, and ``http_backend="aiohttp"``), a
default ``httpx.AsyncClient``, an ``aiohttp.ClientSession`` and raw asyncio streams (the floor).
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import httpx
import requests

from tmdb_auth import AsyncTMDBAuth, TMDBAuth
from tmdb_v4_client import AuthenticatedClient
from tmdb_v4_client.api.auth import create_an_access_token
from tmdb_v4_client.models import CreateAnAccessTokenBody

READ_TOKEN = "bench-read-token"  # noqa: S105 (a test value)
REQUEST_TOKEN = "bench-request-token"  # noqa: S105 (a test value)
PATH = "/4/auth/access_token"
BODY = json.dumps(
    {
        "access_token": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJiZW5jaCIsInNjb3BlcyI6WyJhcGlfcmVhZCJdfQ.c2lnbmF0dXJl",
        "account_id": "676a950bf68dehye3u9120",
        "status_code": 1,
        "status_message": "Success.",
        "success": True,
    }
).encode()
AUTH_HEADER = {"Authorization": f"Bearer {READ_TOKEN}"}

SyncClient = tuple[Callable[[str], Any], Callable[[], None]]
AsyncClient = tuple[Callable[[str], Awaitable[Any]], Callable[[], Awaitable[None]]]


def content_length(head: bytes) -> int:
    """The Content-Length of an HTTP/1.1 message head (0 when absent), for the raw peers and the server."""
    head = head.lower()
    at = head.find(b"content-length:")
    if at < 0:
        return 0
    line_end = head.find(b"\r\n", at)
    return int(head[at + 15 : line_end if line_end > 0 else None])


def _request_bytes(host: str, request_token: str) -> bytes:
    body = json.dumps({"request_token": request_token}).encode()
    head = (
        f"POST {PATH} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {READ_TOKEN}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


# --- sync ---------------------------------------------------------------------------------------


class RawSocket:
    """The sync floor: one keep-alive socket, Content-Length framing, json.loads."""

    def __init__(self, base_url: str) -> None:
        url = httpx.URL(base_url)
        self.address = (url.host, url.port or 80)
        self.host = f"{url.host}:{url.port}"
        self._connect()

    def _connect(self) -> None:
        self.sock = socket.create_connection(self.address, timeout=10)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""

    def _receive(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:  # without this check a closed socket would spin forever
            raise ConnectionError("the server closed the connection")
        self.buffer += chunk

    def exchange(self, request_token: str) -> Any:
        request = _request_bytes(self.host, request_token)
        self.sock.sendall(request)
        try:
            self._receive()
        except ConnectionError:
            # The server dropped the idle keep-alive connection (uvicorn does after 5 s), as
            # httpx and requests also handle: reconnect and send again, once.
            self._connect()
            self.sock.sendall(request)
            self._receive()
        while b"\r\n\r\n" not in self.buffer:
            self._receive()
        end = self.buffer.index(b"\r\n\r\n")
        length = content_length(self.buffer[:end])
        while len(self.buffer) < end + 4 + length:
            self._receive()
        payload = self.buffer[end + 4 : end + 4 + length]
        self.buffer = self.buffer[end + 4 + length :]
        return json.loads(payload)

    def close(self) -> None:
        self.sock.close()


def sync_clients(base_url: str) -> dict[str, SyncClient]:
    """The five sync clients, (a) to (e)."""
    raw = httpx.Client(base_url=base_url, headers=AUTH_HEADER, timeout=10)
    generated = AuthenticatedClient(base_url=base_url, token=READ_TOKEN)
    facade = TMDBAuth(READ_TOKEN, base_url=base_url)
    session = requests.Session()
    session.headers.update(AUTH_HEADER)
    floor = RawSocket(base_url)
    url = base_url + PATH
    return {
        **_layers(raw, generated, facade),
        "(d) requests.Session": (
            lambda t: session.post(url, json={"request_token": t}, timeout=10).json(),
            session.close,
        ),
        "(e) raw socket (floor)": (floor.exchange, floor.close),
    }


def in_memory_clients() -> dict[str, SyncClient]:
    """(a) to (c) over an in-memory transport: what each layer adds, without sockets."""

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=BODY, headers={"Content-Type": "application/json"})

    base_url = "https://api.themoviedb.org"  # never reached: the transport answers
    raw = httpx.Client(base_url=base_url, transport=httpx.MockTransport(handler))
    generated = AuthenticatedClient(
        base_url=base_url, token=READ_TOKEN, httpx_args={"transport": httpx.MockTransport(handler)}
    )
    facade = TMDBAuth(READ_TOKEN, base_url=base_url, transport=httpx.MockTransport(handler))
    return _layers(raw, generated, facade)


def _layers(raw: httpx.Client, generated: AuthenticatedClient, facade: TMDBAuth) -> dict[str, SyncClient]:
    """(a) to (c): the same exchange through raw httpx, the generated client and the facade."""
    return {
        "(a) raw httpx": (lambda t: raw.post(PATH, json={"request_token": t}).json(), raw.close),
        "(b) generated client": (
            lambda t: create_an_access_token.sync(client=generated, body=CreateAnAccessTokenBody(request_token=t)),
            lambda: generated.get_httpx_client().close(),
        ),
        "(c) TMDBAuth facade": (facade.create_access_token, facade.close),
    }


def mint_tokens(base_url: str, count: int) -> list[str]:
    """Approved request tokens from the emulator, over HTTP (outside the timing)."""
    tokens = []
    with httpx.Client(base_url=base_url, headers=AUTH_HEADER, timeout=10) as http:
        for _ in range(count):
            token = http.post("/4/auth/request_token", json={}).json()["request_token"]
            http.get("/auth/access", params={"request_token": token})
            tokens.append(token)
    return tokens


# --- async --------------------------------------------------------------------------------------


def pool_limits(connections: int) -> httpx.Limits:
    return httpx.Limits(max_connections=connections, max_keepalive_connections=connections)


async def facade(base_url: str, limits: httpx.Limits | None = None) -> AsyncClient:
    """AsyncTMDBAuth as a user builds it (DEFAULT_ASYNC_LIMITS); ``limits`` (client_options) for the pool sweep."""
    auth = AsyncTMDBAuth(READ_TOKEN, base_url=base_url, client_options={} if limits is None else {"limits": limits})
    return auth.create_access_token, auth.aclose


async def facade_aiohttp(base_url: str) -> AsyncClient:
    """AsyncTMDBAuth on the aiohttp backend (the ``aiohttp`` extra), default limits."""
    auth = AsyncTMDBAuth(READ_TOKEN, base_url=base_url, http_backend="aiohttp")
    return auth.create_access_token, auth.aclose


async def raw_httpx(base_url: str, limits: httpx.Limits | None = None) -> AsyncClient:
    """A default httpx.AsyncClient (default limits): what an async user of httpx gets.

    With ``limits``: httpx's own pool of that size, without the facade's gate (the pool sweep).
    """
    # httpx.Limits() would be unlimited; httpx's default is 100 connections, 20 kept alive.
    pool = httpx.Limits(max_connections=100, max_keepalive_connections=20) if limits is None else limits
    client = httpx.AsyncClient(base_url=base_url, headers=AUTH_HEADER, timeout=10, limits=pool)

    async def call(request_token: str) -> Any:
        return (await client.post(PATH, json={"request_token": request_token})).json()

    return call, client.aclose


async def raw_aiohttp(base_url: str) -> AsyncClient:
    """An aiohttp.ClientSession (default connector) posting and parsing the same JSON."""
    session = aiohttp.ClientSession(base_url=base_url, headers=AUTH_HEADER)

    async def call(request_token: str) -> Any:
        async with session.post(PATH, json={"request_token": request_token}) as response:
            return json.loads(await response.read())

    return call, session.close


async def raw_streams(base_url: str) -> AsyncClient:
    """The async floor: asyncio streams, a free list of keep-alive connections, Content-Length framing."""
    url = httpx.URL(base_url)
    host, port = url.host, url.port or 80
    idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
    opened: list[asyncio.StreamWriter] = []

    async def call(request_token: str) -> Any:
        if idle:
            reader, writer = idle.pop()
        else:
            reader, writer = await asyncio.open_connection(host, port)
            opened.append(writer)
        writer.write(_request_bytes(f"{host}:{port}", request_token))
        head = await reader.readuntil(b"\r\n\r\n")
        payload = await reader.readexactly(content_length(head))
        idle.append((reader, writer))
        return json.loads(payload)

    async def close() -> None:
        for writer in opened:
            writer.close()

    return call, close


ASYNC_CLIENTS: dict[str, Callable[[str], Awaitable[AsyncClient]]] = {
    "AsyncTMDBAuth": facade,
    "AsyncTMDBAuth aiohttp": facade_aiohttp,
    "httpx.AsyncClient": raw_httpx,
    "aiohttp.ClientSession": raw_aiohttp,
    "asyncio streams (floor)": raw_streams,
}
