"""The login's loopback callback server on its own: what it answers, what it ignores, and its bounds."""

from __future__ import annotations

import socket
import time

import httpx
import pytest

from tmdb_auth import ConfigurationError
from tmdb_auth._callback import CallbackServer, CallbackSignal


def raw_exchange(port: int, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
        connection.sendall(data)
        chunks = []
        while chunk := connection.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_the_callback_path_signals_approval_or_denial() -> None:
    signals: list[CallbackSignal] = []
    with CallbackServer(signals.append) as server:
        assert server.url.startswith(f"http://127.0.0.1:{server.port}/")
        approved = httpx.get(server.url, timeout=5)
        denied = httpx.get(server.url + "?denied=true", timeout=5)
    assert signals == [CallbackSignal(denied=False), CallbackSignal(denied=True)]
    assert approved.status_code == 200
    assert "You can close this tab" in approved.text
    assert "tmdb-auth login" in denied.text
    assert approved.headers["cache-control"] == "no-store"
    assert approved.headers["referrer-policy"] == "no-referrer"
    assert approved.headers["content-type"] == "text/html; charset=utf-8"


def test_stray_and_malformed_requests_are_answered_and_ignored() -> None:
    signals: list[CallbackSignal] = []
    with CallbackServer(signals.append) as server:
        base = f"http://127.0.0.1:{server.port}"
        path = server.url.removeprefix(base)
        assert httpx.get(f"{base}/favicon.ico", timeout=5).status_code == 404
        assert httpx.get(f"{base}{path}x", timeout=5).status_code == 404  # a near miss is a miss
        assert httpx.get(f"{base}/", timeout=5).status_code == 404
        assert httpx.post(server.url, timeout=5).status_code == 405
        assert httpx.head(server.url, timeout=5).status_code == 404
        assert raw_exchange(server.port, b"garbage\r\n\r\n").startswith(b"HTTP/1.0 400")
        assert raw_exchange(server.port, b"GET /" + b"a" * 10_000 + b" HTTP/1.1\r\n\r\n").startswith(b"HTTP/1.0 414")
        assert raw_exchange(server.port, b"GET " + path.encode() + b" HTTP/9.9\r\n\r\n").startswith(b"HTTP/1.0 505")
        assert signals == []
        assert httpx.get(server.url, timeout=5).status_code == 200  # still serving
    assert signals == [CallbackSignal(denied=False)]


def test_a_silent_client_does_not_block_the_browser() -> None:
    signals: list[CallbackSignal] = []
    with CallbackServer(signals.append) as server, socket.create_connection(("127.0.0.1", server.port)):
        started = time.monotonic()
        assert httpx.get(server.url, timeout=5).status_code == 200
        assert time.monotonic() - started < 2
    assert signals == [CallbackSignal(denied=False)]


def test_it_listens_on_loopback_only_and_close_releases_the_port() -> None:
    server = CallbackServer(lambda signal: None)
    port = server.port
    assert server._httpd.server_address[0] == "127.0.0.1"
    assert str(port) in repr(server)
    assert server.url.rsplit("/", 1)[1] not in repr(server)  # the secret path stays out of reprs
    server.close()
    server.close()  # idempotent
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0


def test_every_server_gets_its_own_unguessable_path() -> None:
    with CallbackServer(lambda signal: None) as first, CallbackServer(lambda signal: None) as second:
        first_path, second_path = first.url.rsplit("/", 1)[1], second.url.rsplit("/", 1)[1]
    assert first_path != second_path
    assert len(first_path) >= 32


@pytest.mark.parametrize("port", [-1, 65536, 1.5, True])
def test_bad_port(port: object) -> None:
    with pytest.raises(ConfigurationError, match="port must be"):
        CallbackServer(lambda signal: None, port)  # type: ignore[arg-type]
