"""The emulator: conformance to openapi/tmdb-v4.yaml, TMDB's rules, the approval page, the knobs
and test helpers, and the facade's whole error table against it (sync and async)."""

from __future__ import annotations

import logging
import socket
import subprocess
import sys
import threading
import time
from typing import Any

import httpx
import jsonschema
import pytest
import requests
from openapi_core import OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse

from tests.helpers import SPEC_PATH, Exchange
from tests.helpers.pages import the_form
from tmdb_auth import (
    AccessToken,
    AuthenticationError,
    ConfigurationError,
    InvalidRequestTokenError,
    NetworkError,
    RateLimitError,
    RequestTimeoutError,
    RequestTokenNotApprovedError,
    ServerError,
    TMDBAuth,
    _retry,
)
from tmdb_auth import emulator as emulator_module
from tmdb_auth.emulator import DEFAULT_APP_NAME, REQUEST_TOKEN_LIFETIME, Emulator, SeenRequest, UnanswerableTokenError
from tmdb_auth.models import decode_jwt_payload

TMDB_ERROR_SCHEMA = {
    "type": "object",
    "required": ["success", "status_code", "status_message"],
    "properties": {
        "success": {"const": False},
        "status_code": {"type": "integer"},
        "status_message": {"type": "string", "minLength": 1},
    },
}


@pytest.fixture(scope="module")
def openapi() -> OpenAPI:
    return OpenAPI.from_file_path(str(SPEC_PATH))


def documented(request: Any, base_url: str) -> RequestsOpenAPIRequest:
    """The request as openapi-core sees it, at the spec's server URL instead of the emulator's."""
    copy = request.copy()
    copy.url = request.url.replace(base_url, "https://api.themoviedb.org", 1)
    return RequestsOpenAPIRequest(copy)


def post_exchange(
    emulator: Emulator,
    body: Any = None,
    *,
    token: str | None = None,
    raw: bytes | None = None,
    content_type: str = "application/json",
) -> Any:
    headers = {"Authorization": f"Bearer {token or emulator.read_token}", "Content-Type": content_type}
    kwargs: dict[str, Any] = {"data": raw} if raw is not None else {"json": body}
    return requests.post(f"{emulator.base_url}/4/auth/access_token", headers=headers, timeout=10, **kwargs)


def assert_tmdb_error(response: Any, status: int, code: int) -> None:
    assert response.status_code == status
    jsonschema.validate(response.json(), TMDB_ERROR_SCHEMA)
    assert response.json()["status_code"] == code


# --- conformance ------------------------------------------------------------------------------


def test_exchange_request_and_response_conform_to_the_spec(tmdb_emulator: Emulator, openapi: OpenAPI) -> None:
    token = tmdb_emulator.mint_request_token(approved=True)
    response = post_exchange(tmdb_emulator, {"request_token": token})
    assert response.status_code == 200
    request = documented(response.request, tmdb_emulator.base_url)
    openapi.validate_request(request)
    openapi.validate_response(request, RequestsOpenAPIResponse(response))
    body = response.json()
    assert set(body) == {"access_token", "account_id", "status_code", "status_message", "success"}
    assert body["success"] is True
    assert body["status_code"] == 1
    assert body["status_message"] == "Success."
    assert body["account_id"] == tmdb_emulator.account_id


@pytest.mark.parametrize(
    ("body", "raw", "content_type", "status", "code"),
    [
        ({"request_token": "unknown"}, None, "application/json", 401, 33),
        ({}, None, "application/json", 400, 47),
        (None, b"{not json", "application/json", 400, 47),
        ({"request_token": 42}, None, "application/json", 400, 47),
        ([], None, "application/json", 400, 47),
        ("request_token", None, "application/json", 400, 47),
        (None, b"[" * 15_000, "application/json", 400, 47),
        (None, b'{"a":' * 3_000, "application/json", 400, 47),
        (None, b'{"request_token": "\xff\xfe"}', "application/json", 400, 47),
        (None, '{"request_token": "unknown"}'.encode("utf-16"), "application/json", 400, 47),
        (None, b'{"request_token": "' + b"x" * 20_000 + b'"}', "application/json", 413, 47),
        ({"request_token": "unknown"}, None, "text/plain", 415, 47),
        ({"request_token": "unknown"}, None, "application/x-www-form-urlencoded", 415, 47),
    ],
    ids=[
        "unknown-token",
        "missing-field",
        "malformed-json",
        "wrong-type",
        "json-array",
        "json-string",
        "deep-array",
        "deep-object",
        "not-utf8",
        "utf16",
        "too-large",
        "text-plain",
        "form-type",
    ],
)
def test_error_paths_use_tmdb_error_bodies(
    tmdb_emulator: Emulator,
    openapi: OpenAPI,
    body: Any,
    raw: bytes | None,
    content_type: str,
    status: int,
    code: int,
) -> None:
    response = post_exchange(tmdb_emulator, body, raw=raw, content_type=content_type)
    assert_tmdb_error(response, status, code)
    if code == 33:  # a well-formed request: it conforms to the spec; the 401 is not documented there
        openapi.validate_request(documented(response.request, tmdb_emulator.base_url))


