"""tmdb_auth: TMDB's v4 user login, sync and async, typed and bounded.

    from tmdb_auth import TMDBAuth

    with TMDBAuth() as auth:  # reads TMDB_READ_ACCESS_TOKEN
        request = auth.create_request_token()
        # send the user to request.approval_url; once they approved:
        token = auth.create_access_token(request)
        ...
        auth.logout(token)

Built on the generated client `tmdb_v4_client`; every error is a `TMDBError`.

The names below are loaded on first use (PEP 562): ``from tmdb_auth import TMDBAuth`` imports
the client and httpx, while the command line's ``status``, ``token`` and ``--help``, which send
nothing, import neither.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:
    from ._settings import DEFAULT_BASE_URL, DEFAULT_SITE_URL, DEFAULT_TIMEOUT, READ_TOKEN_ENV
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
        InvalidSessionError,
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
    from .models import AccessToken, RequestToken, Session
    from .store import Credentials, CredentialStore

_HOMES = {
    "._settings": ("DEFAULT_BASE_URL", "DEFAULT_SITE_URL", "DEFAULT_TIMEOUT", "READ_TOKEN_ENV"),
    ".client": ("AsyncTMDBAuth", "TMDBAuth", "approval_url"),
    ".models": ("AccessToken", "RequestToken", "Session"),
    ".store": ("Credentials", "CredentialStore"),
    ".errors": (
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
    ),
}
_HOME_OF = {name: module for module, names in _HOMES.items() for name in names}

__all__ = [
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
    "RequestToken",
    "RequestTokenNotApprovedError",
    "ResponseFormatError",
    "ResponseTooLargeError",
    "ServerError",
    "ServiceUnavailableError",
    "Session",
    "TMDBAuth",
    "TMDBError",
    "__version__",
    "approval_url",
]


def __getattr__(name: str) -> Any:
    module = _HOME_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOME_OF])
