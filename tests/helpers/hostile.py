"""A hostile HTTP/1.1 server on 127.0.0.1: each mode misbehaves in one way a real server (or a
proxy, or an attacker) could, so tests can prove a client stays bounded, typed and secret-safe.

    with HostileServer("drip") as server:
        TMDBAuth(READ_TOKEN, base_url=server.url, timeout=0.3).create_request_token()
        server.received[0].headers["authorization"]

The mode is chosen per server (``HostileServer(mode)``, or assign ``server.mode``) or per
request: ``server.url_for("gzip_bomb")`` is a base URL whose path prefix selects the mode, so one
server can serve every mode. ``MODES`` lists them all (see `describe` for what each does).

It is written on raw sockets (no http.server): most modes break HTTP on purpose. One daemon
thread accepts, one daemon thread per connection answers; every wait is on the server's stop
event, so `close()` ends them all at once (open connections are shut down) and never blocks
a test's teardown. One request per connection; the server closes it after answering.
"""

from __future__ import annotations

import contextlib
import functools
import json
import socket
import struct
import threading
import time
import zlib
from collections.abc import Iterator
from types import TracebackType
from typing import Any, Final, Self

from tests.helpers import loopback
from tests.helpers.tokens import make_jwt

MIB: Final = 1 << 20
GIB: Final = 1 << 30
HUGE_BODY_BYTES: Final = GIB
"""The Content-Length `huge_body` announces (and would stream, lazily, if the client read it all)."""
BOMB_INFLATED_BYTES: Final = 256 * MIB
"""What the `gzip_bomb` body inflates to (zeros); the compressed body is about 260 KiB."""
DEEP_JSON_DEPTH: Final = 100_000

SERVER_TOKEN_MARKER: Final = "SERVERTOKEN-5d7c0a-must-not-leak"
SERVER_ACCESS_TOKEN: Final = make_jwt({"sub": "hostile", "version": 2}, SERVER_TOKEN_MARKER)
"""A token-shaped string `success_false_echo` puts in its ``access_token`` field: a secret too."""

_MODE_PREFIX: Final = "/_hostile/"
_MAX_REQUEST_HEAD: Final = 64 * 1024
_MAX_REQUEST_BODY: Final = MIB
_CHUNK: Final = 64 * 1024
_CLOSE_WAIT: Final = 1.0
"""Seconds `close()` waits, in all, for its threads (daemons: one still running is abandoned)."""

MODES: Final[dict[str, str]] = {
    "ok": "a well-formed success answer for the operation (the control case)",
    "drip": "valid headers and Content-Length, then the (valid) body one byte every `interval` seconds",
    "endless_1xx": "`HTTP/1.1 102 Processing` interim responses, one every `interval` seconds, forever",
    "header_trickle": "a status line and endless headers, one byte every `interval` seconds",
    "stall_after_headers": "headers with Content-Length, then silence until the client gives up",
    "huge_body": "Content-Length: 1 GiB, zeros streamed as fast as the client reads (lazily, never held)",
    "huge_body_chunked": "Transfer-Encoding: chunked, zero chunks forever",
    "gzip_bomb": "Content-Encoding: gzip, ~260 KiB that inflate to 256 MiB of zeros",
    "deep_json": "200 application/json: [[[...]]] nested 100,000 deep (valid JSON)",
    "deep_json_object": 'a 200 application/json: {"a":{"a":...}} nested 100,000 deep (valid JSON)',
    "bad_status_line_echo": "a malformed status line `HTTP/1.1 2x0 <echo of the request's tokens>`",
    "reason_echo": "a valid success whose reason phrase, Set-Cookie and another header echo the request's tokens",
    "reset_mid_body": "headers and part of the body, then a TCP RST (SO_LINGER 0)",
    "wrong_content_type": "200 text/html page (quoting the request's tokens)",
    "non_utf8": "200 application/json whose body is not valid UTF-8",
    "success_false_echo": '200 {"success": false, ...} quoting the tokens, with a token-shaped access_token',
    "error_echo": "`error_status` (default 401; 404, 500...) JSON whose status_message quotes the tokens",
}
"""Every mode and what it does."""


def describe(mode: str) -> str:
    """What `mode` does (KeyError for an unknown mode)."""
    return MODES[mode]


