"""The I/O side shared by both shells: the one builder of the facade's httpx client, the bounds
on every response (size and total time), and the mapping of httpx exceptions to typed errors.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from typing import Any, Literal, TypeVar

import httpx

from ._core import Operation, may_have_run_hint, not_sent_note, redact
from ._deadline import async_clamp_pool_timeout, clamp_pool_timeout, current_attempt
from ._gate import GatedTransport
from ._settings import USER_AGENT, Settings, shown
from .errors import (
    ConfigurationError,
    NetworkError,
    RequestTimeoutError,
    ResponseFormatError,
    ResponseTooLargeError,
    TMDBError,
)

DEFAULT_ASYNC_LIMITS = httpx.Limits(max_connections=16, max_keepalive_connections=16)
"""Pool limits of AsyncTMDBAuth unless client_options passes ``limits``.

The facade sends through a FIFO gate of ``max_connections`` one-connection lanes (`_gate`),
so httpcore's per-request pool scans (quadratic in its size, encode/httpcore#1035) stay
O(1): CPU per exchange no longer grows with the pool (``make bench``: 530-580 us at
concurrency 32 for 4 to 100 connections, against 940 us to 2.9 ms for httpx's own pool).
What a connection still limits is throughput across a network, at most
``max_connections`` / round trip: 16 covers TMDB's documented ceiling (~50 requests/s) up
to a ~300 ms round trip (160/s at 100 ms, against 80/s with 8); more would only open more
sockets for TMDB to rate-limit.
"""

HttpBackend = Literal["httpx", "aiohttp"]
ClientT = TypeVar("ClientT", httpx.Client, httpx.AsyncClient)

_MANAGED_OPTIONS = {
    "base_url": "pass base_url=",
    "headers": "the facade sends Authorization, User-Agent and Accept itself",
    "timeout": "pass timeout= (and attempt_timeout=)",
    "auth": "the facade authenticates with the read access token",
    "transport": "pass transport=",
}
_MAX_MESSAGE = 200


# --- bounds on every response -------------------------------------------------------------------


class _ResponseTooLarge(httpx.TransportError):
    """The body exceeded max_response_bytes (mapped to ResponseTooLargeError)."""

    def __init__(self, status: int, limit: int) -> None:
        super().__init__(f"response body over {limit} bytes")
        self.status = status
        self.limit = limit


class _AttemptTimeout(httpx.TimeoutException):
    """The attempt outlived attempt_timeout (mapped to RequestTimeoutError)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"attempt took longer than {seconds:g} s")
        self.seconds = seconds


class _Bounds:
    """Counts a response body's bytes (after decoding) and checks the attempt's deadline per chunk;
    records the response's status on the running attempt (`_deadline.Attempt`) once its body is read.

    httpx's read timeout applies to each read, so a server trickling a byte every few seconds
    would never time out; and a small gzip body can inflate to gigabytes. Decoding happens here,
    bounded, instead of in httpx.
    """

    __slots__ = ("_attempt", "_deadline", "_decoder", "_limit", "_received", "_seconds", "_status")

    def __init__(self, response: httpx.Response, settings: Settings) -> None:
        self._limit = settings.max_response_bytes
        self._seconds = settings.attempt_timeout
        self._status = response.status_code
        self._attempt = current_attempt()
        if self._attempt is None:  # a request sent outside the facade's shells
            self._deadline = time.monotonic() + settings.attempt_timeout
        else:
            self._deadline = self._attempt.deadline
        self._received = 0
        encoding = response.headers.get("content-encoding", "identity").strip().lower()
        if encoding in ("", "identity"):
            self._decoder = None
            length = response.headers.get("content-length", "")
            if length.isdigit() and int(length) > self._limit:
                raise _ResponseTooLarge(self._status, self._limit)
        elif encoding in ("gzip", "x-gzip", "deflate"):
            self._decoder = zlib.decompressobj(wbits=47)  # gzip or zlib framing, detected from the header
            del response.headers["content-encoding"]  # decoded here; httpx must not decode again
        else:  # the facade asks for identity; br, zstd, compress... would decode unbounded
            raise httpx.DecodingError(f"unsupported Content-Encoding {encoding[:40]!r} (the client asked for identity)")

    def start(self) -> None:
        """The body starts to be read: every response hook has run, so the response reached the caller's code."""
        if self._attempt is not None:
            self._attempt.status = self._status

    def take(self, chunk: bytes) -> bytes:
        if time.monotonic() > self._deadline:
            raise _AttemptTimeout(self._seconds)
        if self._decoder is not None:
            try:
                chunk = self._decoder.decompress(chunk, self._limit - self._received + 1)
            except zlib.error as exc:
                raise httpx.DecodingError("the compressed body is corrupt") from exc
        return self._count(chunk)

    def finish(self) -> bytes:
        return self._count(self._decoder.flush()) if self._decoder is not None else b""

    def _count(self, chunk: bytes) -> bytes:
        self._received += len(chunk)
        if self._received > self._limit:
            raise _ResponseTooLarge(self._status, self._limit)
        return chunk


