"""TMDBAuth / AsyncTMDBAuth against a real HTTP/1.1 server on 127.0.0.1: success, the whole
error table, configuration and input errors, keep-alive and lifecycle."""

from __future__ import annotations

import json
import socket
from typing import Any

import httpx
import pytest

import tmdb_auth
from tests.helpers import Exchange
from tests.helpers.leaks import assert_no_secret_in_error
from tests.helpers.loopback import LoopbackServer, Reply
from tests.helpers.tokens import (
    ACCESS_CLAIMS,
    ACCESS_TOKEN,
    ACCOUNT_ID,
    READ_TOKEN,
    REQUEST_TOKEN,
    assert_no_secret,
    success_body,
    tmdb_error,
)
from tmdb_auth import (
    AccessToken,
    APIError,
    AsyncTMDBAuth,
    AuthenticationError,
    ClientClosedError,
    ConfigurationError,
    InvalidInputError,
    InvalidRequestTokenError,
    NetworkError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestTimeoutError,
    RequestTokenNotApprovedError,
    ResponseFormatError,
    ServerError,
    ServiceUnavailableError,
    TMDBAuth,
    TMDBError,
)

# --- success ------------------------------------------------------------------------------


def test_success(server: LoopbackServer, exchange: Exchange) -> None:
    server.reply(Reply(200, success_body()))
    token = exchange(base_url=server.url)
    assert token == AccessToken(access_token=ACCESS_TOKEN, account_id=ACCOUNT_ID)
    assert token.claims == ACCESS_CLAIMS
    assert token.scopes == ("api_read", "api_write")
    (received,) = server.received
    assert received.method == "POST"
    assert received.path == "/4/auth/access_token"
    assert received.headers["Authorization"] == f"Bearer {READ_TOKEN}"
    assert received.headers["User-Agent"] == f"tmdb-v4-auth/{tmdb_auth.__version__}"
    assert received.headers["Content-Type"] == "application/json"
    assert received.json() == {"request_token": REQUEST_TOKEN}


def test_access_token_is_immutable_and_hides_the_token() -> None:
    token = AccessToken(access_token=ACCESS_TOKEN, account_id=ACCOUNT_ID)
    assert_no_secret(repr(token))
    assert_no_secret(str(token))
    assert ACCOUNT_ID in repr(token)
    with pytest.raises(AttributeError):
        token.access_token = "other"  # type: ignore[misc]


@pytest.mark.parametrize("value", ["not-a-jwt", "a.b.c", "a.bm90IGpzb24.c", "a.WzFd.c"])
def test_claims_of_a_non_jwt_are_empty(value: str) -> None:
    token = AccessToken(access_token=value, account_id="1")
    assert token.claims == {}
    assert token.scopes == ()


def test_base_url_with_a_path_prefix_and_trailing_slash(server: LoopbackServer, exchange: Exchange) -> None:
    server.reply(Reply(200, success_body()))
    exchange(base_url=server.url + "/proxy/")
    assert server.received[0].path == "/proxy/4/auth/access_token"


# --- the error table ------------------------------------------------------------------------

