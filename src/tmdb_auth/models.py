"""The facade's result types."""

from __future__ import annotations

import base64
import binascii
import json
import math
from datetime import UTC, datetime
from typing import Any

import attrs


@attrs.frozen
class RequestToken:
    """A request token waiting for the user's approval (step 1 of the v4 login). Immutable.

    Send the user to ``approval_url``; once they approved, pass this object (or its
    ``request_token``) to ``create_access_token``. ``repr`` and ``str`` never show the
    token, nor the approval URL (which carries it).
    """

    request_token: str = attrs.field(repr=False)
    """The request token itself (TMDB issues a JWT, valid for 15 minutes)."""
    expires_at: datetime | None
    """When it expires (UTC, from the JWT's ``exp`` claim), or ``None`` if the token does not say."""
    redirect_to: str | None
    """Where TMDB sends the user after approval, as given to ``create_request_token``."""
    approval_url: str = attrs.field(repr=False)
    """The TMDB page where the user approves it (``<site_url>/auth/access?request_token=...``)."""


def jwt_expiry(token: str) -> datetime | None:
    """The UTC expiry from a JWT's ``exp`` claim (unverified), or None if absent or unusable."""
    exp = decode_jwt_payload(token).get("exp")
    if isinstance(exp, bool) or not isinstance(exp, int | float) or not math.isfinite(exp):
        return None
    try:
        return datetime.fromtimestamp(exp, UTC)
    except (OverflowError, OSError, ValueError):
        return None


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


@attrs.frozen(repr=False)
class Session:
    """A TMDB v3 session for one user, made from their v4 access token (``create_session``). Immutable.

    v3 calls that act for the user (ratings, favourites, watchlist, v3 lists) take it as
    ``?session_id=``. It lives until ``delete_session`` ends it (the v4 logout does not). It is a
    secret like the tokens: ``repr`` and ``str`` never show it.
    """

    session_id: str
    """The session id (TMDB issues 40 hex digits). TMDB's answer carries nothing else."""

    def __repr__(self) -> str:
        return "Session(session_id=<redacted>)"


def decode_jwt_payload(token: str) -> dict[str, Any]:
    """The JSON payload of a compact JWS (``header.payload.signature``), unverified; ``{}`` otherwise."""
    parts = token.split(".")
    if len(parts) != 3:
        return {}
    segment = parts[1]
    try:
        raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
        payload = json.loads(raw)
    except (binascii.Error, ValueError, RecursionError):  # a deeply nested payload raises RecursionError
        return {}
    return payload if isinstance(payload, dict) else {}
