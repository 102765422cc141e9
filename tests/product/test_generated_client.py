"""The generated client against a real HTTP server on 127.0.0.1, and its four hardenings."""

from __future__ import annotations

import json
import time
import traceback
from http import HTTPStatus
from typing import Any

import httpx
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.helpers import example_request_token, example_response
from tests.helpers.loopback import LoopbackServer, Reply
from tests.helpers.tokens import ACCESS_TOKEN, ACCOUNT_ID, REQUEST_TOKEN, SECRETS, success_body
from tests.helpers.tokens import READ_TOKEN as TOKENS_READ_TOKEN
from tmdb_v4_client import AuthenticatedClient, Client
from tmdb_v4_client import types as generated_types
from tmdb_v4_client.api.auth import create_an_access_token
from tmdb_v4_client.client import DEFAULT_TIMEOUT
from tmdb_v4_client.errors import UnexpectedStatus, UnparsableResponse
from tmdb_v4_client.models import CreateAnAccessTokenBody, CreateAnAccessTokenResponse200

READ_TOKEN = "read-token-Zq8vGENERATED-secret-4711"
PATH = "/4/auth/access_token"


def expect_exchange(httpserver: HTTPServer, request_token: str) -> None:
    httpserver.expect_oneshot_request(
        PATH,
        method="POST",
        headers={"Authorization": f"Bearer {READ_TOKEN}", "Content-Type": "application/json"},
        json={"request_token": request_token},
    ).respond_with_json(example_response())


def client_for(httpserver: HTTPServer, **kwargs: object) -> AuthenticatedClient:
    return AuthenticatedClient(base_url=httpserver.url_for("/").rstrip("/"), token=READ_TOKEN, **kwargs)  # type: ignore[arg-type]


def assert_received_exchange(httpserver: HTTPServer, request_token: str) -> None:
    (request, _response), *rest = httpserver.log
    assert rest == []
    assert request.method == "POST"
    assert request.path == PATH
    assert request.headers["Authorization"] == f"Bearer {READ_TOKEN}"
    assert json.loads(request.get_data()) == {"request_token": request_token}
    httpserver.check_assertions()


def test_sync_detailed(httpserver: HTTPServer) -> None:
    token = example_request_token()
    expect_exchange(httpserver, token)
    with client_for(httpserver) as client:
        response = create_an_access_token.sync_detailed(
            client=client, body=CreateAnAccessTokenBody(request_token=token)
        )
    assert response.status_code == HTTPStatus.OK
    assert json.loads(response.content) == example_response()
    assert response.parsed == CreateAnAccessTokenResponse200.from_dict(example_response())
    assert_received_exchange(httpserver, token)


def test_sync(httpserver: HTTPServer) -> None:
    token = example_request_token()
    expect_exchange(httpserver, token)
    with client_for(httpserver) as client:
        parsed = create_an_access_token.sync(client=client, body=CreateAnAccessTokenBody(request_token=token))
    assert parsed is not None
    assert parsed.to_dict() == example_response()
    assert parsed.access_token == example_response()["access_token"]
    assert parsed.account_id == "676a950bf68dehye3u9120"
    assert_received_exchange(httpserver, token)


async def test_asyncio_detailed(httpserver: HTTPServer) -> None:
    token = example_request_token()
    expect_exchange(httpserver, token)
    async with client_for(httpserver) as client:
        body = CreateAnAccessTokenBody(request_token=token)
        response = await create_an_access_token.asyncio_detailed(client=client, body=body)
    assert response.status_code == HTTPStatus.OK
    assert response.parsed == CreateAnAccessTokenResponse200.from_dict(example_response())
    assert_received_exchange(httpserver, token)


async def test_asyncio(httpserver: HTTPServer) -> None:
    token = example_request_token()
    expect_exchange(httpserver, token)
    async with client_for(httpserver) as client:
        parsed = await create_an_access_token.asyncio(client=client, body=CreateAnAccessTokenBody(request_token=token))
    assert parsed is not None
    assert parsed.to_dict() == example_response()
    assert_received_exchange(httpserver, token)


# --- hardening 1: the bearer token never reaches a repr ---------------------------------


def test_token_not_in_repr_before_or_after_requests(httpserver: HTTPServer) -> None:
    expect_exchange(httpserver, "req-tok")
    client = client_for(httpserver, headers={"X-Api-Key": "header-secret-Qp2"})
    assert READ_TOKEN not in repr(client)
    assert "header-secret-Qp2" not in repr(client)
    with client:
        create_an_access_token.sync(client=client, body=CreateAnAccessTokenBody(request_token="req-tok"))
        client.get_async_httpx_client()
        # the header is still sent: the token is kept out of the repr, not out of the request
        assert client.get_httpx_client().headers["Authorization"] == f"Bearer {READ_TOKEN}"
        for text in (repr(client), str(client), repr(client.with_headers({"X": "y"}))):
            assert READ_TOKEN not in text
            assert "header-secret-Qp2" not in text
    assert "X-Api-Key" in repr(client), "header names stay visible for debugging"


# --- hardening 2: a default timeout instead of none at all -------------------------------