ERROR_TABLE: list[tuple[str, Reply, type[APIError], int | None]] = [
    (
        "401-code-7",
        Reply(401, tmdb_error(7, "Invalid API key: You must be granted a valid key.")),
        AuthenticationError,
        7,
    ),
    ("401-code-3", Reply(401, tmdb_error(3, "Authentication failed.")), PermissionDeniedError, 3),
    ("401-code-10", Reply(401, tmdb_error(10, "API key suspended.")), AuthenticationError, 10),
    ("401-code-14", Reply(401, tmdb_error(14, "Authentication failed.")), AuthenticationError, 14),
    ("401-code-35", Reply(401, tmdb_error(35, "Invalid token.")), AuthenticationError, 35),
    ("401-no-code", Reply(401, b"unauthorized"), AuthenticationError, None),
    ("401-code-33", Reply(401, tmdb_error(33, "Invalid request token.")), InvalidRequestTokenError, 33),
    (
        "422-code-41",
        Reply(422, tmdb_error(41, "The request token has not been approved.")),
        RequestTokenNotApprovedError,
        41,
    ),
    ("429", Reply(429, tmdb_error(25, "Limit exceeded."), {"Retry-After": "3"}), RateLimitError, 25),
    ("code-25", Reply(400, tmdb_error(25, "Limit exceeded.")), RateLimitError, 25),
    ("404", Reply(404, tmdb_error(34, "The resource you requested could not be found.")), NotFoundError, 34),
    ("500-code-11", Reply(500, tmdb_error(11, "Internal error.")), ServerError, 11),
    ("502-html", Reply(502, "<html><body>502 Bad Gateway</body></html>"), ServerError, None),
    ("503-code-9", Reply(503, tmdb_error(9, "Service offline.")), ServiceUnavailableError, 9),
    ("503-code-46", Reply(503, tmdb_error(46, "API undergoing maintenance.")), ServiceUnavailableError, 46),
    ("504-code-24", Reply(504, tmdb_error(24, "Your request to the backend server timed out.")), ServerError, 24),
    ("520-unknown", Reply(520, b"origin error"), ServerError, None),
    ("499-unknown", Reply(499, b"client closed"), APIError, None),
    ("400-code-5", Reply(400, tmdb_error(5, "Invalid parameters.")), APIError, 5),
    ("403", Reply(403, tmdb_error(3, "Forbidden.")), PermissionDeniedError, 3),
    ("403-no-code", Reply(403, b"forbidden"), PermissionDeniedError, None),
    ("401-code-17", Reply(401, tmdb_error(17, "Session denied.")), AuthenticationError, 17),
    ("401-code-36", Reply(401, tmdb_error(36, "No write permission.")), PermissionDeniedError, 36),
    ("401-code-39", Reply(401, tmdb_error(39, "This resource is private.")), PermissionDeniedError, 39),
]


@pytest.mark.parametrize(
    ("reply", "expected", "code"), [row[1:] for row in ERROR_TABLE], ids=[r[0] for r in ERROR_TABLE]
)
def test_error_table(
    server: LoopbackServer, exchange: Exchange, reply: Reply, expected: type[APIError], code: int | None
) -> None:
    server.reply(reply)
    with pytest.raises(expected) as caught:
        exchange(base_url=server.url, max_retries=0)
    error = caught.value
    assert type(error) is expected
    assert error.http_status == reply.status
    assert error.tmdb_code == code
    if isinstance(reply.body, dict):
        assert error.tmdb_message == reply.body["status_message"]
    assert f"HTTP {reply.status}" in str(error)
    assert_no_secret_in_error(error)


def test_error_messages_say_what_to_do(server: LoopbackServer, exchange: Exchange) -> None:
    expectations = [
        (Reply(401, tmdb_error(7, "Invalid API key")), "TMDB_READ_ACCESS_TOKEN"),
        (Reply(401, tmdb_error(33, "Invalid request token")), "Create a new request token"),
        (Reply(422, tmdb_error(41, "not approved")), "approval page"),
        (Reply(429, tmdb_error(25, "Limit"), {"Retry-After": "7"}), "retry in 7 seconds"),
        (Reply(404, b""), "check base_url"),
        (Reply(502, "<html>bad gateway</html>"), "may already be consumed"),
        (Reply(503, tmdb_error(9, "offline")), "try again later"),
    ]
    for reply, hint in expectations:
        server.reply(reply)
        with pytest.raises(APIError, match=hint):
            exchange(base_url=server.url, max_retries=0)


def test_rate_limit_retry_after_as_http_date(server: LoopbackServer, exchange: Exchange) -> None:
    server.reply(Reply(429, tmdb_error(25, "Limit"), {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}))
    with pytest.raises(RateLimitError) as caught:
        exchange(base_url=server.url, max_retries=0)
    assert caught.value.retry_after == 0.0  # a date in the past: retry now