def test_the_facade_request_and_response_conform_to_the_spec(tmdb_emulator: Emulator, openapi: OpenAPI) -> None:
    exchanges: list[tuple[httpx.Request, httpx.Response]] = []

    class Recording(httpx.HTTPTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            response = super().handle_request(request)
            response.read()
            exchanges.append((request, response))
            return response

    token = tmdb_emulator.mint_request_token(approved=True)
    with TMDBAuth(tmdb_emulator.read_token, base_url=tmdb_emulator.base_url, transport=Recording()) as auth:
        auth.create_access_token(token)
    ((sent, received),) = exchanges
    as_requests = requests.Request("POST", str(sent.url), headers=dict(sent.headers), data=sent.content).prepare()
    request = documented(as_requests, tmdb_emulator.base_url)
    openapi.validate_request(request)
    response = requests.Response()
    response.status_code = received.status_code
    response.headers.update(received.headers)
    response._content = received.content
    openapi.validate_response(request, RequestsOpenAPIResponse(response))


# --- TMDB's rules -------------------------------------------------------------------------------


@pytest.mark.parametrize("bearer", [None, "wrong-read-token"])
def test_missing_or_wrong_bearer_is_401_code_7(tmdb_emulator: Emulator, bearer: str | None) -> None:
    headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
    token = tmdb_emulator.mint_request_token()
    for method, path, body in [
        ("POST", "/4/auth/access_token", {"request_token": token}),
        ("POST", "/4/auth/request_token", {}),
        ("DELETE", "/4/auth/access_token", {"access_token": "x"}),
    ]:
        response = httpx.request(method, tmdb_emulator.base_url + path, json=body, headers=headers)
        assert_tmdb_error(response, 401, 7)
        assert response.json()["status_message"] == "Invalid API key: You must be granted a valid key."


def test_request_token_flow_and_token_shapes(tmdb_emulator: Emulator) -> None:
    bearer = {"Authorization": f"Bearer {tmdb_emulator.read_token}"}
    with httpx.Client(base_url=tmdb_emulator.base_url, headers=bearer) as http:
        created = http.post("/4/auth/request_token", json={"redirect_to": "http://127.0.0.1:9/done"}).json()
        assert created == {
            "status_message": "Success.",
            "request_token": created["request_token"],
            "success": True,
            "status_code": 1,
        }
        claims = decode_jwt_payload(created["request_token"])
        assert claims["scopes"] == ["pending_request_token"]
        assert claims["version"] == 2
        assert claims["redirect_to"] == "http://127.0.0.1:9/done"
        assert {"aud", "jti", "nbf", "exp"} <= set(claims)
        assert 14 * 60 < claims["exp"] - time.time() <= 15 * 60

        not_yet = http.post("/4/auth/access_token", json={"request_token": created["request_token"]})
        assert_tmdb_error(not_yet, 422, 41)
        page = http.get("/auth/access", params={"request_token": created["request_token"]})
        assert page.status_code == 200
        assert_tmdb_error(http.post("/4/auth/access_token", json={"request_token": created["request_token"]}), 422, 41)
        approval = http.post("/auth/access", data=the_form(page.text).submission("approve"))
        assert approval.status_code == 302
        assert approval.headers["location"] == "http://127.0.0.1:9/done"

        exchanged = http.post("/4/auth/access_token", json={"request_token": created["request_token"]})
        assert exchanged.status_code == 200
        access = decode_jwt_payload(exchanged.json()["access_token"])
        assert access["sub"] == tmdb_emulator.account_id
        assert access["scopes"] == ["api_read", "api_write"]
        assert access["version"] == 2
        assert {"aud", "jti", "nbf"} <= set(access)
        assert "exp" not in access

        again = http.post("/4/auth/access_token", json={"request_token": created["request_token"]})
        assert_tmdb_error(again, 401, 33)

        access_token = exchanged.json()["access_token"]
        logout = http.request("DELETE", "/4/auth/access_token", json={"access_token": access_token})
        assert logout.json() == {
            "success": True,
            "status_code": 13,
            "status_message": "The item/record was deleted successfully.",
        }
        twice = http.request("DELETE", "/4/auth/access_token", json={"access_token": access_token})
        assert_tmdb_error(twice, 401, 35)


def test_expired_request_token_is_code_33(tmdb_emulator: Emulator) -> None:
    token = tmdb_emulator.mint_request_token(approved=True)
    for record in tmdb_emulator.state.request_tokens.values():
        record.expires = time.time() - 1
    assert_tmdb_error(post_exchange(tmdb_emulator, {"request_token": token}), 401, 33)


def test_a_token_signed_by_another_emulator_is_code_33(tmdb_emulator: Emulator) -> None:
    foreign = Emulator().mint_request_token(approved=True)
    assert_tmdb_error(post_exchange(tmdb_emulator, {"request_token": foreign}), 401, 33)


def test_logout_takes_the_read_token_or_a_live_user_access_token_as_bearer(tmdb_emulator: Emulator) -> None:
    def logout(bearer: str, access_token: str) -> httpx.Response:
        return httpx.request(
            "DELETE",
            f"{tmdb_emulator.base_url}/4/auth/access_token",
            json={"access_token": access_token},
            headers={"Authorization": f"Bearer {bearer}"},
        )

    def new_access_token() -> str:
        token = post_exchange(tmdb_emulator, {"request_token": tmdb_emulator.mint_request_token()}).json()
        assert isinstance(token["access_token"], str)
        return token["access_token"]

    own = new_access_token()
    assert logout(own, own).json()["status_code"] == 13, "tmdbapis' way: the user's token revokes itself"
    assert_tmdb_error(logout(own, own), 401, 7), "a revoked token is no Bearer any more"
    first, second = new_access_token(), new_access_token()
    assert logout(tmdb_emulator.read_token, first).json()["status_code"] == 13, "the Swift peer's way"
    assert logout(second, second).json()["status_code"] == 13
    assert_tmdb_error(logout("Basic-not-a-token", new_access_token()), 401, 7)
    (
        assert_tmdb_error(post_exchange(tmdb_emulator, {"request_token": "x"}, token=new_access_token()), 401, 7),
        ("the exchange still takes only the app's read access token"),
    )


# --- the approval page ----------------------------------------------------------------------------


def approval_page(emulator: Emulator, token: str) -> httpx.Response:
    return httpx.get(f"{emulator.base_url}/auth/access", params={"request_token": token})


def answer(emulator: Emulator, token: str, action: str) -> httpx.Response:
    return httpx.post(f"{emulator.base_url}/auth/access", data={"request_token": token, "action": action})


def test_the_approval_page_names_the_app_and_scopes_with_two_buttons(tmdb_emulator: Emulator) -> None:
    token = tmdb_emulator.mint_request_token(approved=False, redirect_to="http://127.0.0.1:9/callback/SECRETPATH")
    page = approval_page(tmdb_emulator, token)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-store", "the page holds a request token"
    assert page.headers["referrer-policy"] == "no-referrer", "the token in its URL must not follow the redirect"
    assert DEFAULT_APP_NAME in page.text
    assert "<code>api_read</code>" in page.text
    assert "<code>api_write</code>" in page.text
    assert tmdb_emulator.account_id in page.text
    assert "http://127.0.0.1:9</code>" in page.text, "it says where the user goes back to"
    assert "SECRETPATH" not in page.text, "but not the callback's path"
    form = the_form(page.text)
    assert (form.method, form.action) == ("post", "/auth/access")
    assert form.hidden == {"request_token": token}
    assert form.buttons == {"approve": ("action", "approve"), "deny": ("action", "deny")}
    assert not tmdb_emulator.state.request_token_record(token).approved, "showing the page approves nothing"  # type: ignore[union-attr]


def test_the_approval_page_escapes_everything() -> None:
    hostile = '<script>alert("app")</script> & "Co"'
    with Emulator(app_name=hostile) as emulator:
        token = emulator.mint_request_token(approved=False, redirect_to='http://127.0.0.1:9/"><script>x()</script>')
        page = approval_page(emulator, token)
        approved = answer(emulator, emulator.mint_request_token(approved=False), "approve")
    for html in (page.text, approved.text):
        assert "<script>" not in html
        assert "&lt;script&gt;alert(&quot;app&quot;)&lt;/script&gt; &amp; &quot;Co&quot;" in html


@pytest.mark.parametrize(
    ("redirect_to", "denied_location"),
    [
        ("http://127.0.0.1:9/cb", "http://127.0.0.1:9/cb?denied=true"),
        ("http://127.0.0.1:9/cb?state=a+b&x=#top", "http://127.0.0.1:9/cb?state=a+b&x=&denied=true#top"),
    ],
)
def test_approve_and_deny_redirect_to_redirect_to(
    tmdb_emulator: Emulator, redirect_to: str, denied_location: str
) -> None:
    approved = tmdb_emulator.mint_request_token(approved=False, redirect_to=redirect_to)
    response = answer(tmdb_emulator, approved, "approve")
    assert (response.status_code, response.headers["location"]) == (302, redirect_to)
    assert post_exchange(tmdb_emulator, {"request_token": approved}).status_code == 200

    denied = tmdb_emulator.mint_request_token(approved=False, redirect_to=redirect_to)
    response = answer(tmdb_emulator, denied, "deny")
    assert (response.status_code, response.headers["location"]) == (302, denied_location)
    assert_tmdb_error(post_exchange(tmdb_emulator, {"request_token": denied}), 401, 33)
    assert approval_page(tmdb_emulator, denied).status_code == 409, "a denied token was answered"
    assert answer(tmdb_emulator, denied, "approve").status_code == 409, "and cannot be approved afterwards"


def test_without_redirect_to_a_page_says_approved_or_denied(tmdb_emulator: Emulator) -> None:
    approved = answer(tmdb_emulator, tmdb_emulator.mint_request_token(approved=False), "approve")
    assert approved.status_code == 200
    assert '<h1 id="result">Approved</h1>' in approved.text
    denied = answer(tmdb_emulator, tmdb_emulator.mint_request_token(approved=False), "deny")
    assert denied.status_code == 200
    assert '<h1 id="result">Denied</h1>' in denied.text


@pytest.mark.parametrize("problem", ["unknown", "foreign", "expired", "denied-then-expired", "exchanged"])
def test_unusable_tokens_get_a_clear_error_page(tmdb_emulator: Emulator, problem: str) -> None:
    token = tmdb_emulator.mint_request_token(approved=problem == "exchanged")
    if problem == "unknown":
        token = "eyJ.unknown-request-token.must-not-leak"
    elif problem == "foreign":
        token = Emulator().mint_request_token(approved=False)
    elif problem == "expired":
        tmdb_emulator.expire(token)
    elif problem == "denied-then-expired":  # a denied token that is still live: "already answered" (409)
        tmdb_emulator.deny(token)
        tmdb_emulator.expire(token)
    else:
        assert post_exchange(tmdb_emulator, {"request_token": token}).status_code == 200
    for response in (approval_page(tmdb_emulator, token), answer(tmdb_emulator, token, "approve")):
        assert response.status_code == 401
        assert "invalid or expired" in response.text
        assert "start again" in response.text
        assert token not in response.text, "the error page never echoes the token"
        assert "<form" not in response.text


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"request_token=TOKEN", "application/x-www-form-urlencoded"),
        (b"request_token=TOKEN&action=maybe", "application/x-www-form-urlencoded"),
        (b"request_token=TOKEN&action=approve&action=deny", "application/x-www-form-urlencoded"),
        (b"request_token=TOKEN&request_token=TOKEN&action=approve", "application/x-www-form-urlencoded"),
        (b"action=approve", "application/x-www-form-urlencoded"),
        (b'{"request_token": "TOKEN", "action": "approve"}', "application/json"),
        (b"request_token=TOKEN&action=approve&note=\xff", "application/x-www-form-urlencoded"),
    ],
    ids=["no-action", "unknown-action", "two-actions", "two-tokens", "no-token", "json", "not-utf8"],
)
def test_a_malformed_answer_is_400_and_approves_nothing(
    tmdb_emulator: Emulator, content: bytes, content_type: str
) -> None:
    token = tmdb_emulator.mint_request_token(approved=False)
    body = content.replace(b"TOKEN", token.encode())
    response = httpx.post(f"{tmdb_emulator.base_url}/auth/access", content=body, headers={"Content-Type": content_type})
    assert response.status_code == 400
    assert "action=approve or action=deny" in response.text
    assert_tmdb_error(post_exchange(tmdb_emulator, {"request_token": token}), 422, 41)