class _BoundedStream(httpx.SyncByteStream):
    def __init__(self, inner: httpx.SyncByteStream, bounds: _Bounds) -> None:
        self._inner = inner
        self._bounds = bounds

    def __iter__(self) -> Iterator[bytes]:
        self._bounds.start()
        for chunk in self._inner:
            yield self._bounds.take(chunk)
        yield self._bounds.finish()

    def close(self) -> None:
        self._inner.close()


class _AsyncBoundedStream(httpx.AsyncByteStream):
    def __init__(self, inner: httpx.AsyncByteStream, bounds: _Bounds) -> None:
        self._inner = inner
        self._bounds = bounds

    async def __aiter__(self) -> AsyncIterator[bytes]:
        self._bounds.start()
        async for chunk in self._inner:
            yield self._bounds.take(chunk)
        yield self._bounds.finish()

    async def aclose(self) -> None:
        await self._inner.aclose()


def _response_hooks(settings: Settings, asynchronous: bool) -> list[Any]:
    """The event hook that puts every response (redirects included) behind `_Bounds`."""

    def bound(response: httpx.Response) -> None:
        assert isinstance(response.stream, httpx.SyncByteStream)
        response.stream = _BoundedStream(response.stream, _Bounds(response, settings))

    async def async_bound(response: httpx.Response) -> None:
        assert isinstance(response.stream, httpx.AsyncByteStream)
        response.stream = _AsyncBoundedStream(response.stream, _Bounds(response, settings))

    return [async_bound if asynchronous else bound]


# --- the client ---------------------------------------------------------------------------------


class _BorrowedTransport(httpx.BaseTransport):
    """A caller's transport: the facade uses it and never closes it (its owner does)."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self._inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self._inner.handle_request(request)

    def close(self) -> None:
        pass


class _BorrowedAsyncTransport(httpx.AsyncBaseTransport):
    """A caller's async transport: the facade uses it and never closes it (its owner does)."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self._inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        pass


def _borrow(transport: object, asynchronous: bool, what: str) -> httpx.BaseTransport | httpx.AsyncBaseTransport:
    if asynchronous and isinstance(transport, httpx.AsyncBaseTransport):
        return _BorrowedAsyncTransport(transport)
    if not asynchronous and isinstance(transport, httpx.BaseTransport):
        return _BorrowedTransport(transport)
    wanted = "httpx.AsyncBaseTransport" if asynchronous else "httpx.BaseTransport"
    raise ConfigurationError(f"{what} must be an {wanted} for this client, not {type(transport).__name__}")