def test_server_echoing_secrets_in_its_message_is_redacted(server: LoopbackServer, exchange: Exchange) -> None:
    server.reply(Reply(401, tmdb_error(33, f"token {REQUEST_TOKEN} with key {READ_TOKEN} rejected")))
    with pytest.raises(InvalidRequestTokenError) as caught:
        exchange(base_url=server.url)
    assert caught.value.tmdb_message == "token <redacted> with key <redacted> rejected"
    assert_no_secret_in_error(caught.value)


RESPONSE_FORMAT_CASES = [
    ("html", Reply(200, "<html>hello</html>"), "not JSON"),
    ("list", Reply(200, [1, 2]), "JSON list, not an object"),
    ("success-false", Reply(200, {**success_body(), "success": False}), "success=false"),
    ("no-access-token", Reply(200, {"account_id": ACCOUNT_ID}), "'access_token' is missing"),
    ("empty-access-token", Reply(200, {**success_body(), "access_token": ""}), "'access_token' is a str"),
    ("numeric-account-id", Reply(200, {**success_body(), "account_id": 123}), "'account_id' is a int"),
    ("no-account-id", Reply(201, {"access_token": ACCESS_TOKEN}), "'account_id' is missing"),
    ("truncated", Reply(200, json.dumps(success_body())[:40].encode()), "not JSON"),
]


@pytest.mark.parametrize(
    ("reply", "message"), [c[1:] for c in RESPONSE_FORMAT_CASES], ids=[c[0] for c in RESPONSE_FORMAT_CASES]
)
def test_response_format_errors(server: LoopbackServer, exchange: Exchange, reply: Reply, message: str) -> None:
    server.reply(reply)
    with pytest.raises(ResponseFormatError, match=message) as caught:
        exchange(base_url=server.url)
    assert caught.value.http_status == reply.status
    assert_no_secret_in_error(caught.value)


# --- network ---------------------------------------------------------------------------------


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_connection_refused(exchange: Exchange) -> None:
    with pytest.raises(NetworkError) as caught:
        exchange(base_url=f"http://127.0.0.1:{closed_port()}", max_retries=0)
    assert type(caught.value) is NetworkError
    assert caught.value.request_sent is False
    assert isinstance(caught.value.__cause__, httpx.ConnectError)
    assert "was not used" in str(caught.value)
    assert_no_secret_in_error(caught.value)


def test_read_timeout(server: LoopbackServer, exchange: Exchange) -> None:
    server.reply(Reply(200, success_body(), delay=1.0))
    with pytest.raises(RequestTimeoutError) as caught:
        exchange(base_url=server.url, timeout=0.2)
    assert caught.value.request_sent is True
    assert isinstance(caught.value.__cause__, httpx.TimeoutException)
    assert "may already be consumed" in str(caught.value)
    assert len(server.received) == 1, "a read timeout is never retried"
    assert_no_secret_in_error(caught.value)


def test_dropped_connection(server: LoopbackServer, exchange: Exchange) -> None:
    server.reply(Reply(drop=True))
    with pytest.raises(NetworkError) as caught:
        exchange(base_url=server.url)
    assert caught.value.request_sent is True
    assert isinstance(caught.value.__cause__, httpx.RemoteProtocolError)
    assert len(server.received) == 1


# --- configuration and input -----------------------------------------------------------------


