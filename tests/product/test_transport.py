"""The facade's own httpx client and transport: TLS verified, proxies honoured (never for loopback),
client_options applied (verify, cert, proxy, limits, follow_redirects, cookies, event_hooks), bad
configuration typed, caller transports used and left open, and every response bounded in size
and total time whatever the server does (huge, trickling, compressed bodies)."""

from __future__ import annotations

import asyncio
import gzip
import importlib.util
import os
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.helpers import FIXTURES, Call
from tests.helpers.leaks import assert_no_secret_in_error
from tests.helpers.loopback import LoopbackServer, Reply, raw_server
from tests.helpers.tokens import (
    ACCESS_TOKEN,
    READ_TOKEN,
    REQUEST_TOKEN,
    logout_success,
    success_body,
)
from tmdb_auth import (
    APIError,
    AsyncTMDBAuth,
    ConfigurationError,
    NetworkError,
    RequestTimeoutError,
    ResponseFormatError,
    ResponseTooLargeError,
    TMDBAuth,
)

CERT = FIXTURES / "tls" / "loopback-cert.pem"
KEY = FIXTURES / "tls" / "loopback-key.pem"


# --- client_options ------------------------------------------------------------------------------


@pytest.fixture
def tls_server() -> Iterator[LoopbackServer]:
    """The loopback server behind TLS with a self-signed certificate for 127.0.0.1 (tests/fixtures/tls)."""
    server = LoopbackServer()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(CERT, KEY)
    server._httpd.socket = context.wrap_socket(server._httpd.socket, server_side=True)
    server.url = server.url.replace("http://", "https://")
    with server.running() as running:
        yield running


def test_tls_is_verified_by_default(tls_server: LoopbackServer, call: Call) -> None:
    with pytest.raises(NetworkError) as caught:
        call("create_access_token", REQUEST_TOKEN, base_url=tls_server.url, max_retries=0)
    assert caught.value.request_sent is False
    assert "CERTIFICATE_VERIFY_FAILED" in str(caught.value)
    assert tls_server.received == []


@pytest.mark.parametrize("verify", ["off", "ca-context"])
def test_client_options_verify(tls_server: LoopbackServer, call: Call, verify: str) -> None:
    value: Any = False if verify == "off" else ssl.create_default_context(cafile=str(CERT))
    tls_server.reply(Reply(200, success_body()))
    token = call("create_access_token", REQUEST_TOKEN, base_url=tls_server.url, client_options={"verify": value})
    assert token.access_token == ACCESS_TOKEN
    assert tls_server.received[0].headers["Authorization"] == f"Bearer {READ_TOKEN}"


def test_client_options_proxy(server: LoopbackServer, call: Call) -> None:
    server.reply(Reply(200, logout_success()))
    call(
        "logout",
        ACCESS_TOKEN,
        base_url="http://api.tmdb.example",
        allow_insecure_http=True,
        client_options={"proxy": server.url},
    )
    (received,) = server.received
    assert received.path == "http://api.tmdb.example/4/auth/access_token", "sent through the proxy, absolute-form"
    assert received.json() == {"access_token": ACCESS_TOKEN}


@pytest.mark.parametrize("follow", [True, False])
def test_client_options_follow_redirects(server: LoopbackServer, call: Call, follow: bool) -> None:
    server.reply(Reply(307, b"", {"Location": "/moved/4/auth/access_token"}), Reply(200, success_body()))
    if follow:
        token = call(
            "create_access_token", REQUEST_TOKEN, base_url=server.url, client_options={"follow_redirects": True}
        )
        assert token.access_token == ACCESS_TOKEN
        assert [r.path for r in server.received] == ["/4/auth/access_token", "/moved/4/auth/access_token"]
        assert server.received[1].json() == {"request_token": REQUEST_TOKEN}
    else:
        with pytest.raises(APIError) as caught:
            call("create_access_token", REQUEST_TOKEN, base_url=server.url)
        assert caught.value.http_status == 307
        assert len(server.received) == 1


def test_client_options_cookies_and_event_hooks(server: LoopbackServer, call: Call) -> None:
    seen: list[str] = []

    def on_request(request: httpx.Request) -> None:
        seen.append(request.url.path)

    async def on_request_async(request: httpx.Request) -> None:
        on_request(request)

    hook = on_request if call.mode == "sync" else on_request_async  # type: ignore[attr-defined]
    server.reply(Reply(200, success_body()))
    options = {"cookies": {"jar": "cookie"}, "event_hooks": {"request": [hook]}}
    call("create_access_token", REQUEST_TOKEN, base_url=server.url, client_options=options)
    assert server.received[0].headers["Cookie"] == "jar=cookie"
    assert seen == ["/4/auth/access_token"]


