"""The facade's httpx transports, the one builder of its httpx client, and httpx errors -> typed errors.

A `Transport` / `AsyncTransport` (httpx's documented extension point, "Custom transports")
sends through its own httpcore pools (`_network`) or through a caller's transport, and holds
every exchange to the facade's bounds:

- **one deadline per attempt**: ``attempt_timeout`` from the moment the request reaches the
  transport, through every redirect hop, the pool wait, connect, send, every ``1xx``, the
  headers and the whole body. Sync: the pools connect, read and write through
  `_network.DeadlineBackend`; async: ``asyncio.timeout`` around the exchange. The error says
  whether the request may have been sent (a connect or pool wait cut short: not sent);
- **the body is read here**, under ``max_response_bytes`` after decoding (gzip and deflate are
  decoded as a stream; other encodings, which the facade does not ask for, are refused), and
  the response is always closed before the transport returns, cancelled or not;
- **nothing the facade does not use reaches httpx**: ``Set-Cookie`` (TMDB's API authenticates
  by Bearer; a proxy cannot plant cookies), and the server's reason phrase (httpx logs it).

A cancelled call (``asyncio.wait_for``, a cancelled task) can leave httpcore's async pool with
a connection it can never reuse nor reap (encode/httpcore#1093: with 2 connections, a default
``httpx.AsyncClient`` stops working after a few hundred such calls). When a cancellation
interrupts a request inside the pool, the pool is retired: later requests go to a new one, and
the old one is closed once its last response is.
"""

from __future__ import annotations

import asyncio
import logging
import time
import zlib
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable, Iterator, Mapping
from typing import Any, TypeVar

import httpcore
import httpx

from . import _network
from ._core import Operation, may_have_run_hint, not_sent_note, redact
from ._settings import (
    ATTEMPT_TIMEOUT,
    BASE_URL,
    DEFAULT_BASE_URL,
    MAX_RESPONSE_BYTES,
    TIMEOUT,
    USER_AGENT,
    Settings,
    host_and_port,
    shown,
)
from ._wording import phrase
from .errors import (
    ConfigurationError,
    NetworkError,
    RequestTimeoutError,
    ResponseFormatError,
    ResponseTooLargeError,
    TMDBError,
)

ClientT = TypeVar("ClientT", httpx.Client, httpx.AsyncClient)

NETWORK_OPTIONS = ("verify", "cert", "trust_env", "proxy", "limits")
"""client_options the facade's own transport takes (the rest go to httpx.Client / AsyncClient)."""
_MANAGED_OPTIONS = {
    "base_url": "pass base_url=",
    "headers": "the facade sends Authorization, User-Agent and Accept itself",
    "timeout": "pass timeout= (and attempt_timeout=)",
    "auth": "the facade authenticates with the read access token",
    "transport": "pass transport=",
    "http2": "the facade's transport speaks HTTP/1.1; pass your own transport= for HTTP/2",
    "proxies": "pass client_options={'proxy': ...}",
}
DEFAULT_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)
"""httpx's default pool limits, also the facade's (client_options["limits"] overrides them)."""
_DEADLINE = "tmdb_auth.deadline"
"""Request extension holding the attempt's deadline, so redirect hops (httpx carries a request's
extensions over to the redirect it builds) share the first hop's."""
_SLACK = 0.001  # a timeout this close to the deadline is the deadline's (timer granularity)
_DROPPED = frozenset({b"set-cookie", b"set-cookie2"})
_MAX_MESSAGE = 200
_HTTPCORE_TO_HTTPX: dict[type[Exception], type[httpx.TransportError]] = {
    httpcore.ConnectTimeout: httpx.ConnectTimeout,
    httpcore.ReadTimeout: httpx.ReadTimeout,
    httpcore.WriteTimeout: httpx.WriteTimeout,
    httpcore.PoolTimeout: httpx.PoolTimeout,
    httpcore.ConnectError: httpx.ConnectError,
    httpcore.ReadError: httpx.ReadError,
    httpcore.WriteError: httpx.WriteError,
    httpcore.RemoteProtocolError: httpx.RemoteProtocolError,
    httpcore.LocalProtocolError: httpx.LocalProtocolError,
    httpcore.ProxyError: httpx.ProxyError,
    httpcore.UnsupportedProtocol: httpx.UnsupportedProtocol,
}
_HTTPCORE_ERRORS = tuple(_HTTPCORE_TO_HTTPX)