@pytest.mark.parametrize("client_class", [Client, AuthenticatedClient])
def test_default_timeout_is_ten_seconds(client_class: type[Client] | type[AuthenticatedClient]) -> None:
    kwargs = {"token": "t"} if client_class is AuthenticatedClient else {}
    client = client_class(base_url="http://127.0.0.1:9", **kwargs)  # type: ignore[arg-type]
    assert httpx.Timeout(10.0) == DEFAULT_TIMEOUT
    assert client.get_httpx_client().timeout == httpx.Timeout(10.0)
    assert client.get_async_httpx_client().timeout == httpx.Timeout(10.0)


def test_a_stalled_server_raises_a_timeout(httpserver: HTTPServer) -> None:
    def stall(_request: Request) -> Response:
        time.sleep(1.0)
        return Response("{}", content_type="application/json")

    httpserver.expect_request(PATH).respond_with_handler(stall)
    client = client_for(httpserver).with_timeout(httpx.Timeout(0.2))
    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        create_an_access_token.sync_detailed(client=client, body=CreateAnAccessTokenBody(request_token="x"))
    assert time.monotonic() - started < 0.9


# --- hardening 3: statuses Python does not know, and bodies that do not parse -------------


@pytest.mark.parametrize("status", [520, 499, 599])
def test_unknown_status_is_an_unparsed_response(httpserver: HTTPServer, status: int) -> None:
    httpserver.expect_request(PATH).respond_with_data("<html>origin error</html>", status=status)
    response = create_an_access_token.sync_detailed(
        client=client_for(httpserver), body=CreateAnAccessTokenBody(request_token="x")
    )
    assert response.status_code == status
    assert response.parsed is None
    assert response.content == b"<html>origin error</html>"


@pytest.mark.parametrize("status", [520, 499])
async def test_unknown_status_raises_unexpected_status_when_asked(httpserver: HTTPServer, status: int) -> None:
    httpserver.expect_request(PATH).respond_with_data("down", status=status)
    client = client_for(httpserver, raise_on_unexpected_status=True)
    with pytest.raises(UnexpectedStatus) as caught:
        await create_an_access_token.asyncio_detailed(client=client, body=CreateAnAccessTokenBody(request_token="x"))
    assert caught.value.status_code == status
    assert caught.value.content == b"down"


@pytest.mark.parametrize("body", [b"<html>cdn</html>", b"[1, 2]", b'"text"', b""])
def test_unparsable_documented_response(httpserver: HTTPServer, body: bytes) -> None:
    httpserver.expect_request(PATH).respond_with_data(body, status=200, content_type="application/json")
    response = create_an_access_token.sync_detailed(
        client=client_for(httpserver), body=CreateAnAccessTokenBody(request_token="x")
    )
    assert response.status_code == HTTPStatus.OK
    assert response.parsed is None
    with pytest.raises(UnparsableResponse) as caught:
        create_an_access_token.sync(
            client=client_for(httpserver, raise_on_unexpected_status=True),
            body=CreateAnAccessTokenBody(request_token="x"),
        )
    assert isinstance(caught.value, UnexpectedStatus)
    assert caught.value.status_code == 200


def test_models_hide_token_fields_in_repr() -> None:
    body = CreateAnAccessTokenBody(request_token="REQ-model-secret-91")
    response = CreateAnAccessTokenResponse200.from_dict({**example_response(), "access_token": "ACC-model-secret-92"})
    assert "REQ-model-secret-91" not in repr(body)
    assert "ACC-model-secret-92" not in repr(response)
    assert "676a950bf68dehye3u9120" in repr(response), "other fields stay visible"
    assert body.to_dict() == {"request_token": "REQ-model-secret-91"}
    assert response.to_dict()["access_token"] == "ACC-model-secret-92"


# --- hardening 4: nothing that may be a credential in a repr, str, message or traceback --------

REFRESH_TOKEN = "REFRESHTOKEN-5d0b-must-not-leak"
LEAKS = (*SECRETS, REFRESH_TOKEN)


def assert_nothing_leaks(*texts: str) -> None:
    assert texts
    for text in texts:
        for secret in LEAKS:
            assert secret not in text, f"a secret leaked into: {text[:400]!r}"


def error_texts(error: BaseException) -> tuple[str, ...]:
    return (repr(error), str(error), repr(error.args), "".join(traceback.format_exception(error)))


def loopback_client(server: LoopbackServer, **kwargs: Any) -> AuthenticatedClient:
    return AuthenticatedClient(base_url=server.url, token=LOOPBACK_READ_TOKEN, **kwargs)


LOOPBACK_READ_TOKEN = TOKENS_READ_TOKEN


SECRET_BODY = {
    **success_body(),
    "refresh_token": REFRESH_TOKEN,
    "session_token": REQUEST_TOKEN,
    "status_message": f"issued {ACCESS_TOKEN}",
}
SECRET_HEADERS = {"Set-Cookie": f"session={REFRESH_TOKEN}; HttpOnly", "X-Request-Token": REQUEST_TOKEN}


