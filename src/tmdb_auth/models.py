"""The facade's result type."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

import attrs


@attrs.frozen
class AccessToken:
    """A TMDB v4 user access token and the account it belongs to. Immutable.

    ``repr`` and ``str`` never show the token itself.
    """

    access_token: str = attrs.field(repr=False)
    """The user access token: send it as ``Authorization: Bearer <access_token>`` to v4 user endpoints."""
    account_id: str
    """The v4 account id (``account_object_id``) the token acts for."""

    @property
    def claims(self) -> dict[str, Any]:
        """The token's JWT payload, decoded **without** verifying the signature; ``{}`` if not a JWT.

        For display and routing only (scopes, subject): never trust it for authorization.
        """
        return decode_jwt_payload(self.access_token)

    @property
    def scopes(self) -> tuple[str, ...]:
        """The ``scopes`` claim (TMDB issues ``api_read`` and ``api_write``), or ``()``."""
        scopes = self.claims.get("scopes")
        if isinstance(scopes, list):
            return tuple(scope for scope in scopes if isinstance(scope, str))
        return ()


def decode_jwt_payload(token: str) -> dict[str, Any]:
    """The JSON payload of a compact JWS (``header.payload.signature``), unverified; ``{}`` otherwise."""
    parts = token.split(".")
    if len(parts) != 3:
        return {}
    segment = parts[1]
    try:
        raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
        payload = json.loads(raw)
    except (binascii.Error, ValueError):
        return {}
    return payload if isinstance(payload, dict) else {}
