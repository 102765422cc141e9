"""Every response typed, no secret in any chain: whatever status, headers, body or encoding a
server sends, a facade call returns its documented result or raises a TMDBError, and neither
the error nor any exception chained to it (nor its printed traceback) shows a token, including
tokens the client never knew (a server quoting the access token it just issued).
"""

from __future__ import annotations

import asyncio
import json
import traceback
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import Call
from tests.helpers.hostile import SERVER_ACCESS_TOKEN, SERVER_TOKEN_MARKER, HostileServer, deep_json
from tests.helpers.leaks import assert_no_secret_in_error, exception_chain
from tests.helpers.loopback import LoopbackServer, Reply, raw_server
from tests.helpers.tokens import (
    ACCESS_TOKEN,
    READ_TOKEN,
    REQUEST_TOKEN,
    REQUEST_TOKEN_JWT,
    SECRETS,
    logout_success,
    make_jwt,
    request_token_success,
    success_body,
    tmdb_error,
)
from tmdb_auth import (
    AccessToken,
    AsyncTMDBAuth,
    NetworkError,
    RequestToken,
    ResponseFormatError,
    TMDBAuth,
    TMDBError,
    cli,
)
from tmdb_auth._core import (
    CREATE_ACCESS_TOKEN,
    CREATE_REQUEST_TOKEN,
    LOGOUT,
    Spec,
    interpret,
    redact,
    redacted_cause,
)
from tmdb_auth.errors import RedactedCause
from tmdb_auth.login import ApprovalURLReady, LoginEvent, async_login, login

# Tokens the client never sent: a server may quote them (its own fresh access token, a session).
UNKNOWN_JWT = make_jwt({"sub": "someone-else", "scopes": ["api_read"], "version": 2}, "UNKNOWNJWT-4c1d-must-not-leak")
UNKNOWN_HEX = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c"  # a 40-hex v3 session id / request token
UNKNOWN_SHORT = "s3cr3t-abc"  # short, but says what it is: "access_token: s3cr3t-abc"
UNKNOWN = (UNKNOWN_JWT, UNKNOWN_HEX, SERVER_ACCESS_TOKEN, SERVER_TOKEN_MARKER)
ALL_SECRETS = (*SECRETS, *UNKNOWN, UNKNOWN_SHORT)

OPERATIONS: list[tuple[str, tuple[Any, ...], Spec[Any, Any]]] = [
    ("create_request_token", (), CREATE_REQUEST_TOKEN),
    ("create_access_token", (REQUEST_TOKEN,), CREATE_ACCESS_TOKEN),
    ("logout", (ACCESS_TOKEN,), LOGOUT),
]
RESULT_TYPES = {"create_request_token": RequestToken, "create_access_token": AccessToken, "logout": type(None)}
SENT = {"create_request_token": (READ_TOKEN,), "create_access_token": (READ_TOKEN, REQUEST_TOKEN)}
SENT["logout"] = (READ_TOKEN, ACCESS_TOKEN)


# --- redaction of server-provided text (pure) -----------------------------------------------------


@pytest.mark.parametrize(
    "message",
    [
        "The request token has not been approved.",
        "Invalid API key: You must be granted a valid key.",
        "The resource you requested could not be found.",
        "This token hasn't been granted write permission by the user.",
        "Bearer token is invalid",
        "see https://www.themoviedb.org/settings/api",
        "Success.",
    ],
)
def test_ordinary_messages_are_left_readable(message: str) -> None:
    assert redact(message) == message


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (f"your token {UNKNOWN_JWT} is bad", "your token <redacted> is bad"),
        (f"session {UNKNOWN_HEX} expired", "session <redacted> expired"),
        (f"access_token: {UNKNOWN_SHORT}.", "access_token: <redacted>"),
        (f'{{"access_token": "{UNKNOWN_SHORT}"}}', '{"access_token": "<redacted>"}'),
        (f"Authorization: Bearer {UNKNOWN_SHORT}", "Authorization: <redacted>"),
        (f"token {READ_TOKEN} with key {REQUEST_TOKEN}", "token <redacted> with key <redacted>"),
    ],
)
def test_token_shaped_strings_are_redacted(message: str, expected: str) -> None:
    assert redact(message, (READ_TOKEN,)) == expected


