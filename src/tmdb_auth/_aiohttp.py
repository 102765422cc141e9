"""The opt-in aiohttp backend of `AsyncTMDBAuth` (``http_backend="aiohttp"``).

httpx's own async pool (httpcore) spends CPU quadratic in its size on every request
(encode/httpcore#1035); aiohttp's connector does not, so under high concurrency the same
exchanges cost several times less CPU (see README "Performance"). openai-python offers the
same through the ``httpx-aiohttp`` transport; this module wraps that transport so the
facade's guarantees still hold (see `_aiohttp_transport`). aiohttp is imported only here,
on first use: ``import tmdb_auth`` stays as light as without the extra.
"""

from __future__ import annotations

import ssl

import httpx

from .errors import ConfigurationError

EXTRA_HINT = "pip install 'tmdb-v4-auth[aiohttp]'"


def aiohttp_transport(*, verify: ssl.SSLContext | str | bool, limits: httpx.Limits) -> httpx.AsyncBaseTransport:
    """An httpx async transport that sends through an aiohttp session (opened on first request).

    The connector itself is unlimited: `build_httpx_client` puts the facade's FIFO gate
    (`_gate`, ``limits.max_connections`` requests in flight) in front of it, as it does for
    httpx's own pool. ``limits.keepalive_expiry`` is how long an idle connection is kept.
    Transport errors are httpx exceptions that tell truthfully whether the request may have
    been sent (see `_aiohttp_transport`).

    Raises:
        ConfigurationError: aiohttp or httpx-aiohttp is not installed.
    """
    try:  # both by name: cached after the first call, and blocked ones (sys.modules[name] = None) still fail
        import aiohttp  # noqa: F401
        import httpx_aiohttp  # noqa: F401

        from ._aiohttp_transport import SafeAiohttpTransport
    except ImportError as exc:
        raise ConfigurationError(
            f'http_backend="aiohttp" needs the aiohttp extra ({exc.name or "aiohttp"} is missing): {EXTRA_HINT}'
        ) from exc
    return SafeAiohttpTransport(verify=verify, limits=limits)