@pytest.mark.parametrize(
    "content_type",
    [
        "Application/X-WWW-Form-Urlencoded",
        "application/x-www-form-urlencoded; charset=UTF-8",
        "APPLICATION/x-www-form-urlencoded ; charset=utf-8",
    ],
)
def test_the_answer_form_media_type_is_case_insensitive(tmdb_emulator: Emulator, content_type: str) -> None:
    """Media types are case-insensitive (RFC 9110 8.3.1), as the JSON endpoints already treat them."""
    token = tmdb_emulator.mint_request_token(approved=False)
    body = f"request_token={token}&action=approve".encode()
    response = httpx.post(f"{tmdb_emulator.base_url}/auth/access", content=body, headers={"Content-Type": content_type})
    assert response.status_code == 200
    assert '<h1 id="result">Approved</h1>' in response.text
    assert post_exchange(tmdb_emulator, {"request_token": token}).status_code == 200


def test_an_oversized_answer_is_413_and_approves_nothing(tmdb_emulator: Emulator) -> None:
    token = tmdb_emulator.mint_request_token(approved=False)
    form = {"request_token": token, "action": "approve", "pad": "x" * 20_000}
    response = httpx.post(f"{tmdb_emulator.base_url}/auth/access", data=form)
    assert response.status_code == 413
    assert_tmdb_error(post_exchange(tmdb_emulator, {"request_token": token}), 422, 41)


