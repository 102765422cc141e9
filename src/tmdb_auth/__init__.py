"""tmdb_auth: TMDB's v4 user login, sync and async, typed and bounded.

    from tmdb_auth import TMDBAuth

    with TMDBAuth() as auth:  # reads TMDB_READ_ACCESS_TOKEN
        request = auth.create_request_token()
        # send the user to request.approval_url; once they approved:
        token = auth.create_access_token(request)
        ...
        auth.logout(token)

Built on the generated client `tmdb_v4_client`; every error is a `TMDBError`.
"""

import logging

from . import _logs
from ._settings import DEFAULT_BASE_URL, DEFAULT_SITE_URL, DEFAULT_TIMEOUT, READ_TOKEN_ENV
from ._transport import DEFAULT_ASYNC_LIMITS
from ._version import __version__
from .client import AsyncTMDBAuth, TMDBAuth, approval_url
from .errors import (
    APIError,
    AuthenticationError,
    ClientClosedError,
    ConfigurationError,
    CredentialStoreError,
    InvalidAccessTokenError,
    InvalidInputError,
    InvalidRequestTokenError,
    LoginDeniedError,
    LoginError,
    LoginExpiredError,
    LoginRejectedError,
    NetworkError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestTimeoutError,
    RequestTokenNotApprovedError,
    ResponseFormatError,
    ResponseTooLargeError,
    ServerError,
    ServiceUnavailableError,
    TMDBError,
)
from .models import AccessToken, RequestToken
from .store import Credentials, CredentialStore

# A library does not print: retries are logged on "tmdb_auth" only where the application configures logging.
logging.getLogger("tmdb_auth").addHandler(logging.NullHandler())
# httpx's and httpcore's own records never carry what a server sent back (see _logs).
_logs.install()

__all__ = [
    "DEFAULT_ASYNC_LIMITS",
    "DEFAULT_BASE_URL",
    "DEFAULT_SITE_URL",
    "DEFAULT_TIMEOUT",
    "READ_TOKEN_ENV",
    "APIError",
    "AccessToken",
    "AsyncTMDBAuth",
    "AuthenticationError",
    "ClientClosedError",
    "ConfigurationError",
    "CredentialStore",
    "CredentialStoreError",
    "Credentials",
    "InvalidAccessTokenError",
    "InvalidInputError",
    "InvalidRequestTokenError",
    "LoginDeniedError",
    "LoginError",
    "LoginExpiredError",
    "LoginRejectedError",
    "NetworkError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestTimeoutError",
    "RequestToken",
    "RequestTokenNotApprovedError",
    "ResponseFormatError",
    "ResponseTooLargeError",
    "ServerError",
    "ServiceUnavailableError",
    "TMDBAuth",
    "TMDBError",
    "__version__",
    "approval_url",
]
