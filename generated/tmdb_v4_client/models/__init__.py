"""Contains all the data models used in inputs/outputs (each imported on first use)"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .authentication_create_session_from_v4_token_body import (
        AuthenticationCreateSessionFromV4TokenBody,
    )
    from .authentication_create_session_from_v4_token_response_200 import (
        AuthenticationCreateSessionFromV4TokenResponse200,
    )
    from .authentication_delete_session_body import AuthenticationDeleteSessionBody
    from .authentication_delete_session_response_200 import (
        AuthenticationDeleteSessionResponse200,
    )
    from .create_a_request_token_body import CreateARequestTokenBody
    from .create_a_request_token_response_200 import CreateARequestTokenResponse200
    from .create_an_access_token_body import CreateAnAccessTokenBody
    from .create_an_access_token_response_200 import CreateAnAccessTokenResponse200
    from .logout_body import LogoutBody
    from .logout_response_200 import LogoutResponse200

_MODULES = {
    "AuthenticationCreateSessionFromV4TokenBody": ".authentication_create_session_from_v4_token_body",
    "AuthenticationCreateSessionFromV4TokenResponse200": ".authentication_create_session_from_v4_token_response_200",
    "AuthenticationDeleteSessionBody": ".authentication_delete_session_body",
    "AuthenticationDeleteSessionResponse200": ".authentication_delete_session_response_200",
    "CreateARequestTokenBody": ".create_a_request_token_body",
    "CreateARequestTokenResponse200": ".create_a_request_token_response_200",
    "CreateAnAccessTokenBody": ".create_an_access_token_body",
    "CreateAnAccessTokenResponse200": ".create_an_access_token_response_200",
    "LogoutBody": ".logout_body",
    "LogoutResponse200": ".logout_response_200",
}

__all__ = (
    "AuthenticationCreateSessionFromV4TokenBody",
    "AuthenticationCreateSessionFromV4TokenResponse200",
    "AuthenticationDeleteSessionBody",
    "AuthenticationDeleteSessionResponse200",
    "CreateARequestTokenBody",
    "CreateARequestTokenResponse200",
    "CreateAnAccessTokenBody",
    "CreateAnAccessTokenResponse200",
    "LogoutBody",
    "LogoutResponse200",
)

if not TYPE_CHECKING:

    def __getattr__(name: str) -> object:
        import importlib

        try:
            module = _MODULES[name]
        except KeyError:
            raise AttributeError(
                f"module {__name__!r} has no attribute {name!r}"
            ) from None
        value = getattr(importlib.import_module(module, __name__), name)
        globals()[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(globals()) | set(__all__))