def test_a_link_without_request_token_is_400(tmdb_emulator: Emulator) -> None:
    response = httpx.get(f"{tmdb_emulator.base_url}/auth/access")
    assert response.status_code == 400
    assert "no request_token" in response.text


def test_auto_approve_approves_on_get(tmdb_emulator: Emulator) -> None:
    tmdb_emulator.set_auto_approve()
    token = tmdb_emulator.mint_request_token(approved=False, redirect_to="http://127.0.0.1:9/done")
    response = approval_page(tmdb_emulator, token)
    assert (response.status_code, response.headers["location"]) == (302, "http://127.0.0.1:9/done")
    assert post_exchange(tmdb_emulator, {"request_token": token}).status_code == 200
    assert approval_page(tmdb_emulator, "eyJ.unknown.token").status_code == 401
    tmdb_emulator.reset()
    assert approval_page(tmdb_emulator, tmdb_emulator.mint_request_token(approved=False)).status_code == 200, (
        "reset restores the constructor's choice: the page"
    )
    with Emulator(auto_approve=True) as emulator:
        token = emulator.mint_request_token(approved=False)
        approved = approval_page(emulator, token)
        assert '<h1 id="result">Approved</h1>' in approved.text
        emulator.reset()
        again = approval_page(emulator, emulator.mint_request_token(approved=False))
        assert '<h1 id="result">Approved</h1>' in again.text, "reset keeps this emulator's auto-approve"