words = st.sampled_from(
    ["Invalid", "token", "the", "request", "Bearer", "api_key:", "expired.", "id=", "é", "\x00", ""]
)
separators = st.sampled_from([" ", ", ", " (", ") ", ": ", "=", '"', "\n", "\t"])


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(words | st.sampled_from((*SECRETS, *UNKNOWN)) | st.text(max_size=12), separators), max_size=12)
)
def test_no_token_survives_redaction_whatever_surrounds_it(pieces: list[tuple[str, str]]) -> None:
    text = "".join(piece + separator for piece, separator in pieces)
    redacted = redact(text, (READ_TOKEN, REQUEST_TOKEN))
    for secret in (*SECRETS, *UNKNOWN):
        assert secret not in redacted


def test_redaction_ends_on_hostile_text_and_drops_a_token_cut_at_its_window() -> None:
    for text in ("eyJ" * 20_000, "eyJa." * 12_000, "token " * 10_000, "a" * 23 + "." + ACCESS_TOKEN):
        assert ACCESS_TOKEN not in redact(text)
    head = "word " * 13_103  # 65,515 characters: the 64 KiB window ends 21 characters into the signature
    signature = "ACCESSTOKEN-e91c-must-not-leak"
    redacted = redact(head + signature + " more", ())
    assert "ACCESSTOKEN-e91c-must" not in redacted  # 21 characters alone would not look like a token
    assert redacted.endswith("word")


# --- interpret: any status, headers, body (pure) --------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
server_text = st.lists(words | st.sampled_from(ALL_SECRETS), max_size=6).map(" ".join)
envelope = st.fixed_dictionaries(
    {},
    optional={
        "success": json_values,
        "status_code": st.integers(-5, 100) | json_values,
        "status_message": server_text | json_values,
        "request_token": st.sampled_from([REQUEST_TOKEN_JWT, UNKNOWN_JWT, "", " x"]) | json_values,
        "access_token": st.sampled_from([ACCESS_TOKEN, UNKNOWN_JWT]) | json_values,
        "account_id": st.sampled_from(["acc", ""]) | json_values,
    },
)
bodies = st.one_of(
    st.binary(max_size=200),
    envelope.map(lambda value: json.dumps(value).encode()),
    json_values.map(lambda value: json.dumps(value).encode()),
    server_text.map(lambda text: text.encode("utf-8")),
    server_text.map(lambda text: text.encode("utf-16")),
    st.sampled_from(
        [b"", deep_json("object", 3000), b"[" * 3000, b"\xff\xfe\x00{", json.dumps(success_body()).encode()]
    ),
)
header_values = st.text(max_size=30) | st.sampled_from(
    [
        "-5",
        "1e400",
        "nan",
        "inf",
        "99999999999999999999",
        "Wed, 21 Oct 2015 07:28:00 GMT",
        "Fri, 31 Dec 9999 23:59:59 GMT",
    ]
)
header_maps = st.dictionaries(st.sampled_from(["retry-after", "content-type", "location", "x-other"]), header_values)


def generated_parse(spec: Spec[Any, Any], status: int, body: bytes) -> Any:
    """What the generated layer hands over as ``parsed``: a model for a 200 whose body is a JSON object."""
    if status != 200:
        return None
    try:
        payload = json.loads(body)
        return spec.parse(payload) if isinstance(payload, dict) else None
    except (ValueError, RecursionError):
        return None


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    operation=st.sampled_from(OPERATIONS),
    status=st.integers(100, 999),
    headers=header_maps,
    body=bodies,
    use_parsed=st.booleans(),
)
def test_interpret_gives_the_result_or_a_tmdb_error_without_tokens(
    operation: tuple[str, tuple[Any, ...], Spec[Any, Any]],
    status: int,
    headers: dict[str, str],
    body: bytes,
    use_parsed: bool,
) -> None:
    name, _, spec = operation
    parsed = generated_parse(spec, status, body) if use_parsed else None
    try:
        result = interpret(spec, status, headers, body, parsed, secrets=SENT[name])
    except TMDBError as error:
        assert_no_secret_in_error(error, (*SECRETS, *UNKNOWN))
        retry_after = getattr(error, "retry_after", None)
        assert retry_after is None or retry_after >= 0
    else:
        assert 200 <= status < 300
        if name == "create_request_token":
            assert isinstance(result, str)
        else:
            assert isinstance(result, RESULT_TYPES[name])


