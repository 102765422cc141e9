"""A local emulator of TMDB's v4 auth endpoints, for offline demos and tests.

Needs the ``emulator`` extra (``pip install 'tmdb-v4-auth[emulator]'``: Starlette,
uvicorn, PyJWT). It serves, on loopback by default:

- ``POST /4/auth/request_token``  create a request token (optional ``redirect_to``)
- ``GET  /auth/access?request_token=...``  the approval page: names the app (``app_name``) and the
  scopes it will get, with Approve and Deny buttons (a form POSTing ``request_token`` and
  ``action=approve|deny`` to ``/auth/access``); with ``auto_approve=True`` the GET approves at once
- ``POST /auth/access``  the user's answer: approve redirects (302) to the token's ``redirect_to``,
  deny redirects there with ``denied=true`` added to its query; without ``redirect_to`` a page says
  which it was
- ``POST /4/auth/access_token``  exchange an approved request token (as openapi/tmdb-v4.yaml says)
- ``DELETE /4/auth/access_token``  log out (revoke an access token); the Bearer is the app's read
  access token or a live user access token (the v4 API takes both; tmdbapis sends the latter)

Tokens are HS256 JWTs signed with a per-process secret, shaped like TMDB's. Errors use
TMDB's bodies, status codes and messages. Knobs for tests: a rate limit, injected faults for
the next N requests (see `Emulator.inject`), `Emulator.approve` / `deny` / `expire` for a
request token, and the request tokens' lifetime (`Emulator.set_request_token_lifetime`).

Assumptions where TMDB documents nothing: a denied request token is spent, so exchanging it
answers 401 with code 33 ("expired or invalid"), as an expired or unknown one does; the
approval page answers an unknown, expired, denied or used token with an HTML error page (401).

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
from urllib.parse import parse_qs

import jwt
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import Message, Receive, Scope, Send

from . import _core
from ._approval_page import PAGE_HEADERS, answered_page, approval_page, denied_redirect, error_page

REQUEST_TOKEN_LIFETIME = 15 * 60
DEFAULT_APP_NAME = "tmdb-v4-auth emulator"
ACCESS_TOKEN_SCOPES = ("api_read", "api_write")
MAX_BODY_BYTES = 16 * 1024
SEEN_REQUESTS_KEPT = 1000
NOT_ISSUED_HERE = "it is not a request token this emulator issued"
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


class UnanswerableTokenError(ValueError):
    """The user cannot answer this request token (`reason` says why; the token is never named)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"the request token cannot be approved or denied: {reason}")
        self.reason = reason


class _DropConnection(Exception):
    """Raised after the response headers were sent, so the server closes the connection mid-response."""


@dataclass
class _RequestToken:
    jti: str
    expires: float
    redirect_to: str | None
    approved: bool = False
    exchanged: bool = False
    denied: bool = False

    def problem(self) -> str | None:
        """Why this request token can no longer be approved or exchanged, or None while it can."""
        if self.exchanged:
            return "it was already exchanged for an access token"
        if self.denied:
            return "the user denied it"
        if self.expires <= time.time():
            return "it has expired"
        return None


@dataclass(frozen=True)
class SeenRequest:
    """One request the emulator answered: method, path (never the query, which may hold a token), status."""

    method: str
    path: str
    status: int


@dataclass
class Fault:
    """One injected fault: ``kind`` is one of unavailable, bad-gateway, delay, drop."""

    kind: str
    seconds: float = 0.0


@dataclass
class EmulatorState:
    """Everything the emulator knows; reset between tests with `reset`."""

    read_token: str
    app_name: str = DEFAULT_APP_NAME
    default_auto_approve: bool = False
    default_request_token_lifetime: float = REQUEST_TOKEN_LIFETIME
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    account_id: str = field(default_factory=_object_id)
    audience: str = field(default_factory=lambda: secrets.token_hex(16))
    request_tokens: dict[str, _RequestToken] = field(default_factory=dict)
    access_tokens: set[str] = field(default_factory=set)
    faults: deque[Fault] = field(default_factory=deque)
    rate_limit: tuple[int, float] | None = None
    seen: deque[SeenRequest] = field(default_factory=lambda: deque(maxlen=SEEN_REQUESTS_KEPT))
    _window: deque[float] = field(default_factory=deque)
    lock: threading.Lock = field(default_factory=threading.Lock)
    auto_approve: bool = field(init=False)
    request_token_lifetime: float = field(init=False)

    def __post_init__(self) -> None:
        self.auto_approve = self.default_auto_approve
        self.request_token_lifetime = self.default_request_token_lifetime

    def reset(self) -> None:
        with self.lock:
            self.request_tokens.clear()
            self.access_tokens.clear()
            self.faults.clear()
            self.seen.clear()
            self._window.clear()
            self.rate_limit = None
            self.auto_approve = self.default_auto_approve
            self.request_token_lifetime = self.default_request_token_lifetime

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
        record = _RequestToken(uuid.uuid4().hex, now + self.request_token_lifetime, redirect_to, approved)
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
                "scopes": list(ACCESS_TOKEN_SCOPES),
                "version": 2,
            }
        )
        self.access_tokens.add(token)
        return token

    def answer(self, token: str, *, approve: bool) -> _RequestToken:
        """Record the user's answer for `token`; UnanswerableTokenError when the user could not answer it."""
        with self.lock:
            record = self.request_token_record(token)
            problem = NOT_ISSUED_HERE if record is None else record.problem()
            if record is None or problem is not None:
                raise UnanswerableTokenError(problem or NOT_ISSUED_HERE)
            if approve:
                record.approved = True
            else:
                record.denied = True
            return record

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


