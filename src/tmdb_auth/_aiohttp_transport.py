"""An httpx transport over aiohttp that keeps the facade's guarantees (imports aiohttp).

Built on httpx-aiohttp's `AiohttpTransport` (TLS context from ``verify`` as httpx makes it,
the lazily opened session, ``aclose``), with its own ``handle_async_request``, because the
one httpx-aiohttp 0.2.0 ships breaks the facade in four ways:

- it maps every ``aiohttp.ClientConnectionError`` to ``httpx.ConnectTimeout``, including
  ``ServerDisconnectedError`` after the request was written: the facade reads ConnectTimeout
  as "not sent" and would retry an access-token exchange, spending the one-time request
  token twice; it lets ``ClientResponseError`` (an invalid response) escape untyped; and it
  chains aiohttp exceptions whose repr carries the request headers (the Bearer token);
- aiohttp silently sends an idempotent request (``DELETE``: logout) a second time when the
  connection drops, below the facade's retry policy, which does not repeat a logout that
  may have run (a repeat would report a successful logout as an invalid token);
- its connector is not fair at its limit: a task that just released a connection takes
  it again before the waiter woken for it (at concurrency 32 over 8 connections, p99
  latency about 1 s against a p50 of 3 ms; a starved request can hit the pool timeout):
  the connector here is unlimited and the facade puts its FIFO gate (`_gate`) in front,
  as it does for httpx's own pool;
- header names go out lower-cased (harmless to HTTP, but unlike httpx).

Here every failure becomes one httpx exception that says truthfully whether the request may
have been sent, quotes no server-provided text and chains nothing:

- not sent (safe to retry): ``ClientConnectorError`` and its subclasses (refused, DNS,
  TLS, proxy) -> ``httpx.ConnectError``; ``ConnectionTimeoutError``, or any timeout before the
  connector handed the request a connection -> ``httpx.ConnectTimeout``;
- possibly sent: every other timeout -> ``httpx.ReadTimeout``; a dropped connection or an
  invalid response -> ``httpx.RemoteProtocolError``; any other socket error -> ``httpx.ReadError``.

An attempt is bounded as a whole: aiohttp's ``total`` timeout is the time left until the
attempt's deadline (`_deadline`), so connect, send, ``1xx`` interim responses and the whole
body end by it; a timeout past that deadline is reported as the attempt's.

``max_connections`` is enforced by the facade's FIFO gate in front of this transport
(`_gate.GatedTransport`, held until the response is closed); the connector itself is
unlimited so it never queues.
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from contextvars import ContextVar
from typing import Any

import aiohttp
import httpx
from httpx_aiohttp import AiohttpTransport
from yarl import URL

from ._deadline import current_attempt

# What aiohttp may raise for a request or a body read; anything else (cancellation, bugs) passes unchanged.
_FAILURES = (aiohttp.ClientError, TimeoutError)
_CHUNK = 65536
# aiohttp rounds timeouts of 5 s or more up to the next whole second of the loop's clock; the
# attempt's deadline must not fire up to a second late.
_NO_ROUNDING = float("inf")


def map_failure(exc: BaseException, *, connected: bool = True) -> httpx.TransportError:
    """The httpx exception for an aiohttp failure, by whether the request may have been sent.

    ``connected``: whether the connector had handed the request a connection (only then may
    any of it have been written).
    """
    kind = type(exc).__name__
    if isinstance(exc, aiohttp.ConnectionTimeoutError) or (isinstance(exc, TimeoutError) and not connected):
        return httpx.ConnectTimeout(f"timed out connecting ({kind})")
    if isinstance(exc, aiohttp.ClientConnectorError):
        # OS-level text: host, port, errno, certificate error; nothing the server sent.
        return httpx.ConnectError(f"{kind}: {exc}")
    if isinstance(exc, TimeoutError):
        return httpx.ReadTimeout(f"timed out waiting for the response ({kind})")
    if isinstance(exc, aiohttp.ServerDisconnectedError | aiohttp.ClientPayloadError):
        return httpx.RemoteProtocolError(f"the server closed the connection before a complete response ({kind})")
    if isinstance(exc, aiohttp.ClientResponseError):
        return httpx.RemoteProtocolError(f"the server's response is not valid HTTP/1.1 ({kind})")
    if isinstance(exc, aiohttp.InvalidURL | aiohttp.NonHttpUrlClientError):
        return httpx.UnsupportedProtocol(f"the URL cannot be requested with aiohttp ({kind})")
    if isinstance(exc, OSError) and exc.strerror:
        return httpx.ReadError(f"{kind}: [Errno {exc.errno}] {exc.strerror}")
    return httpx.ReadError(f"the connection failed during the exchange ({kind})")


# Whether the request running in this task has a connection yet (set by `_Connector`).
_connected: ContextVar[bool] = ContextVar("tmdb_auth_aiohttp_connected", default=True)


class _Connector(aiohttp.TCPConnector):
    """aiohttp's connector, noting when a request gets its connection.

    aiohttp's ``total`` timeout (the attempt's deadline) raises the same ``TimeoutError``
    whether it fires while connecting or after the request was written; only the former
    proves nothing was sent (and lets an exchange be retried).
    """

    async def connect(
        self, req: aiohttp.ClientRequest, traces: list[Any], timeout: aiohttp.ClientTimeout
    ) -> aiohttp.connector.Connection:
        connection = await super().connect(req, traces, timeout)
        _connected.set(True)
        return connection


class _ResponseStream(httpx.AsyncByteStream):
    """The aiohttp response body for httpx, failures mapped; closing it releases the connection."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self._response = response

    async def __aiter__(self) -> AsyncIterator[bytes]:
        failure: httpx.TransportError | None = None
        try:
            async for chunk in self._response.content.iter_chunked(_CHUNK):
                yield chunk
        except _FAILURES as exc:
            failure = map_failure(exc)
        if failure is not None:
            raise failure  # raised outside the except block: no chained aiohttp exception

    async def aclose(self) -> None:
        failure: httpx.TransportError | None = None
        try:
            self._response.release()
            await self._response.wait_for_close()
        except _FAILURES as exc:
            failure = map_failure(exc)
        if failure is not None:
            raise failure