# --- the chain of an error: redacted stand-ins (pure) ---------------------------------------------


def raised_chain() -> httpx.RemoteProtocolError:
    """httpx error <- (context) h11-like error quoting the secrets, as httpx's transport raises it."""
    try:
        try:
            raise ValueError(f"illegal status line: b'HTTP/1.1 2x0 Bearer {READ_TOKEN} {UNKNOWN_JWT}'")
        except ValueError:
            raise httpx.RemoteProtocolError(f"illegal status line {REQUEST_TOKEN}") from None
    except httpx.RemoteProtocolError as exc:
        exc.__suppress_context__ = False  # as httpcore's `raise to_exc(exc) from exc` chains it
        exc.__cause__ = exc.__context__
        return exc


def test_the_stand_in_keeps_types_messages_and_tracebacks_without_secrets() -> None:
    original = raised_chain()
    stand_in = redacted_cause(original, (READ_TOKEN, REQUEST_TOKEN))
    assert type(stand_in) is httpx.RemoteProtocolError
    assert str(stand_in) == "illegal status line <redacted>"
    assert stand_in.__traceback__ is original.__traceback__
    inner = stand_in.__cause__
    assert type(inner) is ValueError
    assert str(inner) == "illegal status line: b'HTTP/1.1 2x0 Bearer <redacted> <redacted>'"
    assert inner.__cause__ is None
    assert inner.__context__ is None
    assert_no_secret_in_error(stand_in, (*SECRETS, UNKNOWN_JWT))


def test_a_cause_that_cannot_be_rebuilt_is_named_by_a_redacted_cause() -> None:
    class Picky(Exception):
        def __init__(self, code: int, text: str) -> None:
            super().__init__(code, text)

    stand_in = redacted_cause(Picky(3, f"token={READ_TOKEN}"), (READ_TOKEN,))
    assert isinstance(stand_in, RedactedCause)
    assert stand_in.original_type.endswith("Picky")
    assert "<redacted>" in str(stand_in)
    assert_no_secret_in_error(stand_in)


def test_the_helper_sees_a_secret_anywhere_in_the_chain() -> None:
    """The assertion the tests here rely on fails where the old client leaked: in the cause only."""
    error = NetworkError("The connection failed", request_sent=True)
    error.__cause__ = raised_chain()
    with pytest.raises(AssertionError, match="chain"):
        assert_no_secret_in_error(error)
    hidden = NetworkError("The connection failed", request_sent=True)
    hidden.__context__ = ValueError(READ_TOKEN)
    hidden.__suppress_context__ = True  # not printed, still readable: still a leak
    with pytest.raises(AssertionError):
        assert_no_secret_in_error(hidden)
    assert len(list(exception_chain(error))) == 3


# --- end to end through httpx.MockTransport: sync and async ---------------------------------------


def mock(handler: Callable[[httpx.Request], httpx.Response]) -> httpx.MockTransport:
    return httpx.MockTransport(handler)


@pytest.mark.parametrize(("name", "args", "spec"), OPERATIONS, ids=[op[0] for op in OPERATIONS])
def test_deeply_nested_json_in_a_200_is_a_response_format_error(
    call: Call, name: str, args: tuple[Any, ...], spec: Spec[Any, Any]
) -> None:
    body = deep_json("object")
    with pytest.raises(ResponseFormatError) as caught:
        call(name, *args, transport=mock(lambda request: httpx.Response(200, content=body)), max_retries=0)
    message = str(caught.value)
    assert "RecursionError: JSON nested too deeply" in message
    assert caught.value.http_status == 200
    assert '{"a"' not in message  # the body is never quoted
    assert caught.value.__cause__ is None  # the parser's exception is not kept
    assert_no_secret_in_error(caught.value)


