"""Distinctive secrets: if any of these strings shows up in output, a secret leaked."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from typing import Any

READ_TOKEN = "READTOKEN-7f3a9c-must-not-leak"
REQUEST_TOKEN = "REQTOKEN-b2e8d1-must-not-leak"
ACCOUNT_ID = "676a950bf68dehye3u9120"


def _segment(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def make_jwt(claims: dict[str, Any], signature: str) -> str:
    return f"{_segment({'alg': 'HS256'})}.{_segment(claims)}.{signature}"


ACCESS_CLAIMS = {"aud": "app", "sub": ACCOUNT_ID, "scopes": ["api_read", "api_write"], "version": 2, "jti": "j1"}
ACCESS_TOKEN = make_jwt(ACCESS_CLAIMS, "ACCESSTOKEN-e91c-must-not-leak")
SECRETS = (READ_TOKEN, REQUEST_TOKEN, ACCESS_TOKEN, "ACCESSTOKEN-e91c-must-not-leak")


def success_body() -> dict[str, Any]:
    return {
        "access_token": ACCESS_TOKEN,
        "account_id": ACCOUNT_ID,
        "status_code": 1,
        "status_message": "Success.",
        "success": True,
    }


def assert_no_secret(text: str, secrets: Iterable[str] = SECRETS, where: str = "") -> None:
    for secret in secrets:
        assert secret not in text, f"a secret leaked into {where or 'the text'}: {text[:300]!r}"


def tmdb_error(code: int, message: str) -> dict[str, Any]:
    return {"success": False, "status_code": code, "status_message": message}


# The facade's other operations: a created request token (a JWT whose signature is the
# distinctive REQUEST_TOKEN, so any leak of it is caught) and the success bodies.
REQUEST_TOKEN_EXP = 1_900_000_000
REQUEST_TOKEN_JWT = make_jwt(
    {"exp": REQUEST_TOKEN_EXP, "scopes": ["pending_request_token"], "version": 2}, REQUEST_TOKEN
)


def request_token_success(token: str = REQUEST_TOKEN_JWT) -> dict[str, Any]:
    return {"request_token": token, "status_code": 1, "status_message": "Success.", "success": True}


def logout_success() -> dict[str, Any]:
    return {"status_code": 13, "status_message": "The item/record was deleted successfully.", "success": True}
