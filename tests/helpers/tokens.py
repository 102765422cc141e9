"""Distinctive secrets: if any of these strings shows up in output, a secret leaked."""

from __future__ import annotations

import base64
import json
import traceback
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


def exception_chain(error: BaseException) -> list[BaseException]:
    """`error` and every exception reachable through ``__cause__`` and ``__context__``.

    Both links are followed whether or not ``__suppress_context__`` hides the context from a
    printed traceback: a suppressed context is still an attribute anyone can read.
    """
    chain: list[BaseException] = []
    pending: list[BaseException] = [error]
    while pending:
        current = pending.pop()
        if any(current is seen for seen in chain):
            continue
        chain.append(current)
        pending.extend(link for link in (current.__cause__, current.__context__) if link is not None)
    return chain


def assert_error_has_no_secret(error: BaseException, secrets: Iterable[str] = SECRETS) -> None:
    """No secret in the str, repr, args or attributes of `error` and of every exception chained
    to it, nor in its printed traceback (``traceback.format_exception``)."""
    secrets = tuple(secrets)
    for each in exception_chain(error):
        texts = [repr(each), str(each), *(repr(arg) for arg in each.args)]
        texts += [repr(value) for value in vars(each).values()]
        for text in texts:
            assert_no_secret(text, secrets, where=f"{type(each).__name__} in the chain of {type(error).__name__}")
    assert_no_secret("".join(traceback.format_exception(error)), secrets, where="the printed traceback")


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
