"""The loopback HTTP server the browser comes back to after the user answered TMDB's approval page.

It listens on 127.0.0.1 only, at an unguessable path. A GET of that path is the signal
(``denied=true`` in the query when the user clicked Deny); it is handed to ``notify`` and
answered with a small "you can close this tab" page. Anything else (``/favicon.ico``, a
wrong path, another method, a malformed or oversized request) is answered with an error
and ignored: it never ends the wait. Each connection has a read timeout, and the server
is closed by `close` (or leaving the ``with`` block), also on Ctrl-C.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

import attrs

from ._wording import Term, phrase
from .errors import ConfigurationError

CALLBACK_HOST = "127.0.0.1"
PORT = Term("port")  # the option, as messages name it (see _wording)
CONNECTION_TIMEOUT = 10.0  # seconds a client may take to send its request
MAX_REQUEST_LINE = 8 * 1024

_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>tmdb-auth</title></head>
<body style="font-family: sans-serif; margin: 3em">
<h1>{title}</h1>
<p>{message}</p>
</body></html>
"""
_APPROVED = _PAGE.format(
    title="Approval received",
    message="You can close this tab and return to the terminal.",
).encode()
_DENIED = _PAGE.format(
    title="Access denied",
    message="You denied the request. You can close this tab; run <code>tmdb-auth login</code> to start again.",
).encode()
_SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
    "Referrer-Policy": "no-referrer",  # the path is a secret: never send it on
    "X-Content-Type-Options": "nosniff",
}


def check_port(port: object) -> None:
    """ConfigurationError unless `port` is a port number the callback can listen on (0: any free one)."""
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise ConfigurationError(phrase(PORT, f" must be an int from 0 to 65535 (0 picks a free one), not {port!r}"))


@attrs.frozen
class CallbackSignal:
    """The browser arrived at the callback: the user approved, or denied (``denied=True``)."""

    denied: bool


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a stuck client never delays closing
    allow_reuse_address = False  # never share the port with another listener

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away or timed out is not our problem; stay quiet."""


class CallbackServer:
    """Serve the login callback on ``http://127.0.0.1:<port>/<random path>`` in a background thread.

    Args:
        notify: called (from the server's thread) with a `CallbackSignal` for every request
            at the callback path.
        port: the port to listen on; 0 picks a free one.

    Raises:
        ConfigurationError: the port is not valid or cannot be listened on.
    """

    def __init__(self, notify: Callable[[CallbackSignal], None], port: int = 0) -> None:
        check_port(port)
        self._path = "/" + secrets.token_urlsafe(24)
        handler = _handler_class(self._path, notify)
        try:
            self._httpd = _Server((CALLBACK_HOST, port), handler)
        except OSError as exc:
            raise ConfigurationError(
                f"cannot listen on {CALLBACK_HOST}:{port} for the login callback ({exc.strerror}); "
                "choose another port, or 0 for any free one"
            ) from exc
        self.port: int = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="tmdb-auth-callback", daemon=True
        )
        self._thread.start()
        self._closed = False

    @property
    def url(self) -> str:
        """The callback URL (``redirect_to``); its path is the secret that identifies the browser's return."""
        return f"http://{CALLBACK_HOST}:{self.port}{self._path}"

    def close(self) -> None:
        """Stop serving and release the port. Idempotent."""
        if self._closed:
            return
        self._closed = True
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"CallbackServer(port={self.port}, closed={self._closed})"


def _handler_class(path: str, notify: Callable[[CallbackSignal], None]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        timeout = CONNECTION_TIMEOUT
        default_request_version = "HTTP/1.0"  # a malformed request still gets a status line

        def version_string(self) -> str:
            return "tmdb-auth"

        def log_message(self, format: str, *args: Any) -> None:
            """Never log: the request line holds the secret path."""

        def parse_request(self) -> bool:
            if len(getattr(self, "raw_requestline", b"")) > MAX_REQUEST_LINE:
                self.command, self.requestline, self.request_version = "", "", self.default_request_version
                self.send_error(414)
                return False
            return super().parse_request()

        def _reply(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            for name, value in _SECURITY_HEADERS.items():
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            self.close_connection = True

        def do_GET(self) -> None:
            target = urlsplit(self.path)
            if not secrets.compare_digest(target.path.encode(), path.encode()):
                self._reply(404, _PAGE.format(title="Not found", message="Nothing here.").encode())
                return
            denied = parse_qs(target.query).get("denied") == ["true"]
            self._reply(200, _DENIED if denied else _APPROVED)
            notify(CallbackSignal(denied=denied))

        def do_HEAD(self) -> None:
            self._reply(404, b"")

        def _not_allowed(self) -> None:
            self._reply(405, _PAGE.format(title="Method not allowed", message="Use GET.").encode())

        do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _not_allowed

    return Handler