def _check_lifetime(seconds: float) -> None:
    if not seconds > 0:
        raise ValueError("the request token lifetime must be a positive number of seconds")


class _Knobs:
    """ASGI middleware applying the rate limit and the injected faults before the app runs."""

    def __init__(self, app: Starlette, state: EmulatorState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = self.state

        async def send_and_record(message: Message) -> None:
            if message["type"] == "http.response.start":
                with state.lock:
                    state.seen.append(SeenRequest(scope["method"], scope["path"], message["status"]))
            await send(message)

        await self._answer(scope, receive, send_and_record)

    async def _answer(self, scope: Scope, receive: Receive, send: Send) -> None:
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
        else:  # drop: read the request, promise a body, then close the connection
            await _read_request_body(receive)
            await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"100")]})
            raise _DropConnection


async def _read_request_body(receive: Receive) -> None:
    """Consume the request body: closing with unread bytes makes the kernel send a reset instead of
    a clean close, and the client would see a reset rather than the truncated response a drop means."""
    while True:
        message = await receive()
        if message["type"] != "http.request" or not message.get("more_body", False):
            return


class _QuietDrops(logging.Filter):
    """uvicorn logs the exception that closes a dropped connection; that drop is on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], _DropConnection))


def create_app(state: EmulatorState) -> _Knobs:
    """The emulator as an ASGI application over `state`."""

    def authorized(request: Request) -> bool:
        return request.headers.get("authorization") == f"Bearer {state.read_token}"

    def authorized_as_app_or_user(request: Request) -> bool:
        """The read access token, or a live user access token (the v4 API takes either as the Bearer)."""
        scheme, _, credential = request.headers.get("authorization", "").partition(" ")
        if scheme != "Bearer":
            return False
        with state.lock:
            return credential == state.read_token or credential in state.access_tokens

    async def bounded_body(request: Request) -> bytes | None:
        """The request body, read up to MAX_BODY_BYTES; None when larger (never buffered whole)."""
        raw = bytearray()
        async for chunk in request.stream():
            raw += chunk
            if len(raw) > MAX_BODY_BYTES:
                return None
        return bytes(raw)

    async def json_body(request: Request) -> dict[str, Any] | None:
        raw = await bounded_body(request)
        if raw is None:
            return None
        if not raw:
            return {}
        try:
            body = json.loads(raw)
        except (ValueError, RecursionError):  # malformed, or nested deeper than the parser goes
            return None
        return body if isinstance(body, dict) else None

    async def authorized_field(request: Request, name: str, *, user_bearer: bool = False) -> str | Response:
        """The non-empty string `name` from an authorized request's JSON body, or the TMDB error to answer."""
        if not (authorized_as_app_or_user(request) if user_bearer else authorized(request)):
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

    def page(html: str, status_code: int = 200) -> HTMLResponse:
        return HTMLResponse(html, status_code=status_code, headers=PAGE_HEADERS)

    def answered(record: _RequestToken, *, approved: bool) -> Response:
        if record.redirect_to:
            target = record.redirect_to if approved else denied_redirect(record.redirect_to)
            return RedirectResponse(target, status_code=302, headers={"Cache-Control": "no-store"})
        return page(answered_page(app_name=state.app_name, approved=approved))

    def unusable(reason: str) -> Response:
        message = f"This approval request is invalid or expired: {reason}. Go back to the application and start again."
        return page(error_page(message), 401)

    def answer(token: str, *, approve: bool) -> Response:
        try:
            record = state.answer(token, approve=approve)
        except UnanswerableTokenError as error:
            return unusable(error.reason)
        return answered(record, approved=approve)

    async def approval(request: Request) -> Response:
        token = request.query_params.get("request_token", "")
        if not token:
            return page(error_page("The link has no request_token: open the link the application gave you."), 400)
        if state.auto_approve:
            return answer(token, approve=True)
        with state.lock:
            record = state.request_token_record(token)
            problem = NOT_ISSUED_HERE if record is None else record.problem()
        if record is None or problem is not None:
            return unusable(problem or NOT_ISSUED_HERE)
        html = approval_page(
            app_name=state.app_name,
            account_id=state.account_id,
            scopes=ACCESS_TOKEN_SCOPES,
            request_token=token,
            redirect_to=record.redirect_to,
            expires=record.expires,
        )
        return page(html)

    async def form_body(request: Request) -> dict[str, list[str]] | None:
        """The urlencoded form of a POST, read up to MAX_BODY_BYTES; None when malformed or too large."""
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/x-www-form-urlencoded":
            return None
        raw = await bounded_body(request)
        if raw is None:
            return None
        try:
            return parse_qs(raw.decode("utf-8"), keep_blank_values=True, max_num_fields=10)
        except ValueError:  # UnicodeDecodeError, or too many fields
            return None

    async def approval_answer(request: Request) -> Response:
        form = await form_body(request)
        tokens = form.get("request_token", []) if form else []
        actions = form.get("action", []) if form else []
        if len(tokens) != 1 or not tokens[0] or actions not in (["approve"], ["deny"]):
            return page(error_page("The form must send one request_token and action=approve or action=deny."), 400)
        return answer(tokens[0], approve=actions == ["approve"])

    async def create_access_token(request: Request) -> Response:
        token = await authorized_field(request, "request_token")
        if isinstance(token, Response):
            return token
        with state.lock:
            record = state.request_token_record(token)
            if record is None or record.problem() is not None:
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
        token = await authorized_field(request, "access_token", user_bearer=True)
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
        Route("/auth/access", approval, methods=["GET"]),
        Route("/auth/access", approval_answer, methods=["POST"]),
        Route("/4/auth/access_token", create_access_token, methods=["POST"]),
        Route("/4/auth/access_token", delete_access_token, methods=["DELETE"]),
    ]
    return _Knobs(Starlette(routes=routes), state)