def test_a_successful_response_prints_without_its_tokens_and_keeps_them(server: LoopbackServer) -> None:
    server.reply(Reply(200, SECRET_BODY, SECRET_HEADERS))
    client = loopback_client(server, cookies={"session": REFRESH_TOKEN})
    with client:
        response = create_an_access_token.sync_detailed(
            client=client, body=CreateAnAccessTokenBody(request_token=REQUEST_TOKEN)
        )
        assert_nothing_leaks(repr(response), str(response), repr(response.parsed), str(response.parsed), repr(client))
    shown = repr(response)
    assert shown.startswith(f"Response(status_code=<HTTPStatus.OK: 200>, content=<{len(response.content)} bytes>")
    assert "'set-cookie': <redacted>" in shown
    assert "'x-request-token': <redacted>" in shown
    assert "access_token=<redacted>" in shown
    assert f"account_id='{ACCOUNT_ID}'" in shown
    assert "status_message='issued <redacted>'" in shown
    assert "additional_properties={'refresh_token': <redacted>, 'session_token': <redacted>}" in shown
    # printing is safe; reading still gives everything as received
    assert response.parsed is not None
    assert response.parsed.access_token == ACCESS_TOKEN
    assert response.parsed["refresh_token"] == REFRESH_TOKEN
    assert response.parsed.to_dict() == SECRET_BODY
    assert json.loads(response.content) == SECRET_BODY
    assert response.headers["set-cookie"] == SECRET_HEADERS["Set-Cookie"]
    (received,) = server.received
    assert received.headers["Authorization"] == f"Bearer {LOOPBACK_READ_TOKEN}"
    assert received.headers["Cookie"] == f"session={REFRESH_TOKEN}"


@pytest.mark.parametrize("status", [401, 502, 520])
async def test_an_unexpected_status_says_how_many_bytes_not_which(server: LoopbackServer, status: int) -> None:
    body = {**SECRET_BODY, "success": False, "status_code": 7, "status_message": f"bad token {LOOPBACK_READ_TOKEN}"}
    server.reply(Reply(status, body, SECRET_HEADERS))
    async with loopback_client(server, raise_on_unexpected_status=True) as client:
        with pytest.raises(UnexpectedStatus) as caught:
            await create_an_access_token.asyncio_detailed(
                client=client, body=CreateAnAccessTokenBody(request_token=REQUEST_TOKEN)
            )
    error = caught.value
    assert_nothing_leaks(*error_texts(error))
    assert str(error).startswith(f"Unexpected status code: {status} ({len(error.content)} bytes of response body")
    assert json.loads(error.content) == body, "the body is still there to read"


def test_the_error_summary_is_a_class_attribute_a_subclass_can_set() -> None:
    class Teapot(UnexpectedStatus):
        _summary = "The teapot answered"

    assert str(Teapot(418, b"{}")).startswith("The teapot answered: 418 (2 bytes of response body received")
    assert str(UnparsableResponse(200, b"[")).startswith("Response body could not be parsed for status code: 200 (")
    assert UnparsableResponse._summary == "Response body could not be parsed for status code", "not one reason's"


def test_the_generated_types_export_only_upstreams_names_and_http_status() -> None:
    """The repr helpers the templates add to types.py are private: not in the package's API."""
    assert sorted(generated_types.__all__) == [
        "File",
        "FileTypes",
        "RequestFiles",
        "Response",
        "UNSET",
        "Unset",
        "http_status",
    ]


DEEP_JSON = b'{"access_token": "' + ACCESS_TOKEN.encode() + b'", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
NOT_UTF8 = b'{"access_token": "' + ACCESS_TOKEN.encode() + b'\xff\xfe"}'
NOT_AN_OBJECT = json.dumps([ACCESS_TOKEN, REFRESH_TOKEN]).encode()


@pytest.mark.parametrize(
    ("body", "reason"),
    [(DEEP_JSON, "RecursionError"), (NOT_UTF8, "UnicodeDecodeError"), (NOT_AN_OBJECT, "ValueError")],
    ids=["deep-json", "not-utf8", "json-array"],
)
def test_an_unparsable_200_is_typed_counted_and_unchained(server: LoopbackServer, body: bytes, reason: str) -> None:
    server.reply(Reply(200, body), Reply(200, body))
    with loopback_client(server) as client:
        quiet = create_an_access_token.sync_detailed(client=client, body=CreateAnAccessTokenBody(request_token="r"))
    assert quiet.status_code == HTTPStatus.OK
    assert quiet.parsed is None
    assert quiet.content == body
    assert_nothing_leaks(repr(quiet), str(quiet))
    with (
        loopback_client(server, raise_on_unexpected_status=True) as client,
        pytest.raises(UnparsableResponse) as caught,
    ):
        create_an_access_token.sync(client=client, body=CreateAnAccessTokenBody(request_token="r"))
    error = caught.value
    assert_nothing_leaks(*error_texts(error))
    assert error.reason == reason
    assert f"could not be parsed ({reason}) for status code: 200 ({len(body)} bytes" in str(error)
    # the parser's exception can quote the body (JSONDecodeError.doc, UnicodeDecodeError.object): not chained
    assert error.__cause__ is None
    assert error.__context__ is None
    assert error.content == body
