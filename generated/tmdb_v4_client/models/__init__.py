"""Contains all the data models used in inputs/outputs"""

from .create_a_request_token_body import CreateARequestTokenBody
from .create_a_request_token_response_200 import CreateARequestTokenResponse200
from .create_an_access_token_body import CreateAnAccessTokenBody
from .create_an_access_token_response_200 import CreateAnAccessTokenResponse200
from .logout_body import LogoutBody
from .logout_response_200 import LogoutResponse200

__all__ = (
    "CreateARequestTokenBody",
    "CreateARequestTokenResponse200",
    "CreateAnAccessTokenBody",
    "CreateAnAccessTokenResponse200",
    "LogoutBody",
    "LogoutResponse200",
)