class _ResponseTooLarge(httpx.TransportError):
    """The body exceeded max_response_bytes (mapped to ResponseTooLargeError)."""

    def __init__(self, status: int, limit: int) -> None:
        super().__init__(f"response body over {limit} bytes")
        self.status = status
        self.limit = limit


class _AttemptTimeout(httpx.TimeoutException):
    """The attempt outlived attempt_timeout (mapped to RequestTimeoutError); `sent`: the request may have gone."""

    def __init__(self, message: str, *, seconds: float = 0.0, sent: bool = True) -> None:
        super().__init__(message)  # a message alone rebuilds it (the facade's errors chain a redacted copy)
        self.seconds = seconds
        self.sent = sent


# --- one response, bounded -----------------------------------------------------------------------


class _Body:
    """A response body read under the size cap, decoded from gzip or deflate on the way."""

    __slots__ = ("_decoder", "_limit", "_parts", "_received", "headers", "status")

    def __init__(self, status: int, headers: Iterable[tuple[bytes, bytes]], limit: int) -> None:
        self.status = status
        self._limit = limit
        self._received = 0
        self._parts: list[bytes] = []
        encoding, length = b"identity", b""
        kept = []
        for name, value in headers:
            lowered = name.lower()
            if lowered == b"content-encoding":
                encoding = value.strip().lower()
            elif lowered == b"content-length":
                length = value.strip()
            if lowered not in _DROPPED:
                kept.append((name, value))
        self.headers = kept
        self._decoder = None
        if encoding in (b"", b"identity"):
            if length.isdigit() and int(length) > limit:
                raise _ResponseTooLarge(status, limit)
        elif encoding in (b"gzip", b"x-gzip", b"deflate"):
            self._decoder = zlib.decompressobj(wbits=47)  # gzip or zlib framing, detected from the header
            self.headers = [
                (name, value) for name, value in kept if name.lower() not in (b"content-encoding", b"content-length")
            ]
        else:
            shown = encoding[:40].decode("ascii", "replace")
            raise httpx.DecodingError(f"unsupported Content-Encoding {shown!r} (the client asked for identity)")

    def add(self, chunk: bytes) -> None:
        if self._decoder is not None:
            try:
                chunk = self._decoder.decompress(chunk, self._limit - self._received + 1)
            except zlib.error as exc:
                raise httpx.DecodingError("the compressed body is corrupt") from exc
        self._count(chunk)

    def response(self, http_version: object) -> httpx.Response:
        """The response httpx gets: the body in memory, no Set-Cookie, the standard reason phrase."""
        if self._decoder is not None:
            self._count(self._decoder.flush())
        extensions = {"http_version": http_version} if isinstance(http_version, bytes) else {}
        return httpx.Response(self.status, headers=self.headers, content=b"".join(self._parts), extensions=extensions)

    def _count(self, chunk: bytes) -> None:
        self._received += len(chunk)
        if self._received > self._limit:
            raise _ResponseTooLarge(self.status, self._limit)
        self._parts.append(chunk)


class _RequestBody:
    """The request's body as httpcore sends it; `started` once httpcore began to, after the headers."""

    __slots__ = ("_stream", "started")

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self.started = False

    def __iter__(self) -> Iterator[bytes]:
        self.started = True
        yield from self._stream

    async def __aiter__(self) -> AsyncIterator[bytes]:
        self.started = True
        async for chunk in self._stream:
            yield chunk


def _deadline(request: httpx.Request, seconds: float) -> float:
    until: float | None = request.extensions.get(_DEADLINE)
    if until is None:
        until = request.extensions[_DEADLINE] = time.monotonic() + seconds
    return until