@pytest.mark.slow
def test_the_emulator_command_takes_auto_approve() -> None:
    command = [sys.executable, "-m", "tmdb_auth.cli", "emulator", "--port", "0", "--read-token", "cli-read-token"]
    process = subprocess.Popen([*command, "--auto-approve"], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().rsplit(" ", 1)[1].strip()
        headers = {"Authorization": "Bearer cli-read-token"}
        token = httpx.post(f"{base_url}/4/auth/request_token", headers=headers).json()["request_token"]
        assert '<h1 id="result">Approved</h1>' in httpx.get(f"{base_url}/auth/access?request_token={token}").text
        exchanged = httpx.post(f"{base_url}/4/auth/access_token", headers=headers, json={"request_token": token})
        assert exchanged.status_code == 200
    finally:
        process.terminate()
        process.communicate(timeout=15)
    assert process.returncode == 0


# --- knobs and test helpers ------------------------------------------------------------------------


def test_approve_deny_expire_helpers(tmdb_emulator: Emulator) -> None:
    approved, denied, expired = (tmdb_emulator.mint_request_token(approved=False) for _ in range(3))
    tmdb_emulator.approve(approved)
    tmdb_emulator.deny(denied)
    tmdb_emulator.expire(expired)
    assert post_exchange(tmdb_emulator, {"request_token": approved}).status_code == 200
    assert_tmdb_error(post_exchange(tmdb_emulator, {"request_token": denied}), 401, 33)
    assert_tmdb_error(post_exchange(tmdb_emulator, {"request_token": expired}), 401, 33)
    approved_then_expired = tmdb_emulator.mint_request_token(approved=True)
    tmdb_emulator.expire(approved_then_expired)
    assert_tmdb_error(post_exchange(tmdb_emulator, {"request_token": approved_then_expired}), 401, 33)


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("unknown", "not a request token this emulator issued"),
        ("denied", "the user denied it"),
        ("expired", "it has expired"),
        ("exchanged", "already exchanged"),
    ],
)
@pytest.mark.parametrize("helper", ["approve", "deny"])
def test_helpers_refuse_a_token_the_user_could_not_answer(
    tmdb_emulator: Emulator, setup: str, message: str, helper: str
) -> None:
    token = tmdb_emulator.mint_request_token(approved=setup == "exchanged")
    if setup == "unknown":
        token = "eyJ.unknown-request-token.must-not-leak"
    elif setup == "denied":
        tmdb_emulator.deny(token)
    elif setup == "expired":
        tmdb_emulator.expire(token)
    else:
        post_exchange(tmdb_emulator, {"request_token": token})
    with pytest.raises(UnanswerableTokenError, match=message) as caught:
        getattr(tmdb_emulator, helper)(token)
    assert token not in str(caught.value)
    assert caught.value.reason in str(caught.value)
    assert isinstance(caught.value, ValueError)
    if setup == "unknown":
        with pytest.raises(ValueError, match=message):
            tmdb_emulator.expire(token)


def test_request_token_lifetime(tmdb_emulator: Emulator) -> None:
    tmdb_emulator.set_request_token_lifetime(0.5)
    token = tmdb_emulator.mint_request_token(approved=False)
    assert decode_jwt_payload(token)["exp"] - time.time() <= 0.5, "the JWT's exp says so too"
    assert approval_page(tmdb_emulator, token).status_code == 200
    time.sleep(0.6)
    assert approval_page(tmdb_emulator, token).status_code == 401
    assert answer(tmdb_emulator, token, "approve").status_code == 401
    assert_tmdb_error(post_exchange(tmdb_emulator, {"request_token": token}), 401, 33)
    with pytest.raises(ValueError, match="positive"):
        tmdb_emulator.set_request_token_lifetime(0)
    with pytest.raises(ValueError, match="positive"):
        Emulator(request_token_lifetime=-1)
    tmdb_emulator.reset()
    assert tmdb_emulator.state.request_token_lifetime == REQUEST_TOKEN_LIFETIME


def test_requests_seen_never_record_the_query(tmdb_emulator: Emulator) -> None:
    token = tmdb_emulator.mint_request_token(approved=False)
    approval_page(tmdb_emulator, token)
    answer(tmdb_emulator, token, "deny")
    tmdb_emulator.inject("unavailable")
    post_exchange(tmdb_emulator, {"request_token": token})
    assert tmdb_emulator.requests == [
        SeenRequest("GET", "/auth/access", 200),
        SeenRequest("POST", "/auth/access", 200),
        SeenRequest("POST", "/4/auth/access_token", 503),
    ]
    tmdb_emulator.reset()
    assert tmdb_emulator.requests == []


def test_rate_limit(tmdb_emulator: Emulator) -> None:
    tmdb_emulator.set_rate_limit(2, per_seconds=30)
    statuses = [post_exchange(tmdb_emulator, {"request_token": "x"}) for _ in range(3)]
    assert [r.status_code for r in statuses] == [401, 401, 429]
    assert_tmdb_error(statuses[2], 429, 25)
    assert 1 <= int(statuses[2].headers["Retry-After"]) <= 31


