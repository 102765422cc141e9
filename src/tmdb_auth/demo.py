"""``tmdb-auth demo``: the whole v4 login flow against a local emulator, step by step."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from .client import TMDBAuth
from .errors import InvalidRequestTokenError
from .models import decode_jwt_payload


def preview(token: str) -> str:
    """A token shown without revealing it: the JWT header prefix (the same for every token) and its length."""
    return f"{token[:10]}... ({len(token)} characters)"


def run_demo(out: Callable[[str], None]) -> int:
    """Run the demo, writing readable lines to `out`; returns the exit code (0 on success)."""
    from .emulator import Emulator

    with Emulator(auto_approve=True) as emulator:  # no browser here: GET /auth/access approves at once
        out(f"1. Started the TMDB v4 auth emulator at {emulator.base_url} (nothing leaves this machine)")
        bearer = {"Authorization": f"Bearer {emulator.read_token}"}
        with httpx.Client(base_url=emulator.base_url, headers=bearer, timeout=10) as http:
            created = http.post("/4/auth/request_token", json={}).raise_for_status().json()
            request_token = created["request_token"]
            claims = decode_jwt_payload(request_token)
            out(
                f"2. Created a request token (POST /4/auth/request_token): {preview(request_token)}, "
                f"scopes {', '.join(claims.get('scopes', []))}, valid for 15 minutes"
            )

            approval = http.get("/auth/access", params={"request_token": request_token})
            out(f"3. The user approved it on the approval page (GET /auth/access): HTTP {approval.status_code}")

            with TMDBAuth(emulator.read_token, base_url=emulator.base_url) as auth:
                token = auth.create_access_token(request_token)
                out(
                    "4. Exchanged it for a user access token (POST /4/auth/access_token through TMDBAuth): "
                    f"{preview(token.access_token)}, account {token.account_id}, scopes {', '.join(token.scopes)}"
                )
                try:
                    auth.create_access_token(request_token)
                except InvalidRequestTokenError as error:
                    out(
                        f"5. Exchanging the same request token again is refused: {type(error).__name__} "
                        f"(HTTP {error.http_status}, TMDB code {error.tmdb_code})"
                    )
                else:
                    out("5. Unexpected: the request token could be exchanged twice")
                    return 1

            logout = http.request("DELETE", "/4/auth/access_token", json={"access_token": token.access_token})
            out(f"6. Logged out (DELETE /4/auth/access_token): {logout.json()['status_message']}")
    out("Done: the whole TMDB v4 user login ran offline.")
    return 0
