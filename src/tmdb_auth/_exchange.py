"""The sans-I/O core of the exchange: request token in, request body out; response in,
AccessToken or a typed error out. No I/O here: the sync and async clients share all of it.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from tmdb_v4_client.models import CreateAnAccessTokenBody

from .errors import (
    APIError,
    AuthenticationError,
    InvalidInputError,
    InvalidRequestTokenError,
    NetworkError,
    NotFoundError,
    RateLimitError,
    RequestTimeoutError,
    RequestTokenNotApprovedError,
    ResponseFormatError,
    ServerError,
    TMDBError,
)
from .models import AccessToken

MAX_REQUEST_TOKEN_LENGTH = 4096
_REQUEST_TOKEN = re.compile(r"[\x21-\x7e]+")  # visible ASCII: no whitespace, control or non-ASCII characters
_MAX_MESSAGE = 200
_REDACTED = "<redacted>"

# TMDB status codes (https://developer.themoviedb.org/docs/errors). A 401 with any other
# code (3, 7, 10, 14, 35 reject the read access token) or none is an AuthenticationError.
INVALID_REQUEST_TOKEN_CODE = 33
NOT_APPROVED_CODE = 41
RATE_LIMIT_CODE = 25

_CONSUMED_HINT = (
    "The server may have processed the request, so the request token may already be consumed: "
    "do not retry blindly; if a retry fails with InvalidRequestTokenError, start the login again "
    "with a new request token."
)


def build_request_body(request_token: object) -> CreateAnAccessTokenBody:
    """Validate the request token and build the generated request model; InvalidInputError if bad."""
    if not isinstance(request_token, str):
        raise InvalidInputError(f"request_token must be a str, not {type(request_token).__name__}")
    if not request_token:
        raise InvalidInputError("request_token is empty: pass the request token the user approved")
    if len(request_token) > MAX_REQUEST_TOKEN_LENGTH:
        raise InvalidInputError(
            f"request_token is {len(request_token)} characters long, more than {MAX_REQUEST_TOKEN_LENGTH}: "
            "this is not a TMDB request token"
        )
    if not _REQUEST_TOKEN.fullmatch(request_token):
        raise InvalidInputError(
            "request_token contains whitespace, control or non-ASCII characters: pass the token exactly as "
            "TMDB returned it (check for a trailing newline)"
        )
    return CreateAnAccessTokenBody(request_token=request_token)


def redact(text: str, secrets: Iterable[str]) -> str:
    """Replace every secret in text (server-provided text may echo one back)."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, _REDACTED)
    return text


def _json_or_none(content: bytes) -> Any:
    try:
        return json.loads(content)
    except (ValueError, RecursionError):  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        return None


def _tmdb_code(payload: Any) -> int | None:
    code = payload.get("status_code") if isinstance(payload, dict) else None
    if isinstance(code, bool) or not isinstance(code, int | float) or not math.isfinite(code):
        return None
    return int(code) if code == int(code) else None


def _tmdb_message(payload: Any, secrets: Iterable[str]) -> str | None:
    message = payload.get("status_message") if isinstance(payload, dict) else None
    if not isinstance(message, str):
        return None
    printable = "".join(char if char.isprintable() else " " for char in message[: _MAX_MESSAGE * 2])
    printable = redact(printable, secrets)
    return printable if len(printable) <= _MAX_MESSAGE else printable[:_MAX_MESSAGE] + "..."


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date), or None."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if math.isfinite(seconds) else None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    current = now or datetime.now(UTC)
    return max(0.0, (moment - current).total_seconds())


def _describe(status: int, code: int | None, message: str | None) -> str:
    detail = f"HTTP {status}"
    if code is not None:
        detail += f", TMDB status_code {code}"
    if message:
        detail += f": {message!r}"
    return detail


