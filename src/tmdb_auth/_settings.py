"""Validate and resolve the facade's configuration: pure, shared by the sync and async clients."""

from __future__ import annotations

import ipaddress
import math
import os
import re
from collections.abc import Mapping

import attrs
import httpx

from ._version import __version__
from .errors import ConfigurationError

READ_TOKEN_ENV = "TMDB_READ_ACCESS_TOKEN"  # noqa: S105 (the variable name, not a secret)
BASE_URL_ENV = "TMDB_BASE_URL"
DEFAULT_BASE_URL = "https://api.themoviedb.org"
DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_RETRIES = 2
DEFAULT_MAX_RETRY_AFTER = 30.0
USER_AGENT = f"tmdb-v4-auth/{__version__}"

# A token travels in an HTTP header: anything outside visible ASCII would be rejected by
# httpx with an error that may quote the header, or would allow header injection.
_TOKEN_CHARS = re.compile(r"[\x21-\x7e]+")


@attrs.frozen
class Settings:
    """Resolved, validated configuration of one facade instance."""

    read_access_token: str = attrs.field(repr=False)
    base_url: str
    timeout: httpx.Timeout
    max_retries: int
    max_retry_after: float


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost" or host.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def resolve_base_url(base_url: str | None, allow_insecure_http: bool, environ: Mapping[str, str]) -> str:
    """The base URL to use: the argument, else $TMDB_BASE_URL, else https://api.themoviedb.org."""
    if base_url is None:
        base_url = environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL
    if not isinstance(base_url, str):
        raise ConfigurationError(f"base_url must be a str such as {DEFAULT_BASE_URL!r}, not {type(base_url).__name__}")
    try:
        url = httpx.URL(base_url)
    except httpx.InvalidURL as exc:
        raise ConfigurationError(f"base_url {base_url!r} is not a valid URL: {exc}") from exc
    if url.scheme not in ("http", "https") or not url.host:
        raise ConfigurationError(
            f"base_url {base_url!r} must be an http(s) URL with a host, such as {DEFAULT_BASE_URL!r}"
        )
    if url.userinfo or url.query or url.fragment:
        raise ConfigurationError(
            f"base_url {url.copy_with(username=None, password=None)!s} must not carry credentials, a query or "
            "a fragment: the read access token is passed separately"
        )
    if url.scheme == "http" and not _is_loopback(url.host) and not allow_insecure_http:
        raise ConfigurationError(
            f"base_url {base_url!r} uses plain http to a host that is not loopback: the bearer token would "
            "travel in clear text. Use https, or pass allow_insecure_http=True if you really mean it."
        )
    return str(url).rstrip("/")


def resolve_read_token(read_access_token: str | None, environ: Mapping[str, str]) -> str:
    """The API Read Access Token: the argument, else $TMDB_READ_ACCESS_TOKEN."""
    token = read_access_token if read_access_token is not None else environ.get(READ_TOKEN_ENV)
    if token is None or token == "":
        raise ConfigurationError(
            f"No TMDB API Read Access Token: pass read_access_token=... or set {READ_TOKEN_ENV}. "
            "It is the long 'API Read Access Token' on https://www.themoviedb.org/settings/api, not the v3 API key."
        )
    if not isinstance(token, str):
        raise ConfigurationError(f"read_access_token must be a str, not {type(token).__name__}")
    token = token.strip()
    if not _TOKEN_CHARS.fullmatch(token):
        raise ConfigurationError(
            f"The read access token (from {'the argument' if read_access_token is not None else READ_TOKEN_ENV}) "
            "contains spaces, control or non-ASCII characters; copy it again from your TMDB API settings"
        )
    return token


def resolve_timeout(timeout: float | httpx.Timeout) -> httpx.Timeout:
    if isinstance(timeout, httpx.Timeout):
        values = (timeout.connect, timeout.read, timeout.write, timeout.pool)
        if any(value is None for value in values):
            raise ConfigurationError("every part of the timeout must be set: a None part means waiting forever")
        return timeout
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not math.isfinite(timeout) or timeout <= 0:
        raise ConfigurationError(f"timeout must be a positive number of seconds, not {timeout!r}")
    return httpx.Timeout(float(timeout))


def resolve_settings(
    read_access_token: str | None,
    *,
    base_url: str | None,
    timeout: float | httpx.Timeout,
    max_retries: int,
    max_retry_after: float,
    allow_insecure_http: bool,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Validate every option; raise ConfigurationError naming the bad one and how to fix it."""
    env = os.environ if environ is None else environ
    if isinstance(max_retries, bool) or not isinstance(max_retries, int) or not 0 <= max_retries <= 10:
        raise ConfigurationError(f"max_retries must be an int from 0 to 10, not {max_retries!r}")
    if isinstance(max_retry_after, bool) or not isinstance(max_retry_after, int | float) or not max_retry_after >= 0:
        raise ConfigurationError(f"max_retry_after must be a number of seconds >= 0, not {max_retry_after!r}")
    return Settings(
        read_access_token=resolve_read_token(read_access_token, env),
        base_url=resolve_base_url(base_url, allow_insecure_http, env),
        timeout=resolve_timeout(timeout),
        max_retries=max_retries,
        max_retry_after=float(max_retry_after),
    )
