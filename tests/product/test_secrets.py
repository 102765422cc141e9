"""No secret in any repr, str, exception or log record, on every path (DEBUG logging on all loggers)."""

from __future__ import annotations

import logging
import socket

import pytest

from tests.helpers import Call, Exchange
from tests.helpers.clock import FakeClock
from tests.helpers.leaks import assert_no_secret_in_error
from tests.helpers.loopback import LoopbackServer, Reply, raw_server
from tests.helpers.tokens import (
    ACCESS_TOKEN,
    READ_TOKEN,
    REQUEST_TOKEN,
    assert_no_secret,
    logout_success,
    request_token_success,
    success_body,
    tmdb_error,
)
from tests.product.test_facade import ERROR_TABLE, RESPONSE_FORMAT_CASES
from tests.product.test_retries import rate_limited
from tmdb_auth import TMDBError


def every_reply() -> list[Reply]:
    return [
        Reply(200, success_body()),
        *(row[1] for row in ERROR_TABLE),
        *(case[1] for case in RESPONSE_FORMAT_CASES),
        Reply(200, success_body(), delay=0.5),  # read timeout
        Reply(drop=True),
    ]


def test_no_secret_in_logs_or_errors_on_any_path(
    server: LoopbackServer, exchange: Exchange, caplog: pytest.LogCaptureFixture, fake_clock: FakeClock
) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "tmdb_auth", "hpack", "asyncio"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    outcomes = 0
    for reply in every_reply():
        server.reply(reply)
        try:
            token = exchange(base_url=server.url, timeout=0.25)
        except TMDBError as error:
            assert_no_secret_in_error(error)  # the whole chain, __cause__ included
        else:
            assert_no_secret(repr(token))
            assert_no_secret(str(token))
        outcomes += 1
    # retries: 429 then 503 then success
    server.reply(rate_limited("1"), Reply(503, b""), Reply(200, success_body()))
    exchange(base_url=server.url)
    # connection refused, retried
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(TMDBError) as caught:
        exchange(base_url=f"http://127.0.0.1:{port}")
    assert_no_secret_in_error(caught.value)

    assert outcomes == len(every_reply())
    assert any(record.name == "httpx" for record in caplog.records), "httpx's records were captured"
    assert any(record.name == "tmdb_auth" for record in caplog.records)
    for record in caplog.records:
        assert_no_secret(record.getMessage())
        assert_no_secret(repr(record.args))
    assert_no_secret(caplog.text)
    # and the tokens really were used, so their absence above means something
    assert any(r.headers.get("Authorization") == f"Bearer {READ_TOKEN}" for r in server.received)
    assert any(r.json() == {"request_token": REQUEST_TOKEN} for r in server.received)


def test_no_secret_leaks_from_the_other_operations(
    server: LoopbackServer, call: Call, caplog: pytest.LogCaptureFixture, fake_clock: FakeClock
) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "tmdb_auth"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    echo = tmdb_error(35, f"token {ACCESS_TOKEN} with {READ_TOKEN} rejected")  # echoes what the call sent
    server.reply(Reply(200, request_token_success()), Reply(429, echo), Reply(200, logout_success()))
    request = call("create_request_token", base_url=server.url)
    assert_no_secret(repr(request) + str(request))
    call("logout", ACCESS_TOKEN, base_url=server.url)  # 429 then retried
    for reply in (Reply(401, echo), Reply(500, echo), Reply(200, f"<html>{ACCESS_TOKEN}</html>"), Reply(drop=True)):
        for operation, args in (("logout", (ACCESS_TOKEN,)), ("create_request_token", ())):
            server.reply(reply)
            with pytest.raises(TMDBError) as caught:
                call(operation, *args, base_url=server.url, max_retries=0)
            assert_no_secret_in_error(caught.value)  # the whole chain, __cause__ included
    assert any(record.name == "tmdb_auth" for record in caplog.records), "the retry was logged"
    for record in caplog.records:
        assert_no_secret(record.getMessage())
        assert_no_secret(repr(record.args))
    assert any(r.json() == {"access_token": ACCESS_TOKEN} for r in server.received), "the secrets were really used"


def test_transport_log_records_quote_nothing_the_server_sent(call: Call, caplog: pytest.LogCaptureFixture) -> None:
    """httpcore's DEBUG records (which quote response headers and h11's errors) are not emitted for the
    facade's exchanges; httpx's request line shows the standard reason phrase, not the server's."""
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    head = f"HTTP/1.1 200 Bearer {READ_TOKEN}\r\nSet-Cookie: t={READ_TOKEN}\r\nContent-Length: 2\r\n\r\n{{}}"
    with raw_server(head.encode()) as (url, received), pytest.raises(TMDBError) as caught:
        call("create_access_token", REQUEST_TOKEN, base_url=url, max_retries=0)
    assert received, "the server answered"
    assert_no_secret_in_error(caught.value)
    request_lines = [record.getMessage() for record in caplog.records if record.name == "httpx"]
    assert request_lines, "httpx logged its request line"
    assert all(line.endswith('"HTTP/1.1 200 OK"') for line in request_lines), request_lines
    assert [record.name for record in caplog.records if record.name.startswith("httpcore")] == []
    for record in caplog.records:
        assert_no_secret(record.getMessage())