def api_error(
    status: int, headers: Mapping[str, str], payload: Any, secrets: Iterable[str], now: datetime | None = None
) -> APIError:
    """The typed error for a non-2xx response."""
    secrets = tuple(secrets)
    code = _tmdb_code(payload)
    message = _tmdb_message(payload, secrets)
    retry_after = parse_retry_after(headers.get("retry-after"), now)
    fields: dict[str, Any] = {
        "http_status": status,
        "tmdb_code": code,
        "tmdb_message": message,
        "retry_after": retry_after,
    }
    what = _describe(status, code, message)
    if status >= 500:
        hint = "TMDB is temporarily unavailable; try again later." if status == 503 else _CONSUMED_HINT
        if payload is None:
            what += " with a non-JSON body (an error page from TMDB or a proxy in front of it)"
        return ServerError(f"TMDB server error ({what}). {hint}", **fields)
    if code == INVALID_REQUEST_TOKEN_CODE:
        return InvalidRequestTokenError(
            f"TMDB rejected the request token: it is expired, unknown or was already exchanged ({what}). "
            "Create a new request token and have the user approve it again.",
            **fields,
        )
    if code == NOT_APPROVED_CODE:
        return RequestTokenNotApprovedError(
            f"The user has not approved the request token yet ({what}). Send the user to TMDB's approval page "
            "(https://www.themoviedb.org/auth/access?request_token=...) and call again once they have approved it.",
            **fields,
        )
    if status == 429 or code == RATE_LIMIT_CODE:
        wait = f"retry in {retry_after:g} seconds" if retry_after is not None else "wait a little and retry"
        return RateLimitError(f"TMDB rate limit exceeded ({what}): {wait}.", **fields)
    if status == 401:
        return AuthenticationError(
            f"TMDB rejected the API Read Access Token ({what}). Check TMDB_READ_ACCESS_TOKEN or read_access_token: "
            "it must be the 'API Read Access Token' from https://www.themoviedb.org/settings/api, not the v3 API key.",
            **fields,
        )
    if status == 404:
        return NotFoundError(
            f"Not found ({what}): check base_url; it should be the API root, e.g. https://api.themoviedb.org "
            "(without /3 or /4).",
            **fields,
        )
    return APIError(f"TMDB answered with an error ({what}).", **fields)


def interpret_response(
    status: int,
    headers: Mapping[str, str],
    content: bytes,
    secrets: Iterable[str] = (),
    now: datetime | None = None,
) -> AccessToken:
    """Turn any HTTP response into an AccessToken, or raise the matching TMDBError."""
    payload = _json_or_none(content)
    if not 200 <= status < 300:
        raise api_error(status, headers, payload, secrets, now)
    if payload is None:
        raise ResponseFormatError(
            f"TMDB answered HTTP {status} but the body is not JSON ({len(content)} bytes): check base_url points "
            "at the TMDB API, not a website or proxy page.",
            http_status=status,
        )
    if not isinstance(payload, dict):
        raise ResponseFormatError(
            f"TMDB answered HTTP {status} with a JSON {type(payload).__name__}, not an object: this is not an "
            "access-token response.",
            http_status=status,
        )
    if payload.get("success") is False:
        what = _describe(status, _tmdb_code(payload), _tmdb_message(payload, secrets))
        raise ResponseFormatError(
            f"TMDB answered with success=false ({what}); no access token was issued.", http_status=status
        )
    values = {}
    for field in ("access_token", "account_id"):
        value = payload.get(field)
        if not isinstance(value, str) or not value:
            found = "missing" if field not in payload else f"a {type(value).__name__}, not a non-empty string"
            raise ResponseFormatError(
                f"TMDB answered HTTP {status} but {field!r} is {found}: the response does not match the API spec.",
                http_status=status,
            )
        values[field] = value
    return AccessToken(access_token=values["access_token"], account_id=values["account_id"])


def transport_error(exc: httpx.HTTPError, secrets: Iterable[str] = ()) -> TMDBError:
    """The typed error for an httpx exception raised while sending or receiving."""
    kind = type(exc).__name__
    detail = redact(str(exc), secrets)[:_MAX_MESSAGE]
    if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
        return RequestTimeoutError(
            f"Timed out before the request was sent ({kind}); the request token was not used. "
            "Check your network, or raise timeout.",
            request_sent=False,
        )
    if isinstance(exc, httpx.TimeoutException):
        return RequestTimeoutError(f"Timed out waiting for TMDB ({kind}). {_CONSUMED_HINT}", request_sent=True)
    if isinstance(exc, httpx.ConnectError):
        return NetworkError(
            f"Could not connect to TMDB ({kind}: {detail}); the request token was not used. "
            "Check base_url and your network, then retry.",
            request_sent=False,
        )
    if isinstance(exc, httpx.TransportError):
        return NetworkError(
            f"The connection failed during the request ({kind}: {detail}). {_CONSUMED_HINT}", request_sent=True
        )
    if isinstance(exc, httpx.DecodingError):
        return ResponseFormatError(f"The response body could not be decoded ({kind}).", http_status=0)
    return NetworkError(f"The request failed ({kind}). {_CONSUMED_HINT}", request_sent=True)


def is_retryable(error: TMDBError, max_retry_after: float) -> bool:
    """True where the server surely did not consume the request token, so a retry is safe.

    HTTP 429 and 503 (the request was refused, not processed) and failures before the
    request was sent. A Retry-After longer than max_retry_after is not waited for.
    """
    if isinstance(error, RateLimitError) or (isinstance(error, ServerError) and error.http_status == 503):
        return error.retry_after is None or error.retry_after <= max_retry_after
    return isinstance(error, NetworkError) and not error.request_sent
