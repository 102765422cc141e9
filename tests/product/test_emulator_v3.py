"""The emulator's v3 session routes, as TMDB's official v3 document describes them
(tests/fixtures/tmdb-v3-session-operations.json, its two operations copied verbatim):
``POST /3/authentication/session/convert/4`` and ``DELETE /3/authentication/session``."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import httpx
import jsonschema
import pytest

from tests.helpers import FIXTURES
from tmdb_auth.emulator import Emulator, SeenRequest

OFFICIAL = json.loads((FIXTURES / "tmdb-v3-session-operations.json").read_text(encoding="utf-8"))
CONVERT = "/3/authentication/session/convert/4"
DELETE = "/3/authentication/session"
SESSION_ID = re.compile(r"[0-9a-f]{40}")  # TMDB's examples: 40 hex digits


def ok_schema(path: str, method: str) -> dict[str, Any]:
    schema: dict[str, Any] = OFFICIAL["paths"][path][method]["responses"]["200"]["content"]["application/json"][
        "schema"
    ]
    return schema


def v3(
    emulator: Emulator,
    method: str,
    path: str,
    body: Any,
    *,
    api_key: str | None = None,
    bearer: str | None = None,
) -> httpx.Response:
    params = {"api_key": api_key} if api_key is not None else {}
    headers = {"Authorization": f"Bearer {bearer}"} if bearer is not None else {}
    return httpx.request(method, emulator.base_url + path, json=body, params=params, headers=headers)


def create(emulator: Emulator, access_token: str, **credentials: Any) -> httpx.Response:
    credentials = credentials or {"api_key": emulator.api_key}
    return v3(emulator, "POST", CONVERT, {"access_token": access_token}, **credentials)


def delete(emulator: Emulator, session_id: str, **credentials: Any) -> httpx.Response:
    credentials = credentials or {"api_key": emulator.api_key}
    return v3(emulator, "DELETE", DELETE, {"session_id": session_id}, **credentials)


def assert_tmdb_error(response: httpx.Response, status: int, code: int) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"success", "status_code", "status_message"}
    assert (body["success"], body["status_code"]) == (False, code)
    assert body["status_message"]


def test_the_official_document_is_what_the_routes_serve() -> None:
    """The copy names the two operations the emulator serves, at these paths and methods."""
    operations = {
        (path, method): operation["operationId"]
        for path, item in OFFICIAL["paths"].items()
        for method, operation in item.items()
    }
    assert operations == {
        (CONVERT, "post"): "authentication-create-session-from-v4-token",
        (DELETE, "delete"): "authentication-delete-session",
    }
    # Authenticated as the whole document is: the Authorization header (the read access token).
    assert OFFICIAL["security"] == [{"sec0": []}]
    assert OFFICIAL["components"]["securitySchemes"]["sec0"]["name"] == "Authorization"


@pytest.mark.parametrize("credential", ["api_key", "bearer"])
def test_a_session_is_created_from_a_live_access_token_and_deleted_once(
    tmdb_emulator: Emulator, credential: str
) -> None:
    credentials = (
        {"api_key": tmdb_emulator.api_key} if credential == "api_key" else {"bearer": tmdb_emulator.read_token}
    )
    access_token = tmdb_emulator.mint_access_token()
    created = create(tmdb_emulator, access_token, **credentials)
    assert created.status_code == 200
    body = created.json()
    jsonschema.validate(body, ok_schema(CONVERT, "post"))
    assert set(body) == {"success", "session_id"}, "exactly the document's example fields"
    assert body["success"] is True
    assert SESSION_ID.fullmatch(body["session_id"])
    assert tmdb_emulator.session_alive(body["session_id"])
    assert tmdb_emulator.access_token_alive(access_token), "making a session spends nothing"

    deleted = delete(tmdb_emulator, body["session_id"], **credentials)
    assert deleted.status_code == 200
    jsonschema.validate(deleted.json(), ok_schema(DELETE, "delete"))
    assert deleted.json() == {"success": True}
    assert not tmdb_emulator.session_alive(body["session_id"])
    assert_tmdb_error(delete(tmdb_emulator, body["session_id"], **credentials), 404, 37)


def test_each_conversion_is_a_new_session(tmdb_emulator: Emulator) -> None:
    access_token = tmdb_emulator.mint_access_token()
    first, second = (create(tmdb_emulator, access_token).json()["session_id"] for _ in range(2))
    assert first != second
    assert delete(tmdb_emulator, first).status_code == 200
    assert tmdb_emulator.session_alive(second), "ending one session leaves the other"


@pytest.mark.parametrize(
    "credentials",
    [
        {},
        {"api_key": "wrong-api-key"},
        {"bearer": "wrong-read-token"},
        {"api_key": "API_KEY", "bearer": "wrong-read-token"},
        {"api_key": "wrong-api-key", "bearer": "READ_TOKEN"},
        {"bearer": "ACCESS_TOKEN"},
    ],
    ids=["none", "wrong-key", "wrong-bearer", "key-and-wrong-bearer", "bearer-and-wrong-key", "user-token-as-bearer"],
)
def test_the_v3_routes_take_the_apps_key_or_read_token_only(
    tmdb_emulator: Emulator, credentials: dict[str, str]
) -> None:
    access_token = tmdb_emulator.mint_access_token()
    session_id = tmdb_emulator.mint_session()
    known = {"API_KEY": tmdb_emulator.api_key, "READ_TOKEN": tmdb_emulator.read_token, "ACCESS_TOKEN": access_token}
    sent = {name: known.get(value, value) for name, value in credentials.items()}
    if not sent:  # no credential at all: nothing in the query, no Authorization header
        responses = [
            httpx.post(tmdb_emulator.base_url + CONVERT, json={"access_token": access_token}),
            httpx.request("DELETE", tmdb_emulator.base_url + DELETE, json={"session_id": session_id}),
        ]
    else:
        responses = [create(tmdb_emulator, access_token, **sent), delete(tmdb_emulator, session_id, **sent)]
    for response in responses:
        assert_tmdb_error(response, 401, 7)
    assert tmdb_emulator.session_alive(session_id)


def test_a_revoked_or_unknown_access_token_makes_no_session(tmdb_emulator: Emulator) -> None:
    revoked = tmdb_emulator.mint_access_token()
    tmdb_emulator.revoke_access_token(revoked)
    assert not tmdb_emulator.access_token_alive(revoked)
    for access_token in (revoked, "eyJ.not-an-access-token.x", tmdb_emulator.mint_request_token()):
        assert_tmdb_error(create(tmdb_emulator, access_token), 401, 35)
    assert tmdb_emulator.state.sessions == set()


def test_a_logged_out_access_token_makes_no_session(tmdb_emulator: Emulator) -> None:
    access_token = tmdb_emulator.mint_access_token()
    logout = httpx.request(
        "DELETE",
        f"{tmdb_emulator.base_url}/4/auth/access_token",
        json={"access_token": access_token},
        headers={"Authorization": f"Bearer {tmdb_emulator.read_token}"},
    )
    assert logout.status_code == 200
    assert_tmdb_error(create(tmdb_emulator, access_token), 401, 35)


@pytest.mark.parametrize(
    ("path", "method", "raw"),
    [
        (CONVERT, "POST", b"{}"),
        (CONVERT, "POST", b'{"access_token": 42}'),
        (CONVERT, "POST", b"{not json"),
        (DELETE, "DELETE", b'{"session_id": ""}'),
        (DELETE, "DELETE", b"[]"),
    ],
    ids=["convert-missing", "convert-not-a-string", "convert-malformed", "delete-empty", "delete-array"],
)
def test_malformed_bodies_are_400_code_47(tmdb_emulator: Emulator, path: str, method: str, raw: bytes) -> None:
    response = httpx.request(
        method,
        tmdb_emulator.base_url + path,
        params={"api_key": tmdb_emulator.api_key},
        content=raw,
        headers={"Content-Type": "application/json"},
    )
    assert_tmdb_error(response, 400, 47)


def test_an_unknown_session_is_404_code_37(tmdb_emulator: Emulator) -> None:
    assert_tmdb_error(delete(tmdb_emulator, "0" * 40), 404, 37)


def test_reset_forgets_the_sessions(tmdb_emulator: Emulator) -> None:
    session_id = tmdb_emulator.mint_session()
    tmdb_emulator.reset()
    assert not tmdb_emulator.session_alive(session_id)


def test_the_requests_log_never_holds_the_api_key_or_a_session_id(
    tmdb_emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    session_id = create(tmdb_emulator, tmdb_emulator.mint_access_token()).json()["session_id"]
    delete(tmdb_emulator, session_id)
    delete(tmdb_emulator, session_id)
    assert tmdb_emulator.requests == [
        SeenRequest("POST", CONVERT, 200),
        SeenRequest("DELETE", DELETE, 200),
        SeenRequest("DELETE", DELETE, 404),
    ]
    recorded = repr(tmdb_emulator.requests) + repr(tmdb_emulator.state) + repr(tmdb_emulator)
    emulator_logs = [record.getMessage() for record in caplog.records if not record.name.startswith("httpx")]
    for secret in (tmdb_emulator.api_key, session_id, tmdb_emulator.read_token):
        assert secret not in recorded
        assert not [message for message in emulator_logs if secret in message]


def test_the_api_key_is_checked_at_construction() -> None:
    with pytest.raises(ValueError, match="the API key must be a string of at most"):
        Emulator(api_key="with spaces-must-not-leak")
    assert Emulator(api_key="my-v3-key").api_key == "my-v3-key"
    assert re.fullmatch(r"[0-9a-f]{32}", Emulator().api_key), "a random key shaped like TMDB's by default"