def test_cookies_that_responses_set_are_not_sent_back(server: LoopbackServer) -> None:
    """Set-Cookie is ignored (the facade skips httpx's cookie extraction); cookies passed in are still sent."""
    jar = httpx.Cookies({"mine": "kept"}).jar
    for _ in range(2):
        server.reply(*[Reply(200, success_body(), headers={"Set-Cookie": "planted=1; Path=/"}) for _ in range(2)])
    with TMDBAuth(READ_TOKEN, base_url=server.url) as auth:
        auth.create_access_token(REQUEST_TOKEN)
        auth.create_access_token(REQUEST_TOKEN)
    with TMDBAuth(READ_TOKEN, base_url=server.url, client_options={"cookies": jar}) as auth:
        auth.create_access_token(REQUEST_TOKEN)
        auth.create_access_token(REQUEST_TOKEN)
    assert [r.headers.get("Cookie") for r in server.received] == [None, None, "mine=kept", "mine=kept"]
    assert [cookie.name for cookie in jar] == ["mine"], "the caller's jar is used, and nothing is added to it"


async def test_cookies_that_responses_set_are_not_sent_back_async(server: LoopbackServer) -> None:
    server.reply(*[Reply(200, success_body(), headers={"Set-Cookie": "planted=1; Path=/"}) for _ in range(2)])
    async with AsyncTMDBAuth(READ_TOKEN, base_url=server.url) as auth:
        await auth.create_access_token(REQUEST_TOKEN)
        await auth.create_access_token(REQUEST_TOKEN)
    assert [r.headers.get("Cookie") for r in server.received] == [None, None]


async def test_client_options_limits(server: LoopbackServer) -> None:
    server.reply(*[Reply(200, success_body(), delay=0.2) for _ in range(4)])
    options = {"limits": httpx.Limits(max_connections=1)}
    async with AsyncTMDBAuth(READ_TOKEN, base_url=server.url, client_options=options) as auth:
        await asyncio.gather(*(auth.create_access_token(REQUEST_TOKEN) for _ in range(4)))
    assert server.connections == 1, "limits from client_options cap the pool"


def test_options_the_client_manages_or_httpx_refuses_are_configuration_errors() -> None:
    for name in ("headers", "timeout", "auth", "base_url", "transport", "http2"):
        with pytest.raises(ConfigurationError, match=repr(name)):
            TMDBAuth(READ_TOKEN, client_options={name: None})
    with pytest.raises(ConfigurationError, match="no_such_option"):
        TMDBAuth(READ_TOKEN, client_options={"no_such_option": 1})
    with pytest.raises(ConfigurationError, match="AsyncBaseTransport"):
        AsyncTMDBAuth(READ_TOKEN, transport=RecordingTransport())
    with pytest.raises(ConfigurationError, match="configure yours"):
        TMDBAuth(READ_TOKEN, transport=RecordingTransport(), client_options={"verify": False})
    with pytest.raises(ConfigurationError, match="limits"):
        TMDBAuth(READ_TOKEN, client_options={"limits": 4})


# --- configuration from the environment and options -------------------------------------------------

SECRET_PASSWORD = "PROXYPASS-5d1e-must-not-leak"


@pytest.mark.parametrize(
    ("env", "options", "named"),
    [
        ({"SSL_CERT_FILE": "/nonexistent/ca.pem"}, {}, "SSL_CERT_FILE"),
        ({"SSL_CERT_FILE": str(KEY)}, {}, "SSL_CERT_FILE"),  # a file, but no certificate in it
        ({"SSL_CERT_FILE": "", "SSL_CERT_DIR": "/nonexistent/certs"}, {}, "SSL_CERT_DIR"),
        ({"HTTPS_PROXY": f"http://user:{SECRET_PASSWORD}@proxy.example:notaport"}, {}, "HTTPS_PROXY"),
        ({"HTTPS_PROXY": f"ftp://user:{SECRET_PASSWORD}@proxy.example"}, {}, "HTTPS_PROXY"),
        ({"all_proxy": "socks5://127.0.0.1:1080"}, {}, "ALL_PROXY"),
        ({}, {"verify": 5}, "verify"),
        ({}, {"verify": "/nonexistent/ca.pem"}, "verify"),
        ({}, {"cert": "/nonexistent/client.pem"}, "cert"),
        ({}, {"cert": 5}, "cert"),
        ({}, {"proxy": f"http://user:{SECRET_PASSWORD}@"}, "proxy"),
    ],
)
@pytest.mark.parametrize("kind", [TMDBAuth, AsyncTMDBAuth])
def test_bad_tls_or_proxy_configuration_is_a_configuration_error_naming_it(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], options: dict[str, Any], named: str, kind: type[Any]
) -> None:
    if named == "ALL_PROXY" and importlib.util.find_spec("socksio") is not None:
        pytest.skip("socksio is installed: a SOCKS proxy is usable")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError, match=named) as caught:
        kind(READ_TOKEN, client_options=options)
    assert SECRET_PASSWORD not in str(caught.value)
    assert caught.value.__cause__ is None


