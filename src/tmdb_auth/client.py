"""TMDBAuth and AsyncTMDBAuth: thin I/O shells around the sans-I/O core in `_exchange`."""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType
from typing import Any, Self

import httpx

from tmdb_v4_client import AuthenticatedClient
from tmdb_v4_client.api.auth import create_an_access_token
from tmdb_v4_client.models import CreateAnAccessTokenBody

from . import _retry
from ._exchange import build_request_body, interpret_response, transport_error
from ._settings import (
    DEFAULT_MAX_RETRIES,
    DEFAULT_MAX_RETRY_AFTER,
    DEFAULT_TIMEOUT,
    USER_AGENT,
    Settings,
    resolve_settings,
)
from .errors import ClientClosedError, ConfigurationError, TMDBError
from .models import AccessToken


class _Base:
    """Configuration, lifecycle and repr shared by the sync and async clients."""

    _settings: Settings
    _api: AuthenticatedClient
    _closed: bool

    def __init__(
        self,
        read_access_token: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        max_retry_after: float = DEFAULT_MAX_RETRY_AFTER,
        allow_insecure_http: bool = False,
        transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None = None,
        client_options: Mapping[str, Any] | None = None,
    ) -> None:
        self._settings = resolve_settings(
            read_access_token,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            max_retry_after=max_retry_after,
            allow_insecure_http=allow_insecure_http,
        )
        httpx_args = dict(client_options or {})
        for reserved in ("base_url", "headers", "timeout", "auth"):
            if reserved in httpx_args:
                raise ConfigurationError(f"client_options must not set {reserved!r}: it is managed by the client")
        if transport is not None:
            httpx_args["transport"] = transport
        self._api = AuthenticatedClient(
            base_url=self._settings.base_url,
            token=self._settings.read_access_token,
            timeout=self._settings.timeout,
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            raise_on_unexpected_status=False,
            httpx_args=httpx_args,
        )
        self._closed = False

    @property
    def base_url(self) -> str:
        """The API root requests go to."""
        return self._settings.base_url

    @property
    def closed(self) -> bool:
        """True once the client was closed; it cannot be used again."""
        return self._closed

    def _secrets(self, request_token: str) -> tuple[str, str]:
        return (self._settings.read_access_token, request_token)

    def _check_open(self) -> None:
        if self._closed:
            raise ClientClosedError(
                f"this {type(self).__name__} is closed; create a new one (or keep using it inside its `with` block)"
            )

    def _prepare(self, request_token: str) -> CreateAnAccessTokenBody:
        self._check_open()
        return build_request_body(request_token)

    def __repr__(self) -> str:
        settings = self._settings
        return (
            f"{type(self).__name__}(base_url={settings.base_url!r}, timeout={settings.timeout.read}, "
            f"max_retries={settings.max_retries}, closed={self._closed})"
        )


class TMDBAuth(_Base):
    """Exchange an approved request token for a TMDB v4 user access token (synchronous).

    Args:
        read_access_token: the app's API Read Access Token; ``None`` reads ``TMDB_READ_ACCESS_TOKEN``.
        base_url: the API root; ``None`` reads ``TMDB_BASE_URL``, else ``https://api.themoviedb.org``.
            Plain ``http://`` is only accepted for loopback hosts unless ``allow_insecure_http=True``.
        timeout: seconds (or an ``httpx.Timeout``) for connect, read, write and pool; default 10.
        max_retries: retries of a failure that surely did not consume the request token (HTTP 429,
            HTTP 503, connection failures before sending); default 2.
        max_retry_after: the longest ``Retry-After`` (seconds) honoured; a longer one raises
            ``RateLimitError`` at once. Default 30.
        transport: an ``httpx.BaseTransport`` (tests, custom networking).
        client_options: extra ``httpx.Client`` arguments (``proxy``, ``mounts``, ``verify``, ``limits``...).

    One HTTP connection pool per instance, reused across calls (keep-alive). Use it as a
    context manager, or call ``close()``.

    Raises:
        ConfigurationError: a missing or malformed option.
    """

    def create_access_token(self, request_token: str) -> AccessToken:
        """Exchange ``request_token`` (approved by the user) for their access token.

        Raises:
            InvalidInputError: ``request_token`` is not a plausible token (nothing was sent).
            APIError: TMDB answered with an error; see its subclasses.
            ResponseFormatError: a 2xx response without a usable token.
            NetworkError: the connection failed or timed out.
            ClientClosedError: the client was closed.
        """
        body = self._prepare(request_token)
        secrets = self._secrets(request_token)

        def attempt() -> AccessToken:
            try:
                response = create_an_access_token.sync_detailed(client=self._api, body=body)
            except httpx.HTTPError as exc:
                raise transport_error(exc, secrets) from exc
            return interpret_response(response.status_code, response.headers, response.content, secrets)

        settings = self._settings
        try:
            return attempt()
        except TMDBError as error:
            if not _retry.should_retry(error, settings.max_retries, settings.max_retry_after):
                raise
            return _retry.retry_sync(error, attempt, settings.max_retries, settings.max_retry_after)

    def close(self) -> None:
        """Close the connection pool. Idempotent."""
        if not self._closed:
            self._closed = True
            self._api.get_httpx_client().close()

    def __enter__(self) -> Self:
        self._check_open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class AsyncTMDBAuth(_Base):
    """Exchange an approved request token for a TMDB v4 user access token (asyncio).

    Takes the same arguments as `TMDBAuth` (``transport`` is an ``httpx.AsyncBaseTransport``
    and ``client_options`` go to ``httpx.AsyncClient``). Use ``async with``, or
    ``await aclose()``.
    """

    async def create_access_token(self, request_token: str) -> AccessToken:
        """Exchange ``request_token`` (approved by the user) for their access token.

        Raises the same errors as `TMDBAuth.create_access_token`.
        """
        body = self._prepare(request_token)
        secrets = self._secrets(request_token)

        async def attempt() -> AccessToken:
            try:
                response = await create_an_access_token.asyncio_detailed(client=self._api, body=body)
            except httpx.HTTPError as exc:
                raise transport_error(exc, secrets) from exc
            return interpret_response(response.status_code, response.headers, response.content, secrets)

        settings = self._settings
        try:
            return await attempt()
        except TMDBError as error:
            if not _retry.should_retry(error, settings.max_retries, settings.max_retry_after):
                raise
            return await _retry.retry_async(error, attempt, settings.max_retries, settings.max_retry_after)

    async def aclose(self) -> None:
        """Close the connection pool. Idempotent."""
        if not self._closed:
            self._closed = True
            await self._api.get_async_httpx_client().aclose()

    async def __aenter__(self) -> Self:
        self._check_open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()