def test_an_exception_from_a_transport_is_a_network_error(call: Call) -> None:
    def broken(request: httpx.Request) -> httpx.Response:
        raise RuntimeError(f"transport bug quoting {request.headers['Authorization']}")

    with pytest.raises(NetworkError, match="RuntimeError from the transport") as caught:
        call("create_access_token", REQUEST_TOKEN, transport=mock(broken), max_retries=0)
    assert caught.value.request_sent is True  # it may have been sent: not retried for the exchange
    assert type(caught.value.__cause__) is RuntimeError
    assert_no_secret_in_error(caught.value)


def test_an_exception_from_a_callers_response_hook_is_not_reported_as_a_parse_failure(call: Call) -> None:
    """A response came, but the caller's hook failed before the body was read: not "could not be parsed"."""

    def hook(response: httpx.Response) -> None:
        raise RuntimeError(f"hook bug quoting {response.request.headers['Authorization']}")

    async def async_hook(response: httpx.Response) -> None:
        hook(response)

    chosen = async_hook if call.mode == "async" else hook  # type: ignore[attr-defined]
    reply = mock(lambda request: httpx.Response(200, json=success_body()))
    with pytest.raises(NetworkError, match="RuntimeError from the transport") as caught:
        call(
            "create_access_token",
            REQUEST_TOKEN,
            transport=reply,
            client_options={"event_hooks": {"response": [chosen]}},
            max_retries=0,
        )
    assert caught.value.request_sent is True
    assert_no_secret_in_error(caught.value)


@pytest.mark.parametrize("source", ["transport", "event hook"])
def test_a_tmdb_error_from_the_callers_transport_or_hook_is_raised_as_is(call: Call, source: str) -> None:
    """Raised unchanged, without itself (or a stand-in rebuilt from it) as its own cause."""
    raised = NetworkError("boom from the caller's code", request_sent=False)

    def broken(request: httpx.Request) -> httpx.Response:
        raise raised

    def hook(response: httpx.Response) -> None:
        raise raised

    async def async_hook(response: httpx.Response) -> None:
        raise raised

    if source == "transport":
        options: dict[str, Any] = {"transport": mock(broken)}
    else:
        chosen = async_hook if call.mode == "async" else hook  # type: ignore[attr-defined]
        reply = mock(lambda request: httpx.Response(200, json=success_body()))
        options = {"transport": reply, "client_options": {"event_hooks": {"response": [chosen]}}}
    with pytest.raises(NetworkError) as caught:
        call("create_access_token", REQUEST_TOKEN, max_retries=0, **options)
    assert caught.value is raised
    assert caught.value.__cause__ is None, repr(caught.value.__cause__)
    assert caught.value.__context__ is None
    assert str(caught.value) == "boom from the caller's code"


@pytest.mark.parametrize(("name", "args", "spec"), OPERATIONS, ids=[op[0] for op in OPERATIONS])
def test_success_false_quoting_unknown_tokens_shows_none_of_them(
    call: Call, name: str, args: tuple[Any, ...], spec: Spec[Any, Any]
) -> None:
    payload = {
        "success": False,
        "status_code": 1,
        "status_message": f"refused {ACCESS_TOKEN} {UNKNOWN_JWT} session {UNKNOWN_HEX} access_token={UNKNOWN_SHORT}",
        "access_token": ACCESS_TOKEN,
    }
    with pytest.raises(ResponseFormatError, match="success=false") as caught:
        call(name, *args, transport=mock(lambda request: httpx.Response(200, json=payload)), max_retries=0)
    assert "refused <redacted> <redacted> session <redacted> access_token=<redacted>" in str(caught.value)
    assert_no_secret_in_error(caught.value, ALL_SECRETS)


def test_error_status_quoting_unknown_tokens_shows_none_of_them(call: Call) -> None:
    body = tmdb_error(7, f"Invalid API key: You must be granted a valid key. Bearer {UNKNOWN_JWT}")
    with pytest.raises(TMDBError) as caught:
        call("create_request_token", transport=mock(lambda request: httpx.Response(401, json=body)), max_retries=0)
    assert (
        getattr(caught.value, "tmdb_message", None)
        == "Invalid API key: You must be granted a valid key. Bearer <redacted>"
    )
    assert_no_secret_in_error(caught.value, ALL_SECRETS)


