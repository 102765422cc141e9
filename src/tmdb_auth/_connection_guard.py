"""Keeps the emulator reachable whatever its clients do to its connections.

uvicorn drops a kept-alive connection 5 s after an answer, but nothing else: a connection that
never sends a complete request (no bytes, or headers trickled a byte at a time) stays open
forever, and enough of them exhaust the process's file descriptors, after which nobody is
served. Two bounds fix that:

- **Idle timeout.** A connection with no request in progress is closed `idle_timeout` seconds
  after it opened or after its last answer, however many bytes of an unfinished request it
  trickles meanwhile (a request whose body stalls is the emulator's own business: it answers
  408, see `emulator.py`).
- **A cap** below the file descriptor limit. When a new connection would exceed it, the
  connection idle the longest is closed to make room (a connection with a request in progress
  is never closed; if every one has, the new connection is), and a warning says so, at most
  once every few seconds.

It works through public surfaces only: uvicorn takes the HTTP protocol as a class
(``uvicorn.Config(http=...)``), so `ConnectionGuard.protocol` wraps uvicorn's own h11 protocol
(the one ``--http h11`` names) in an `asyncio.Protocol` that forwards every event; and the
ASGI app is wrapped to learn when a request starts and ends, matching the connection by the
client address the ASGI scope carries.
"""

from __future__ import annotations

import asyncio
import logging
import resource
import time
from collections import OrderedDict
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

DEFAULT_IDLE_TIMEOUT = 10.0
MAX_CONNECTIONS = 1000
# asyncio accepts up to `backlog` connections at each wake-up, and hands each to the protocol (where
# the cap is applied) two loop iterations later; meanwhile the next batches are accepted. So the
# backlog is kept small (uvicorn's default, 2048, is more than a 1,024-descriptor process has), and
# the descriptors reserved beyond the cap cover a few batches in flight plus what the process itself
# opens (the listening socket, logs, imports, ...).
ACCEPT_BACKLOG = 128
FD_RESERVE = 64 + 4 * ACCEPT_BACKLOG
WARN_EVERY = 10.0

# uvicorn's logger for the server's own messages (its "Exceeded concurrency limit." among them):
# uvicorn's log configuration prints it on stderr, as `tmdb-auth emulator` shows.
logger = logging.getLogger("uvicorn.error")

Peer = tuple[str, int]