def test_read_token_from_environment(
    server: LoopbackServer, exchange: Exchange, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TMDB_READ_ACCESS_TOKEN", READ_TOKEN)
    server.reply(Reply(200, success_body()))
    exchange(base_url=server.url, read_access_token=None)
    assert server.received[0].headers["Authorization"] == f"Bearer {READ_TOKEN}"


def test_base_url_from_environment(server: LoopbackServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMDB_BASE_URL", server.url)
    with TMDBAuth(READ_TOKEN) as auth:
        assert auth.base_url == server.url


@pytest.mark.parametrize("auth_class", [TMDBAuth, AsyncTMDBAuth])
def test_missing_read_token_names_the_variable(
    auth_class: type[TMDBAuth | AsyncTMDBAuth], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TMDB_READ_ACCESS_TOKEN", raising=False)
    with pytest.raises(ConfigurationError, match="TMDB_READ_ACCESS_TOKEN") as caught:
        auth_class()
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"base_url": "ftp://api.themoviedb.org"}, "must be an http"),
        ({"base_url": "api.themoviedb.org"}, "must be an http"),
        ({"base_url": "http://api.themoviedb.org"}, "clear text"),
        ({"base_url": "http://10.1.2.3:8000"}, "clear text"),
        ({"base_url": "https://user:pw@api.themoviedb.org"}, "must not carry credentials"),
        ({"read_access_token": "has space"}, "whitespace, control"),
        ({"read_access_token": "line\nbreak"}, "whitespace, control"),
        ({"read_access_token": ""}, "TMDB_READ_ACCESS_TOKEN"),
        ({"timeout": 0}, "timeout must be a positive"),
        ({"timeout": httpx.Timeout(None)}, "waiting forever"),
        ({"max_retries": -1}, "max_retries"),
        ({"max_retry_after": -5}, "max_retry_after"),
        ({"client_options": {"headers": {}}}, "client_options must not set 'headers'"),
    ],
)
def test_configuration_errors(options: dict[str, Any], message: str) -> None:
    options = {"read_access_token": READ_TOKEN, **options}
    with pytest.raises(ConfigurationError, match=message) as caught:
        TMDBAuth(**options)
    assert_no_secret_in_error(caught.value)


@pytest.mark.parametrize(
    ("option", "url", "message"),
    [
        ("base_url", "ftp://user:{secret}@api.themoviedb.org", "must be an http"),
        ("site_url", "ftp://user:{secret}@www.themoviedb.org", "must be an http"),
        ("base_url", "https://user:{secret}@api.themoviedb.org:port", "not a valid URL"),
        ("base_url", "https://{secret}@api.themoviedb.org", "must not carry credentials"),
    ],
)
def test_no_configuration_error_quotes_a_url_s_credentials(option: str, url: str, message: str) -> None:
    secret = "URLPASSWORD-5d2e-must-not-leak"
    with pytest.raises(ConfigurationError, match=message) as caught:
        TMDBAuth(READ_TOKEN, **{option: url.format(secret=secret)})
    assert secret not in str(caught.value)
    assert secret not in repr(caught.value)


@pytest.mark.parametrize(
    "base_url", ["http://127.0.0.1:8000", "http://localhost:8000", "http://[::1]:8000", "http://127.0.0.5"]
)
def test_plain_http_to_loopback_is_allowed(base_url: str) -> None:
    TMDBAuth(READ_TOKEN, base_url=base_url).close()


def test_plain_http_to_other_hosts_needs_opt_in() -> None:
    auth = TMDBAuth(READ_TOKEN, base_url="http://api.example.test", allow_insecure_http=True)
    assert auth.base_url == "http://api.example.test"
    auth.close()


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (None, "must be a str, not NoneType"),
        (b"bytes-token", "must be a str, not bytes"),
        ("", "empty"),
        ("  ", "whitespace"),
        (REQUEST_TOKEN + "\n", "whitespace"),
        ("tok\x00en", "control"),
        ("tökén", "non-ASCII"),
        ("x" * 4097, "4097 characters"),
    ],
)
def test_invalid_request_token_is_rejected_before_sending(
    server: LoopbackServer, exchange: Exchange, bad: Any, message: str
) -> None:
    with pytest.raises(InvalidInputError, match=message) as caught:
        exchange(bad, base_url=server.url)
    assert isinstance(caught.value, ValueError)
    assert server.received == []
    assert_no_secret_in_error(caught.value)


# --- keep-alive and lifecycle -----------------------------------------------------------------