def _core_request(request: httpx.Request, body: _RequestBody, pool_wait: float | None = None) -> httpcore.Request:
    timeouts = dict(request.extensions.get("timeout") or {})
    if pool_wait is not None and (timeouts.get("pool") is None or pool_wait < timeouts["pool"]):
        timeouts["pool"] = max(pool_wait, 0.0)
    url = request.url
    return httpcore.Request(
        method=request.method,
        url=httpcore.URL(scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path),
        headers=request.headers.raw,
        content=body,
        extensions={"timeout": timeouts},
    )


def _attempt_timeout(seconds: float, *, sent: bool) -> _AttemptTimeout:
    return _AttemptTimeout(f"attempt took longer than {seconds:g} s", seconds=seconds, sent=sent)


def _raw(response: httpx.Response, asynchronous: bool) -> tuple[list[tuple[bytes, bytes]], Any]:
    """A caller's response as raw headers and body chunks."""
    if response.is_stream_consumed:  # built in memory (httpx.Response(json=...)): httpx already decoded it
        headers = [(name, value) for name, value in response.headers.raw if name.lower() != b"content-encoding"]
        return headers, _InMemory(response.content)
    return response.headers.raw, response.aiter_raw() if asynchronous else response.iter_raw()


class _InMemory:
    def __init__(self, content: bytes) -> None:
        self._content = content

    def __iter__(self) -> Iterator[bytes]:
        yield self._content

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self._content


def _mapped(exc: Exception) -> httpx.TransportError:
    return _HTTPCORE_TO_HTTPX.get(type(exc), httpx.TransportError)(str(exc))


class _Bounded:
    """What both transports share: the bounds; their own pools' TLS, proxies and limits, or a caller's transport."""

    def __init__(self, settings: Settings, inner: object, network: Mapping[str, Any]) -> None:
        self._seconds = settings.attempt_timeout
        self._limit = settings.max_response_bytes
        self._inner = inner
        if inner is None:
            limits = network.get("limits", DEFAULT_LIMITS)
            if not isinstance(limits, httpx.Limits):
                raise ConfigurationError(f'client_options["limits"] must be an httpx.Limits, not {shown(limits)}')
            self._limits = limits
            trust_env = bool(network.get("trust_env", True))
            self._context = _network.ssl_context(network.get("verify", True), network.get("cert"), trust_env=trust_env)
            self._proxies = _network.Proxies(network.get("proxy"), trust_env=trust_env)
        _install_log_filter()


class Transport(_Bounded, httpx.BaseTransport):
    """The sync client's transport: its own pools (`inner` None) or a caller's transport, never closed here."""

    _inner: httpx.BaseTransport | None

    def __init__(self, settings: Settings, inner: httpx.BaseTransport | None = None, **network: Any) -> None:
        super().__init__(settings, inner, network)
        self._pools: dict[httpx.URL | None, httpcore.ConnectionPool] = {}

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        until = _deadline(request, self._seconds)
        token = _network.deadline.set(until)
        try:
            if self._inner is not None:  # its own timeouts; the deadline is checked per body chunk
                response = self._inner.handle_request(request)
                headers, chunks = _raw(response, asynchronous=False)
                view = (response.status_code, headers, chunks, response.close)
                return self._read(*view, response.extensions.get("http_version"), until)
            pool = self._pool(self._proxies.for_url(request.url))
            core = pool.handle_request(_core_request(request, _RequestBody(request.stream), until - time.monotonic()))
            view = (core.status, core.headers, core.iter_stream(), core.close)
            return self._read(*view, core.extensions.get("http_version"), until)
        except _HTTPCORE_ERRORS as exc:
            if isinstance(exc, httpcore.TimeoutException) and time.monotonic() >= until - _SLACK:
                sent = not isinstance(exc, httpcore.ConnectTimeout | httpcore.PoolTimeout)
                raise _attempt_timeout(self._seconds, sent=sent) from exc
            raise _mapped(exc) from exc
        finally:
            _network.deadline.reset(token)

    def _read(
        self,
        status: int,
        headers: Iterable[tuple[bytes, bytes]],
        chunks: Iterable[bytes],
        close: Callable[[], None],
        http_version: object,
        until: float,
    ) -> httpx.Response:
        """Read a whole response body under the cap and the deadline, then close the response."""
        try:
            body = _Body(status, headers, self._limit)
            for chunk in chunks:
                if time.monotonic() > until:
                    raise _attempt_timeout(self._seconds, sent=True)
                body.add(chunk)
        finally:
            close()
        return body.response(http_version)

    def _pool(self, proxy: httpx.URL | None) -> httpcore.ConnectionPool:
        pool = self._pools.get(proxy)
        if pool is None:
            made = _network.open_pool(proxy, self._context, self._limits, asynchronous=False)
            assert isinstance(made, httpcore.ConnectionPool)
            pool = self._pools.setdefault(proxy, made)
        return pool

    def close(self) -> None:
        if self._inner is None:
            token = _network.deadline.set(time.monotonic() + self._seconds)  # closing is bounded and logged as sends
            try:
                for pool in self._pools.values():
                    pool.close()
            finally:
                _network.deadline.reset(token)
            self._pools.clear()