class SafeAiohttpTransport(AiohttpTransport):
    """httpx-aiohttp's transport with the request path described above."""

    def __init__(self, *, verify: ssl.SSLContext | str | bool, limits: httpx.Limits) -> None:
        if isinstance(verify, str):  # a CA bundle path, as httpx accepts it (without its deprecation warning)
            verify = ssl.create_default_context(cafile=verify)
        super().__init__(verify=verify, limits=limits)

    def get_client(self) -> aiohttp.ClientSession:
        # limit=0: the connector never queues; the facade's FIFO gate is the limit.
        connector = _Connector(limit=0, keepalive_timeout=self.limits.keepalive_expiry, ssl=self.ssl_context)
        session = aiohttp.ClientSession(connector=connector)
        # No hidden resend of idempotent requests on a dropped connection (aiohttp has no public
        # switch; tests/product/test_aiohttp_backend.py catches it if this attribute goes away).
        session._retry_connection = False
        return session

    async def _send(self, request: httpx.Request) -> aiohttp.ClientResponse:
        if not isinstance(self.client, aiohttp.ClientSession):
            self.client = self.get_client()
        timeout = request.extensions.get("timeout", {})
        attempt = current_attempt()
        left = None if attempt is None else attempt.seconds_left()
        if left is not None and left <= 0:  # aiohttp reads total=0 as "no limit"
            raise httpx.ConnectTimeout("attempt_timeout has passed")
        headers = [(name.decode("latin-1"), value.decode("latin-1")) for name, value in request.headers.raw]
        data: bytes | httpx.AsyncByteStream | None
        try:
            data = request.content or None
        except httpx.RequestNotRead:  # a streamed body: aiohttp frames it itself
            data = request.stream  # type: ignore[assignment]
            headers = [(name, value) for name, value in headers if name.lower() != "transfer-encoding"]
        return await self.client.request(
            request.method,
            URL(str(request.url), encoded=True),
            headers=headers,
            data=data,
            allow_redirects=False,  # httpx follows redirects itself, when asked to
            auto_decompress=False,  # httpx (and the facade's bounds) decode
            timeout=aiohttp.ClientTimeout(
                total=left,  # the rest of the attempt: connect, send, every interim response, the whole body
                sock_connect=timeout.get("connect"),
                sock_read=timeout.get("read"),
                connect=timeout.get("pool"),
                ceil_threshold=_NO_ROUNDING,
            ),
            server_hostname=request.extensions.get("sni_hostname"),
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        failure: httpx.TransportError | None = None
        _connected.set(False)  # this task's value: the connector sets it once it hands over a connection
        try:
            response = await self._send(request)
        except _FAILURES as exc:
            failure = map_failure(exc, connected=_connected.get())
        if failure is not None:
            raise failure  # raised outside the except block: no chained aiohttp exception
        extensions = {"http_version": b"HTTP/1.1"}
        if response.reason:
            extensions["reason_phrase"] = response.reason.encode("latin-1", "replace")
        return httpx.Response(
            status_code=response.status,
            headers=response.raw_headers,
            stream=_ResponseStream(response),
            request=request,
            extensions=extensions,
        )