def test_the_cli_says_what_configuration_is_wrong_in_one_line() -> None:
    env = {
        **os.environ,
        "TMDB_READ_ACCESS_TOKEN": READ_TOKEN,
        "HTTPS_PROXY": f"http://u:{SECRET_PASSWORD}@proxy.example:notaport",
    }
    result = subprocess.run(
        [sys.executable, "-m", "tmdb_auth.cli", "request-token"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert "HTTPS_PROXY" in result.stderr
    assert SECRET_PASSWORD not in result.stderr + result.stdout


@pytest.mark.parametrize("base_host", ["127.0.0.1", "localhost"])
def test_loopback_is_never_proxied(
    server: LoopbackServer, call: Call, monkeypatch: pytest.MonkeyPatch, base_host: str
) -> None:
    with raw_server(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n") as (proxy, received):
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
            monkeypatch.setenv(name, proxy)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        server.reply(Reply(200, success_body()))
        base_url = server.url.replace("127.0.0.1", base_host)
        assert call("create_access_token", REQUEST_TOKEN, base_url=base_url).access_token == ACCESS_TOKEN
    assert received == [], "the loopback 'proxy' received nothing"
    assert server.received[0].headers["Authorization"] == f"Bearer {READ_TOKEN}"


def test_https_to_tmdb_goes_through_the_environment_proxy(call: Call, monkeypatch: pytest.MonkeyPatch) -> None:
    """api.themoviedb.org is never resolved here: the only connection is to the (loopback) proxy."""
    with raw_server(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n") as (proxy, received):
        monkeypatch.setenv("HTTPS_PROXY", proxy)
        monkeypatch.delenv("https_proxy", raising=False)
        with pytest.raises(NetworkError) as caught:
            call("create_access_token", REQUEST_TOKEN, max_retries=0)  # the default https://api.themoviedb.org
    assert received, "the request went to the proxy"
    assert received[0].startswith(b"CONNECT api.themoviedb.org:443 "), received[0][:80]
    assert READ_TOKEN.encode() not in received[0], "the Bearer travels only inside the TLS tunnel"
    assert caught.value.request_sent is False, "the tunnel was refused: nothing reached TMDB"


class RecordingTransport(httpx.BaseTransport):
    def __init__(self) -> None:
        self.closed = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=success_body())

    def close(self) -> None:
        self.closed = True


def test_close_leaves_caller_transports_open() -> None:
    shared, mounted = RecordingTransport(), RecordingTransport()
    for _ in range(2):  # one transport shared by two clients in turn
        with TMDBAuth(READ_TOKEN, transport=shared) as auth:
            assert auth.create_access_token(REQUEST_TOKEN).access_token == ACCESS_TOKEN
    with TMDBAuth(READ_TOKEN, client_options={"mounts": {"https://api.themoviedb.org": mounted}}) as auth:
        auth.create_access_token(REQUEST_TOKEN)
    assert not shared.closed
    assert not mounted.closed


def test_a_callers_transport_is_used_and_its_responses_bounded(server: LoopbackServer, call: Call) -> None:
    """A caller's own transport (here httpx's, as one would pass httpx-aiohttp's) sends the request;
    the facade still caps the decoded body."""
    transport = httpx.HTTPTransport() if call.mode == "sync" else httpx.AsyncHTTPTransport()  # type: ignore[attr-defined]
    server.reply(Reply(200, gzip.compress(b"0" * (8 * 1024 * 1024)), {"Content-Encoding": "gzip"}))
    with pytest.raises(ResponseTooLargeError):
        call("create_access_token", REQUEST_TOKEN, base_url=server.url, transport=transport)
    assert server.received[0].headers["Authorization"] == f"Bearer {READ_TOKEN}"


def test_a_callers_transport_gets_no_cookies_planted(server: LoopbackServer) -> None:
    server.reply(*[Reply(200, success_body(), {"Set-Cookie": "planted=1; Path=/"}) for _ in range(2)])
    with httpx.HTTPTransport() as transport, TMDBAuth(READ_TOKEN, base_url=server.url, transport=transport) as auth:
        auth.create_access_token(REQUEST_TOKEN)
        auth.create_access_token(REQUEST_TOKEN)
    assert [r.headers.get("Cookie") for r in server.received] == [None, None]


def test_close_closes_the_pool_the_client_opened() -> None:
    auth = TMDBAuth(READ_TOKEN)
    http = auth._http
    auth.close()
    assert http.is_closed


# --- bounds on every response ----------------------------------------------------------------------


def trickle(connection: socket.socket) -> None:
    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n")
    for _ in range(150):  # one byte every 0.1 s: each read is quick, the whole never ends in time
        connection.sendall(b" ")
        time.sleep(0.1)


def endless_chunks(connection: socket.socket) -> None:
    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
    chunk = b"x" * 65536
    for _ in range(1024):  # up to 64 MiB, far beyond the cap
        connection.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))


@pytest.mark.parametrize("operation", ["create_access_token", "create_request_token"])
def test_a_trickling_server_hits_the_attempt_deadline(call: Call, operation: str) -> None:
    args = (REQUEST_TOKEN,) if operation == "create_access_token" else ()
    started = time.monotonic()
    with raw_server(trickle) as (url, _), pytest.raises(RequestTimeoutError, match="attempt_timeout") as caught:
        call(operation, *args, base_url=url, timeout=0.5, attempt_timeout=1.0, max_retries=0)
    elapsed = time.monotonic() - started
    assert elapsed < 4, f"bounded by attempt_timeout, took {elapsed:.1f}s"
    assert caught.value.request_sent is True
    assert_no_secret_in_error(caught.value)


def test_an_endless_chunked_body_is_cut_at_max_response_bytes(call: Call) -> None:
    with raw_server(endless_chunks) as (url, _), pytest.raises(ResponseTooLargeError) as caught:
        call("create_access_token", REQUEST_TOKEN, base_url=url, max_retries=0)
    assert caught.value.http_status == 200
    assert "1048576 bytes" in str(caught.value)
    assert "may already be consumed" in str(caught.value), "the exchange says the token may be spent"


def test_a_declared_huge_body_is_refused_before_reading(server: LoopbackServer, call: Call) -> None:
    server.reply(Reply(500, b"x" * 70_000))
    with pytest.raises(ResponseTooLargeError) as caught:
        call("logout", ACCESS_TOKEN, base_url=server.url, max_response_bytes=65_536)
    assert isinstance(caught.value, ResponseFormatError)
    assert caught.value.http_status == 500


def test_a_gzip_bomb_is_cut_while_decoding(server: LoopbackServer, call: Call) -> None:
    bomb = gzip.compress(b"0" * (64 * 1024 * 1024))  # ~64 KiB on the wire, 64 MiB decoded
    server.reply(Reply(200, bomb, {"Content-Encoding": "gzip"}))
    with pytest.raises(ResponseTooLargeError):
        call("create_access_token", REQUEST_TOKEN, base_url=server.url)
    assert server.received[0].headers["Accept-Encoding"] == "identity"


def test_a_compressed_answer_is_still_decoded(server: LoopbackServer, call: Call) -> None:
    import json

    server.reply(Reply(200, gzip.compress(json.dumps(success_body()).encode()), {"Content-Encoding": "gzip"}))
    assert call("create_access_token", REQUEST_TOKEN, base_url=server.url).access_token == ACCESS_TOKEN


def test_an_encoding_the_client_cannot_bound_is_refused(server: LoopbackServer, call: Call) -> None:
    server.reply(Reply(200, b"\x0b\x02\x80{}\x03", {"Content-Encoding": "br"}))
    with pytest.raises(ResponseFormatError, match="unsupported Content-Encoding 'br'"):
        call("create_access_token", REQUEST_TOKEN, base_url=server.url)


@pytest.mark.parametrize(
    "options", [{"attempt_timeout": 0}, {"attempt_timeout": float("inf")}, {"max_response_bytes": 10}]
)
def test_bound_options_are_validated(options: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError):
        TMDBAuth(READ_TOKEN, **options)