def test_injected_faults_apply_to_the_next_requests_only(tmdb_emulator: Emulator) -> None:
    tmdb_emulator.inject("unavailable", 2)
    tmdb_emulator.inject("bad-gateway")
    responses = [post_exchange(tmdb_emulator, {"request_token": "x"}) for _ in range(4)]
    assert_tmdb_error(responses[0], 503, 9)
    assert_tmdb_error(responses[1], 503, 9)
    assert responses[2].status_code == 502
    assert responses[2].headers["content-type"].startswith("text/html")
    assert "CloudFront" in responses[2].text
    assert_tmdb_error(responses[3], 401, 33)


def test_delay_and_drop_faults(tmdb_emulator: Emulator) -> None:
    tmdb_emulator.inject("delay", seconds=0.3)
    started = time.monotonic()
    assert post_exchange(tmdb_emulator, {"request_token": "x"}).status_code == 401
    assert time.monotonic() - started >= 0.3
    tmdb_emulator.inject("drop")
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.post(f"{tmdb_emulator.base_url}/4/auth/access_token", json={})


def test_unknown_fault_is_rejected(tmdb_emulator: Emulator) -> None:
    with pytest.raises(ValueError, match="unknown fault"):
        tmdb_emulator.inject("explode")


# --- the facade's error table against the emulator --------------------------------------------


def test_facade_success(tmdb_emulator: Emulator, exchange: Exchange) -> None:
    token = exchange(
        tmdb_emulator.mint_request_token(approved=True),
        read_access_token=tmdb_emulator.read_token,
        base_url=tmdb_emulator.base_url,
    )
    assert isinstance(token, AccessToken)
    assert token.account_id == tmdb_emulator.account_id
    assert token.scopes == ("api_read", "api_write")
    assert token.claims["sub"] == tmdb_emulator.account_id


@pytest.mark.parametrize(
    ("setup", "expected", "options"),
    [
        ("wrong-read-token", AuthenticationError, {"read_access_token": "not-the-emulator-token"}),
        ("unknown-request-token", InvalidRequestTokenError, {}),
        ("used-request-token", InvalidRequestTokenError, {}),
        ("unapproved", RequestTokenNotApprovedError, {}),
        ("rate-limited", RateLimitError, {"max_retry_after": 0}),
        ("bad-gateway", ServerError, {}),
        ("unavailable-exhausted", ServerError, {"max_retries": 1}),
        ("drop", NetworkError, {}),
        ("delay", RequestTimeoutError, {"timeout": 0.2}),
    ],
)
def test_facade_error_table_against_the_emulator(
    tmdb_emulator: Emulator, exchange: Exchange, fake_clock: list[float], setup: str, expected: type, options: dict
) -> None:
    request_token = tmdb_emulator.mint_request_token(approved=setup != "unapproved")
    if setup == "unknown-request-token":
        request_token = "eyJ.unknown.token"
    elif setup == "used-request-token":
        exchange(request_token, read_access_token=tmdb_emulator.read_token, base_url=tmdb_emulator.base_url)
    elif setup == "rate-limited":
        tmdb_emulator.set_rate_limit(1, per_seconds=60)
        post_exchange(tmdb_emulator, {"request_token": "x"})
    elif setup == "bad-gateway":
        tmdb_emulator.inject("bad-gateway")
    elif setup == "unavailable-exhausted":
        tmdb_emulator.inject("unavailable", 5)
    elif setup == "drop":
        tmdb_emulator.inject("drop")
    elif setup == "delay":
        tmdb_emulator.inject("delay", seconds=0.6)
    options = {"read_access_token": tmdb_emulator.read_token, "base_url": tmdb_emulator.base_url, **options}
    with pytest.raises(expected):
        exchange(request_token, **options)
    if setup == "unavailable-exhausted":
        assert len(fake_clock) == 1
    if setup == "bad-gateway":
        assert fake_clock == [], "a 502 is never retried"


def test_facade_retries_503_then_succeeds(tmdb_emulator: Emulator, exchange: Exchange, fake_clock: list[float]) -> None:
    tmdb_emulator.inject("unavailable", 2)
    request_token = tmdb_emulator.mint_request_token(approved=True)
    token = exchange(request_token, read_access_token=tmdb_emulator.read_token, base_url=tmdb_emulator.base_url)
    assert token.account_id == tmdb_emulator.account_id
    assert len(fake_clock) == 2


def test_facade_retries_429_after_retry_after(
    tmdb_emulator: Emulator, exchange: Exchange, monkeypatch: pytest.MonkeyPatch
) -> None:
    waits: list[float] = []

    def time_passes(seconds: float) -> None:  # the wait is faked; the limit's window ends during it
        waits.append(seconds)
        tmdb_emulator.set_rate_limit(None)

    async def async_time_passes(seconds: float) -> None:
        time_passes(seconds)

    monkeypatch.setattr(_retry, "sleep", time_passes)
    monkeypatch.setattr(_retry, "async_sleep", async_time_passes)
    tmdb_emulator.set_rate_limit(1, per_seconds=5)
    post_exchange(tmdb_emulator, {"request_token": "x"})  # uses up this window
    request_token = tmdb_emulator.mint_request_token(approved=True)
    token = exchange(request_token, read_access_token=tmdb_emulator.read_token, base_url=tmdb_emulator.base_url)
    assert token.account_id == tmdb_emulator.account_id
    assert len(waits) == 1
    assert 1 <= waits[0] <= 6, "the wait is the emulator's Retry-After"


