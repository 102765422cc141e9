"""Where the facade's requests go and how they are secured: the TLS context, the proxy for a URL,
the httpcore pools, and the sync network backend that holds every socket operation to a deadline.

Configuration is checked when a client is built: a CA bundle that cannot be loaded, a
malformed proxy, or a proxy scheme whose package is missing is a `ConfigurationError` naming
the option or environment variable (never quoting a proxy's credentials). httpcore is public
API here (``ConnectionPool``, ``HTTPProxy``, ``SOCKSProxy`` and their ``network_backend``
argument); it is imported with this module, when the first client is built.
"""

from __future__ import annotations

import importlib.util
import os
import ssl
import time
import urllib.request
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from typing import Any

import certifi
import httpcore
import httpx

from ._settings import is_loopback, shown
from .errors import ConfigurationError

_PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")

deadline: ContextVar[float | None] = ContextVar("tmdb_auth_deadline", default=None)
"""The monotonic deadline of the exchange the facade's transport is handling in this thread or task.

Set only by `_transport` around its calls into httpcore; read by `DeadlineBackend`'s streams
(sync) and by the log filter in `_transport`. None outside the facade's transport."""


# --- TLS -----------------------------------------------------------------------------------------


def ssl_context(verify: object, cert: object, *, trust_env: bool) -> ssl.SSLContext:
    """The TLS context for `verify` and `cert`, as httpx builds it (certifi's CA bundle, or
    ``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` when ``trust_env``), built here once for every pool."""
    if isinstance(verify, ssl.SSLContext):
        context, source = verify, "verify"
    elif verify is False:
        context, source = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT), "verify"
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    else:
        if verify is True:
            env = {name: os.environ.get(name) for name in ("SSL_CERT_FILE", "SSL_CERT_DIR")} if trust_env else {}
            source, path = next(((name, value) for name, value in env.items() if value), ("certifi", certifi.where()))
        elif isinstance(verify, str | os.PathLike):
            source, path = "verify", os.fspath(verify)
        else:
            raise ConfigurationError(
                f"verify must be True, False, an ssl.SSLContext or the path of a CA bundle, not {shown(verify)}"
            )
        directory = os.path.isdir(path)
        context = _loaded(
            source,
            lambda: ssl.create_default_context(cafile=None if directory else path, capath=path if directory else None),
        )
    if cert is not None:
        if isinstance(cert, str | os.PathLike):
            cert = (cert,)
        if not isinstance(cert, tuple) or not 1 <= len(cert) <= 3:
            raise ConfigurationError(
                f"cert must be a path or a (certfile, keyfile[, password]) tuple, not {shown(cert)}"
            )
        _loaded("cert", lambda: context.load_cert_chain(*cert))
    return context


def _loaded(source: str, load: Callable[[], Any]) -> Any:
    try:
        return load()
    except (OSError, ssl.SSLError, TypeError, ValueError) as exc:
        what = f"the {source} environment variable" if source.startswith("SSL_") else source
        raise ConfigurationError(
            f"{what} names TLS material that cannot be loaded ({type(exc).__name__}): check the path and the "
            "file's PEM contents"
        ) from None


# --- proxies -------------------------------------------------------------------------------------


class Proxies:
    """Which proxy, if any, carries a request: never one for a loopback host; else ``proxy``, else the
    environment (``HTTPS_PROXY``, ``HTTP_PROXY``, ``ALL_PROXY``, ``NO_PROXY``) when ``trust_env``."""

    def __init__(self, proxy: object, *, trust_env: bool) -> None:
        self._explicit = None if proxy is None else _checked_proxy("proxy", proxy)
        self._environment: dict[str, httpx.URL] = {}
        self._no_proxy: list[str] = []
        if proxy is None and trust_env:
            found = urllib.request.getproxies_environment()  # *_proxy variables, either case (lower wins)
            for scheme in ("https", "http", "all"):
                if found.get(scheme):
                    self._environment[scheme] = _checked_proxy(f"{scheme.upper()}_PROXY", found[scheme])
            self._no_proxy = [entry.strip().lstrip(".").lower() for entry in found.get("no", "").split(",")]

    def for_url(self, url: httpx.URL) -> httpx.URL | None:
        if (self._explicit is None and not self._environment) or is_loopback(url.host):
            return None
        if self._explicit is not None:
            return self._explicit
        host = url.host.lower()
        if any(entry == "*" or host == entry or host.endswith("." + entry) for entry in self._no_proxy if entry):
            return None
        return self._environment.get(url.scheme) or self._environment.get("all")