class Received(loopback.Received):
    """One request as the server read it (header names lower-cased), with what an echo quotes."""

    def body_strings(self) -> list[str]:
        """The string values of a JSON object body (request_token, access_token...), else []."""
        try:
            payload = json.loads(self.body) if self.body else None
        except ValueError:
            return []
        return [value for value in payload.values() if isinstance(value, str)] if isinstance(payload, dict) else []

    def tokens(self) -> list[str]:
        """The secrets this request carried: the Bearer token and every string value of a JSON body."""
        authorization = self.headers.get("authorization", "")
        bearer = [authorization[7:].strip()] if authorization.lower().startswith("bearer ") else []
        return bearer + self.body_strings()

    def echo(self) -> str:
        """What an echoing mode quotes back: the Authorization header and the body's string values."""
        return " ".join([self.headers.get("authorization", ""), *self.body_strings()]).strip()


@functools.cache
def gzip_bomb() -> bytes:
    """A gzip body inflating to `BOMB_INFLATED_BYTES` zeros, built in well under a second and cached.

    After a full flush deflate forgets its history, so every further MiB of zeros compresses to
    the same bytes: compress two MiB, repeat the second segment, close with an empty final block
    and the gzip trailer (CRC-32 and length of the whole inflated body).
    """
    zeros = bytes(MIB)
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    first = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    segment = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    count = BOMB_INFLATED_BYTES // MIB
    crc = 0
    for _ in range(count):
        crc = zlib.crc32(zeros, crc)
    final_empty_block = b"\x03\x00"  # BFINAL=1, fixed Huffman, end-of-block
    trailer = struct.pack("<II", crc, BOMB_INFLATED_BYTES & 0xFFFFFFFF)
    return first + segment * (count - 1) + final_empty_block + trailer


@functools.cache
def deep_json(kind: str = "array", depth: int = DEEP_JSON_DEPTH) -> bytes:
    """Valid JSON nested `depth` deep: ``[[...]]`` (kind "array") or ``{"a":{"a":...}}`` ("object")."""
    if kind == "array":
        return b"[" * depth + b"]" * depth
    return b'{"a":' * depth + b"1" + b"}" * depth


def success_body(path: str, method: str) -> dict[str, Any]:
    """The documented success answer for the TMDB v4 auth operation at `path`."""
    if path.endswith("/4/auth/request_token"):
        token = make_jwt({"exp": 1_900_000_000, "scopes": ["pending_request_token"], "version": 2}, "hostile-ok")
        return {"request_token": token, "status_code": 1, "status_message": "Success.", "success": True}
    if method == "DELETE":
        return {"status_code": 13, "status_message": "The item/record was deleted successfully.", "success": True}
    token = make_jwt({"aud": "app", "sub": "acc", "scopes": ["api_read"], "version": 2, "jti": "ok"}, "hostile-ok")
    return {
        "access_token": token,
        "account_id": "acc",
        "status_code": 1,
        "status_message": "Success.",
        "success": True,
    }


def _head(status_line: str, headers: dict[str, str]) -> bytes:
    lines = [status_line, *(f"{name}: {value}" for name, value in headers.items()), "", ""]
    return "\r\n".join(lines).encode("latin-1", "replace")


class _Stopped(Exception):
    """The server is closing (or the client went away): stop answering."""