def build_httpx_client(
    client_type: type[ClientT],
    settings: Settings,
    *,
    transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None = None,
    client_options: Mapping[str, Any] | None = None,
    http_backend: HttpBackend = "httpx",
) -> ClientT:
    """The httpx client of one facade instance: the only place headers, timeout, limits and bounds are set.

    Transports the caller passes (``transport``, ``client_options["mounts"]``) stay the
    caller's: closing the facade does not close them. Everything else is the facade's.
    """
    asynchronous = client_type is httpx.AsyncClient
    options = dict(_mapping("client_options", client_options))
    for name, why in _MANAGED_OPTIONS.items():
        if name in options:
            raise ConfigurationError(f"client_options must not set {name!r}: it is managed by the client ({why})")
    if asynchronous:
        options.setdefault("limits", DEFAULT_ASYNC_LIMITS)
    if transport is not None:
        options["transport"] = _borrow(transport, asynchronous, "transport")
    elif http_backend == "aiohttp":
        from ._aiohttp import aiohttp_transport

        options["transport"] = aiohttp_transport(verify=options.get("verify", True), limits=options["limits"])
    elif http_backend != "httpx":
        raise ConfigurationError(f"http_backend must be 'httpx' or 'aiohttp', not {shown(http_backend)}")
    if options.get("mounts") is not None:
        options["mounts"] = {
            pattern: None if mounted is None else _borrow(mounted, asynchronous, f"mounts[{pattern!r}]")
            for pattern, mounted in _mapping('client_options["mounts"]', options["mounts"]).items()
        }
    hooks: dict[str, list[Any]] = {}
    for key, value in _mapping('client_options["event_hooks"]', options.pop("event_hooks", None)).items():
        if not isinstance(value, list | tuple) or not all(callable(hook) for hook in value):
            raise ConfigurationError(f'client_options["event_hooks"][{key!r}] must be a list of callables')
        hooks[key] = list(value)
    hooks["request"] = [async_clamp_pool_timeout if asynchronous else clamp_pool_timeout, *hooks.get("request", [])]
    hooks["response"] = _response_hooks(settings, asynchronous) + hooks.get("response", [])
    headers = {
        "Authorization": f"Bearer {settings.read_access_token}",
        "User-Agent": USER_AGENT,
        "Accept": "application/json",
        "Accept-Encoding": "identity",
    }
    try:
        if asynchronous and "transport" not in options:  # one SSL context for httpx's pools and the gate's lanes
            verify, cert = options.get("verify", True), options.pop("cert", None)
            options["verify"] = httpx.create_ssl_context(verify, cert, trust_env=options.get("trust_env", True))
        client = client_type(
            base_url=settings.base_url, headers=headers, timeout=settings.timeout, event_hooks=hooks, **options
        )
    except TypeError as exc:  # an unknown or mistyped option; the message names the argument only
        raise ConfigurationError(f"client_options rejected by httpx.{client_type.__name__}: {exc}") from None
    except ValueError as exc:  # e.g. a malformed proxy URL (which may carry credentials: not quoted)
        raise ConfigurationError(
            f"client_options rejected by httpx.{client_type.__name__} ({type(exc).__name__}); check proxy and mounts"
        ) from None
    _keep_no_response_cookies(client)
    if isinstance(client, httpx.AsyncClient):
        _gate_own_transports(client, options)
    _hold_own_transports_to_deadline(client)
    return client