class _Generation:
    """One async pool and the requests using it; retired (closed once unused) after a cancellation inside it."""

    __slots__ = ("pool", "retired", "users")

    def __init__(self, pool: httpcore.AsyncConnectionPool) -> None:
        self.pool = pool
        self.users = 0
        self.retired = False


class AsyncTransport(_Bounded, httpx.AsyncBaseTransport):
    """The async client's transport: its own pools (`inner` None) or a caller's transport, never closed here."""

    _inner: httpx.AsyncBaseTransport | None

    def __init__(self, settings: Settings, inner: httpx.AsyncBaseTransport | None = None, **network: Any) -> None:
        super().__init__(settings, inner, network)
        self._pools: dict[httpx.URL | None, _Generation] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        until = _deadline(request, self._seconds)
        body = _RequestBody(request.stream)
        token = _network.deadline.set(until)
        try:
            async with asyncio.timeout(until - time.monotonic()):
                if self._inner is None:
                    return await self._send(request, body)
                body.started = True  # a caller's transport does not say how far it got: it may have sent
                response = await self._inner.handle_async_request(request)
                headers, chunks = _raw(response, asynchronous=True)
                return await _aread(
                    response.status_code,
                    headers,
                    chunks,
                    response.aclose,
                    response.extensions.get("http_version"),
                    self._limit,
                )
        except TimeoutError:  # asyncio.timeout's: the deadline passed (not before the body, if any, started)
            raise _attempt_timeout(self._seconds, sent=body.started) from None
        finally:
            _network.deadline.reset(token)

    async def _send(self, request: httpx.Request, body: _RequestBody) -> httpx.Response:
        proxy = self._proxies.for_url(request.url)
        generation = self._pools.get(proxy)
        if generation is None:
            generation = self._pools[proxy] = self._new_generation(proxy)
        generation.users += 1
        try:
            try:
                core = await generation.pool.handle_async_request(_core_request(request, body))
            except asyncio.CancelledError:
                # httpcore may have left the connection it gave this request neither usable nor
                # reapable (encode/httpcore#1093): later requests go to a new pool.
                if self._pools.get(proxy) is generation:
                    self._pools[proxy] = self._new_generation(proxy)
                generation.retired = True
                raise
            return await _aread(
                core.status,
                core.headers,
                core.aiter_stream(),
                core.aclose,
                core.extensions.get("http_version"),
                self._limit,
            )
        except _HTTPCORE_ERRORS as exc:
            raise _mapped(exc) from exc
        finally:
            generation.users -= 1
            if generation.retired and generation.users == 0:
                await generation.pool.aclose()

    def _new_generation(self, proxy: httpx.URL | None) -> _Generation:
        pool = _network.open_pool(proxy, self._context, self._limits, asynchronous=True)
        assert isinstance(pool, httpcore.AsyncConnectionPool)
        return _Generation(pool)

    async def aclose(self) -> None:
        if self._inner is None:
            token = _network.deadline.set(time.monotonic() + self._seconds)  # httpcore's records stay unlogged
            try:
                for generation in self._pools.values():
                    await generation.pool.aclose()
            finally:
                _network.deadline.reset(token)
            self._pools.clear()


