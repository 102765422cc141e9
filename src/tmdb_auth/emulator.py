"""A local emulator of TMDB's v4 auth endpoints, for offline demos and tests.

Needs the ``emulator`` extra (``pip install 'tmdb-v4-auth[emulator]'``: Starlette,
uvicorn, PyJWT). It serves, on loopback by default:

- ``POST /4/auth/request_token``  create a request token (optional ``redirect_to``)
- ``GET  /auth/access?request_token=...``  the approval page; here it approves at once
- ``POST /4/auth/access_token``  exchange an approved request token (as openapi/tmdb-v4.yaml says)
- ``DELETE /4/auth/access_token``  log out (revoke an access token)

Tokens are HS256 JWTs signed with a per-process secret, shaped like TMDB's. Errors use
TMDB's bodies, status codes and messages. Knobs for tests: a rate limit and injected
faults for the next N requests (see `Emulator.inject`).

    with Emulator() as emulator:           # an ephemeral port on 127.0.0.1
        token = emulator.mint_request_token(approved=True)
        TMDBAuth(emulator.read_token, base_url=emulator.base_url).create_access_token(token)
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

import jwt
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

REQUEST_TOKEN_LIFETIME = 15 * 60
FAULTS = ("unavailable", "bad-gateway", "delay", "drop")

# TMDB's status codes and messages (https://developer.themoviedb.org/docs/errors).
MESSAGES = {
    1: (200, "Success."),
    7: (401, "Invalid API key: You must be granted a valid key."),
    9: (503, "Service offline: This service is temporarily offline, try again later."),
    13: (200, "The item/record was deleted successfully."),
    25: (429, "Your request count (#) is over the allowed limit of (40)."),
    33: (401, "Invalid request token: The request token is either expired or invalid."),
    35: (401, "Invalid token."),
    41: (422, "This request token hasn't been approved by the user."),
    47: (400, "The input is not valid."),
}
CDN_502_PAGE = (
    '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">\n<HTML><HEAD><TITLE>ERROR: The request '
    "could not be satisfied</TITLE></HEAD><BODY><H1>502 ERROR</H1><H2>The request could not be satisfied.</H2>"
    '<HR noshade size="1px">CloudFront attempted to establish a connection with the origin, but either the '
    "attempt failed or the origin closed the connection.</BODY></HTML>"
)


def tmdb_error(code: int) -> JSONResponse:
    status, message = MESSAGES[code]
    return JSONResponse({"success": False, "status_code": code, "status_message": message}, status_code=status)


def _object_id() -> str:
    """A 24-hex-digit id, like TMDB's v4 object ids."""
    return secrets.token_hex(12)


class _DropConnection(Exception):
    """Raised after the response headers were sent, so the server closes the connection mid-response."""


@dataclass
class _RequestToken:
    jti: str
    expires: float
    redirect_to: str | None
    approved: bool = False
    exchanged: bool = False


@dataclass
class Fault:
    """One injected fault: ``kind`` is one of unavailable, bad-gateway, delay, drop."""

    kind: str
    seconds: float = 0.0


@dataclass
class EmulatorState:
    """Everything the emulator knows; reset between tests with `reset`."""

    read_token: str
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    account_id: str = field(default_factory=_object_id)
    audience: str = field(default_factory=lambda: secrets.token_hex(16))
    request_tokens: dict[str, _RequestToken] = field(default_factory=dict)
    access_tokens: set[str] = field(default_factory=set)
    faults: deque[Fault] = field(default_factory=deque)
    rate_limit: tuple[int, float] | None = None
    _window: deque[float] = field(default_factory=deque)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        with self.lock:
            self.request_tokens.clear()
            self.access_tokens.clear()
            self.faults.clear()
            self._window.clear()
            self.rate_limit = None

    def sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self.secret, algorithm="HS256")

    def decode(self, token: str) -> dict[str, Any] | None:
        try:
            claims: dict[str, Any] = jwt.decode(
                token, self.secret, algorithms=["HS256"], audience=self.audience, options={"verify_exp": False}
            )
        except jwt.InvalidTokenError:
            return None
        return claims

    def new_request_token(self, redirect_to: str | None, approved: bool = False) -> str:
        now = time.time()
        record = _RequestToken(uuid.uuid4().hex, now + REQUEST_TOKEN_LIFETIME, redirect_to, approved)
        claims: dict[str, Any] = {
            "aud": self.audience,
            "nbf": now,
            "jti": record.jti,
            "scopes": ["pending_request_token"],
            "version": 2,
            "exp": int(record.expires),
        }
        if redirect_to:
            claims["redirect_to"] = redirect_to
        with self.lock:
            self.request_tokens[record.jti] = record
        return self.sign(claims)

    def request_token_record(self, token: str) -> _RequestToken | None:
        claims = self.decode(token)
        if claims is None or "pending_request_token" not in claims.get("scopes", []):
            return None
        return self.request_tokens.get(str(claims.get("jti")))

    def new_access_token(self, jti: str) -> str:
        token = self.sign(
            {
                "aud": self.audience,
                "nbf": time.time(),
                "jti": jti,
                "sub": self.account_id,
                "scopes": ["api_read", "api_write"],
                "version": 2,
            }
        )
        self.access_tokens.add(token)
        return token

    def rate_limited(self) -> float | None:
        """Seconds until a request is allowed again, or None when this one is within the limit."""
        if self.rate_limit is None:
            return None
        limit, window = self.rate_limit
        now = time.monotonic()
        with self.lock:
            while self._window and now - self._window[0] >= window:
                self._window.popleft()
            if len(self._window) >= limit:
                return window - (now - self._window[0])
            self._window.append(now)
        return None

    def next_fault(self) -> Fault | None:
        with self.lock:
            return self.faults.popleft() if self.faults else None