def _checked_proxy(name: str, value: object) -> httpx.URL:
    """A proxy URL, or a ConfigurationError naming `name` (the option or variable), never its value."""
    try:
        url = httpx.URL(value) if isinstance(value, str | httpx.URL) else None
    except (httpx.InvalidURL, TypeError, ValueError):
        url = None
    if url is None or url.scheme not in _PROXY_SCHEMES or not url.host:
        raise ConfigurationError(
            f"{name} is not a usable proxy URL: give one such as http://proxy.example:3128 (schemes: "
            f"{', '.join(_PROXY_SCHEMES)})"
        )
    if url.scheme.startswith("socks") and importlib.util.find_spec("socksio") is None:
        raise ConfigurationError(
            f"{name} is a SOCKS proxy, which needs the socksio package: pip install 'httpx[socks]'"
        )
    return url


# --- pools ---------------------------------------------------------------------------------------


def open_pool(
    proxy: httpx.URL | None, context: ssl.SSLContext, limits: httpx.Limits, *, asynchronous: bool
) -> httpcore.ConnectionPool | httpcore.AsyncConnectionPool:
    """An HTTP/1.1 httpcore pool for direct requests or through `proxy`; sync pools connect, read and
    write through `DeadlineBackend`."""
    options: dict[str, Any] = {
        "ssl_context": context,
        "max_connections": limits.max_connections,
        "max_keepalive_connections": limits.max_keepalive_connections,
        "keepalive_expiry": limits.keepalive_expiry,
    }
    if not asynchronous:
        options["network_backend"] = DeadlineBackend(httpcore.SyncBackend())
    if proxy is not None:
        options["proxy_url"] = httpcore.URL(scheme=proxy.raw_scheme, host=proxy.raw_host, port=proxy.port, target=b"/")
        if proxy.username or proxy.password:
            options["proxy_auth"] = (proxy.username, proxy.password)
    kinds = {
        (None, False): httpcore.ConnectionPool,
        (None, True): httpcore.AsyncConnectionPool,
        ("http", False): httpcore.HTTPProxy,
        ("http", True): httpcore.AsyncHTTPProxy,
        ("socks", False): httpcore.SOCKSProxy,
        ("socks", True): httpcore.AsyncSOCKSProxy,
    }
    kind = None if proxy is None else "socks" if proxy.scheme.startswith("socks") else "http"
    pool: httpcore.ConnectionPool | httpcore.AsyncConnectionPool = kinds[kind, asynchronous](**options)
    return pool


# --- the sync deadline backend ---------------------------------------------------------------------


def _clamp(timeout: float | None, timeout_error: type[httpcore.TimeoutException]) -> float | None:
    """`timeout` shortened to the time left before `deadline`; `timeout_error` once none is left."""
    until = deadline.get()
    if until is None:
        return timeout
    left = until - time.monotonic()
    if left <= 0:  # never pass 0: a socket timeout of 0 means non-blocking, not "expired"
        raise timeout_error("the attempt's deadline has passed")
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
        timeout = _clamp(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class DeadlineBackend(httpcore.NetworkBackend):
    """A sync httpcore network backend whose every connect, read and write ends by `deadline`.

    httpx's timeouts bound each socket operation, so a server sending a byte, or a
    ``102 Processing``, every few seconds would never time out; each operation here gets
    ``min(its timeout, time left)`` and raises the timeout of its phase once none is left,
    so the error still tells a connect (nothing sent) from a read or write.
    """

    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        timeout = _clamp(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._inner.connect_tcp(host, port, timeout, local_address, socket_options))

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        timeout = _clamp(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._inner.connect_unix_socket(path, timeout, socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)