async def _aread(
    status: int,
    headers: Iterable[tuple[bytes, bytes]],
    chunks: AsyncIterable[bytes],
    close: Callable[[], Awaitable[None]],
    http_version: object,
    limit: int,
) -> httpx.Response:
    """Read a whole response body under the cap, then close the response, whatever happens meanwhile."""
    try:
        body = _Body(status, headers, limit)
        async for chunk in chunks:
            body.add(chunk)
    finally:
        await close()
    return body.response(http_version)


# --- the client ----------------------------------------------------------------------------------


def build_httpx_client(
    client_type: type[ClientT],
    settings: Settings,
    *,
    transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None = None,
    client_options: Mapping[str, Any] | None = None,
) -> ClientT:
    """The httpx client of one facade instance: the only place its headers, timeout and transport are set.

    Transports the caller passes (``transport``, ``client_options["mounts"]``) are wrapped, so
    their responses are bounded too, and stay the caller's: closing the facade does not close them.
    """
    asynchronous = client_type is httpx.AsyncClient
    options = dict(_mapping("client_options", client_options))
    for name, why in _MANAGED_OPTIONS.items():
        if name in options:
            raise ConfigurationError(f"client_options must not set {name!r}: it is managed by the client ({why})")
    network = {name: options.pop(name) for name in NETWORK_OPTIONS if name in options}
    if transport is not None and network:
        raise ConfigurationError(
            f"client_options {sorted(network)} configure the facade's own transport: with transport=, configure yours"
        )
    wrap: Any = AsyncTransport if asynchronous else Transport
    own = wrap(settings, _callers(transport, asynchronous, "transport"), **network)
    if options.get("mounts") is not None:
        options["mounts"] = {
            pattern: None
            if mounted is None
            else wrap(settings, _callers(mounted, asynchronous, f"mounts[{pattern!r}]"))
            for pattern, mounted in _mapping('client_options["mounts"]', options["mounts"]).items()
        }
    for key, value in _mapping('client_options["event_hooks"]', options.get("event_hooks")).items():
        if not isinstance(value, list | tuple) or not all(callable(hook) for hook in value):
            raise ConfigurationError(f'client_options["event_hooks"][{key!r}] must be a list of callables')
    headers = {
        "Authorization": f"Bearer {settings.read_access_token}",
        "User-Agent": USER_AGENT,
        "Accept": "application/json",
        "Accept-Encoding": "identity",
    }
    try:
        return client_type(
            base_url=settings.base_url, headers=headers, timeout=settings.timeout, transport=own, **options
        )
    except TypeError as exc:  # an unknown or mistyped option; the message names the argument only
        raise ConfigurationError(f"client_options rejected by httpx.{client_type.__name__}: {exc}") from None
    except ValueError as exc:  # e.g. a malformed mount pattern
        raise ConfigurationError(
            f"client_options rejected by httpx.{client_type.__name__} ({type(exc).__name__}); check mounts"
        ) from None


def _callers(transport: object, asynchronous: bool, what: str) -> object:
    """A caller's transport, checked against the client's kind (None: the facade's own pools)."""
    wanted = httpx.AsyncBaseTransport if asynchronous else httpx.BaseTransport
    if transport is None or isinstance(transport, wanted):
        return transport
    raise ConfigurationError(
        f"{what} must be an {wanted.__module__}.{wanted.__name__} for this client, not {type(transport).__name__}"
    )


def _mapping(name: str, value: object) -> Mapping[Any, Any]:
    """`value` if it is a mapping, {} for None; else a ConfigurationError naming `name`."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ConfigurationError(f"{name} must be a mapping (a dict), not {type(value).__name__}")
    return value


# --- logs ----------------------------------------------------------------------------------------


def _outside_the_facade(record: logging.LogRecord) -> bool:
    """httpcore's DEBUG records quote what the server sent (h11 quotes a malformed status line whole,
    response headers are listed): none is emitted for the facade's own exchanges, nor for closing its pools."""
    return _network.deadline.get() is None