class HostileServer:
    """A misbehaving HTTP/1.1 server on 127.0.0.1 (an ephemeral port); see the module docstring.

    Args:
        mode: the default mode (one of `MODES`), used unless the URL path selects another.
        interval: seconds between the bytes (or interim responses) of the slow modes.
        error_status: the HTTP status `error_echo` answers with.

    Attributes:
        url: the base URL (``http://127.0.0.1:PORT``), served in the default mode.
        received: every request read so far, in arrival order.
        modes: the names of every mode (`MODES`).
    """

    modes: Final = tuple(MODES)

    def __init__(self, mode: str = "ok", *, interval: float = 0.05, error_status: int = 401) -> None:
        self.mode = self._check_mode(mode)
        self.interval = interval
        self.error_status = error_status
        self.received: list[Received] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._connections: set[socket.socket] = set()
        self._threads: list[threading.Thread] = []
        self._listener = socket.create_server(("127.0.0.1", 0), backlog=128)
        self._listener.settimeout(0.05)
        self.port: int = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._acceptor: threading.Thread | None = None

    @staticmethod
    def _check_mode(mode: str) -> str:
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; one of {', '.join(MODES)}")
        return mode

    def url_for(self, mode: str) -> str:
        """A base URL whose requests this server answers in `mode`, whatever its default mode."""
        return f"{self.url}{_MODE_PREFIX}{self._check_mode(mode)}"

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self) -> Self:
        """Start accepting connections (idempotent)."""
        if self._acceptor is None:
            self._acceptor = threading.Thread(target=self._accept_loop, name=f"hostile:{self.port}", daemon=True)
            self._acceptor.start()
        return self

    def close(self) -> None:
        """Stop every thread and close every socket; returns within about a second whatever the clients do."""
        self._stop.set()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            self._listener.close()
        deadline = time.monotonic() + _CLOSE_WAIT  # one wait for all threads, not one each
        for thread in [self._acceptor, *self._threads]:
            if thread is not None and thread is not threading.current_thread():
                thread.join(timeout=max(0.0, deadline - time.monotonic()))

    @property
    def closed(self) -> bool:
        """True once `close()` was called."""
        return self._stop.is_set()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    @classmethod
    @contextlib.contextmanager
    def running(cls, mode: str = "ok", **options: Any) -> Iterator[HostileServer]:
        """``with HostileServer.running("drip") as server:`` (for fixtures: ``yield from``-friendly)."""
        with cls(mode, **options) as server:
            yield server

    # --- serving -----------------------------------------------------------------------------

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            connection.settimeout(None)
            thread = threading.Thread(target=self._serve, args=(connection,), daemon=True)
            with self._lock:
                self._connections.add(connection)
                self._threads = [alive for alive in self._threads if alive.is_alive()]
                self._threads.append(thread)
            thread.start()

    def _serve(self, connection: socket.socket) -> None:
        try:
            request = self._read_request(connection)
            if request is not None:
                with self._lock:
                    self.received.append(request)
                mode, path = self._route(request.path)
                self._answer(connection, mode, request, path)
        except (_Stopped, OSError):
            pass
        finally:
            with self._lock:
                self._connections.discard(connection)
            with contextlib.suppress(OSError):
                connection.close()

    def _route(self, path: str) -> tuple[str, str]:
        if path.startswith(_MODE_PREFIX):
            mode, _, rest = path[len(_MODE_PREFIX) :].partition("/")
            if mode in MODES:
                return mode, "/" + rest
        return self.mode, path

    def _read_request(self, connection: socket.socket) -> Received | None:
        connection.settimeout(5)  # a client that never sends must not keep this thread
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = connection.recv(_CHUNK)
            if not chunk or len(data) > _MAX_REQUEST_HEAD:
                return None
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        request_line, *header_lines = head.decode("latin-1").split("\r\n")
        method, path, _version = [*request_line.split(" ", 2), "", ""][:3]
        headers: dict[str, str] = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = min(int(headers.get("content-length", "0") or 0), _MAX_REQUEST_BODY)
        while len(body) < length:
            chunk = connection.recv(_CHUNK)
            if not chunk:
                break
            body += chunk
        connection.settimeout(None)
        return Received(method, path, headers, body[:length])

    def _wait(self, seconds: float) -> None:
        if self._stop.wait(seconds):
            raise _Stopped

    def _send(self, connection: socket.socket, data: bytes) -> None:
        if self._stop.is_set():
            raise _Stopped
        connection.sendall(data)

    def _trickle(self, connection: socket.socket, data: bytes) -> None:
        for index in range(len(data)):
            self._send(connection, data[index : index + 1])
            self._wait(self.interval)

    def _silence(self) -> None:
        self._wait(3600)

    def _answer(self, connection: socket.socket, mode: str, request: Received, path: str) -> None:
        echo = request.echo()
        if mode == "ok":
            self._send_json(connection, 200, success_body(path, request.method))
        elif mode == "drip":
            body = json.dumps(success_body(path, request.method)).encode()
            self._send(connection, _head("HTTP/1.1 200 OK", self._json_headers(len(body))))
            self._trickle(connection, body)
        elif mode == "endless_1xx":
            while True:
                self._send(connection, b"HTTP/1.1 102 Processing\r\n\r\n")
                self._wait(self.interval)
        elif mode == "header_trickle":
            self._trickle(connection, b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
            index = 0
            while True:
                self._trickle(connection, f"X-Trickle-{index}: a\r\n".encode())
                index += 1
        elif mode == "stall_after_headers":
            self._send(connection, _head("HTTP/1.1 200 OK", self._json_headers(100)))
            self._silence()
        elif mode == "huge_body":
            self._send(connection, _head("HTTP/1.1 200 OK", self._json_headers(HUGE_BODY_BYTES)))
            zeros = bytes(_CHUNK)
            for _ in range(HUGE_BODY_BYTES // _CHUNK):
                self._send(connection, zeros)
        elif mode == "huge_body_chunked":
            headers = {"Content-Type": "application/json", "Transfer-Encoding": "chunked", "Connection": "close"}
            self._send(connection, _head("HTTP/1.1 200 OK", headers))
            chunk = f"{_CHUNK:x}\r\n".encode() + bytes(_CHUNK) + b"\r\n"
            while True:
                self._send(connection, chunk)
        elif mode == "gzip_bomb":
            body = gzip_bomb()
            headers = {**self._json_headers(len(body)), "Content-Encoding": "gzip"}
            self._send(connection, _head("HTTP/1.1 200 OK", headers))
            self._send(connection, body)
        elif mode in ("deep_json", "deep_json_object"):
            body = deep_json("array" if mode == "deep_json" else "object")
            self._send(connection, _head("HTTP/1.1 200 OK", self._json_headers(len(body))) + body)
        elif mode == "bad_status_line_echo":
            self._send(connection, f"HTTP/1.1 2x0 {echo}\r\n\r\n".encode("latin-1", "replace"))
        elif mode == "reason_echo":
            body = json.dumps(success_body(path, request.method)).encode()
            headers = {**self._json_headers(len(body)), "Set-Cookie": f"session={echo}", "X-Echo": echo}
            self._send(connection, _head(f"HTTP/1.1 200 {echo}", headers) + body)
        elif mode == "reset_mid_body":
            body = json.dumps(success_body(path, request.method)).encode()
            self._send(connection, _head("HTTP/1.1 200 OK", self._json_headers(len(body))) + body[: len(body) // 2])
            self._wait(0.02)  # let the client read what was sent before the RST discards it
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        elif mode == "wrong_content_type":
            page = f"<!doctype html><html><body><h1>Welcome</h1><p>{echo}</p></body></html>".encode()
            headers = {"Content-Type": "text/html; charset=utf-8", "Content-Length": str(len(page))}
            self._send(connection, _head("HTTP/1.1 200 OK", {**headers, "Connection": "close"}) + page)
        elif mode == "non_utf8":
            body = b'{"success": true, "status_code": 1, "status_message": "\xff\xfe\xc3\x28 ' + echo.encode() + b'"}'
            self._send(connection, _head("HTTP/1.1 200 OK", self._json_headers(len(body))) + body)
        elif mode == "success_false_echo":
            payload = {
                "success": False,
                "status_code": 1,
                "status_message": f"Token {SERVER_ACCESS_TOKEN} refused for {echo}",
                "access_token": SERVER_ACCESS_TOKEN,
                "request_token": SERVER_ACCESS_TOKEN,
            }
            self._send_json(connection, 200, payload)
        elif mode == "error_echo":
            payload = {"success": False, "status_code": 7, "status_message": f"Invalid token(s): {echo}"}
            self._send_json(connection, self.error_status, payload)
        else:  # pragma: no cover - MODES and this chain are kept in step by test_hostile
            raise AssertionError(mode)

    @staticmethod
    def _json_headers(length: int) -> dict[str, str]:
        return {"Content-Type": "application/json;charset=utf-8", "Content-Length": str(length), "Connection": "close"}

    def _send_json(self, connection: socket.socket, status: int, payload: dict[str, Any]) -> None:
        body = json.dumps(payload).encode()
        reason = {200: "OK", 401: "Unauthorized", 404: "Not Found", 500: "Internal Server Error"}.get(status, "Error")
        self._send(connection, _head(f"HTTP/1.1 {status} {reason}", self._json_headers(len(body))) + body)