class Emulator:
    """The emulator served by uvicorn, on 127.0.0.1 and an ephemeral port by default.

    Use `start()`/`stop()` or a ``with`` block to run it in a background thread, or
    `serve_forever()` to run it in the foreground (stops on Ctrl-C / SIGTERM).

    Options: `app_name` is the app the approval page names; `auto_approve` makes
    ``GET /auth/access`` approve at once (for scripts and demos without a browser) instead of
    showing the page; `request_token_lifetime` is how long request tokens live, in seconds
    (TMDB: 15 minutes).
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        read_token: str | None = None,
        rate_limit: tuple[int, float] | None = None,
        app_name: str = DEFAULT_APP_NAME,
        auto_approve: bool = False,
        request_token_lifetime: float = REQUEST_TOKEN_LIFETIME,
    ) -> None:
        _check_lifetime(request_token_lifetime)
        self.state = EmulatorState(
            read_token=read_token or f"emulator-read-token-{secrets.token_urlsafe(24)}",
            app_name=app_name,
            default_auto_approve=auto_approve,
            default_request_token_lifetime=request_token_lifetime,
        )
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

    def set_auto_approve(self, enabled: bool = True) -> None:
        """Make ``GET /auth/access`` approve at once (True) or show the approval page (False)."""
        self.state.auto_approve = enabled

    def set_request_token_lifetime(self, seconds: float) -> None:
        """Request tokens created from now on expire after `seconds` (`reset` restores the constructor's)."""
        _check_lifetime(seconds)
        self.state.request_token_lifetime = seconds

    def mint_request_token(self, approved: bool = True, redirect_to: str | None = None) -> str:
        """A new request token, approved or not, without going through HTTP."""
        return self.state.new_request_token(redirect_to, approved=approved)

    def approve(self, request_token: str) -> None:
        """Approve `request_token` as a user clicking Approve would (no redirect is followed).

        Raises UnanswerableTokenError (a ValueError) when it is unknown, expired, denied or exchanged."""
        self.state.answer(request_token, approve=True)

    def deny(self, request_token: str) -> None:
        """Deny `request_token` as a user clicking Deny would: exchanging it then answers code 33.

        Raises UnanswerableTokenError (a ValueError) when it is unknown, expired, denied or exchanged."""
        self.state.answer(request_token, approve=False)

    def expire(self, request_token: str) -> None:
        """Make `request_token` expire now: the approval page refuses it, the exchange answers code 33."""
        with self.state.lock:
            record = self.state.request_token_record(request_token)
            if record is None:
                raise UnanswerableTokenError(NOT_ISSUED_HERE)
            record.expires = min(record.expires, time.time() - 1)

    def approval_url(self, request_token: str) -> str:
        """This emulator's approval page for `request_token` (TMDB's is on www.themoviedb.org)."""
        return _core.approval_url(self.base_url, request_token)

    @property
    def requests(self) -> list[SeenRequest]:
        """The requests answered since the last reset (method, path, status; at most the last 1000)."""
        with self.state.lock:
            return list(self.state.seen)

    def reset(self) -> None:
        """Forget every token, fault, rate limit and seen request, and restore the constructor's
        `auto_approve` and `request_token_lifetime` (the read token and secret stay)."""
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
