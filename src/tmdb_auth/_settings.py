"""Validate and resolve the facade's configuration: pure, shared by the sync and async clients."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import urlsplit

from ._version import __version__
from ._wording import Term, phrase
from .errors import ConfigurationError

if TYPE_CHECKING:  # imported where used: the command line reads this module's constants without httpx
    import httpx

READ_TOKEN_ENV = "TMDB_READ_ACCESS_TOKEN"  # noqa: S105 (the variable name, not a secret)
BASE_URL_ENV = "TMDB_BASE_URL"
SITE_URL_ENV = "TMDB_SITE_URL"
DEFAULT_BASE_URL = "https://api.themoviedb.org"
DEFAULT_SITE_URL = "https://www.themoviedb.org"
DEFAULT_TIMEOUT = 10.0
"""Seconds for each of connect, read, write and pool wait (the CLI's --timeout default too)."""
DEFAULT_MAX_RETRIES = 2
DEFAULT_MAX_RETRY_AFTER = 30.0
DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024
"""Largest response body read (TMDB's auth answers are a few hundred bytes)."""
MAX_SECONDS = 24 * 3600.0
"""The longest timeout, attempt_timeout or max_retry_after accepted: a day (beyond it a bound means nothing)."""
USER_AGENT = f"tmdb-v4-auth/{__version__}"
_USERINFO = re.compile(r"//[^/?#]*@")  # the authority's ``user:password@`` part (up to its last @)
_LOOPBACK_V4 = re.compile(r"127\.\d{1,3}\.\d{1,3}\.\d{1,3}")
TMDB_HOSTS = frozenset({"api.themoviedb.org", "www.themoviedb.org"})
"""The hosts messages call "TMDB"; any other server is named by its host and port."""

# The options messages name, in a Python caller's words (see _wording; the CLI has its own).
READ_TOKEN_SUPPLY = Term("read_token.supply", f"pass read_access_token=... or set {READ_TOKEN_ENV}")
READ_TOKEN_ARGUMENT = Term("read_token.argument", "the read_access_token argument")
BASE_URL = Term("base_url")
SITE_URL = Term("site_url")
ALLOW_INSECURE_HTTP = Term("allow_insecure_http", "pass allow_insecure_http=True")
TIMEOUT = Term("timeout")
ATTEMPT_TIMEOUT = Term("attempt_timeout")
MAX_RESPONSE_BYTES = Term("max_response_bytes")


class Settings(NamedTuple):
    """Resolved, validated configuration of one facade instance.

    A NamedTuple, not an attrs class: the command line imports this module, and attrs would add a
    quarter of its start-up."""

    read_access_token: str
    base_url: str
    site_url: str
    timeout: httpx.Timeout
    attempt_timeout: float
    """Seconds one attempt may take as a whole (connect, send, interim responses, the whole body)."""
    max_response_bytes: int
    max_retries: int
    max_retry_after: float

    @property
    def server(self) -> str:
        """How messages name the API: "TMDB", or the emulator or API at its host and port (`server_name`)."""
        return server_name(self.base_url)

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={value!r}" for name, value in zip(self._fields[1:], self[1:], strict=True))
        return f"Settings(read_access_token=<redacted>, {shown})"


def is_loopback(host: str) -> bool:
    """localhost, *.localhost or a loopback address: where plain http is allowed and no proxy is used."""
    host = host.lower().strip("[]")
    if host in ("localhost", "::1") or host.endswith(".localhost") or _LOOPBACK_V4.fullmatch(host):
        return True  # the common cases without the ipaddress import (the CLI's status names its server)
    import ipaddress  # here: the command line reads this module's constants at start-up

    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def host_and_port(url: str) -> str:
    """``host:port`` of an http(s) URL (the scheme's port when it names none), without its user info, path or
    query (a query may carry an api_key): how messages say where a request went."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # a malformed port or IPv6 literal
        return "an unparsable URL"
    host = parts.hostname or "no host"
    port = port or {"http": 80, "https": 443}.get(parts.scheme)
    shown = f"[{host}]" if ":" in host else host
    return f"{shown}:{port}" if port else shown


def server_name(url: str, what: str = "the API") -> str:
    """How messages name the server at `url`: "TMDB" for TMDB's own hosts only; "the emulator at
    127.0.0.1:8000" for a loopback one; else `what` at its host and port ("the API at
    api.example:443")."""
    try:
        host = (urlsplit(url).hostname or "").rstrip(".")
    except ValueError:
        host = ""
    if host in TMDB_HOSTS:
        return "TMDB"
    return f"{'the emulator' if host and is_loopback(host) else what} at {host_and_port(url)}"


def capitalized(name: str) -> str:
    """`name` (a `server_name`) at the start of a sentence."""
    return name[:1].upper() + name[1:]


def resolve_url(
    value: str | None,
    *,
    name: Term,
    env: str,
    default: str,
    allow_insecure_http: bool,
    environ: Mapping[str, str],
) -> str:
    """An http(s) root URL: the argument, else $`env`, else `default`; http only to loopback unless allowed.

    Messages name where the value came from: the option `name`, or the variable `env`."""
    source: str = name
    if value is None:
        value = environ.get(env) or default
        source = env if environ.get(env) else name
    if not isinstance(value, str):
        raise ConfigurationError(phrase(name, f" must be a str such as {default!r}, not {type(value).__name__}"))
    import httpx

    shown = _USERINFO.sub("//", value)  # every message quotes the URL without its credentials
    try:
        url = httpx.URL(value)
    except httpx.InvalidURL as exc:
        raise ConfigurationError(phrase(source, f" {shown!r} is not a valid URL: {exc}")) from exc
    if url.scheme not in ("http", "https") or not url.host:
        raise ConfigurationError(phrase(source, f" {shown!r} must be an http(s) URL with a host, such as {default!r}"))
    if url.userinfo or url.query or url.fragment:
        raise ConfigurationError(
            phrase(
                source,
                f" {url.copy_with(username=None, password=None, query=None, fragment=None)!s} must not carry "
                "credentials, a query or a fragment (not quoted here: they may hold secrets): the read access token "
                "is passed separately",
            )
        )
    if url.scheme == "http" and not is_loopback(url.host) and not allow_insecure_http:
        raise ConfigurationError(
            phrase(
                source,
                f" {shown!r} uses plain http to a host that is not loopback: tokens would travel in clear "
                "text. Use https, or ",
                ALLOW_INSECURE_HTTP,
                " if you really mean it.",
            )
        )
    return str(url).rstrip("/")


def resolve_base_url(base_url: str | None, allow_insecure_http: bool, environ: Mapping[str, str]) -> str:
    """The base URL to use: the argument, else $TMDB_BASE_URL, else https://api.themoviedb.org."""
    return resolve_url(
        base_url,
        name=BASE_URL,
        env=BASE_URL_ENV,
        default=DEFAULT_BASE_URL,
        allow_insecure_http=allow_insecure_http,
        environ=environ,
    )


def resolve_site_url(site_url: str | None, allow_insecure_http: bool, environ: Mapping[str, str]) -> str:
    """The website serving the approval page: the argument, else $TMDB_SITE_URL, else https://www.themoviedb.org."""
    return resolve_url(
        site_url,
        name=SITE_URL,
        env=SITE_URL_ENV,
        default=DEFAULT_SITE_URL,
        allow_insecure_http=allow_insecure_http,
        environ=environ,
    )


def resolve_read_token(read_access_token: str | None, environ: Mapping[str, str]) -> str:
    """The API Read Access Token: the argument, else $TMDB_READ_ACCESS_TOKEN."""
    token = read_access_token if read_access_token is not None else environ.get(READ_TOKEN_ENV)
    if token is None or token == "":
        raise ConfigurationError(
            phrase(
                "No TMDB API Read Access Token: ",
                READ_TOKEN_SUPPLY,
                ". It is the long 'API Read Access Token' on https://www.themoviedb.org/settings/api, not the v3 "
                "API key.",
            )
        )
    if not isinstance(token, str):
        raise ConfigurationError(f"read_access_token must be a str, not {type(token).__name__}")
    token = token.strip()
    from ._core import token_problem

    problem = token_problem(token)
    if problem is not None:
        source = READ_TOKEN_ARGUMENT if read_access_token is not None else READ_TOKEN_ENV
        raise ConfigurationError(
            phrase(
                "The read access token (from ",
                source,
                f") {problem.split(':')[0]}; copy it again from your TMDB API settings",
            )
        )
    return token


def resolve_timeout(timeout: float | httpx.Timeout) -> tuple[httpx.Timeout, float]:
    """`timeout` as an ``httpx.Timeout`` whose four parts are each positive, finite seconds; and its longest part."""
    import httpx

    if not isinstance(timeout, httpx.Timeout):
        seconds = positive_seconds(TIMEOUT, timeout)
        return httpx.Timeout(seconds), seconds
    parts = {"connect": timeout.connect, "read": timeout.read, "write": timeout.write, "pool": timeout.pool}
    checked = []
    for name, value in parts.items():
        if value is None:
            raise ConfigurationError(
                f"timeout.{name} must be set: a None part means waiting forever (pass seconds, e.g. 10)"
            )
        checked.append(positive_seconds(f"timeout.{name}", value))
    return timeout, max(checked)


def shown(value: object, limit: int = 40) -> str:
    """A rejected option value as an error message shows it: short, and never failing (Python
    refuses to print an int of over 4,300 digits)."""
    if isinstance(value, int) and value.bit_length() > 128:
        return f"an int of {value.bit_length()} bits"
    try:
        text = repr(value)
    except Exception:  # a broken __repr__, or a value Python refuses to print
        return f"a {type(value).__name__}"
    return text if len(text) <= limit else text[:limit] + "..."


def positive_seconds(name: str, value: object, *, zero_ok: bool = False, maximum: float = MAX_SECONDS) -> float:
    """`value` as float seconds, if it is a number above 0 (or 0, with `zero_ok`) and at most `maximum`
    (so finite, not NaN); else ConfigurationError saying what is allowed and what was given (`name`:
    the option, a `Term` where front ends name it differently)."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not (value >= 0 if zero_ok else value > 0)
        or not value <= maximum  # also False for NaN
    ):
        allowed = "0 or a positive number" if zero_ok else "a positive number"
        most = f"{maximum:g} (a day)" if maximum == MAX_SECONDS else f"{maximum:g}"
        raise ConfigurationError(phrase(name, f" must be {allowed} of seconds, at most {most}, not {shown(value)}"))
    return float(value)


def resolve_settings(
    read_access_token: str | None,
    *,
    base_url: str | None,
    site_url: str | None,
    timeout: float | httpx.Timeout,
    attempt_timeout: float | None,
    max_response_bytes: int,
    max_retries: int,
    max_retry_after: float,
    allow_insecure_http: bool,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Validate every option; raise ConfigurationError naming the bad one and how to fix it."""
    env = os.environ if environ is None else environ
    if isinstance(max_retries, bool) or not isinstance(max_retries, int) or not 0 <= max_retries <= 10:
        raise ConfigurationError(f"max_retries must be an int from 0 to 10, not {shown(max_retries)}")
    retry_after_cap = positive_seconds("max_retry_after", max_retry_after, zero_ok=True)
    if isinstance(max_response_bytes, bool) or not isinstance(max_response_bytes, int) or max_response_bytes < 1024:
        raise ConfigurationError(f"max_response_bytes must be an int >= 1024, not {shown(max_response_bytes)}")
    resolved_timeout, longest_part = resolve_timeout(timeout)
    # Without attempt_timeout, `timeout` alone bounds an attempt: its longest part.
    attempt = longest_part if attempt_timeout is None else positive_seconds(ATTEMPT_TIMEOUT, attempt_timeout)
    return Settings(
        read_access_token=resolve_read_token(read_access_token, env),
        base_url=resolve_base_url(base_url, allow_insecure_http, env),
        site_url=resolve_site_url(site_url, allow_insecure_http, env),
        timeout=resolved_timeout,
        attempt_timeout=attempt,
        max_response_bytes=max_response_bytes,
        max_retries=max_retries,
        max_retry_after=retry_after_cap,
    )
