"""TMDBAuth and AsyncTMDBAuth: thin I/O shells over the sans-I/O core in `_core`.

Each instance owns one httpx client, built by `_transport.build_httpx_client` and handed to
the generated client; every operation goes through the generated ``sync_detailed`` /
``asyncio_detailed`` inside one `_send` loop (attempt, interpret, retry per `_retry`).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from types import TracebackType
from typing import Any, Self

import httpx

from tmdb_v4_client import AuthenticatedClient
from tmdb_v4_client.api.account import account_lists_v4
from tmdb_v4_client.api.auth import (
    authentication_create_session_from_v4_token,
    authentication_delete_session,
    create_a_request_token,
    create_an_access_token,
    logout,
)
from tmdb_v4_client.types import Response

from . import _core, _retry
from ._core import M, R, Spec, interpret
from ._settings import (
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_MAX_RETRIES,
    DEFAULT_MAX_RETRY_AFTER,
    DEFAULT_TIMEOUT,
    Settings,
    resolve_settings,
    resolve_site_url,
)
from .errors import ClientClosedError, ConfigurationError, TMDBError
from .models import AccessToken, RequestToken, Session


def _detached(error: TMDBError, cause: BaseException | None, secrets: tuple[str, ...]) -> TMDBError:
    """`error` ready to raise: its cause replaced by a redacted stand-in, no implicit context.

    The raw httpx (or parser) exception may quote what the server sent, tokens included.
    """
    error.__cause__ = None if cause is None else _core.redacted_cause(cause, secrets)
    error.__context__ = None
    error.__suppress_context__ = True
    return error


def _request_token_value(request_token: str | RequestToken) -> str:
    return request_token.request_token if isinstance(request_token, RequestToken) else request_token


def _access_token_value(access_token: str | AccessToken) -> str:
    return access_token.access_token if isinstance(access_token, AccessToken) else access_token


def _session_value(session: str | Session) -> str:
    return session.session_id if isinstance(session, Session) else session


def _account_checked(access_token: str | AccessToken) -> tuple[str, str]:
    """The access token and the account to check it against (InvalidInputError, before sending, if unusable)."""
    value = _core.check_token(_access_token_value(access_token), "access_token")
    known = access_token.account_id if isinstance(access_token, AccessToken) else None
    return value, _core.token_account(value, known)


def approval_url(
    request_token: str | RequestToken,
    *,
    site_url: str | None = None,
    redirect_to: str | None = None,
    allow_insecure_http: bool = False,
) -> str:
    """The TMDB page where the user approves `request_token`, without a client (no read token needed).

    ``site_url`` defaults to ``$TMDB_SITE_URL``, else ``https://www.themoviedb.org``; the v4
    login takes ``redirect_to`` at `create_request_token`, the optional one here is added to
    the query for sites that read it there.

    Raises:
        InvalidInputError: a malformed request token or redirect_to.
        ConfigurationError: a bad site_url.
    """
    site = resolve_site_url(site_url, allow_insecure_http, os.environ)
    return _core.approval_url(site, _request_token_value(request_token), redirect_to)


class _Base:
    """Configuration, lifecycle, inputs and repr shared by the sync and async clients."""

    _settings: Settings
    _api: AuthenticatedClient
    _closed: bool

    def __init__(
        self,
        read_access_token: str | None = None,
        *,
        base_url: str | None = None,
        site_url: str | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        attempt_timeout: float | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        max_retries: int = DEFAULT_MAX_RETRIES,
        max_retry_after: float = DEFAULT_MAX_RETRY_AFTER,
        allow_insecure_http: bool = False,
        transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None = None,
        client_options: Mapping[str, Any] | None = None,
        sleep: Callable[[float], Any] | None = None,
    ) -> None:
        self._settings = resolve_settings(
            read_access_token,
            base_url=base_url,
            site_url=site_url,
            timeout=timeout,
            attempt_timeout=attempt_timeout,
            max_response_bytes=max_response_bytes,
            max_retries=max_retries,
            max_retry_after=max_retry_after,
            allow_insecure_http=allow_insecure_http,
        )
        if sleep is not None and not callable(sleep):
            raise ConfigurationError(f"sleep must be callable, not {type(sleep).__name__}")
        self._sleep = sleep
        self._transport = transport
        self._client_options = client_options
        # The facade's own httpx client goes to the generated client, so `client_options`
        # reach httpx once and headers and timeout have one owner (the builder).
        self._api = AuthenticatedClient(
            base_url=self._settings.base_url, token=self._settings.read_access_token, raise_on_unexpected_status=False
        )
        self._attach(transport, client_options)
        self._closed = False

    def _attach(
        self, transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None, client_options: Mapping[str, Any] | None
    ) -> None:
        raise NotImplementedError

    @property
    def base_url(self) -> str:
        """The API root requests go to."""
        return self._settings.base_url

    @property
    def site_url(self) -> str:
        """The TMDB website serving the approval page."""
        return self._settings.site_url

    @property
    def max_call_seconds(self) -> float:
        """The most seconds one call (retries and waits included) can take with these settings.

        ``(max_retries + 1) * attempt_timeout`` plus each retry's longest wait: the longer of
        ``max_retry_after`` and that retry's backoff cap (0.5, 1, 2, 4, 8, 8... s, plus 0.5 s
        of jitter). 90.0 with the defaults (3 x 10 s + 2 x 30 s). The facade's own CPU time (microseconds per
        attempt) comes on top, and a ``sleep`` you pass is trusted to wait what it is asked.
        """
        return _retry.max_call_seconds(self._settings)

    @property
    def closed(self) -> bool:
        """True once the client was closed; it cannot be used again."""
        return self._closed

    def approval_url(self, request_token: str | RequestToken) -> str:
        """The page on ``site_url`` where the user approves `request_token` (no request is sent).

        Raises:
            InvalidInputError: a malformed request token.
        """
        return _core.approval_url(self._settings.site_url, _request_token_value(request_token))

    def _as_user(self, access_token: str) -> tuple[Settings, AuthenticatedClient]:
        """Settings and a generated client whose Bearer is the user's access token, not the app's read token
        (for a call that acts as the user); the caller gives the client an httpx client built from them."""
        settings = self._settings._replace(read_access_token=access_token)
        return settings, AuthenticatedClient(
            base_url=settings.base_url, token=access_token, raise_on_unexpected_status=False
        )

    def _secrets(self, *tokens: object) -> tuple[str, ...]:
        return (self._settings.read_access_token, *(token for token in tokens if isinstance(token, str)))

    def _check_open(self) -> None:
        if self._closed:
            raise ClientClosedError(
                f"this {type(self).__name__} is closed; create a new one (or keep using it inside its `with` block)"
            )

    def _failure(
        self, spec: Spec[Any, Any], exc: Exception, secrets: tuple[str, ...]
    ) -> tuple[TMDBError, Exception | None]:
        """The typed error for an exception an attempt raised instead of returning a response, and its cause.

        A TMDBError (raised by a caller's transport or event hook) is raised as it is, with
        no cause: chaining it to itself would show it twice in a traceback.
        """
        if isinstance(exc, TMDBError):
            return exc, None
        if isinstance(exc, httpx.HTTPError):
            from ._transport import transport_error

            return transport_error(exc, spec.operation, secrets, fallback_url=self._settings.base_url), exc
        # The generated layer turns every parsing failure into parsed=None (the core re-parses and
        # types it): anything else came from a transport or an event hook.
        return _core.unexpected_error(spec.operation, exc, None), exc

    def _retry_wait(self, spec: Spec[Any, Any], error: TMDBError, retries: int) -> float | None:
        wait = _retry.retry_wait(spec.operation, error, retries, self._settings)
        if wait is not None:
            _retry.log_retry(spec.operation, error, wait, retries, self._settings)
        return wait

    def __repr__(self) -> str:
        settings = self._settings
        return (
            f"{type(self).__name__}(base_url={settings.base_url!r}, timeout={settings.timeout.read}, "
            f"max_retries={settings.max_retries}, closed={self._closed})"
        )


class TMDBAuth(_Base):
    """TMDB v4 user login (synchronous): request token -> user approval -> access token -> logout, and v3 sessions.

    Args:
        read_access_token: the app's API Read Access Token; ``None`` reads ``TMDB_READ_ACCESS_TOKEN``.
        base_url: the API root; ``None`` reads ``TMDB_BASE_URL``, else ``https://api.themoviedb.org``.
            Plain ``http://`` is only accepted for loopback hosts unless ``allow_insecure_http=True``.
        site_url: the website serving the approval page; ``None`` reads ``TMDB_SITE_URL``, else
            ``https://www.themoviedb.org`` (same rules as ``base_url``).
        timeout: seconds (or an ``httpx.Timeout``) for connect, read, write and pool; default 10.
            Each part must be a positive number of seconds, at most a day.
        attempt_timeout: seconds one attempt may take as a whole: pool wait, connect, send,
            every interim (1xx) response and the whole body, however the server trickles it
            (httpx's own timeouts are per socket operation). Default: the longest timeout
            part, so ``timeout`` alone bounds an attempt.
        max_response_bytes: the largest response body read, after decoding (gzip and
            deflate are decoded under the cap, as a stream); default 1 MiB. Larger:
            ``ResponseTooLargeError``.
        max_retries: retries of a failure where repeating the operation cannot hurt (see
            the README's retry rules per operation); default 2.
        max_retry_after: the longest ``Retry-After`` (seconds) honoured; a longer one raises
            ``RateLimitError`` at once. Default 30.
        transport: an ``httpx.BaseTransport`` (tests, custom networking). It stays yours:
            closing the client does not close it.
        client_options: extra ``httpx.Client`` arguments (``verify``, ``proxy``, ``limits``,
            ``follow_redirects``, ``cookies``, ``mounts``, ``event_hooks``...). Cookies passed
            here are sent; cookies that responses set are not stored.
        sleep: how to wait between retries (default ``time.sleep``); tests pass a fake clock.

    One HTTP connection pool per instance, reused across calls (keep-alive). Use it as a
    context manager, or call ``close()``.

    Bounded: one call makes at most ``max_retries + 1`` attempts of at most
    ``attempt_timeout`` each, waits between them at most ``max_retry_after`` or the backoff
    cap, and reads at most ``max_response_bytes`` per response: it ends within
    ``max_call_seconds`` (90 s with the defaults), whatever the server does. (The attempt
    deadline holds on the transports the facade builds, proxies included; a ``transport``
    or ``mounts`` you pass keeps its own timeouts, and only its response body is checked
    against the deadline.)

    Raises:
        ConfigurationError: a missing or malformed option.
    """

    _http: httpx.Client

    def _attach(
        self, transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None, client_options: Mapping[str, Any] | None
    ) -> None:
        from ._transport import build_httpx_client  # httpcore and the pools come with the first client, as in httpx

        self._http = build_httpx_client(
            httpx.Client, self._settings, transport=transport, client_options=client_options
        )
        self._api.set_httpx_client(self._http)

    def _send(self, spec: Spec[M, R], call: Callable[[], Response[M]], secrets: tuple[str, ...]) -> R:
        retries = 0
        while True:
            self._check_open()
            cause: Exception | None = None
            try:
                response = call()
            except Exception as exc:  # httpx's, or anything the generated layer or a transport raised
                error, cause = self._failure(spec, exc, secrets)
            else:
                try:
                    return interpret(
                        spec,
                        response.status_code,
                        response.headers,
                        response.content,
                        response.parsed,
                        secrets,
                        server=self._settings.server,
                    )
                except TMDBError as exc:
                    error = exc
            wait = self._retry_wait(spec, error, retries)
            if wait is None:
                raise _detached(error, cause, secrets)
            (self._sleep or _retry.sleep)(wait)
            retries += 1

    def create_request_token(self, redirect_to: str | None = None) -> RequestToken:
        """Create a request token for the user to approve (``POST /4/auth/request_token``).

        Args:
            redirect_to: an absolute http(s) URL TMDB sends the user to after approval.

        Returns:
            A `RequestToken`: send the user to its ``approval_url``.

        Raises:
            InvalidInputError: ``redirect_to`` is not an absolute http(s) URL (nothing was sent).
            APIError: TMDB answered with an error; see its subclasses.
            ResponseFormatError: a 2xx response without a usable request token.
            NetworkError: the connection failed or timed out.
            ClientClosedError: the client was closed.
        """
        self._check_open()
        body = _core.request_token_body(redirect_to)
        token = self._send(
            _core.CREATE_REQUEST_TOKEN,
            lambda: create_a_request_token.sync_detailed(client=self._api, body=body),
            self._secrets(),
        )
        return _core.request_token_result(token, redirect_to, self._settings.site_url)

    def create_access_token(self, request_token: str | RequestToken) -> AccessToken:
        """Exchange ``request_token`` (approved by the user) for their access token.

        Raises:
            InvalidInputError: ``request_token`` is not a plausible token (nothing was sent).
            RequestTokenNotApprovedError: the user has not approved it yet (call again later).
            InvalidRequestTokenError: it expired, was denied or was already exchanged.
            APIError: TMDB answered with another error; see its subclasses.
            ResponseFormatError: a 2xx response without a usable token.
            NetworkError: the connection failed or timed out.
            ClientClosedError: the client was closed.
        """
        self._check_open()
        value = _request_token_value(request_token)
        body = _core.access_token_body(value)
        return self._send(
            _core.CREATE_ACCESS_TOKEN,
            lambda: create_an_access_token.sync_detailed(client=self._api, body=body),
            self._secrets(value),
        )

    def logout(self, access_token: str | AccessToken) -> None:
        """Revoke the user's access token (``DELETE /4/auth/access_token``).

        Raises:
            InvalidInputError: ``access_token`` is not a plausible token (nothing was sent).
            InvalidAccessTokenError: it is invalid, expired or already revoked.
            APIError: TMDB answered with another error; see its subclasses.
            NetworkError: the connection failed or timed out.
            ClientClosedError: the client was closed.
        """
        self._check_open()
        value = _access_token_value(access_token)
        body = _core.logout_body(value)
        self._send(_core.LOGOUT, lambda: logout.sync_detailed(client=self._api, body=body), self._secrets(value))

    def create_session(self, access_token: str | AccessToken) -> Session:
        """Create a v3 session for the user of ``access_token`` (``POST /3/authentication/session/convert/4``).

        The app's read access token is the Bearer, as for every other call; the user's access
        token goes in the body. The session acts for the user on v3 until `delete_session`.

        Raises:
            InvalidInputError: ``access_token`` is not a plausible token (nothing was sent).
            InvalidAccessTokenError: TMDB rejected the access token (invalid, expired or revoked).
            AuthenticationError: TMDB rejected the app's read access token.
            APIError: TMDB answered with another error; see its subclasses.
            ResponseFormatError: a 2xx response without a usable session id.
            NetworkError: the connection failed or timed out.
            ClientClosedError: the client was closed.
        """
        self._check_open()
        value = _access_token_value(access_token)
        body = _core.create_session_body(value)
        return self._send(
            _core.CREATE_SESSION,
            lambda: authentication_create_session_from_v4_token.sync_detailed(client=self._api, body=body),
            self._secrets(value),
        )

    def delete_session(self, session: str | Session) -> None:
        """End a v3 session (``DELETE /3/authentication/session``); the read access token is the Bearer.

        Raises:
            InvalidInputError: ``session`` is not a plausible session id (nothing was sent).
            InvalidSessionError: TMDB does not know the session: already ended, or never created.
            AuthenticationError: TMDB rejected the app's read access token.
            APIError: TMDB answered with another error; see its subclasses.
            NetworkError: the connection failed or timed out.
            ClientClosedError: the client was closed.
        """
        self._check_open()
        value = _session_value(session)
        body = _core.delete_session_body(value)
        self._send(
            _core.DELETE_SESSION,
            lambda: authentication_delete_session.sync_detailed(client=self._api, body=body),
            self._secrets(value),
        )

    def check_access_token(self, access_token: str | AccessToken) -> None:
        """Ask TMDB whether it accepts the user's access token, with a call that changes nothing.

        Reads the first page of the user's lists (``GET /4/account/{account_object_id}/lists``)
        with the access token as the Bearer; the app's read access token is not sent. The
        account is ``access_token.account_id``, or for a plain string the JWT's ``sub`` claim.
        Returns None when TMDB accepted it.

        Raises:
            InvalidInputError: the token is malformed or does not say its account (nothing was sent).
            InvalidAccessTokenError: TMDB rejected it: invalid, expired or revoked.
            APIError: TMDB answered with another error; see its subclasses.
            NetworkError: the connection failed or timed out.
            ClientClosedError: the client was closed.
        """
        self._check_open()
        value, account = _account_checked(access_token)
        with self._user_api(value) as api:
            self._send(
                _core.CHECK_ACCESS_TOKEN,
                lambda: account_lists_v4.sync_detailed(account, client=api, page=1),
                self._secrets(value),
            )

    @contextmanager
    def _user_api(self, access_token: str) -> Iterator[AuthenticatedClient]:
        """A generated client with the user's access token as the Bearer, on an httpx client of its own (the same
        options, transport and bounds as this one's), closed afterwards."""
        from ._transport import build_httpx_client

        settings, api = self._as_user(access_token)
        http = build_httpx_client(
            httpx.Client, settings, transport=self._transport, client_options=self._client_options
        )
        api.set_httpx_client(http)
        with http:
            yield api

    def close(self) -> None:
        """Close the connection pool (not a transport you passed in). Idempotent."""
        if not self._closed:
            self._closed = True
            self._http.close()

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
    """TMDB v4 user login (asyncio): the same operations as `TMDBAuth`, awaited.

    Takes the same arguments as `TMDBAuth` (``transport`` is an ``httpx.AsyncBaseTransport``,
    ``client_options`` go to ``httpx.AsyncClient``, ``sleep`` is a coroutine function,
    default ``asyncio.sleep``). Use ``async with``, or ``await aclose()``. Any call may be
    cancelled (``asyncio.wait_for``, a cancelled task) at any point: the client keeps working.
    """

    _http: httpx.AsyncClient

    def _attach(
        self, transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None, client_options: Mapping[str, Any] | None
    ) -> None:
        from ._transport import build_httpx_client

        self._http = build_httpx_client(
            httpx.AsyncClient, self._settings, transport=transport, client_options=client_options
        )
        self._api.set_async_httpx_client(self._http)

    async def _send(self, spec: Spec[M, R], call: Callable[[], Awaitable[Response[M]]], secrets: tuple[str, ...]) -> R:
        retries = 0
        while True:
            self._check_open()
            cause: Exception | None = None
            try:
                response = await call()
            except Exception as exc:  # httpx's, or anything the generated layer or a transport raised
                error, cause = self._failure(spec, exc, secrets)
            else:
                try:
                    return interpret(
                        spec,
                        response.status_code,
                        response.headers,
                        response.content,
                        response.parsed,
                        secrets,
                        server=self._settings.server,
                    )
                except TMDBError as exc:
                    error = exc
            wait = self._retry_wait(spec, error, retries)
            if wait is None:
                raise _detached(error, cause, secrets)
            await (self._sleep or _retry.async_sleep)(wait)
            retries += 1

    async def create_request_token(self, redirect_to: str | None = None) -> RequestToken:
        """Create a request token for the user to approve; see `TMDBAuth.create_request_token`."""
        self._check_open()
        body = _core.request_token_body(redirect_to)
        token = await self._send(
            _core.CREATE_REQUEST_TOKEN,
            lambda: create_a_request_token.asyncio_detailed(client=self._api, body=body),
            self._secrets(),
        )
        return _core.request_token_result(token, redirect_to, self._settings.site_url)

    async def create_access_token(self, request_token: str | RequestToken) -> AccessToken:
        """Exchange ``request_token`` for the user's access token; see `TMDBAuth.create_access_token`."""
        self._check_open()
        value = _request_token_value(request_token)
        body = _core.access_token_body(value)
        return await self._send(
            _core.CREATE_ACCESS_TOKEN,
            lambda: create_an_access_token.asyncio_detailed(client=self._api, body=body),
            self._secrets(value),
        )

    async def logout(self, access_token: str | AccessToken) -> None:
        """Revoke the user's access token; see `TMDBAuth.logout`."""
        self._check_open()
        value = _access_token_value(access_token)
        body = _core.logout_body(value)
        await self._send(
            _core.LOGOUT, lambda: logout.asyncio_detailed(client=self._api, body=body), self._secrets(value)
        )

    async def create_session(self, access_token: str | AccessToken) -> Session:
        """Create a v3 session for the user of ``access_token``; see `TMDBAuth.create_session`."""
        self._check_open()
        value = _access_token_value(access_token)
        body = _core.create_session_body(value)
        return await self._send(
            _core.CREATE_SESSION,
            lambda: authentication_create_session_from_v4_token.asyncio_detailed(client=self._api, body=body),
            self._secrets(value),
        )

    async def delete_session(self, session: str | Session) -> None:
        """End a v3 session; see `TMDBAuth.delete_session`."""
        self._check_open()
        value = _session_value(session)
        body = _core.delete_session_body(value)
        await self._send(
            _core.DELETE_SESSION,
            lambda: authentication_delete_session.asyncio_detailed(client=self._api, body=body),
            self._secrets(value),
        )

    async def check_access_token(self, access_token: str | AccessToken) -> None:
        """Ask TMDB whether it accepts the user's access token; see `TMDBAuth.check_access_token`."""
        self._check_open()
        value, account = _account_checked(access_token)
        async with self._user_api(value) as api:
            await self._send(
                _core.CHECK_ACCESS_TOKEN,
                lambda: account_lists_v4.asyncio_detailed(account, client=api, page=1),
                self._secrets(value),
            )

    @asynccontextmanager
    async def _user_api(self, access_token: str) -> AsyncIterator[AuthenticatedClient]:
        """See `TMDBAuth._user_api`."""
        from ._transport import build_httpx_client

        settings, api = self._as_user(access_token)
        http = build_httpx_client(
            httpx.AsyncClient, settings, transport=self._transport, client_options=self._client_options
        )
        api.set_async_httpx_client(http)
        async with http:
            yield api

    async def aclose(self) -> None:
        """Close the connection pool (not a transport you passed in). Idempotent."""
        if not self._closed:
            self._closed = True
            await self._http.aclose()

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
