"""tmdb_auth: finish TMDB's v4 user login by exchanging an approved request token for an access token.

    from tmdb_auth import TMDBAuth

    with TMDBAuth() as auth:  # reads TMDB_READ_ACCESS_TOKEN
        token = auth.create_access_token(request_token)
    token.access_token, token.account_id

Built on the generated client `tmdb_v4_client`; every error is a `TMDBError`.
"""

import logging

from ._settings import DEFAULT_BASE_URL, READ_TOKEN_ENV
from ._version import __version__
from .client import AsyncTMDBAuth, TMDBAuth
from .errors import (
    APIError,
    AuthenticationError,
    ClientClosedError,
    ConfigurationError,
    InvalidInputError,
    InvalidRequestTokenError,
    NetworkError,
    NotFoundError,
    RateLimitError,
    RequestTimeoutError,
    RequestTokenNotApprovedError,
    ResponseFormatError,
    ServerError,
    TMDBError,
)
from .models import AccessToken
from .store import Credentials, CredentialStore, CredentialStoreError

# A library does not print: retries are logged on "tmdb_auth" only where the application configures logging.
logging.getLogger("tmdb_auth").addHandler(logging.NullHandler())

__all__ = [
    "DEFAULT_BASE_URL",
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
    "InvalidInputError",
    "InvalidRequestTokenError",
    "NetworkError",
    "NotFoundError",
    "RateLimitError",
    "RequestTimeoutError",
    "RequestTokenNotApprovedError",
    "ResponseFormatError",
    "ServerError",
    "TMDBAuth",
    "TMDBError",
    "__version__",
]
