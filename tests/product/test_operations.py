"""Every operation (create_request_token, create_access_token, logout) x sync/async against a loopback
server: request shape, typed result, inputs refused before sending, errors per TMDB code naming the
credential at fault, and the retry rule of each operation counted server-side."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.helpers import Call
from tests.helpers.clock import FakeClock
from tests.helpers.leaks import assert_no_secret_in_error
from tests.helpers.loopback import LoopbackServer, Reply
from tests.helpers.tokens import (
    ACCESS_TOKEN,
    ACCOUNT_ID,
    READ_TOKEN,
    REQUEST_TOKEN,
    REQUEST_TOKEN_EXP,
    REQUEST_TOKEN_JWT,
    assert_no_secret,
    logout_success,
    request_token_success,
    success_body,
    tmdb_error,
)
from tmdb_auth import (
    AccessToken,
    APIError,
    AuthenticationError,
    ConfigurationError,
    InvalidAccessTokenError,
    InvalidInputError,
    InvalidRequestTokenError,
    NetworkError,
    PermissionDeniedError,
    RateLimitError,
    RequestTimeoutError,
    RequestToken,
    ResponseFormatError,
    ServerError,
    ServiceUnavailableError,
    TMDBAuth,
    approval_url,
)

SITE = "https://www.themoviedb.org"

# --- request shape and results -------------------------------------------------------------------


def test_create_request_token(server: LoopbackServer, call: Call) -> None:
    server.reply(Reply(200, request_token_success()))
    request = call("create_request_token", base_url=server.url)
    assert isinstance(request, RequestToken)
    assert request.request_token == REQUEST_TOKEN_JWT
    assert request.expires_at == datetime.fromtimestamp(REQUEST_TOKEN_EXP, UTC)
    assert request.redirect_to is None
    assert request.approval_url == f"{SITE}/auth/access?request_token={REQUEST_TOKEN_JWT}"
    assert_no_secret(repr(request))
    assert_no_secret(str(request))
    (received,) = server.received
    assert (received.method, received.path) == ("POST", "/4/auth/request_token")
    assert received.headers["Authorization"] == f"Bearer {READ_TOKEN}"
    assert received.headers["Content-Type"] == "application/json"
    assert received.json() == {}


def test_create_request_token_with_redirect_and_site_url(server: LoopbackServer, call: Call) -> None:
    server.reply(Reply(200, request_token_success()))
    request = call(
        "create_request_token", "https://app.example/done?x=1", base_url=server.url, site_url="http://127.0.0.1:9"
    )
    assert server.received[0].json() == {"redirect_to": "https://app.example/done?x=1"}
    assert request.redirect_to == "https://app.example/done?x=1"
    assert request.approval_url == f"http://127.0.0.1:9/auth/access?request_token={REQUEST_TOKEN_JWT}"
    assert "app.example" in repr(request)


def test_a_request_token_that_is_not_a_jwt_has_no_expiry(server: LoopbackServer, call: Call) -> None:
    server.reply(Reply(200, request_token_success("opaque-request-token")))
    assert call("create_request_token", base_url=server.url).expires_at is None


# A JWT whose payload is 3,000 nested JSON arrays: json.loads raises RecursionError, not ValueError.
DEEPLY_NESTED_JWT = "eyJhbGciOiJIUzI1NiJ9." + base64.urlsafe_b64encode(b"[" * 3000).decode().rstrip("=") + ".sig"


def test_a_request_token_with_a_deeply_nested_payload_has_no_expiry(server: LoopbackServer, call: Call) -> None:
    server.reply(Reply(200, request_token_success(DEEPLY_NESTED_JWT)))
    assert call("create_request_token", base_url=server.url).expires_at is None


def test_an_access_token_with_a_deeply_nested_payload_has_no_claims() -> None:
    token = AccessToken(access_token=DEEPLY_NESTED_JWT, account_id=ACCOUNT_ID)
    assert token.claims == {}
    assert token.scopes == ()


def test_create_access_token_takes_a_request_token_object(server: LoopbackServer, call: Call) -> None:
    request = RequestToken(request_token=REQUEST_TOKEN, expires_at=None, redirect_to=None, approval_url="x")
    server.reply(Reply(200, success_body()))
    token = call("create_access_token", request, base_url=server.url)
    assert token == AccessToken(access_token=ACCESS_TOKEN, account_id=ACCOUNT_ID)
    assert server.received[0].json() == {"request_token": REQUEST_TOKEN}


@pytest.mark.parametrize("as_object", [False, True], ids=["str", "AccessToken"])
def test_logout(server: LoopbackServer, call: Call, as_object: bool) -> None:
    server.reply(Reply(200, logout_success()))
    token: Any = AccessToken(access_token=ACCESS_TOKEN, account_id=ACCOUNT_ID) if as_object else ACCESS_TOKEN
    assert call("logout", token, base_url=server.url) is None
    (received,) = server.received
    assert (received.method, received.path) == ("DELETE", "/4/auth/access_token")
    assert received.headers["Authorization"] == f"Bearer {READ_TOKEN}", "the app's read token is the Bearer"
    assert received.json() == {"access_token": ACCESS_TOKEN}


# --- inputs refused before anything is sent -------------------------------------------------------


@pytest.mark.parametrize(
    "redirect_to",
    [
        "/relative/path",
        "example.com/cb",
        "ftp://example.com/cb",
        "https://",
        "javascript:alert(1)",
        "https://a b.com",
        "https://example.com/\n",
        "https://exämple.com",
        42,
        "https://example.com/" + "x" * 3000,
    ],
)
def test_bad_redirect_to_is_refused_before_sending(server: LoopbackServer, call: Call, redirect_to: Any) -> None:
    with pytest.raises(InvalidInputError, match="redirect_to") as caught:
        call("create_request_token", redirect_to, base_url=server.url)
    assert isinstance(caught.value, ValueError)
    assert server.received == []


@pytest.mark.parametrize("bad", [None, "", "  ", ACCESS_TOKEN + "\n", "tök", "x" * 4097, b"bytes"])
def test_malformed_access_token_is_refused_before_logout(server: LoopbackServer, call: Call, bad: Any) -> None:
    with pytest.raises(InvalidInputError, match="access_token") as caught:
        call("logout", bad, base_url=server.url)
    assert server.received == []
    assert_no_secret_in_error(caught.value)


# --- approval_url ---------------------------------------------------------------------------------


def test_approval_url_method_and_function(monkeypatch: pytest.MonkeyPatch) -> None:
    with TMDBAuth(READ_TOKEN, site_url="http://localhost:8000/") as auth:
        assert auth.site_url == "http://localhost:8000"
        assert auth.approval_url("abc.def") == "http://localhost:8000/auth/access?request_token=abc.def"
    assert approval_url("abc.def") == f"{SITE}/auth/access?request_token=abc.def"
    monkeypatch.setenv("TMDB_SITE_URL", "http://127.0.0.1:9999")
    assert approval_url("abc.def").startswith("http://127.0.0.1:9999/auth/access?")
    with TMDBAuth(READ_TOKEN) as auth:
        assert auth.site_url == "http://127.0.0.1:9999"
    assert approval_url("t", site_url=SITE, redirect_to="https://a.example/x?y=1") == (
        f"{SITE}/auth/access?request_token=t&redirect_to=https%3A%2F%2Fa.example%2Fx%3Fy%3D1"
    )
    with pytest.raises(InvalidInputError):
        approval_url("bad token")


@pytest.mark.parametrize(
    ("site_url", "message"),
    [
        ("http://www.themoviedb.org", "clear text"),
        ("www.themoviedb.org", "must be an http"),
        ("https://u:p@x.org", "credentials"),
    ],
)
def test_site_url_follows_the_base_url_rules(site_url: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=f"site_url.*{message}"):
        TMDBAuth(READ_TOKEN, site_url=site_url)
    with pytest.raises(ConfigurationError, match="site_url"):
        approval_url("t", site_url=site_url)


# --- errors per operation and TMDB code -----------------------------------------------------------

# (operation, reply, class, words the message must contain: which credential is at fault)
CODE_TABLE: list[tuple[str, Reply, type[APIError], str]] = [
    ("create_request_token", Reply(401, tmdb_error(7, "Invalid API key")), AuthenticationError, "Read Access Token"),
    ("create_request_token", Reply(401, tmdb_error(10, "Suspended API key")), AuthenticationError, "suspended"),
    ("create_request_token", Reply(401, tmdb_error(14, "Authentication failed.")), AuthenticationError, "Read Access"),
    ("create_request_token", Reply(401, tmdb_error(3, "No permissions")), PermissionDeniedError, "no permission"),
    ("create_request_token", Reply(429, tmdb_error(25, "Limit"), {"Retry-After": "99"}), RateLimitError, "retry in 99"),
    ("create_request_token", Reply(503, tmdb_error(46, "Maintenance")), ServiceUnavailableError, "maintenance"),
    (
        "create_access_token",
        Reply(401, tmdb_error(33, "Invalid request token")),
        InvalidRequestTokenError,
        "request token",
    ),
    ("create_access_token", Reply(401, tmdb_error(35, "Invalid token.")), AuthenticationError, "Read Access Token"),
    ("create_access_token", Reply(401, tmdb_error(17, "Session denied.")), AuthenticationError, "Read Access Token"),
    ("logout", Reply(401, tmdb_error(35, "Invalid token.")), InvalidAccessTokenError, "user's access token"),
    ("logout", Reply(401, tmdb_error(17, "Session denied.")), InvalidAccessTokenError, "already revoked"),
    ("logout", Reply(401, tmdb_error(7, "Invalid API key")), AuthenticationError, "Read Access Token"),
    ("logout", Reply(401, b""), AuthenticationError, "or the user's access token"),
    ("logout", Reply(401, tmdb_error(36, "No write permission")), PermissionDeniedError, "read-only"),
    ("logout", Reply(401, tmdb_error(39, "Private")), PermissionDeniedError, "private"),
    ("logout", Reply(403, tmdb_error(45, "User suspended")), PermissionDeniedError, "suspended"),
    ("logout", Reply(503, tmdb_error(9, "Offline")), ServiceUnavailableError, "try again later"),
    ("logout", Reply(502, "<html>bad gateway</html>"), ServerError, "call logout again"),
]
ARGUMENTS = {"create_request_token": (), "create_access_token": (REQUEST_TOKEN,), "logout": (ACCESS_TOKEN,)}


@pytest.mark.parametrize(
    ("operation", "reply", "expected", "words"),
    CODE_TABLE,
    ids=[
        f"{row[0]}-{row[1].status}-{row[1].body.get('status_code') if isinstance(row[1].body, dict) else 'x'}"
        for row in CODE_TABLE
    ],
)
def test_error_classes_per_operation_and_code(
    server: LoopbackServer, call: Call, operation: str, reply: Reply, expected: type[APIError], words: str
) -> None:
    server.reply(reply)
    with pytest.raises(expected) as caught:
        call(operation, *ARGUMENTS[operation], base_url=server.url, max_retries=0)
    assert type(caught.value) is expected
    assert words in str(caught.value)
    assert caught.value.http_status == reply.status
    assert_no_secret_in_error(caught.value)


def test_code_36_explains_the_read_token_is_read_only(server: LoopbackServer, call: Call) -> None:
    server.reply(Reply(401, tmdb_error(36, "This token hasn't been granted write permission by the user.")))
    with pytest.raises(PermissionDeniedError) as caught:
        call("create_access_token", REQUEST_TOKEN, base_url=server.url)
    message = str(caught.value)
    assert "write permission" in message
    assert "read-only" in message
    assert "user's access token" in message


RESPONSE_FORMAT_CASES = [
    ("create_request_token", Reply(200, {"success": True}), "'request_token' is missing"),
    ("create_request_token", Reply(200, request_token_success(" spaced token")), "'request_token' contains whitespace"),
    ("create_request_token", Reply(200, {**request_token_success(), "request_token": 5}), "is a int"),
    ("create_request_token", Reply(201, [1]), "JSON list"),
    ("logout", Reply(200, {**logout_success(), "success": False}), "success=false"),
    ("logout", Reply(200, "<html>ok</html>"), "not JSON"),
]


@pytest.mark.parametrize(("operation", "reply", "message"), RESPONSE_FORMAT_CASES)
def test_unusable_2xx_responses(server: LoopbackServer, call: Call, operation: str, reply: Reply, message: str) -> None:
    server.reply(reply)
    with pytest.raises(ResponseFormatError, match=message) as caught:
        call(operation, *ARGUMENTS[operation], base_url=server.url)
    assert_no_secret_in_error(caught.value)


# --- the retry rule of each operation, counted server-side -----------------------------------------


def always(reply: Reply, count: int = 3) -> list[Reply]:
    return [Reply(reply.status, reply.body, reply.headers, reply.delay, reply.drop) for _ in range(count)]


FAILURES = {
    "429": Reply(429, tmdb_error(25, "Limit")),
    "503": Reply(503, tmdb_error(9, "Offline")),
    "500": Reply(500, tmdb_error(11, "Internal error")),
    "502-html": Reply(502, "<html>bad gateway</html>"),
    "504": Reply(504, tmdb_error(24, "Backend timed out")),
    "read-timeout": Reply(200, b"{}", delay=0.5),
    "dropped": Reply(drop=True),
}
# attempts seen by the server with max_retries=2: 3 = retried twice, 1 = never retried
RETRY_RULES = {
    "create_request_token": {"429": 3, "503": 3, "500": 3, "502-html": 3, "504": 3, "read-timeout": 3, "dropped": 3},
    "create_access_token": {"429": 3, "503": 3, "500": 1, "502-html": 1, "504": 1, "read-timeout": 1, "dropped": 1},
    "logout": {"429": 3, "503": 3, "500": 1, "502-html": 1, "504": 1, "read-timeout": 1, "dropped": 1},
}


@pytest.mark.parametrize("operation", list(RETRY_RULES))
@pytest.mark.parametrize("failure", list(FAILURES))
def test_retry_rule_per_operation(
    server: LoopbackServer, call: Call, fake_clock: FakeClock, operation: str, failure: str
) -> None:
    server.reply(*always(FAILURES[failure]))
    with pytest.raises((APIError, NetworkError)) as caught:
        call(operation, *ARGUMENTS[operation], base_url=server.url, max_retries=2, timeout=0.2)
    expected = RETRY_RULES[operation][failure]
    assert len(server.received) == expected, f"{operation} after {failure}"
    assert len(fake_clock) == expected - 1
    if failure == "read-timeout":
        assert isinstance(caught.value, RequestTimeoutError)
    assert_no_secret_in_error(caught.value)


def test_a_retried_request_token_creation_succeeds(server: LoopbackServer, call: Call, fake_clock: FakeClock) -> None:
    server.reply(Reply(500, b"oops"), Reply(drop=True), Reply(200, request_token_success()))
    assert call("create_request_token", base_url=server.url).request_token == REQUEST_TOKEN_JWT
    assert len(server.received) == 3
    assert all(received.json() == {} for received in server.received)


def test_a_refused_logout_is_retried_then_succeeds(server: LoopbackServer, call: Call, fake_clock: FakeClock) -> None:
    server.reply(Reply(429, tmdb_error(25, "Limit"), {"Retry-After": "1"}), Reply(200, logout_success()))
    assert call("logout", ACCESS_TOKEN, base_url=server.url) is None
    assert fake_clock == [1.0]
    assert [r.json() for r in server.received] == [{"access_token": ACCESS_TOKEN}] * 2


def test_a_connection_refused_logout_is_retried(call: Call, fake_clock: FakeClock) -> None:
    with pytest.raises(NetworkError) as caught:
        call("logout", ACCESS_TOKEN, base_url="http://127.0.0.1:9", max_retries=2)
    assert caught.value.request_sent is False
    assert "the access token was not revoked" in str(caught.value)
    assert isinstance(caught.value.__cause__, httpx.ConnectError)
    assert len(fake_clock) == 2