def parse_fault(spec: str) -> tuple[Fault, int]:
    """``KIND[:COUNT]`` or ``delay=SECONDS[:COUNT]`` (the command line's --fault) -> (fault, count)."""
    kind, _, count = spec.partition(":")
    seconds = 0.0
    if kind.startswith("delay="):
        kind, _, value = kind.partition("=")
        seconds = float(value)
    if kind not in FAULTS:
        raise ValueError(f"unknown fault {kind!r}: choose from {', '.join(FAULTS)}")
    return Fault(kind, seconds), int(count or 1)


def parse_rate_limit(spec: str) -> tuple[int, float]:
    """``N/SECONDS`` (the command line's --rate-limit): at most N requests per SECONDS."""
    count, _, window = spec.partition("/")
    limit = (int(count), float(window or 1))
    if limit[0] < 1 or limit[1] <= 0:
        raise ValueError("the rate limit must be N/SECONDS with N >= 1 and SECONDS > 0")
    return limit


class _Knobs:
    """ASGI middleware applying the rate limit and the injected faults before the app runs."""

    def __init__(self, app: Starlette, state: EmulatorState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        wait = self.state.rate_limited()
        if wait is not None:
            response: Response = tmdb_error(25)
            response.headers["Retry-After"] = str(max(1, round(wait + 0.5)))
            await response(scope, receive, send)
            return
        fault = self.state.next_fault()
        if fault is None:
            await self.app(scope, receive, send)
        elif fault.kind == "unavailable":
            await tmdb_error(9)(scope, receive, send)
        elif fault.kind == "bad-gateway":
            await HTMLResponse(CDN_502_PAGE, status_code=502, headers={"Server": "CloudFront"})(scope, receive, send)
        elif fault.kind == "delay":
            await asyncio.sleep(fault.seconds)
            await self.app(scope, receive, send)
        else:  # drop: promise a body, then close the connection
            await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"100")]})
            raise _DropConnection


class _QuietDrops(logging.Filter):
    """uvicorn logs the exception that closes a dropped connection; that drop is on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], _DropConnection))


def create_app(state: EmulatorState) -> _Knobs:
    """The emulator as an ASGI application over `state`."""

    def authorized(request: Request) -> bool:
        return request.headers.get("authorization") == f"Bearer {state.read_token}"

    async def json_body(request: Request) -> dict[str, Any] | None:
        raw = await request.body()
        if not raw:
            return {}
        try:
            body = json.loads(raw)
        except ValueError:
            return None
        return body if isinstance(body, dict) else None

    async def authorized_field(request: Request, name: str) -> str | Response:
        """The non-empty string `name` from an authorized request's JSON body, or the TMDB error to answer."""
        if not authorized(request):
            return tmdb_error(7)
        body = await json_body(request)
        value = body.get(name) if body else None
        if not isinstance(value, str) or not value:
            return tmdb_error(47)
        return value

    async def create_request_token(request: Request) -> Response:
        if not authorized(request):
            return tmdb_error(7)
        body = await json_body(request)
        if body is None or not isinstance(body.get("redirect_to", ""), str):
            return tmdb_error(47)
        token = state.new_request_token(body.get("redirect_to") or None)
        return JSONResponse({"status_message": "Success.", "request_token": token, "success": True, "status_code": 1})

    async def approve(request: Request) -> Response:
        record = state.request_token_record(request.query_params.get("request_token", ""))
        if record is None or record.expires < time.time():
            return HTMLResponse("<h1>Invalid or expired request token</h1>", status_code=401)
        record.approved = True
        if record.redirect_to:
            return RedirectResponse(record.redirect_to, status_code=302)
        return HTMLResponse("<h1>Approved</h1><p>You can close this page and return to the application.</p>")

    async def create_access_token(request: Request) -> Response:
        token = await authorized_field(request, "request_token")
        if isinstance(token, Response):
            return token
        with state.lock:
            record = state.request_token_record(token)
            if record is None or record.exchanged or record.expires < time.time():
                return tmdb_error(33)
            if not record.approved:
                return tmdb_error(41)
            record.exchanged = True
            access_token = state.new_access_token(record.jti)
        return JSONResponse(
            {
                "access_token": access_token,
                "account_id": state.account_id,
                "status_code": 1,
                "status_message": "Success.",
                "success": True,
            }
        )

    async def delete_access_token(request: Request) -> Response:
        token = await authorized_field(request, "access_token")
        if isinstance(token, Response):
            return token
        with state.lock:
            if token not in state.access_tokens:
                return tmdb_error(35)
            state.access_tokens.discard(token)
        status, message = MESSAGES[13]
        return JSONResponse({"success": True, "status_code": 13, "status_message": message}, status_code=status)

    routes = [
        Route("/4/auth/request_token", create_request_token, methods=["POST"]),
        Route("/auth/access", approve, methods=["GET"]),
        Route("/4/auth/access_token", create_access_token, methods=["POST"]),
        Route("/4/auth/access_token", delete_access_token, methods=["DELETE"]),
    ]
    return _Knobs(Starlette(routes=routes), state)


