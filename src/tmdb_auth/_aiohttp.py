"""The opt-in aiohttp backend of AsyncTMDBAuth (``http_backend="aiohttp"``), through httpx-aiohttp.

Placeholder owned by the benchmark work, which replaces this module: it keeps the call site
in `_transport.build_httpx_client` typed and says which extra to install when it is missing.
"""

from __future__ import annotations

import importlib
import ssl

import httpx

from .errors import ConfigurationError

EXTRA_HINT = "pip install 'tmdb-v4-auth[aiohttp]'"


def aiohttp_transport(*, verify: ssl.SSLContext | str | bool, limits: httpx.Limits) -> httpx.AsyncBaseTransport:
    """An httpx async transport over aiohttp, with the client's TLS verification and pool limits."""
    try:
        httpx_aiohttp = importlib.import_module("httpx_aiohttp")
        aiohttp = importlib.import_module("aiohttp")
    except ImportError as exc:
        raise ConfigurationError(f"http_backend='aiohttp' needs the aiohttp extra: {EXTRA_HINT}") from exc
    if isinstance(verify, str):
        verify = ssl.create_default_context(cafile=verify)

    def session() -> object:  # aiohttp wants its session created inside the running event loop
        connector = aiohttp.TCPConnector(ssl=verify, limit=limits.max_connections or 0)
        return aiohttp.ClientSession(connector=connector)

    transport: httpx.AsyncBaseTransport = httpx_aiohttp.AiohttpTransport(client=session)
    return transport