def test_keep_alive_one_connection_for_many_calls_sync(server: LoopbackServer) -> None:
    server.reply(*[Reply(200, success_body()) for _ in range(5)])
    with TMDBAuth(READ_TOKEN, base_url=server.url) as auth:
        for _ in range(5):
            auth.create_access_token(REQUEST_TOKEN)
    assert len(server.received) == 5
    assert server.connections == 1


async def test_keep_alive_one_connection_for_many_calls_async(server: LoopbackServer) -> None:
    server.reply(*[Reply(200, success_body()) for _ in range(5)])
    async with AsyncTMDBAuth(READ_TOKEN, base_url=server.url) as auth:
        for _ in range(5):
            await auth.create_access_token(REQUEST_TOKEN)
    assert len(server.received) == 5
    assert server.connections == 1


def test_close_is_idempotent_and_a_call_after_close_fails_clearly(server: LoopbackServer) -> None:
    auth = TMDBAuth(READ_TOKEN, base_url=server.url)
    auth.close()
    auth.close()
    assert auth.closed
    with pytest.raises(ClientClosedError, match="closed"):
        auth.create_access_token(REQUEST_TOKEN)
    assert server.received == []
    assert "closed=True" in repr(auth)


async def test_async_close_is_idempotent_and_a_call_after_close_fails_clearly(server: LoopbackServer) -> None:
    auth = AsyncTMDBAuth(READ_TOKEN, base_url=server.url)
    await auth.aclose()
    await auth.aclose()
    with pytest.raises(ClientClosedError):
        await auth.create_access_token(REQUEST_TOKEN)
    with pytest.raises(ClientClosedError):
        async with auth:
            pass


def test_custom_transport_is_used() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=success_body())

    with TMDBAuth(READ_TOKEN, transport=httpx.MockTransport(handler)) as auth:
        token = auth.create_access_token(REQUEST_TOKEN)
    assert token.account_id == ACCOUNT_ID
    assert str(seen[0].url) == "https://api.themoviedb.org/4/auth/access_token"


def test_repr_of_clients_hides_the_read_token() -> None:
    for auth in (TMDBAuth(READ_TOKEN), AsyncTMDBAuth(READ_TOKEN)):
        assert_no_secret(repr(auth))
        assert_no_secret(str(auth))
        assert_no_secret(repr(vars(auth)))
        assert "https://api.themoviedb.org" in repr(auth)


def test_every_error_is_a_tmdb_error() -> None:
    for name in tmdb_auth.errors.__all__:
        assert issubclass(getattr(tmdb_auth, name), TMDBError)


def test_public_api_is_documented() -> None:
    import inspect

    for name in tmdb_auth.__all__:
        obj = getattr(tmdb_auth, name)
        if inspect.isclass(obj):
            assert obj.__doc__, f"{name} has no docstring"
            for attr, member in vars(obj).items():
                if not attr.startswith("_") and callable(member):
                    assert member.__doc__, f"{name}.{attr} has no docstring"
    for method in (TMDBAuth.create_access_token, AsyncTMDBAuth.create_access_token, TMDBAuth.close):
        assert method.__doc__


def test_version_matches_the_installed_distribution() -> None:
    from importlib.metadata import version

    assert tmdb_auth.__version__ == version("tmdb-v4-auth")


@pytest.mark.parametrize(
    ("client", "options"),
    [
        (TMDBAuth, {"timeout": 10**5000}),
        (TMDBAuth, {"max_retries": 10**5000}),
        (TMDBAuth, {"max_response_bytes": -(10**5000)}),
        (AsyncTMDBAuth, {"max_retry_after": 10**5000}),
    ],
    ids=["timeout", "max_retries", "max_response_bytes", "max_retry_after"],
)
def test_an_absurd_option_value_is_a_short_configuration_error(
    client: type[TMDBAuth | AsyncTMDBAuth], options: dict[str, Any]
) -> None:
    """Python refuses to print an int of over 4,300 digits (a raw ValueError once escaped here)."""
    with pytest.raises(ConfigurationError) as caught:
        client("READ-token-value", base_url="http://127.0.0.1:9", **options)
    assert len(str(caught.value)) < 300