mock_statuses = st.sampled_from([100, 101, 199, 204, 205, 299, 301, 302, 304, 307, 308, 399, 418, 429, 503, 599, 999])
mock_headers = st.lists(
    st.tuples(
        st.sampled_from(["Retry-After", "Content-Type", "Location", "Content-Length", "Content-Encoding", "X-Other"]),
        st.sampled_from(
            ["", "-1", "1e400", "nan", "0", "2", "abc", "é", "text/html", "application/json; charset=latin-1"]
        )
        | st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=20),
    ),
    max_size=5,
)


@settings(max_examples=150, deadline=None)
@given(
    operation=st.sampled_from(OPERATIONS),
    status=st.integers(100, 999) | mock_statuses,
    headers=mock_headers,
    body=bodies,
    asynchronous=st.booleans(),
)
def test_any_response_through_the_facade_is_the_result_or_a_tmdb_error(
    operation: tuple[str, tuple[Any, ...], Spec[Any, Any]],
    status: int,
    headers: list[tuple[str, str]],
    body: bytes,
    asynchronous: bool,
) -> None:
    name, args, _ = operation
    raw_headers = [(key.encode(), value.encode("latin-1")) for key, value in headers]
    transport = mock(lambda request: httpx.Response(status, headers=raw_headers, content=body))
    waits: list[float] = []

    async def async_wait(seconds: float) -> None:
        waits.append(seconds)

    options: dict[str, Any] = {"base_url": "http://127.0.0.1:9", "transport": transport, "max_retries": 1}
    try:
        if asynchronous:

            async def run() -> Any:
                async with AsyncTMDBAuth(READ_TOKEN, sleep=async_wait, **options) as auth:
                    return await getattr(auth, name)(*args)

            result = asyncio.run(run())
        else:
            with TMDBAuth(READ_TOKEN, sleep=waits.append, **options) as auth:
                result = getattr(auth, name)(*args)
    except TMDBError as error:
        assert_no_secret_in_error(error, (*SECRETS, *UNKNOWN))
    else:
        assert isinstance(result, RESULT_TYPES[name])
        assert 200 <= status < 300
    assert all(0 <= wait <= 30 for wait in waits)  # max_retry_after bounds every wait


# --- end to end over real sockets: the hostile kit and raw replies --------------------------------


@pytest.fixture(scope="module")
def hostile() -> Iterator[HostileServer]:
    with HostileServer.running() as server:
        yield server


# Every hostile mode, on every operation and flavour, is test_hostile's; this is the one whose cause
# is worth pinning: h11 quotes the whole status line, and the cause keeps it, redacted.
@pytest.mark.parametrize(("name", "args", "spec"), OPERATIONS, ids=[op[0] for op in OPERATIONS])
def test_a_bad_status_line_echoing_the_secrets_keeps_a_redacted_cause(
    hostile: HostileServer, call: Call, name: str, args: tuple[Any, ...], spec: Spec[Any, Any]
) -> None:
    with pytest.raises(NetworkError) as caught:
        call(name, *args, base_url=hostile.url_for("bad_status_line_echo"), max_retries=0, timeout=5)
    assert_no_secret_in_error(caught.value, (*SECRETS, *UNKNOWN))
    assert type(caught.value.__cause__) is httpx.RemoteProtocolError
    assert "illegal status line" in str(caught.value.__cause__)
    assert "Bearer <redacted>" in "".join(traceback.format_exception(caught.value))


def head(status_line: str, *headers: str, body: bytes = b"") -> bytes:
    lines = [status_line, *headers, f"Content-Length: {len(body)}", "Connection: close", "", ""]
    return "\r\n".join(lines).encode("latin-1") + body