def default_max_connections() -> int:
    """MAX_CONNECTIONS, or fewer when the process may open fewer files (RLIMIT_NOFILE less FD_RESERVE)."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return MAX_CONNECTIONS
    return max(1, min(MAX_CONNECTIONS, soft - FD_RESERVE))


def _peer(transport: asyncio.BaseTransport) -> Peer | None:
    """The client's (host, port), as the ASGI scope's ``client`` gives it."""
    info = transport.get_extra_info("peername")
    if isinstance(info, list | tuple) and len(info) >= 2:
        return str(info[0]), int(info[1])
    return None


class _Connection:
    """One open connection: its transport, its requests in progress and its idle timer."""

    def __init__(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.peer = _peer(transport)
        self.requests = 0
        self.timer: asyncio.TimerHandle | None = None

    def stop_timer(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None


class ConnectionGuard:
    """The idle timeout and the connection cap of one server (see the module's docstring)."""

    def __init__(self, *, idle_timeout: float, max_connections: int) -> None:
        self.idle_timeout = idle_timeout
        self.max_connections = max_connections
        self._open: dict[asyncio.BaseTransport, _Connection] = {}
        self._by_peer: dict[Peer, _Connection] = {}
        self._idle: OrderedDict[_Connection, None] = OrderedDict()  # the longest idle first
        self._closed_to_make_room = 0
        self._warned_at = -WARN_EVERY

    @property
    def open_connections(self) -> int:
        return len(self._open)

    # --- what the protocol wrapper reports ----------------------------------------------------------
    def admit(self, transport: asyncio.BaseTransport) -> bool:
        """A new connection: True to serve it (room made if needed), False when it was closed."""
        if len(self._open) >= self.max_connections:
            if not self._idle:
                self._warn("every one has a request in progress: closed the new connection")
                transport.close()
                return False
            oldest = next(iter(self._idle))
            self._forget(oldest)
            oldest.transport.close()
            self._warn("closed the connection idle the longest to accept a new one")
        connection = _Connection(transport)
        self._open[transport] = connection
        if connection.peer is not None:
            self._by_peer[connection.peer] = connection
        self._become_idle(connection)
        return True

    def closed(self, transport: asyncio.BaseTransport) -> None:
        connection = self._open.get(transport)
        if connection is not None:
            self._forget(connection)

    # --- what the ASGI wrapper reports ----------------------------------------------------------------
    def request_started(self, peer: Peer | None) -> _Connection | None:
        connection = self._by_peer.get(peer) if peer is not None else None
        if connection is not None:
            connection.requests += 1
            connection.stop_timer()
            self._idle.pop(connection, None)
        return connection

    def request_ended(self, connection: _Connection | None) -> None:
        if connection is None or connection.transport not in self._open:
            return
        connection.requests -= 1
        if connection.requests == 0:
            self._become_idle(connection)

    # --- the wrappers ------------------------------------------------------------------------------------
    def protocol(self) -> type[asyncio.Protocol]:
        """A protocol class for ``uvicorn.Config(http=...)``: uvicorn's h11 protocol, guarded."""
        guard = self

        class Guarded(_GuardedProtocol):
            def __init__(self, **kwargs: Any) -> None:
                super().__init__(H11Protocol(**kwargs), guard)

        return Guarded

    def wrap(self, app: ASGIApp) -> ASGIApp:
        """`app`, telling the guard when each request starts and ends."""

        async def guarded(scope: Scope, receive: Receive, send: Send) -> None:
            client = scope.get("client") if scope["type"] == "http" else None
            peer = (str(client[0]), int(client[1])) if client else None
            connection = self.request_started(peer)
            try:
                await app(scope, receive, send)
            finally:
                self.request_ended(connection)

        return guarded

    # --- inside ---------------------------------------------------------------------------------------------
    def _become_idle(self, connection: _Connection) -> None:
        connection.stop_timer()
        self._idle[connection] = None
        loop = asyncio.get_running_loop()
        connection.timer = loop.call_later(self.idle_timeout, self._expire, connection)

    def _expire(self, connection: _Connection) -> None:
        connection.timer = None
        if connection.requests == 0 and connection.transport in self._open:
            self._forget(connection)
            connection.transport.close()

    def _forget(self, connection: _Connection) -> None:
        connection.stop_timer()
        self._open.pop(connection.transport, None)
        self._idle.pop(connection, None)
        if connection.peer is not None and self._by_peer.get(connection.peer) is connection:
            del self._by_peer[connection.peer]

    def _warn(self, what: str) -> None:
        self._closed_to_make_room += 1
        now = time.monotonic()
        if now - self._warned_at < WARN_EVERY:
            return
        self._warned_at = now
        logger.warning(
            "tmdb-auth emulator: at its limit of %d open connections (max_connections, or what the "
            "open-file limit leaves): %s (%d so far)",
            self.max_connections,
            what,
            self._closed_to_make_room,
        )


class _GuardedProtocol(asyncio.Protocol):
    """Forwards every event to `inner` (uvicorn's protocol), telling `guard` when a connection opens and closes."""

    def __init__(self, inner: asyncio.Protocol, guard: ConnectionGuard) -> None:
        self.inner = inner
        self.guard = guard
        self.transport: asyncio.BaseTransport | None = None
        self.serving = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.serving = self.guard.admit(transport)
        if self.serving:
            self.inner.connection_made(transport)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.transport is not None:
            self.guard.closed(self.transport)
        if self.serving:
            self.inner.connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self.serving:
            self.inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self.inner.eof_received() if self.serving else None

    def pause_writing(self) -> None:
        if self.serving:
            self.inner.pause_writing()

    def resume_writing(self) -> None:
        if self.serving:
            self.inner.resume_writing()