class Emulator:
    """The emulator served by uvicorn, on 127.0.0.1 and an ephemeral port by default.

    Use `start()`/`stop()` or a ``with`` block to run it in a background thread, or
    `serve_forever()` to run it in the foreground (stops on Ctrl-C / SIGTERM).
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        read_token: str | None = None,
        rate_limit: tuple[int, float] | None = None,
    ) -> None:
        self.state = EmulatorState(read_token=read_token or f"emulator-read-token-{secrets.token_urlsafe(24)}")
        self.state.rate_limit = rate_limit
        self.host = host
        self._port = port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        logging.getLogger("uvicorn.error").addFilter(_QuietDrops())

    # --- configuration knobs ------------------------------------------------------------
    @property
    def read_token(self) -> str:
        """The API Read Access Token this emulator accepts."""
        return self.state.read_token

    @property
    def account_id(self) -> str:
        """The account every access token is issued for."""
        return self.state.account_id

    def set_rate_limit(self, requests: int | None, per_seconds: float = 1.0) -> None:
        """Answer 429 (code 25, with Retry-After) beyond `requests` per `per_seconds`; None lifts it."""
        self.state.rate_limit = None if requests is None else (requests, per_seconds)

    def inject(self, kind: str, count: int = 1, seconds: float = 0.0) -> None:
        """Make the next `count` requests fail: ``unavailable`` (503, code 9), ``bad-gateway`` (a CDN's
        HTML 502 page), ``delay`` (wait `seconds`, then answer), ``drop`` (close the connection mid-response)."""
        if kind not in FAULTS:
            raise ValueError(f"unknown fault {kind!r}: choose from {', '.join(FAULTS)}")
        with self.state.lock:
            self.state.faults.extend(Fault(kind, seconds) for _ in range(count))

    def mint_request_token(self, approved: bool = True, redirect_to: str | None = None) -> str:
        """A new request token, approved or not, without going through HTTP."""
        return self.state.new_request_token(redirect_to, approved=approved)

    def reset(self) -> None:
        """Forget every token, fault and rate limit (the read token and secret stay)."""
        self.state.reset()

    # --- serving ------------------------------------------------------------------------------
    def _config(self) -> uvicorn.Config:
        return uvicorn.Config(
            create_app(self.state),
            host=self.host,
            port=self._port,
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=2,
        )

    @property
    def port(self) -> int:
        if self._server is None or not self._server.servers:
            raise RuntimeError("the emulator is not running")
        return int(self._server.servers[0].sockets[0].getsockname()[1])

    @property
    def base_url(self) -> str:
        """``http://host:port`` of the running emulator."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self, timeout: float = 10.0) -> Self:
        """Serve in a background thread; returns once the socket is listening."""
        if self._thread is not None:
            return self
        self._server = uvicorn.Server(self._config())
        self._thread = threading.Thread(target=self._server.run, name="tmdb-emulator", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the emulator could not start on {self.host}:{self._port}")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Stop serving and wait for the thread. Idempotent."""
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)
        self._thread = None

    def serve_forever(self) -> None:
        """Serve in the foreground until Ctrl-C or SIGTERM (uvicorn handles both)."""
        self._server = uvicorn.Server(self._config())
        self._server.run()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self.base_url if self._thread is not None else f"{self.host}:{self._port} (stopped)"
        return f"Emulator({where})"