RAW_REPLIES = {
    "1xx-as-final": b"HTTP/1.1 100 Continue\r\n\r\n",
    "3xx-without-location": head("HTTP/1.1 302 Found"),
    "999": head("HTTP/1.1 999 Whatever", body=b'{"success": true}'),
    "204-with-body": head("HTTP/1.1 204 No Content", body=json.dumps(success_body()).encode()),
    "empty-200": head("HTTP/1.1 200 OK", "Content-Type: application/json"),
    "non-ascii-headers": head("HTTP/1.1 429 Too Many", "Retry-After: \xe9\xff", "X-Echo: caf\xe9", body=b"{}"),
    "duplicate-retry-after": head("HTTP/1.1 429 Too Many", "Retry-After: 1", "Retry-After: 9999999", body=b"{}"),
    "negative-retry-after": head("HTTP/1.1 503 Unavailable", "Retry-After: -7", body=b"{}"),
    "latin-1-json": head("HTTP/1.1 200 OK", "Content-Type: application/json; charset=latin-1", body=b'{"a": "\xe9"}'),
    "token-in-reason": head(f"HTTP/1.1 401 {UNKNOWN_JWT}", body=json.dumps(tmdb_error(7, "no")).encode()),
    "garbage": b"\x00\xffnot http at all " + UNKNOWN_JWT.encode() + b"\r\n\r\n",
}


@pytest.mark.parametrize("reply", RAW_REPLIES.values(), ids=RAW_REPLIES.keys())
def test_odd_replies_on_the_wire_give_typed_errors(call: Call, fake_clock: object, reply: bytes) -> None:
    with raw_server(reply) as (url, received):
        for name, args, _ in OPERATIONS:
            with pytest.raises(TMDBError) as caught:
                call(name, *args, base_url=url, max_retries=1, timeout=5)
            assert_no_secret_in_error(caught.value, (*SECRETS, *UNKNOWN))
    assert len(received) >= len(OPERATIONS), "every call reached the server and got the odd reply"


def test_the_success_bodies_still_succeed(call: Call) -> None:
    """The control case of the replies above: the same plumbing gives the documented results."""
    bodies = {"request_token": request_token_success(), "access_token": success_body()}

    def ok(request: httpx.Request) -> httpx.Response:
        if request.method == "DELETE":
            return httpx.Response(200, json=logout_success())
        return httpx.Response(200, json=bodies[request.url.path.rsplit("/", 1)[1]])

    for name, args, _ in OPERATIONS:
        assert isinstance(call(name, *args, transport=mock(ok)), RESULT_TYPES[name])


# --- login and the command line ---------------------------------------------------------------


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("failure", ["bad_status_line_echo", "success_false_echo", "deep_json"])
def test_a_login_failing_on_a_hostile_exchange_has_no_secret_in_its_chain(mode: str, failure: str) -> None:
    with HostileServer.running("ok") as server:

        def turn_hostile(event: LoginEvent) -> None:  # the request token exists: now the exchange misbehaves
            if isinstance(event, ApprovalURLReady):
                server.mode = failure

        options: dict[str, Any] = {"open_browser": False, "poll_interval": 0.05, "timeout": 20}
        client_options = {"base_url": server.url, "site_url": server.url, "max_retries": 0, "timeout": 5}

        def run_login() -> None:
            if mode == "sync":
                with TMDBAuth(READ_TOKEN, **client_options) as auth:
                    login(auth, on_progress=turn_hostile, **options)
                return

            async def run() -> None:
                async with AsyncTMDBAuth(READ_TOKEN, **client_options) as auth:
                    await async_login(auth, on_progress=turn_hostile, **options)

            asyncio.run(run())

        with pytest.raises(TMDBError) as caught:
            run_login()
        exchanged = [request for request in server.received if request.path.endswith("/access_token")]
    assert exchanged, "the exchange reached the hostile server"
    assert isinstance(caught.value, NetworkError | ResponseFormatError)
    assert_no_secret_in_error(caught.value, (*SECRETS, *UNKNOWN, *exchanged[0].tokens()))


def test_cli_stderr_shows_no_token_a_success_false_body_quotes(
    server: LoopbackServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TMDB_READ_ACCESS_TOKEN", READ_TOKEN)
    body = {"success": False, "status_code": 1, "status_message": f"Refused: access_token {UNKNOWN_JWT}"}
    server.reply(Reply(200, {**body, "access_token": UNKNOWN_JWT, "account_id": "acc"}))
    code = cli.main(["access-token", REQUEST_TOKEN, "--base-url", server.url])
    captured = capsys.readouterr()
    assert code != 0
    assert captured.out == ""
    assert "success=false" in captured.err
    assert "Refused: access_token <redacted>" in captured.err
    for secret in (*SECRETS, *UNKNOWN):
        assert secret not in captured.err
