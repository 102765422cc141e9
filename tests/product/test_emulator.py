"""The emulator: conformance to openapi/tmdb-v4.yaml, TMDB's rules, the knobs, and the facade's
whole error table against it (sync and async)."""

from __future__ import annotations

import time
from typing import Any

import httpx
import jsonschema
import pytest
import requests
from openapi_core import OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse

from tests.helpers import SPEC_PATH, Exchange
from tmdb_auth import (
    AccessToken,
    AuthenticationError,
    InvalidRequestTokenError,
    NetworkError,
    RateLimitError,
    RequestTimeoutError,
    RequestTokenNotApprovedError,
    ServerError,
    TMDBAuth,
    _retry,
)
from tmdb_auth.emulator import Emulator
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


def post_exchange(emulator: Emulator, body: Any = None, *, token: str | None = None, raw: bytes | None = None) -> Any:
    headers = {"Authorization": f"Bearer {token or emulator.read_token}", "Content-Type": "application/json"}
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
    ("body", "raw", "status", "code"),
    [
        ({"request_token": "unknown"}, None, 401, 33),
        ({}, None, 400, 47),
        (None, b"{not json", 400, 47),
        ({"request_token": 42}, None, 400, 47),
    ],
    ids=["unknown-token", "missing-field", "malformed-json", "wrong-type"],
)
def test_error_paths_use_tmdb_error_bodies(
    tmdb_emulator: Emulator, openapi: OpenAPI, body: Any, raw: bytes | None, status: int, code: int
) -> None:
    response = post_exchange(tmdb_emulator, body, raw=raw)
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
        approval = http.get("/auth/access", params={"request_token": created["request_token"]})
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


def test_an_approval_page_for_an_unknown_token(tmdb_emulator: Emulator) -> None:
    response = httpx.get(f"{tmdb_emulator.base_url}/auth/access", params={"request_token": "nope"})
    assert response.status_code == 401


# --- knobs ----------------------------------------------------------------------------------


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
