"""The v3 session API of the facade (sync and async): create_session, delete_session, check_access_token.

Against the emulator for the flow and TMDB's error codes; against a scripted loopback server for what
goes on the wire, the retry rules and secrets (a distinctive session id that must show nowhere).
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys

import pytest

from tests.helpers import ROOT, Call
from tests.helpers.clock import FakeClock
from tests.helpers.leaks import assert_no_secret_in_error
from tests.helpers.loopback import LoopbackServer, Reply
from tests.helpers.tokens import ACCESS_TOKEN, ACCOUNT_ID, READ_TOKEN, SECRETS, assert_no_secret, tmdb_error
from tmdb_auth import (
    AccessToken,
    AuthenticationError,
    InvalidAccessTokenError,
    InvalidInputError,
    InvalidSessionError,
    ResponseFormatError,
    ServerError,
    Session,
    TMDBError,
    _core,
    _retry,
)
from tmdb_auth.emulator import Emulator
from tmdb_auth.errors import NetworkError, RateLimitError, ServiceUnavailableError

SESSION_ID = "SESSIONID-5be1a7-must-not-leak"  # distinctive: it must show nowhere
ALL_SECRETS = (*SECRETS, SESSION_ID)
CONVERT = "/3/authentication/session/convert/4"
DELETE = "/3/authentication/session"
LISTS = f"/4/account/{ACCOUNT_ID}/lists"


def on(emulator: Emulator) -> dict[str, str]:
    return {"read_access_token": emulator.read_token, "base_url": emulator.base_url}


# --- against the emulator ---------------------------------------------------------------------------------


def test_a_session_is_created_checked_and_ended_once(call: Call, tmdb_emulator: Emulator) -> None:
    access_token = tmdb_emulator.mint_access_token()
    session = call("create_session", access_token, **on(tmdb_emulator))
    assert isinstance(session, Session)
    assert tmdb_emulator.session_alive(session.session_id)
    assert repr(session) == "Session(session_id=<redacted>)"
    assert session.session_id not in str(session)
    assert call("check_access_token", AccessToken(access_token, tmdb_emulator.account_id), **on(tmdb_emulator)) is None
    assert call("check_access_token", access_token, **on(tmdb_emulator)) is None  # a str: the account from `sub`
    assert call("delete_session", session, **on(tmdb_emulator)) is None
    assert not tmdb_emulator.session_alive(session.session_id)
    with pytest.raises(InvalidSessionError) as ended:
        call("delete_session", session.session_id, **on(tmdb_emulator))
    assert (ended.value.http_status, ended.value.tmdb_code) == (404, 37)
    assert "v3 session" in str(ended.value)
    assert_no_secret_in_error(ended.value, (session.session_id, access_token, tmdb_emulator.read_token))
    seen = [(request.method, request.path, request.status) for request in tmdb_emulator.requests]
    assert seen == [
        ("POST", CONVERT, 200),
        ("GET", f"/4/account/{tmdb_emulator.account_id}/lists", 200),
        ("GET", f"/4/account/{tmdb_emulator.account_id}/lists", 200),
        ("DELETE", DELETE, 200),
        ("DELETE", DELETE, 404),  # ended: not retried
    ]


def test_a_revoked_access_token_makes_no_session_and_fails_the_check(call: Call, tmdb_emulator: Emulator) -> None:
    access_token = tmdb_emulator.mint_access_token()
    tmdb_emulator.revoke_access_token(access_token)
    for method in ("create_session", "check_access_token"):
        with pytest.raises(InvalidAccessTokenError) as rejected:
            call(method, access_token, **on(tmdb_emulator))
        assert (rejected.value.http_status, rejected.value.tmdb_code) == (401, 35)
        assert "the user's access token" in str(rejected.value)
        assert_no_secret_in_error(rejected.value, (access_token, tmdb_emulator.read_token))
    assert not tmdb_emulator.state.sessions


def test_a_wrong_read_token_is_the_apps_credential_at_fault(call: Call, tmdb_emulator: Emulator) -> None:
    access_token = tmdb_emulator.mint_access_token()
    session_id = tmdb_emulator.mint_session()
    wrong = {"read_access_token": "WRONG-READ-TOKEN-3c9d", "base_url": tmdb_emulator.base_url}
    for method, argument in (("create_session", access_token), ("delete_session", session_id)):
        with pytest.raises(AuthenticationError) as rejected:
            call(method, argument, **wrong)
        assert (rejected.value.http_status, rejected.value.tmdb_code) == (401, 7)
        assert "API Read Access Token" in str(rejected.value)
        assert_no_secret_in_error(rejected.value, (access_token, session_id, "WRONG-READ-TOKEN-3c9d"))
    assert tmdb_emulator.session_alive(session_id)
    assert tmdb_emulator.state.sessions == {session_id}


# --- on the wire ---------------------------------------------------------------------------------------------


def test_each_call_sends_what_tmdbs_document_says_with_the_right_bearer(call: Call, server: LoopbackServer) -> None:
    server.reply(
        Reply(200, {"success": True, "session_id": SESSION_ID}),
        Reply(200, {"success": True}),
        Reply(200, {"page": 1, "results": [], "total_pages": 1, "total_results": 0}),
    )
    assert call("create_session", ACCESS_TOKEN, base_url=server.url) == Session(SESSION_ID)
    call("delete_session", Session(SESSION_ID), base_url=server.url)
    call("check_access_token", ACCESS_TOKEN, base_url=server.url)
    sent = [(r.method, r.path, r.json() if r.body else None, r.headers["Authorization"]) for r in server.received]
    assert sent == [
        ("POST", CONVERT, {"access_token": ACCESS_TOKEN}, f"Bearer {READ_TOKEN}"),  # not {"RAW_BODY": ...}
        ("DELETE", DELETE, {"session_id": SESSION_ID}, f"Bearer {READ_TOKEN}"),
        ("GET", f"{LISTS}?page=1", None, f"Bearer {ACCESS_TOKEN}"),  # the user's token; the read token is not sent
    ]
    assert READ_TOKEN not in repr(server.received[2].headers)


@pytest.mark.parametrize(
    ("method", "argument", "what"),
    [
        ("create_session", "two words", "access_token"),
        ("delete_session", "", "session_id"),
        ("delete_session", Session("line\nbreak"), "session_id"),
        ("check_access_token", "not-a-jwt", "does not say which account"),
        ("check_access_token", AccessToken(ACCESS_TOKEN, "has space"), "account id"),
    ],
)
def test_bad_input_is_refused_before_anything_is_sent(
    call: Call, server: LoopbackServer, method: str, argument: object, what: str
) -> None:
    with pytest.raises(InvalidInputError, match=what):
        call(method, argument, base_url=server.url)
    assert server.received == []


@pytest.mark.parametrize(
    "body",
    [
        {"success": True},
        {"success": True, "session_id": 40},
        {"success": True, "session_id": "a b"},
        {"success": False},
    ],
)
def test_a_2xx_without_a_usable_session_id_is_a_format_error(
    call: Call, server: LoopbackServer, body: dict[str, object]
) -> None:
    server.reply(Reply(200, body))
    with pytest.raises(ResponseFormatError):
        call("create_session", ACCESS_TOKEN, base_url=server.url)


def test_a_check_answer_of_the_wrong_shape_is_a_typed_error(call: Call, server: LoopbackServer) -> None:
    server.reply(Reply(200, {"page": 1, "results": "not a list"}))
    with pytest.raises(ResponseFormatError):
        call("check_access_token", ACCESS_TOKEN, base_url=server.url)


# --- retries: create and check like create_request_token, delete like logout ---------------------------------


def test_the_retry_rules_per_operation() -> None:
    sent_failure = NetworkError("read timeout", request_sent=True)
    unsent_failure = NetworkError("connect", request_sent=False)
    server_error = ServerError("500", http_status=500)
    refused = [ServiceUnavailableError("503", http_status=503), RateLimitError("429", http_status=429), unsent_failure]
    for operation in (_core.Operation.CREATE_SESSION, _core.Operation.CHECK_ACCESS_TOKEN):
        assert all(_retry.should_retry(operation, error) for error in (*refused, sent_failure, server_error))
    delete = _core.Operation.DELETE_SESSION
    assert all(_retry.should_retry(delete, error) for error in refused)
    assert not _retry.should_retry(delete, sent_failure)
    assert not _retry.should_retry(delete, server_error)
    ended = InvalidSessionError("37", http_status=404, tmdb_code=37)
    assert not any(_retry.should_retry(operation, ended) for operation in _core.Operation)


def test_a_failed_delete_that_may_have_run_is_not_retried_and_says_so(
    call: Call, server: LoopbackServer, fake_clock: FakeClock
) -> None:
    server.reply(Reply(500, {"status_code": 11, "status_message": "Internal error."}))
    with pytest.raises(ServerError) as failed:
        call("delete_session", SESSION_ID, base_url=server.url)
    assert "may have ended the session" in str(failed.value)
    assert len(server.received) == 1
    server.reply(Reply(500, b"oops"), Reply(200, {"success": True, "session_id": SESSION_ID}))
    assert call("create_session", ACCESS_TOKEN, base_url=server.url).session_id == SESSION_ID
    assert len(server.received) == 3  # create was retried: it spends nothing


# --- secrets ----------------------------------------------------------------------------------------------------


def test_no_session_id_in_any_repr_message_or_log_record(
    call: Call, server: LoopbackServer, caplog: pytest.LogCaptureFixture, fake_clock: FakeClock
) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "tmdb_auth"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    echo = {"status_code": 37, "status_message": f"Session {SESSION_ID} was not found (session_id={SESSION_ID})"}
    server.reply(
        Reply(503, tmdb_error(9, "offline")),  # retried: logged
        Reply(200, {"success": True, "session_id": SESSION_ID}),
        Reply(404, echo),
        Reply(401, {"status_code": 35, "status_message": f"Invalid token for session {SESSION_ID}"}),
        Reply(200, {"success": False, "status_code": 1, "status_message": f"created {SESSION_ID}"}),
    )
    session = call("create_session", ACCESS_TOKEN, base_url=server.url)
    assert_no_secret(repr(session), ALL_SECRETS)
    assert_no_secret(str(session), ALL_SECRETS)
    errors: list[TMDBError] = []
    for method, argument in (("delete_session", session), ("check_access_token", ACCESS_TOKEN)):
        with pytest.raises(TMDBError) as caught:
            call(method, argument, base_url=server.url)
        errors.append(caught.value)
    with pytest.raises(ResponseFormatError) as unusable:
        call("create_session", ACCESS_TOKEN, base_url=server.url)  # a server quoting a session id it made
    errors.append(unusable.value)
    assert [type(error) for error in errors] == [InvalidSessionError, InvalidAccessTokenError, ResponseFormatError]
    for error in errors:
        assert_no_secret_in_error(error, ALL_SECRETS)
    assert any("create_session" in record.getMessage() for record in caplog.records), "the retry was logged"
    for record in caplog.records:
        assert_no_secret(record.getMessage(), ALL_SECRETS, where=f"the log record {record.name}")


def test_the_readme_session_example_runs_as_written(tmdb_emulator: Emulator) -> None:
    marker = "<!-- README session example: run by tests/product/test_sessions.py against the emulator -->"
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(re.escape(marker) + r"\n```python\n(.*?)```", text, re.DOTALL)
    assert match, "the README session example is missing"
    access_token = tmdb_emulator.mint_access_token()
    env = {
        **os.environ,
        "TMDB_READ_ACCESS_TOKEN": tmdb_emulator.read_token,
        "TMDB_BASE_URL": tmdb_emulator.base_url,
        "TMDB_ACCESS_TOKEN": access_token,
    }
    result = subprocess.run(
        [sys.executable, "-c", match.group(1)], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "created Session(session_id=<redacted>)\nalready ended\n"
    assert not tmdb_emulator.state.sessions
    assert not tmdb_emulator.access_token_alive(access_token)
