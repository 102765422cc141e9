"""Contains all the data models used in inputs/outputs"""

from .create_an_access_token_body import CreateAnAccessTokenBody
from .create_an_access_token_response_200 import CreateAnAccessTokenResponse200

__all__ = (
    "CreateAnAccessTokenBody",
    "CreateAnAccessTokenResponse200",
)
