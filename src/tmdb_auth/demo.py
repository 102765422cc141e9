"""``tmdb-auth demo``: the whole v4 login flow against a local emulator, step by step, through the facade."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from .client import TMDBAuth
from .errors import InvalidAccessTokenError, InvalidRequestTokenError
from .models import decode_jwt_payload


def preview(token: str) -> str:
    """A token shown without revealing it: the JWT header prefix (the same for every token) and its length."""
    return f"{token[:10]}... ({len(token)} characters)"


def run_demo(out: Callable[[str], None]) -> int:
    """Run the demo, writing readable lines to `out`; returns the exit code (0 on success)."""
    from .emulator import Emulator

    with Emulator(auto_approve=True) as emulator:  # no browser here: GET /auth/access approves at once
        out(f"1. Started the TMDB v4 auth emulator at {emulator.base_url} (nothing leaves this machine)")
        # The emulator serves the API and the approval page, so it is both base_url and site_url.
        with TMDBAuth(emulator.read_token, base_url=emulator.base_url, site_url=emulator.base_url) as auth:
            request = auth.create_request_token()
            scopes = decode_jwt_payload(request.request_token).get("scopes", [])
            expires = request.expires_at.strftime("%H:%M:%S UTC") if request.expires_at else "unknown"
            out(
                f"2. Created a request token (create_request_token): {preview(request.request_token)}, "
                f"scopes {', '.join(scopes)}, expires at {expires}"
            )

            # A browser would open request.approval_url; the emulator's page approves at once.
            approval = httpx.get(request.approval_url, timeout=10)
            out(f"3. The user approved it on the approval page (GET approval_url): HTTP {approval.status_code}")

            token = auth.create_access_token(request)
            out(
                "4. Exchanged it for a user access token (create_access_token): "
                f"{preview(token.access_token)}, account {token.account_id}, scopes {', '.join(token.scopes)}"
            )
            try:
                auth.create_access_token(request)
            except InvalidRequestTokenError as error:
                out(
                    f"5. Exchanging the same request token again is refused: {type(error).__name__} "
                    f"(HTTP {error.http_status}, TMDB code {error.tmdb_code})"
                )
            else:
                out("5. Unexpected: the request token could be exchanged twice")
                return 1

            auth.logout(token)
            out("6. Logged out (logout): the access token is revoked")
            try:
                auth.logout(token)
            except InvalidAccessTokenError as error:
                out(f"7. Logging out again is refused: {type(error).__name__} (TMDB code {error.tmdb_code})")
            else:
                out("7. Unexpected: the revoked access token was accepted again")
                return 1
    out("Done: the whole TMDB v4 user login ran offline.")
    return 0