# --- robustness: hostile bodies, option values, bounded state, exposure --------------------------


def raw_exchange(emulator: Emulator, head: str, body: bytes = b"") -> socket.socket:
    """A raw connection that sent `head` (the request line's headers after the Bearer) and `body`."""
    connection = socket.create_connection(("127.0.0.1", emulator.port), timeout=10)  # a safety net only
    request = (
        "POST /4/auth/access_token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {emulator.read_token}\r\n{head}\r\n"
    )
    connection.sendall(request.encode() + body)
    return connection


def read_until_closed(connection: socket.socket) -> bytes:
    received = b""
    while chunk := connection.recv(65536):
        received += chunk
    connection.close()
    return received


def test_a_declared_body_over_the_cap_is_413_before_it_is_sent(tmdb_emulator: Emulator) -> None:
    """300 MiB announced, nothing sent: the answer comes at once, and the connection is closed."""
    connection = raw_exchange(tmdb_emulator, f"Content-Length: {300 * 1024 * 1024}\r\n")
    response = read_until_closed(connection)  # the old emulator waited for the body: a timeout here
    assert response.startswith(b"HTTP/1.1 413 ")
    assert b'"status_code":47' in response


def test_a_chunked_body_over_the_cap_is_413_without_reading_it_all(tmdb_emulator: Emulator) -> None:
    """A chunked body of unknown length: refused once past the cap, though it never ended."""
    chunk = b"2000\r\n" + b"x" * 0x2000 + b"\r\n"  # 8 KiB per chunk, and no terminating chunk
    connection = raw_exchange(tmdb_emulator, "Transfer-Encoding: chunked\r\n", chunk * 3)
    response = read_until_closed(connection)
    assert response.startswith(b"HTTP/1.1 413 ")
    assert b"connection: close" in response.lower()


def test_a_client_gone_mid_body_is_no_server_error() -> None:
    errors: list[logging.LogRecord] = []
    handler = logging.Handler(logging.ERROR)
    handler.emit = errors.append  # type: ignore[method-assign]
    with Emulator() as emulator:  # its own: the shared one may still answer an earlier test's request
        # Added once it runs: starting an emulator reconfigures uvicorn's loggers, removing handlers.
        logging.getLogger("uvicorn.error").addHandler(handler)
        try:
            raw_exchange(emulator, "Content-Length: 100\r\n", b'{"request_token": ').close()
            deadline = time.monotonic() + 10  # a safety net: the emulator notices at once
            while not emulator.requests and time.monotonic() < deadline:
                time.sleep(0.01)
            seen = emulator.requests
        finally:
            logging.getLogger("uvicorn.error").removeHandler(handler)
    assert seen == [SeenRequest("POST", "/4/auth/access_token", 400)], "not a 500"
    assert errors == [], "no 'Exception in ASGI application' traceback"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"port": 99999}, "port must be a whole number from 0 to 65535"),
        ({"port": -1}, "port must be"),
        ({"request_token_lifetime": float("inf")}, "lifetime must be a positive number of seconds"),
        ({"request_token_lifetime": float("nan")}, "lifetime must be a positive"),
        ({"request_token_lifetime": -1}, "lifetime must be a positive"),
        ({"request_token_lifetime": 10**400}, "lifetime must be a positive"),
        ({"rate_limit": (1, float("nan"))}, "window must be a positive number of seconds"),
        ({"rate_limit": (1, float("inf"))}, "window must be"),
        ({"rate_limit": (0, 1.0)}, "request count must be a whole number of 1 or more"),
        ({"app_name": ""}, "app name must be a non-empty string"),
        ({"auto_approve": "yes"}, "auto_approve must be True or False"),
        ({"read_token": "READ TOKEN with spaces-must-not-leak"}, "visible ASCII"),
    ],
    ids=lambda value: str(value)[:40] if isinstance(value, dict) else "",
)
def test_option_values_are_checked_at_construction(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message) as caught:
        Emulator(**options)
    assert isinstance(caught.value, ValueError)
    assert "must-not-leak" not in str(caught.value), "the read token is never shown"


