"""The exception tree: every error the facade raises is a `TMDBError`, catchable by meaning.

    TMDBError
    ├── ConfigurationError (also ValueError)     bad read token, base URL or option
    ├── InvalidInputError (also ValueError)      bad request token, before any request
    ├── ClientClosedError (also RuntimeError)    a call after close()
    ├── APIError                                 TMDB answered with an error
    │   ├── AuthenticationError                  the app's read access token was rejected (7, 10, 14)
    │   ├── PermissionDeniedError                a credential lacks a permission (3, 36, 38, 39, 45, HTTP 403)
    │   ├── InvalidRequestTokenError             request token expired, unknown or used (code 33)
    │   ├── RequestTokenNotApprovedError         the user has not approved it yet (code 41)
    │   ├── InvalidAccessTokenError              the user's access token is invalid or revoked (35/17 on logout)
    │   ├── InvalidSessionError                  the v3 session is ended or unknown (37, 17 on delete_session)
    │   ├── RateLimitError                       HTTP 429 / code 25
    │   ├── NotFoundError                        HTTP 404
    │   └── ServerError                          HTTP >= 500
    │       └── ServiceUnavailableError          HTTP 503 / code 9 / code 46: refused, try later
    ├── ResponseFormatError                      a response the client cannot use
    │   └── ResponseTooLargeError                the body exceeded max_response_bytes
    ├── NetworkError                             connection failed
    │   └── RequestTimeoutError                  timed out (or exceeded the attempt deadline)
    ├── LoginError                               the interactive login (tmdb_auth.login) ended: start again
    │   ├── LoginDeniedError                     the user clicked Deny
    │   ├── LoginExpiredError                    the request token expired (or the wait timed out)
    │   └── LoginRejectedError (also InvalidRequestTokenError)  code 33 while waiting
    └── CredentialStoreError                     the stored credentials cannot be used safely

No message or attribute ever contains the read access token, a request token, an access
token or a session id. Where a low-level exception (httpx, h11, json...) caused the error, the
``__cause__`` stands in for it: the same type (or a `RedactedCause` naming it) with the
same message, every token redacted, and the same traceback; never the original itself,
whose message may quote what a hostile server sent back, Authorization header included.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path


class TMDBError(Exception):
    """Base class of every error raised by tmdb_auth."""


class ConfigurationError(TMDBError, ValueError):
    """The client was configured wrongly (missing read token, bad base URL, bad option)."""


class InvalidInputError(TMDBError, ValueError):
    """An argument is not acceptable; raised before any request is sent."""


class ClientClosedError(TMDBError, RuntimeError):
    """The client was used after `close()` / leaving its `with` block."""


class APIError(TMDBError):
    """TMDB answered with an error.

    Attributes:
        http_status: the HTTP status code.
        tmdb_code: TMDB's ``status_code`` from the error body, or None.
        tmdb_message: TMDB's ``status_message`` from the error body, or None.
        retry_after: seconds the server asked to wait (``Retry-After``), or None.
    """

    def __init__(
        self,
        message: str,
        *,
        http_status: int,
        tmdb_code: int | None = None,
        tmdb_message: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.http_status = http_status
        self.tmdb_code = tmdb_code
        self.tmdb_message = tmdb_message
        self.retry_after = retry_after


class AuthenticationError(APIError):
    """TMDB rejected the app's API Read Access Token (HTTP 401; TMDB codes 7, 10, 14, or none)."""


class PermissionDeniedError(APIError):
    """A credential TMDB accepted lacks a permission (codes 3, 36, 38, 39, 45, or HTTP 403).

    Code 36 ("this token hasn't been granted write permission") usually means the app's
    read access token (read-only) was used where a user access token is needed.
    """


class InvalidAccessTokenError(APIError):
    """The user's access token is invalid, expired or already revoked (code 35 or 17 on logout)."""


class InvalidSessionError(APIError):
    """The v3 session is already ended, or unknown (TMDB code 37 "session not found", or 17 on delete_session)."""