def _mapping(name: str, value: object) -> Mapping[Any, Any]:
    """`value` if it is a mapping, {} for None; else a ConfigurationError naming `name`."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ConfigurationError(f"{name} must be a mapping (a dict), not {type(value).__name__}")
    return value


class _SendOnlyCookies(httpx.Cookies):
    """The cookies of ``client_options["cookies"]``, sent with every request; ``Set-Cookie`` is ignored."""

    def extract_cookies(self, response: httpx.Response) -> None:
        pass


def _keep_no_response_cookies(client: httpx.Client | httpx.AsyncClient) -> None:
    """Stop the client storing the cookies responses set: TMDB's API authenticates by Bearer, not cookies.

    httpx extracts them from every response through urllib's cookie machinery, rebuilding
    the request (its URL parsed again, every header copied) whether or not a ``Set-Cookie``
    came: ~20 us per exchange, more than the rest of the facade (``make bench``). It also
    keeps a server (or a proxy) from planting state sent back on later calls. httpx has no
    public switch (a jar passed as ``cookies`` is only reached after that work), hence the
    one attribute replaced here; the caller's own jar, if any, is kept as is.
    tests/product/test_transport.py fails if responses' cookies are stored again.
    """
    client._cookies = _SendOnlyCookies(client.cookies.jar)


def _hold_own_transports_to_deadline(client: httpx.Client | httpx.AsyncClient) -> None:
    """Bound every attempt as a whole on the httpx transports the client sends through (not a caller's).

    Called once the client's transports are final (after `_gate_own_transports`), so each
    is walked once, a gate's lanes included. httpx's timeouts are per socket operation;
    `_deadline_backends.hold_to_deadline` makes the pool behind httpx's default transport
    (or each of the gate's one-connection lanes) and behind the proxy transports httpx made
    (``proxy``, the environment) connect, read and write within the time left in the
    attempt. A caller's ``transport`` or ``mounts`` (wrapped as borrowed) and the aiohttp
    transport keep their own behaviour; for them the attempt's deadline is checked per body
    chunk (and aiohttp gets it as its ``total`` timeout). hold_to_deadline returns False
    only if httpx or httpcore renamed the private attributes it sets; the attempt is then
    bounded per body chunk only, and tests/product/test_bounds.py fails.
    """
    from ._deadline_backends import hold_to_deadline  # imports httpcore, as building the transports did

    for transport in (client._transport, *client._mounts.values()):
        lanes = transport.lanes if isinstance(transport, GatedTransport) else (transport,)
        for lane in dict.fromkeys(lanes):  # a shared transport is repeated once per lane
            if isinstance(lane, httpx.HTTPTransport | httpx.AsyncHTTPTransport):
                hold_to_deadline(lane)


def _gate_own_transports(client: httpx.AsyncClient, options: Mapping[str, Any]) -> None:
    """Put one FIFO gate of ``limits.max_connections`` lanes in front of the transports the client built.

    The default transport becomes that many one-connection httpx pools (`_gate`: httpcore's
    per-request pool scans stay O(1) whatever the pool size); the aiohttp transport and the
    proxy transports httpx made from ``proxy`` or the environment are shared by all lanes.
    Left as they are: a caller's ``transport`` or ``mounts`` (their pools and limits are the
    caller's), ``max_connections=None`` (unlimited) and ``http2=True`` (one HTTP/2
    connection carries many requests at once; a lane carries one).

    httpx builds these transports in its constructor and offers no public hook to wrap
    them, hence the two attributes replaced here; tests/product/test_gate.py fails if the
    gate is not in place.
    """
    limits: httpx.Limits = options["limits"]
    connections = limits.max_connections
    if connections is None or options.get("http2"):
        return

    def gated(transport: httpx.AsyncBaseTransport) -> httpx.AsyncBaseTransport:
        if isinstance(transport, _BorrowedAsyncTransport):
            return transport
        return GatedTransport([transport] * connections)

    if isinstance(client._transport, httpx.AsyncHTTPTransport):  # httpx's own pool, not a caller's or aiohttp's
        client._transport = GatedTransport(_one_connection_pools(options, limits))
    else:
        client._transport = gated(client._transport)
    client._mounts = {
        pattern: None if mounted is None else gated(mounted) for pattern, mounted in client._mounts.items()
    }


def _one_connection_pools(options: Mapping[str, Any], limits: httpx.Limits) -> list[httpx.AsyncBaseTransport]:
    """``max_connections`` httpx transports of one connection each, configured as httpx configures its own.

    ``options["verify"]`` is the SSL context `build_httpx_client` made once, shared by all (and
    by httpx's own transports: loading the CA bundle takes ~20 ms, a lane ~0.2 ms). The first
    ``max_keepalive_connections`` lanes keep their connection alive; they are listed last,
    so they are the ones taken first.
    """
    assert limits.max_connections is not None
    keepalive = limits.max_connections if limits.max_keepalive_connections is None else limits.max_keepalive_connections
    keepalive = min(keepalive, limits.max_connections)

    def pool(keep_alive: bool) -> httpx.AsyncBaseTransport:
        return httpx.AsyncHTTPTransport(
            verify=options.get("verify", True),
            trust_env=options.get("trust_env", True),
            http1=options.get("http1", True),
            limits=httpx.Limits(
                max_connections=1, max_keepalive_connections=int(keep_alive), keepalive_expiry=limits.keepalive_expiry
            ),
        )

    return [pool(keep_alive=False) for _ in range(limits.max_connections - keepalive)] + [
        pool(keep_alive=True) for _ in range(keepalive)
    ]


# --- httpx exceptions -> typed errors ---------------------------------------------------------------


def transport_error(exc: httpx.HTTPError, operation: Operation, secrets: Iterable[str] = ()) -> TMDBError:
    """The typed error for an httpx exception raised while `operation` was sending or receiving."""
    kind = type(exc).__name__.lstrip("_")
    detail = redact(str(exc), secrets)[:_MAX_MESSAGE]
    if isinstance(exc, _ResponseTooLarge):
        return ResponseTooLargeError(
            f"TMDB's response (HTTP {exc.status}) is larger than max_response_bytes ({exc.limit} bytes); reading "
            f"stopped there. {may_have_run_hint(operation)}",
            http_status=exc.status,
        )
    if isinstance(exc, _AttemptTimeout):
        return _attempt_timeout_error(exc.seconds, operation, request_sent=True)
    if isinstance(exc, httpx.TimeoutException) and (attempt := current_attempt()) is not None and attempt.expired():
        # The attempt's deadline, not one socket operation's timeout: a connect or pool wait
        # it cut short sent nothing; a read or write it cut short may have.
        sent = not isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout)
        return _attempt_timeout_error(attempt.seconds, operation, request_sent=sent)
    if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
        return RequestTimeoutError(
            f"Timed out before the request was sent ({kind}); {not_sent_note(operation)}. "
            "Check your network, or raise timeout.",
            request_sent=False,
        )
    if isinstance(exc, httpx.TimeoutException):
        return RequestTimeoutError(
            f"Timed out waiting for TMDB ({kind}). {may_have_run_hint(operation)}", request_sent=True
        )
    if isinstance(exc, httpx.ConnectError | httpx.UnsupportedProtocol):
        return NetworkError(
            f"Could not connect to TMDB ({kind}: {detail}); {not_sent_note(operation)}. "
            "Check base_url and your network, then retry.",
            request_sent=False,
        )
    if isinstance(exc, httpx.TransportError):
        return NetworkError(
            f"The connection failed during the request ({kind}: {detail}). {may_have_run_hint(operation)}",
            request_sent=True,
        )
    if isinstance(exc, httpx.DecodingError):
        return ResponseFormatError(
            f"The response body could not be decoded ({kind}: {detail}). {may_have_run_hint(operation)}", http_status=0
        )
    return NetworkError(f"The request failed ({kind}). {may_have_run_hint(operation)}", request_sent=True)


def _attempt_timeout_error(seconds: float, operation: Operation, *, request_sent: bool) -> RequestTimeoutError:
    if request_sent:
        return RequestTimeoutError(
            f"TMDB's response did not arrive within attempt_timeout ({seconds:g} s): the server is answering "
            f"too slowly. {may_have_run_hint(operation)}",
            request_sent=True,
        )
    return RequestTimeoutError(
        f"attempt_timeout ({seconds:g} s) passed before the request was sent; {not_sent_note(operation)}. "
        "Check your network, or raise timeout.",
        request_sent=False,
    )