@pytest.mark.parametrize(
    ("knob", "message"),
    [
        (lambda emulator: emulator.set_rate_limit(1, float("nan")), "window must be"),
        (lambda emulator: emulator.set_rate_limit(1, float("inf")), "window must be"),
        (lambda emulator: emulator.set_request_token_lifetime(float("inf")), "lifetime must be"),
        (lambda emulator: emulator.inject("delay", seconds=float("nan")), "delay must be"),
        (lambda emulator: emulator.inject("delay", seconds=-1), "delay must be"),
        (lambda emulator: emulator.inject("unavailable", 0), "count must be"),
    ],
    ids=["rate-nan", "rate-inf", "lifetime-inf", "delay-nan", "delay-negative", "count-zero"],
)
def test_knob_values_are_checked_when_set(tmdb_emulator: Emulator, knob: Any, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        knob(tmdb_emulator)
    response = post_exchange(tmdb_emulator, {"request_token": "x"})
    assert_tmdb_error(response, 401, 33)  # the emulator still answers: no 500 at request time


@pytest.mark.slow
@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--port", "99999"], "port must be a whole number from 0 to 65535"),
        (["--rate-limit", "1/nan"], "window must be a positive number of seconds"),
        (["--fault", "delay=inf"], "delay must be 0 or a positive number of seconds"),
        (["--port", "IN-USE"], "cannot listen on 127.0.0.1 port"),
    ],
    ids=["port-99999", "rate-limit-nan", "delay-inf", "port-in-use"],
)
def test_the_emulator_command_refuses_bad_options_in_one_line(arguments: list[str], message: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        arguments = [str(taken.getsockname()[1]) if value == "IN-USE" else value for value in arguments]
        command = [sys.executable, "-m", "tmdb_auth.cli", "emulator", *arguments]
        result = subprocess.run(command, capture_output=True, text=True, timeout=60)  # a safety net only
    assert result.returncode == 2
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("tmdb-auth: error: ")
    assert message in line


class FakeTime:
    """Stands in for the emulator module's `time`: the clock moves only when a test says so."""

    def __init__(self) -> None:
        self.now = time.time() - 3600  # in the past, so that PyJWT's own clock accepts every `nbf`

    def time(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return self.now


def test_expired_request_tokens_are_forgotten(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FakeTime()
    monkeypatch.setattr(emulator_module, "time", clock)
    emulator = Emulator(request_token_lifetime=60)
    tokens = [emulator.mint_request_token(approved=False) for _ in range(2_000)]
    assert len(emulator.state.request_tokens) == 2_000
    clock.now += 61
    fresh = emulator.mint_request_token(approved=False)
    assert len(emulator.state.request_tokens) == 1, "the 2,000 expired ones are gone"
    with pytest.raises(UnanswerableTokenError, match="it has expired"):
        emulator.approve(tokens[0])  # a forgotten token still answers as an expired one
    emulator.approve(fresh)


def test_the_token_stores_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(emulator_module, "MAX_REQUEST_TOKENS_KEPT", 5)
    monkeypatch.setattr(emulator_module, "MAX_ACCESS_TOKENS_KEPT", 5)
    emulator = Emulator()
    tokens = [emulator.mint_request_token(approved=False) for _ in range(12)]
    assert len(emulator.state.request_tokens) == 5
    emulator.approve(tokens[-1])
    with pytest.raises(UnanswerableTokenError, match="it has expired"):
        emulator.approve(tokens[0])
    access_tokens = [emulator.state.new_access_token(f"jti-{n}") for n in range(12)]
    assert len(emulator.state.access_tokens) == 5
    assert set(access_tokens[-5:]) == set(emulator.state.access_tokens)
    assert access_tokens[-1] not in repr(emulator.state.access_tokens)


def test_the_default_emulator_is_loopback_only(tmdb_emulator: Emulator) -> None:
    assert tmdb_emulator.exposure_warning() is None
    assert tmdb_emulator.base_url.startswith("http://127.0.0.1:")


@pytest.mark.slow
def test_the_emulator_on_all_interfaces_warns_and_prints_a_url_the_client_accepts() -> None:
    """Listening on every interface for a moment (nothing is sent but to 127.0.0.1)."""
    every_interface = "0.0.0.0"  # noqa: S104 - the case under test
    command = [sys.executable, "-m", "tmdb_auth.cli", "emulator", "--host", every_interface, "--port", "0"]
    process = subprocess.Popen(
        [*command, "--read-token", "cli-read-token"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        assert process.stderr is not None
        # A silent or stuck emulator fails the test instead of blocking readline() forever.
        watchdog = threading.Timer(30, process.kill)
        watchdog.start()
        try:
            announced = process.stdout.readline()
            warning = process.stderr.readline()  # written before the first line on stdout
        finally:
            watchdog.cancel()
        assert announced, f"no base URL on stdout within 30 s; stderr: {warning!r}"
        base_url = announced.rsplit(" ", 1)[1].strip()
        assert base_url.startswith("http://127.0.0.1:")
        assert warning.startswith("tmdb-auth: warning: the emulator listens on 0.0.0.0, beyond loopback")
        headers = {"Authorization": "Bearer cli-read-token"}
        token = httpx.post(f"{base_url}/4/auth/request_token", headers=headers).json()["request_token"]
        auth = TMDBAuth("cli-read-token", base_url=base_url)  # it refused the old http://0.0.0.0:PORT
        with auth, pytest.raises(RequestTokenNotApprovedError):
            auth.create_access_token(token)
    finally:
        process.terminate()
        process.communicate(timeout=15)
    assert process.returncode == 0


def test_the_emulator_answers_without_waiting_for_delayed_acks(tmdb_emulator: Emulator) -> None:
    """asyncio sets TCP_NODELAY on accepted connections only when the listener's proto says TCP;
    without it every keep-alive answer after the first took ~44 ms (the client's delayed ACK)."""
    assert tmdb_emulator._server is not None
    listener = tmdb_emulator._server.servers[0].sockets[0]
    assert listener.proto == socket.IPPROTO_TCP