class InvalidRequestTokenError(APIError):
    """The request token is expired, unknown or was already exchanged (TMDB code 33)."""


class RequestTokenNotApprovedError(APIError):
    """The user has not approved the request token yet (TMDB code 41, HTTP 422)."""


class RateLimitError(APIError):
    """TMDB rate-limited the call (HTTP 429 or TMDB code 25); see ``retry_after``."""


class NotFoundError(APIError):
    """HTTP 404: usually a wrong ``base_url``."""


class ServerError(APIError):
    """TMDB or a proxy in front of it failed (HTTP >= 500)."""


class ServiceUnavailableError(ServerError):
    """TMDB refused the request for now (HTTP 503, code 9 offline, code 46 maintenance): try again later."""


class ResponseFormatError(TMDBError):
    """A response the client cannot use: a 2xx without the expected fields, or an undecodable body.

    Attributes:
        http_status: the HTTP status code.
    """

    def __init__(self, message: str, *, http_status: int) -> None:
        super().__init__(message)
        self.http_status = http_status


class ResponseTooLargeError(ResponseFormatError):
    """The response body exceeded ``max_response_bytes``; reading stopped there."""


class NetworkError(TMDBError):
    """The request could not be completed at the network level; ``__cause__`` is the httpx error
    (rebuilt with its message redacted: see the module docstring).

    Attributes:
        request_sent: False when the failure happened before the request reached the
            server (connect error, connect or pool timeout), so the server certainly did
            not act on it (no token was consumed or revoked).
    """

    def __init__(self, message: str, *, request_sent: bool) -> None:
        super().__init__(message)
        self.request_sent = request_sent


class RequestTimeoutError(NetworkError):
    """The request timed out (connect, write, read, waiting for a pooled connection, or the
    whole attempt took longer than ``attempt_timeout``)."""


class RedactedCause(Exception):
    """Stands in, as a `TMDBError`'s ``__cause__``, for a low-level exception whose type cannot
    be rebuilt from a message alone (most causes are rebuilt as their own type instead).

    Its message is the original's type name and message, with every known secret and
    anything shaped like a token replaced by ``<redacted>``; its traceback is the
    original's. It is never raised by the client, only chained.

    Attributes:
        original_type: the qualified class name of the original exception, e.g.
            ``"httpx.RemoteProtocolError"``.
    """

    def __init__(self, message: str, *, original_type: str) -> None:
        super().__init__(message)
        self.original_type = original_type


class LoginError(TMDBError):
    """The interactive login did not complete and cannot: start again with a new request token."""


class LoginDeniedError(LoginError):
    """The user denied the request on TMDB's approval page."""


class LoginExpiredError(LoginError):
    """The request token expired (or the wait timed out) before the user approved it."""


class LoginRejectedError(LoginError, InvalidRequestTokenError):
    """TMDB refused the request token while the login waited (code 33: denied, expired, unknown or used)."""


class CredentialStoreError(TMDBError):
    """The stored credentials cannot be read or written safely; the message says why and what to do.

    Attributes:
        path: the file or directory concerned.
    """

    def __init__(self, message: str, *, path: Path) -> None:
        super().__init__(message)
        self.path = path


__all__ = [
    "APIError",
    "AuthenticationError",
    "ClientClosedError",
    "ConfigurationError",
    "CredentialStoreError",
    "InvalidAccessTokenError",
    "InvalidInputError",
    "InvalidRequestTokenError",
    "InvalidSessionError",
    "LoginDeniedError",
    "LoginError",
    "LoginExpiredError",
    "LoginRejectedError",
    "NetworkError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestTimeoutError",
    "RequestTokenNotApprovedError",
    "ResponseFormatError",
    "ResponseTooLargeError",
    "ServerError",
    "ServiceUnavailableError",
    "TMDBError",
]


def one_line(text: str) -> str:
    """`text` with every non-printable character (newline, escape, ...) as a space: it cannot start a
    second line or drive a terminal (server messages in errors, the command line's error lines)."""
    return "".join(char if char.isprintable() else " " for char in text)
