"""A scripted HTTP/1.1 keep-alive server on 127.0.0.1 for the facade tests.

Each request takes the next scripted Reply (or the default one), so a test states exactly
what the "server" answers, and afterwards what it received and over how many TCP
connections. `raw_server` answers with bytes written by hand instead (for replies that
break HTTP); `hanging_connect` is a URL whose connect never completes.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple


@dataclass
class Reply:
    status: int = 200
    body: bytes | dict[str, Any] | list[Any] | str = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drop: bool = False  # close the connection without answering
    gate: threading.Event | None = None
    """Answer only once this is set (at most 30 s; the server's `at_gate` tells a request is waiting)."""

    def encoded(self) -> tuple[bytes, str]:
        if isinstance(self.body, bytes):
            return self.body, "application/json"
        if isinstance(self.body, str):
            return self.body.encode(), "text/html"
        return json.dumps(self.body).encode(), "application/json"


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default backlog of 5 drops some of a burst of 16 connections (the async
    # client's default pool), which the client then sees as a ReadError.
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (timeout tests) is expected; do not print its broken pipe."""


class LoopbackServer:
    def __init__(self) -> None:
        self.replies: deque[Reply] = deque()
        self.default = Reply(500, {"success": False, "status_code": 11, "status_message": "no reply scripted"})
        self.received: list[Received] = []
        self.connections = 0
        self.active = 0  # requests being answered right now
        self.max_active = 0  # the most requests it was answering at once
        self.at_gate = threading.Event()  # set when a request waits at a Reply's gate
        self._gates: list[threading.Event] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                with server._lock:
                    server.connections += 1

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with server._lock:
                    server.received.append(Received(self.command, self.path, dict(self.headers.items()), body))
                    reply = server.replies.popleft() if server.replies else server.default
                    if reply.gate is not None:
                        server._gates.append(reply.gate)
                    server.active += 1
                    server.max_active = max(server.max_active, server.active)
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.gate is not None:
                    server.at_gate.set()
                    reply.gate.wait(30)
                with server._lock:  # before answering: the client cannot have the answer (and send again) yet
                    server.active -= 1
                if reply.drop:
                    self.close_connection = True
                    return
                payload, content_type = reply.encoded()
                self.send_response(reply.status)
                headers = {"Content-Type": content_type, "Content-Length": str(len(payload)), **reply.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            do_DELETE = do_POST
            do_GET = do_POST

        self._httpd = _QuietServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def reply(self, *replies: Reply) -> None:
        self.replies.extend(replies)

    @contextmanager
    def running(self) -> Iterator[LoopbackServer]:
        thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            for gate in self._gates:  # a held answer whose client went away ends now
                gate.set()
            self._httpd.shutdown()
            self._httpd.server_close()
            thread.join(timeout=5)


@contextmanager
def hanging_connect() -> Iterator[str]:
    """A base URL whose TCP connect never completes: a listener with a full accept queue (SYNs dropped)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        fillers = [socket.socket() for _ in range(3)]
        for filler in fillers:
            filler.setblocking(False)
            filler.connect_ex(("127.0.0.1", port))
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            for filler in fillers:
                filler.close()


class RawServer(NamedTuple):
    url: str
    received: list[bytes]
    """Each request as read: its head and its Content-Length body."""


def _read_request(connection: socket.socket) -> bytes | None:
    """One whole request (head and Content-Length body), or None if the client closed first."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.lower().split(b"\r\n"):
        if line.startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    while len(body) < length:
        chunk = connection.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


@contextmanager
def raw_server(answer: bytes | Callable[[socket.socket], None]) -> Iterator[RawServer]:
    """A server on 127.0.0.1 that answers each request by hand: ``with raw_server(b"HTTP/1.1 ...") as (url, received)``.

    `answer` is the bytes to send (then the server ends its side), or a function that writes
    to the connection itself (drip, stall, stop half-way...). One request per connection,
    one connection at a time; the connection is closed after the answer. A client that gives
    up mid-answer is expected (the answer's OSError is ignored).
    """
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)
    received: list[bytes] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with connection, contextlib.suppress(OSError):
                connection.settimeout(10)  # a client that never sends must not keep this thread
                request = _read_request(connection)
                if request is None:
                    continue
                received.append(request)
                if callable(answer):
                    answer(connection)
                else:
                    connection.sendall(answer)
                    connection.shutdown(socket.SHUT_WR)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield RawServer(f"http://127.0.0.1:{listener.getsockname()[1]}", received)
    finally:
        stop.set()
        thread.join(timeout=15)
        listener.close()