def _install_log_filter() -> None:
    for name in ("httpcore.connection", "httpcore.http11", "httpcore.http2", "httpcore.proxy", "httpcore.socks"):
        logger = logging.getLogger(name)
        if _outside_the_facade not in logger.filters:
            logger.addFilter(_outside_the_facade)


# --- httpx exceptions -> typed errors ---------------------------------------------------------------


def _where(exc: httpx.HTTPError, fallback_url: str) -> str:
    """``host:port`` the failed request went to (its own URL: a redirect may have gone elsewhere), never its
    user info, path or query."""
    try:
        url = str(exc.request.url)
    except RuntimeError:  # httpx had not attached the request (the `request` property says so this way)
        url = fallback_url
    return host_and_port(url)


def transport_error(
    exc: httpx.HTTPError, operation: Operation, secrets: Iterable[str] = (), *, fallback_url: str = DEFAULT_BASE_URL
) -> TMDBError:
    """The typed error for an httpx exception raised while `operation` was sending or receiving; its
    message names the host and port of the request (`fallback_url`'s when httpx did not attach it)."""
    kind = type(exc).__name__.lstrip("_")
    detail = redact(str(exc), secrets)[:_MAX_MESSAGE]
    where = _where(exc, fallback_url)
    if isinstance(exc, _ResponseTooLarge):
        return ResponseTooLargeError(
            phrase(
                f"The response of {where} (HTTP {exc.status}) is larger than ",
                MAX_RESPONSE_BYTES,
                f" ({exc.limit} bytes); reading stopped there. ",
                may_have_run_hint(operation),
            ),
            http_status=exc.status,
        )
    if isinstance(exc, _AttemptTimeout):
        if exc.sent:
            return RequestTimeoutError(
                phrase(
                    f"The response of {where} did not arrive within ",
                    ATTEMPT_TIMEOUT,
                    f" ({exc.seconds:g} s): the server is answering too slowly. ",
                    may_have_run_hint(operation),
                ),
                request_sent=True,
            )
        return RequestTimeoutError(
            phrase(
                ATTEMPT_TIMEOUT,
                f" ({exc.seconds:g} s) passed before the request was sent to {where}; {not_sent_note(operation)}. "
                "Check your network, or raise ",
                TIMEOUT,
                ".",
            ),
            request_sent=False,
        )
    if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
        return RequestTimeoutError(
            phrase(
                f"Timed out before the request was sent to {where} ({kind}); {not_sent_note(operation)}. "
                "Check your network, or raise ",
                TIMEOUT,
                ".",
            ),
            request_sent=False,
        )
    if isinstance(exc, httpx.TimeoutException):
        return RequestTimeoutError(
            phrase(f"Timed out waiting for {where} ({kind}). ", may_have_run_hint(operation)), request_sent=True
        )
    if isinstance(exc, httpx.ConnectError | httpx.UnsupportedProtocol | httpx.ProxyError):
        through = " through the proxy" if isinstance(exc, httpx.ProxyError) else ""
        return NetworkError(
            phrase(
                f"Could not connect to {where}{through} ({kind}: {detail}); {not_sent_note(operation)}. Check ",
                BASE_URL,
                ", the proxy and your network, then retry.",
            ),
            request_sent=False,
        )
    if isinstance(exc, httpx.TransportError):
        return NetworkError(
            phrase(
                f"The connection to {where} failed during the request ({kind}: {detail}). ",
                may_have_run_hint(operation),
            ),
            request_sent=True,
        )
    if isinstance(exc, httpx.DecodingError):
        return ResponseFormatError(
            phrase(
                f"The response body of {where} could not be decoded ({kind}: {detail}). ", may_have_run_hint(operation)
            ),
            http_status=0,
        )
    return NetworkError(
        phrase(f"The request to {where} failed ({kind}). ", may_have_run_hint(operation)), request_sent=True
    )
