"""A local emulator of TMDB's v4 auth endpoints (and the two v3 session routes), for offline demos and tests.

Needs the ``emulator`` extra (``pip install 'tmdb-v4-auth[emulator]'``: Starlette,
uvicorn, PyJWT). It serves, on loopback by default:

- ``POST /4/auth/request_token``  create a request token (optional ``redirect_to``)
- ``GET  /auth/access?request_token=...``  the approval page: names the app (``app_name``) and the
  scopes it will get, with Approve and Deny buttons (a form POSTing ``request_token`` and
  ``action=approve|deny`` to ``/auth/access``); with ``auto_approve=True`` the GET approves at once
- ``POST /auth/access``  the user's answer: approve redirects (302) to the token's ``redirect_to``,
  deny redirects there with ``denied=true`` added to its query; without ``redirect_to`` a page says
  which it was. One answer per token: approve and deny are final, and a second answer (or the page
  shown again) gets an "already answered" page (409)
- ``POST /4/auth/access_token``  exchange an approved request token (as openapi/tmdb-v4.yaml says)
- ``DELETE /4/auth/access_token``  log out (revoke an access token); the Bearer is the app's read
  access token or a live user access token (the v4 API takes both; tmdbapis sends the latter)
- ``POST /3/authentication/session/convert/4``  a v3 session id for a live user access token, and
  ``DELETE /3/authentication/session``  end one, once (as TMDB's official v3 document describes
  them); both take the app's v3 API key (``?api_key=``) or its read access token (the Bearer)
- ``GET /4/account/{account_object_id}/lists``  the user's lists (always none: an empty first page),
  for a live user access token as the Bearer; what ``check_access_token`` reads

Tokens are HS256 JWTs signed with a per-process secret, shaped like TMDB's. Errors use
TMDB's bodies, status codes and messages. Knobs for tests: a rate limit, injected faults for
the next N requests (see `Emulator.inject`), `Emulator.approve` / `deny` / `expire` for a
request token, and the request tokens' lifetime (`Emulator.set_request_token_lifetime`).

Assumptions where TMDB documents nothing: a denied request token is spent, so exchanging it
answers 401 with code 33 ("expired or invalid"), as an expired or unknown one does; the
approval page answers an unknown, expired or used token with an HTML error page (401), and an
answered one with "already answered" (409). A revoked or unknown access token makes no session
(401, code 35, as logout answers); a session deleted already or never created is TMDB's
documented "session not found" (404, code 37); a session outlives the access token it came from.
The account lists answer a Bearer that is not a live user access token (revoked, unknown, or the
app's read token) with 401, code 35 ("Invalid token."), and another account's lists with 404,
code 34.

Bounded whatever clients send: a body over MAX_BODY_BYTES is 413 (unread when declared,
the connection closed), a body that is not a JSON object is 400/47 (415 when not sent as
JSON), never a 500; a request with both Content-Length and Transfer-Encoding is 400 and its
connection closed (RFC 9112 6.1: nothing smuggled in its body is served); a connection without
a request in progress for `idle_timeout` seconds is closed, a body that takes longer is 408,
and the open connections are capped below the file descriptor limit (`_connection_guard.py`);
expired request tokens are forgotten and the token and session stores are capped. Options are
checked when given (`ConfigurationError`, a ValueError).

    with Emulator() as emulator:           # an ephemeral port on 127.0.0.1
        token = emulator.mint_request_token(approved=True)
        TMDBAuth(emulator.read_token, base_url=emulator.base_url).create_access_token(token)
"""

from __future__ import annotations

import asyncio
import heapq
import ipaddress
import json
import logging
import secrets
import socket
import threading
import time
import uuid
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator, MutableSet
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qs

import jwt
import uvicorn
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import Message, Receive, Scope, Send

from . import _core
from ._approval_page import PAGE_HEADERS, answered_page, approval_page, denied_redirect, error_page
from ._connection_guard import ACCEPT_BACKLOG, DEFAULT_IDLE_TIMEOUT, ConnectionGuard, default_max_connections
from ._settings import positive_seconds, shown
from .errors import ConfigurationError

REQUEST_TOKEN_LIFETIME = 15 * 60
DEFAULT_APP_NAME = "tmdb-v4-auth emulator"
ACCESS_TOKEN_SCOPES = ("api_read", "api_write")
MAX_BODY_BYTES = 16 * 1024  # far above any auth request; a larger body is refused (413) unread
SEEN_REQUESTS_KEPT = 1000
# Bounds on what the emulator keeps, whatever its clients do: expired request tokens are forgotten
# as new ones are created, and beyond these counts the soonest to expire (request tokens) or the
# oldest (access tokens) are forgotten.
MAX_REQUEST_TOKENS_KEPT = 100_000
MAX_ACCESS_TOKENS_KEPT = 100_000
MAX_SESSIONS_KEPT = 100_000
# Bounds on the options, so that every value keeps the server answering.
MAX_REQUEST_TOKEN_LIFETIME = 366 * 24 * 3600
MAX_FAULT_DELAY = 3600
MAX_RATE_LIMIT_REQUESTS = 1_000_000
MAX_RATE_LIMIT_WINDOW = 24 * 3600
MAX_READ_TOKEN_CHARS = 4096
MAX_APP_NAME_CHARS = 200
MAX_IDLE_TIMEOUT = 3600
MAX_CONNECTIONS_ALLOWED = 100_000
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
    34: (404, "The resource you requested could not be found."),
    35: (401, "Invalid token."),
    37: (404, "Session not found: The session you requested could not be found."),
    41: (422, "This request token hasn't been approved by the user."),
    47: (400, "The input is not valid."),
}
CDN_502_PAGE = (
    '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">\n<HTML><HEAD><TITLE>ERROR: The request '
    "could not be satisfied</TITLE></HEAD><BODY><H1>502 ERROR</H1><H2>The request could not be satisfied.</H2>"
    '<HR noshade size="1px">CloudFront attempted to establish a connection with the origin, but either the '
    "attempt failed or the origin closed the connection.</BODY></HTML>"
)


def tmdb_error(code: int, status: int | None = None) -> JSONResponse:
    """TMDB's error body for `code`, with its HTTP status unless `status` is given."""
    documented_status, message = MESSAGES[code]
    body = {"success": False, "status_code": code, "status_message": message}
    return JSONResponse(body, status_code=status or documented_status)


def refused_body(status: int) -> JSONResponse:
    """A request refused for its body, with TMDB's "input is not valid" body: 400 (ambiguous framing),
    408 (the body stalled), 413 (too large) or 415 (not JSON). All but a 415, whose body was read
    whole, close the connection, so the rest of the body is never read (or served)."""
    response = tmdb_error(47, status)
    if status != 415:
        response.headers["Connection"] = "close"
    return response


def _object_id() -> str:
    """A 24-hex-digit id, like TMDB's v4 object ids."""
    return secrets.token_hex(12)


class UnanswerableTokenError(ValueError):
    """The user cannot answer this request token (`reason` says why; the token is never named)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"the request token cannot be approved or denied: {reason}")
        self.reason = reason


class AlreadyAnsweredError(UnanswerableTokenError):
    """The user already answered this request token: approve and deny are final, one answer per token.

    `answer` is what the first answer was: ``"approved"`` or ``"denied"``."""

    def __init__(self, answer: str) -> None:
        super().__init__(f"it was already answered (the user {answer} it); a request token takes one answer")
        self.answer = answer


class _DropConnection(Exception):
    """Raised after the response headers were sent, so the server closes the connection mid-response."""


class _BodyRefused(Exception):
    """The request body is refused unparsed: it stalled (408), is larger than MAX_BODY_BYTES (413) or
    is not JSON (415)."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


@dataclass
class _RequestToken:
    jti: str
    expires: float
    redirect_to: str | None
    approved: bool = False
    exchanged: bool = False
    denied: bool = False

    @property
    def answer(self) -> str | None:
        """The user's answer so far: ``"approved"``, ``"denied"``, or None."""
        return "denied" if self.denied else "approved" if self.approved else None

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
class _FaultRun:
    """`fault` for the next `remaining` requests (one entry however large the count)."""

    fault: Fault
    remaining: int


class RecentSet(MutableSet[str]):
    """A set keeping at most `limit` members: adding one more forgets the oldest."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._members: OrderedDict[str, None] = OrderedDict()

    def __contains__(self, item: object) -> bool:
        return item in self._members

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._members))  # a copy: the server thread may change the set meanwhile

    def __len__(self) -> int:
        return len(self._members)

    def add(self, value: str) -> None:
        self._members[value] = None
        self._members.move_to_end(value)
        while len(self._members) > self.limit:
            self._members.popitem(last=False)

    def discard(self, value: str) -> None:
        self._members.pop(value, None)

    def clear(self) -> None:
        self._members.clear()

    def __repr__(self) -> str:  # never the members: they are access tokens
        return f"RecentSet({len(self)} of at most {self.limit})"


@dataclass
class EmulatorState:
    """Everything the emulator knows; reset between tests with `reset`."""

    read_token: str = field(repr=False)
    # The app's v3 API key (``?api_key=``), accepted beside the read token on the v3 routes.
    api_key: str = field(default_factory=lambda: secrets.token_hex(16), repr=False)
    app_name: str = DEFAULT_APP_NAME
    default_auto_approve: bool = False
    default_request_token_lifetime: float = REQUEST_TOKEN_LIFETIME
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)
    account_id: str = field(default_factory=_object_id)
    audience: str = field(default_factory=lambda: secrets.token_hex(16))
    request_tokens: dict[str, _RequestToken] = field(default_factory=dict)
    # A heap of (expires, jti), one entry per request token, the soonest to expire first.
    _expiries: list[tuple[float, str]] = field(default_factory=list)
    access_tokens: RecentSet = field(default_factory=lambda: RecentSet(MAX_ACCESS_TOKENS_KEPT))
    # v3 session ids (``POST /3/authentication/session/convert/4``) until deleted; beyond the cap, the oldest go.
    sessions: RecentSet = field(default_factory=lambda: RecentSet(MAX_SESSIONS_KEPT))
    # Seconds a connection may wait without a request in progress, and a request body may take to arrive.
    idle_timeout: float = DEFAULT_IDLE_TIMEOUT
    faults: deque[_FaultRun] = field(default_factory=deque)
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
            self._expiries.clear()
            self.access_tokens.clear()
            self.sessions.clear()
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
            self._forget_expired(now)
            self.request_tokens[record.jti] = record
            heapq.heappush(self._expiries, (record.expires, record.jti))
        return self.sign(claims)

    def _forget_expired(self, now: float) -> None:
        """Forget the request tokens expired by `now`, and the soonest to expire while the store is
        full (lock held). A forgotten token answers as an expired one (see `request_token_problem`)."""
        while self._expiries:
            expires, jti = self._expiries[0]
            full = len(self.request_tokens) >= MAX_REQUEST_TOKENS_KEPT
            if expires > now and not full:
                return
            heapq.heappop(self._expiries)
            # An expiry only ever moves earlier (`Emulator.expire`), so this token has expired or must make room.
            self.request_tokens.pop(jti, None)

    def request_token_record(self, token: str) -> _RequestToken | None:
        """`token`'s record, or None if it was not issued here or is forgotten."""
        return self.request_token_problem(token)[0]

    def request_token_problem(self, token: str) -> tuple[_RequestToken | None, str | None]:
        """`token`'s record and why it can no longer be approved or exchanged (None while it can).

        A request token signed here whose record is gone was forgotten once expired (or by `reset`)."""
        claims = self.decode(token)
        if claims is None or "pending_request_token" not in claims.get("scopes", []):
            return None, NOT_ISSUED_HERE
        record = self.request_tokens.get(str(claims.get("jti")))
        return (None, "it has expired") if record is None else (record, record.problem())

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

    def new_session(self) -> str:
        """A new v3 session id, 40 hex digits like TMDB's (lock held)."""
        session_id = secrets.token_hex(20)
        self.sessions.add(session_id)
        return session_id

    def answer(self, token: str, *, approve: bool) -> _RequestToken:
        """Record the user's answer for `token`, once: AlreadyAnsweredError for a second answer,
        UnanswerableTokenError when the user could not answer it (unknown, expired, exchanged)."""
        with self.lock:
            record = self.answerable(token)
            if approve:
                record.approved = True
            else:
                record.denied = True
            return record

    def answerable(self, token: str) -> _RequestToken:
        """`token`'s record while the user can still answer it (lock held); else AlreadyAnsweredError
        (answered before, still live) or UnanswerableTokenError (unknown, expired, exchanged)."""
        record, problem = self.request_token_problem(token)
        if record is None:
            raise UnanswerableTokenError(problem or NOT_ISSUED_HERE)
        if record.answer is not None and not record.exchanged and record.expires > time.time():
            raise AlreadyAnsweredError(record.answer)
        if problem is not None:
            raise UnanswerableTokenError(problem)
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
            if not self.faults:
                return None
            run = self.faults[0]
            run.remaining -= 1
            if run.remaining <= 0:
                self.faults.popleft()
            return run.fault


# --- options: checked when given, so that no value fails later, at request time ------------------


def _check_count(name: str, value: object, *, maximum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1 or (maximum and value > maximum):
        most = f" and at most {maximum:,}" if maximum else ""
        raise ConfigurationError(f"{name} must be a whole number of 1 or more{most}, not {shown(value)}")
    return value


def _check_lifetime(seconds: object) -> float:
    return positive_seconds("the request token lifetime", seconds, maximum=MAX_REQUEST_TOKEN_LIFETIME)


def _check_rate_limit(requests: object, per_seconds: object) -> tuple[int, float]:
    count = _check_count("the rate limit's request count", requests, maximum=MAX_RATE_LIMIT_REQUESTS)
    return count, positive_seconds("the rate limit's window", per_seconds, maximum=MAX_RATE_LIMIT_WINDOW)


def _check_fault(kind: object, count: object, seconds: object) -> tuple[Fault, int]:
    if kind not in FAULTS:
        raise ConfigurationError(f"unknown fault {shown(kind)}: choose from {', '.join(FAULTS)}")
    delay = positive_seconds("a fault's delay", seconds, maximum=MAX_FAULT_DELAY, zero_ok=True)
    return Fault(str(kind), delay), _check_count("a fault's count", count)


def _check_port(port: object) -> int:
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise ConfigurationError(f"the port must be a whole number from 0 to 65535 (0: any free), not {shown(port)}")
    return port


def _check_credential(name: str, value: object) -> None:
    """A read token or API key the emulator can be sent: a header or a query carries visible ASCII only.
    The message never shows the value (it is a secret)."""
    if value is None:
        return
    if not (
        isinstance(value, str) and len(value) <= MAX_READ_TOKEN_CHARS and all("!" <= char <= "~" for char in value)
    ):
        raise ConfigurationError(
            f"{name} must be a string of at most {MAX_READ_TOKEN_CHARS} visible ASCII characters, "
            "without spaces (it travels in an Authorization header or a query)"
        )


def _check_text(name: str, value: object, maximum: int) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > maximum:
        raise ConfigurationError(f"{name} must be a non-empty string of at most {maximum} characters")
    return value


def _check_flag(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise ConfigurationError(f"{name} must be True or False, not {shown(value)}")
    return value


def parse_fault(spec: str) -> tuple[Fault, int]:
    """``KIND[:COUNT]`` or ``delay=SECONDS[:COUNT]`` (the command line's --fault) -> (fault, count)."""
    kind, _, count = spec.partition(":")
    seconds: object = 0.0
    if kind.startswith("delay="):
        kind, _, value = kind.partition("=")
        seconds = _number(value, "--fault delay=SECONDS")
    try:
        number = int(count or 1)
    except ValueError:
        raise ConfigurationError(f"--fault {shown(spec)}: COUNT in KIND:COUNT must be a whole number") from None
    return _check_fault(kind, number, seconds)


def parse_rate_limit(spec: str) -> tuple[int, float]:
    """``N/SECONDS`` (the command line's --rate-limit): at most N requests per SECONDS."""
    count, _, window = spec.partition("/")
    try:
        requests = int(count)
    except ValueError:
        raise ConfigurationError(f"--rate-limit {shown(spec)}: write N/SECONDS, e.g. 40/10") from None
    return _check_rate_limit(requests, _number(window or "1", "--rate-limit N/SECONDS"))


def _number(text: str, what: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ConfigurationError(f"{what}: {shown(text)} is not a number of seconds") from None


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

        try:
            await self._answer(scope, _body_deadline(receive, state.idle_timeout), send_and_record)
        except _BodyRefused as refused:  # the body stalled while a fault read it (the app answers its own)
            await refused_body(refused.status)(scope, receive, send_and_record)

    async def _answer(self, scope: Scope, receive: Receive, send: Send) -> None:
        if _ambiguous_framing(scope):
            # RFC 9112 6.1: a request with both may be smuggling a second one in its body (a proxy
            # reading Content-Length sees one request, a server reading chunks two). Refused, closed.
            await refused_body(400)(scope, receive, send)
            return
        if _declared_length(scope) > MAX_BODY_BYTES:  # answered before the client sends the body
            await refused_body(413)(scope, receive, send)
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
        else:  # drop: read the request, promise a body, then close the connection
            await _read_request_body(receive)
            await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"100")]})
            raise _DropConnection


def _ambiguous_framing(scope: Scope) -> bool:
    """Both Content-Length and Transfer-Encoding: two ways to tell where the body ends."""
    names = {name for name, _ in scope["headers"]}
    return b"content-length" in names and b"transfer-encoding" in names


def _body_deadline(receive: Receive, seconds: float) -> Receive:
    """`receive` for a body that must arrive whole within `seconds` of the first read (a client
    stalling mid-body would otherwise hold the connection forever): past it, _BodyRefused(408)."""
    deadline: float | None = None
    done = False

    async def receive_in_time() -> Message:
        nonlocal deadline, done
        if done:  # the body is in: what follows (a disconnect) is not the client's body to wait for
            return await receive()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds if deadline is None else deadline
        try:
            async with asyncio.timeout_at(deadline):
                message = await receive()
        except TimeoutError:
            raise _BodyRefused(408) from None
        done = message["type"] != "http.request" or not message.get("more_body", False)
        return message

    return receive_in_time


def _declared_length(scope: Scope) -> int:
    """The request's Content-Length, or 0 without one (h11 has already refused a malformed one)."""
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if len(value) <= 18 else MAX_BODY_BYTES + 1
    return 0


async def _read_request_body(receive: Receive) -> None:
    """Consume the request body (up to MAX_BODY_BYTES): closing with unread bytes makes the kernel send
    a reset instead of a clean close, and the client would see a reset rather than the truncated
    response a drop means."""
    size = 0
    while size <= MAX_BODY_BYTES:
        message = await receive()
        size += len(message.get("body", b""))
        if message["type"] != "http.request" or not message.get("more_body", False):
            return


def _media_type(request: Request) -> str:
    """The request's Content-Type without parameters, lower-cased: media types are case-insensitive."""
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


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

    async def bounded_body(request: Request) -> bytes:
        """The request body; _BodyRefused(413) once it exceeds MAX_BODY_BYTES (never read further).
        A larger declared Content-Length never gets here: `_Knobs` refuses it unread."""
        raw = bytearray()
        async for chunk in request.stream():
            raw += chunk
            if len(raw) > MAX_BODY_BYTES:
                raise _BodyRefused(413)
        return bytes(raw)

    async def json_body(request: Request) -> dict[str, Any] | None:
        """The JSON object sent ({} for no body); None when it is not one (TMDB's 400, code 47).
        A body that is not declared ``application/json`` is refused (415)."""
        raw = await bounded_body(request)
        if not raw:
            return {}
        if _media_type(request) != "application/json":
            raise _BodyRefused(415)
        try:
            body = json.loads(raw.decode("utf-8"))
        except (ValueError, RecursionError):  # malformed, not UTF-8, or nested deeper than the parser goes
            return None
        return body if isinstance(body, dict) else None

    async def refused(request: Request, error: Exception) -> Response:
        return refused_body(error.status if isinstance(error, _BodyRefused) else 400)

    async def client_gone(request: Request, error: Exception) -> Response:
        """The client closed the connection while sending its body: nobody reads this answer."""
        return Response(status_code=400)

    def authorized_v3(request: Request) -> bool:
        """The app's v3 API key (``?api_key=``) or its read access token (the Bearer), as TMDB's v3 API
        takes either; every credential sent must be right, and at least one must be sent."""
        api_keys = request.query_params.getlist("api_key")
        header = request.headers.get("authorization")
        if not api_keys and header is None:
            return False
        return (not api_keys or api_keys == [state.api_key]) and (header is None or authorized(request))

    async def authorized_field(
        request: Request, name: str, credential: Callable[[Request], bool] = authorized
    ) -> str | Response:
        """The non-empty string `name` from a request's JSON body once `credential` accepts it, or the
        TMDB error to answer."""
        if not credential(request):
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

    def unusable(error: UnanswerableTokenError) -> Response:
        if isinstance(error, AlreadyAnsweredError):  # 409: the request is fine, the token's state forbids it
            message = (
                f"This approval request was already answered: you {error.answer} it. Each request takes one "
                "answer; go back to the application."
            )
            return page(error_page(message), 409)
        message = (
            f"This approval request is invalid or expired: {error.reason}. Go back to the application and start again."
        )
        return page(error_page(message), 401)

    def answer(token: str, *, approve: bool) -> Response:
        try:
            record = state.answer(token, approve=approve)
        except UnanswerableTokenError as error:
            return unusable(error)
        return answered(record, approved=approve)

    async def approval(request: Request) -> Response:
        token = request.query_params.get("request_token", "")
        if not token:
            return page(error_page("The link has no request_token: open the link the application gave you."), 400)
        if state.auto_approve:
            return answer(token, approve=True)
        try:
            with state.lock:
                record = state.answerable(token)
        except UnanswerableTokenError as error:
            return unusable(error)
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
        if _media_type(request) != "application/x-www-form-urlencoded":
            return None
        raw = await bounded_body(request)
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
            record, problem = state.request_token_problem(token)
            if record is None or problem is not None:
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
        token = await authorized_field(request, "access_token", authorized_as_app_or_user)
        if isinstance(token, Response):
            return token
        with state.lock:
            if token not in state.access_tokens:
                return tmdb_error(35)
            state.access_tokens.discard(token)
        status, message = MESSAGES[13]
        return JSONResponse({"success": True, "status_code": 13, "status_message": message}, status_code=status)

    async def create_session_from_v4(request: Request) -> Response:
        """``POST /3/authentication/session/convert/4``: a v3 session for a live user access token."""
        token = await authorized_field(request, "access_token", authorized_v3)
        if isinstance(token, Response):
            return token
        with state.lock:
            if token not in state.access_tokens:
                return tmdb_error(35)  # revoked, unknown, or not an access token at all
            session_id = state.new_session()
        return JSONResponse({"success": True, "session_id": session_id})

    async def delete_session(request: Request) -> Response:
        """``DELETE /3/authentication/session``: end a session, once."""
        session_id = await authorized_field(request, "session_id", authorized_v3)
        if isinstance(session_id, Response):
            return session_id
        with state.lock:
            if session_id not in state.sessions:
                return tmdb_error(37)  # deleted already, or never created here
            state.sessions.discard(session_id)
        return JSONResponse({"success": True})

    async def account_lists(request: Request) -> Response:
        """``GET /4/account/{account_object_id}/lists``: the user's lists, for their live access token as the
        Bearer. The emulator keeps no lists: an empty first page."""
        scheme, _, credential = request.headers.get("authorization", "").partition(" ")
        with state.lock:
            live = scheme == "Bearer" and credential in state.access_tokens
        if not live:
            return tmdb_error(35)  # revoked, unknown, or not a user access token (the read token is the app's)
        if request.path_params["account_object_id"] != (state.decode(credential) or {}).get("sub"):
            return tmdb_error(34)
        return JSONResponse({"page": 1, "results": [], "total_pages": 1, "total_results": 0})

    routes = [
        Route("/4/auth/request_token", create_request_token, methods=["POST"]),
        Route("/auth/access", approval, methods=["GET"]),
        Route("/auth/access", approval_answer, methods=["POST"]),
        Route("/4/auth/access_token", create_access_token, methods=["POST"]),
        Route("/4/auth/access_token", delete_access_token, methods=["DELETE"]),
        Route("/3/authentication/session/convert/4", create_session_from_v4, methods=["POST"]),
        Route("/3/authentication/session", delete_session, methods=["DELETE"]),
        Route("/4/account/{account_object_id}/lists", account_lists, methods=["GET"]),
    ]
    handlers = {_BodyRefused: refused, ClientDisconnect: client_gone}
    return _Knobs(Starlette(routes=routes, exception_handlers=handlers), state)


class Emulator:
    """The emulator served by uvicorn, on 127.0.0.1 and an ephemeral port by default.

    Use `start()`/`stop()` or a ``with`` block to run it in a background thread, or
    `serve_forever()` to run it in the foreground (stops on Ctrl-C / SIGTERM).

    Options: `app_name` is the app the approval page names; `auto_approve` makes
    ``GET /auth/access`` approve at once (for scripts and demos without a browser) instead of
    showing the page; `request_token_lifetime` is how long request tokens live, in seconds
    (TMDB: 15 minutes); `read_token` and `api_key` are the app's credentials it accepts (random
    ones by default). `idle_timeout` (10 s) drops a connection without a request in progress
    that long, and is the longest a request body may take to arrive (then 408);
    `max_connections` caps the open connections (default: 1000, or fewer when the process may
    open fewer files), closing the one idle the longest to make room. Every option is checked
    here: a value the emulator could not serve
    (a port beyond 65535, a NaN, infinite or negative number of seconds, ...) raises
    `ConfigurationError` (a ValueError) saying what is allowed.

    It is a test server with no real authentication: keep it on loopback. Bound to another
    address, `exposure_warning()` says so, and `base_url` is a loopback URL when the address
    is a wildcard (``0.0.0.0``, ``::``).
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
        api_key: str | None = None,
        idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
        max_connections: int | None = None,
    ) -> None:
        _check_text("the host", host, 255)
        _check_credential("the read token", read_token)
        _check_credential("the API key", api_key)
        if rate_limit is not None and not (isinstance(rate_limit, tuple) and len(rate_limit) == 2):
            raise ConfigurationError("the rate limit must be a (requests, per_seconds) pair, or None")
        self.state = EmulatorState(
            read_token=read_token or f"emulator-read-token-{secrets.token_urlsafe(24)}",
            app_name=_check_text("the app name", app_name, MAX_APP_NAME_CHARS),
            default_auto_approve=_check_flag("auto_approve", auto_approve),
            default_request_token_lifetime=_check_lifetime(request_token_lifetime),
            idle_timeout=positive_seconds("the idle timeout", idle_timeout, maximum=MAX_IDLE_TIMEOUT),
        )
        if api_key:
            self.state.api_key = api_key
        self._max_connections = (
            default_max_connections()
            if max_connections is None
            else _check_count("max_connections", max_connections, maximum=MAX_CONNECTIONS_ALLOWED)
        )
        self.state.rate_limit = None if rate_limit is None else _check_rate_limit(*rate_limit)
        self.host = host
        self._port = _check_port(port)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        logging.getLogger("uvicorn.error").addFilter(_QuietDrops())

    # --- configuration knobs ------------------------------------------------------------
    @property
    def read_token(self) -> str:
        """The API Read Access Token this emulator accepts."""
        return self.state.read_token

    @property
    def api_key(self) -> str:
        """The app's v3 API key this emulator accepts (``?api_key=``) on the v3 routes, beside the read token."""
        return self.state.api_key

    @property
    def account_id(self) -> str:
        """The account every access token is issued for."""
        return self.state.account_id

    def set_rate_limit(self, requests: int | None, per_seconds: float = 1.0) -> None:
        """Answer 429 (code 25, with Retry-After) beyond `requests` per `per_seconds`; None lifts it."""
        self.state.rate_limit = None if requests is None else _check_rate_limit(requests, per_seconds)

    def inject(self, kind: str, count: int = 1, seconds: float = 0.0) -> None:
        """Make the next `count` requests fail: ``unavailable`` (503, code 9), ``bad-gateway`` (a CDN's
        HTML 502 page), ``delay`` (wait `seconds`, then answer), ``drop`` (close the connection mid-response)."""
        fault, count = _check_fault(kind, count, seconds)
        with self.state.lock:
            self.state.faults.append(_FaultRun(fault, count))

    def set_auto_approve(self, enabled: bool = True) -> None:
        """Make ``GET /auth/access`` approve at once (True) or show the approval page (False)."""
        self.state.auto_approve = _check_flag("enabled", enabled)

    def set_request_token_lifetime(self, seconds: float) -> None:
        """Request tokens created from now on expire after `seconds` (`reset` restores the constructor's)."""
        self.state.request_token_lifetime = _check_lifetime(seconds)

    def mint_request_token(self, approved: bool = True, redirect_to: str | None = None) -> str:
        """A new request token, approved or not, without going through HTTP."""
        return self.state.new_request_token(redirect_to, approved=approved)

    def mint_access_token(self) -> str:
        """A live user access token, as a finished login would have, without going through HTTP."""
        with self.state.lock:
            return self.state.new_access_token(uuid.uuid4().hex)

    def access_token_alive(self, access_token: str) -> bool:
        """Whether `access_token` is live here (issued and not logged out)."""
        with self.state.lock:
            return access_token in self.state.access_tokens

    def revoke_access_token(self, access_token: str) -> None:
        """Revoke `access_token` as a logout elsewhere would: it can no longer log out nor make a session."""
        with self.state.lock:
            self.state.access_tokens.discard(access_token)

    def mint_session(self) -> str:
        """A live v3 session id, as ``POST /3/authentication/session/convert/4`` gives, without HTTP."""
        with self.state.lock:
            return self.state.new_session()

    def session_alive(self, session_id: str) -> bool:
        """Whether the v3 session `session_id` is live here (created and not deleted)."""
        with self.state.lock:
            return session_id in self.state.sessions

    def approve(self, request_token: str) -> None:
        """Approve `request_token` as a user clicking Approve would (no redirect is followed).

        Raises AlreadyAnsweredError when the user already approved or denied it (one answer per token),
        UnanswerableTokenError (both ValueErrors) when it is unknown, expired or exchanged."""
        self.state.answer(request_token, approve=True)

    def deny(self, request_token: str) -> None:
        """Deny `request_token` as a user clicking Deny would: exchanging it then answers code 33.

        Raises AlreadyAnsweredError when the user already approved or denied it (one answer per token),
        UnanswerableTokenError (both ValueErrors) when it is unknown, expired or exchanged."""
        self.state.answer(request_token, approve=False)

    def expire(self, request_token: str) -> None:
        """Make `request_token` expire now: the approval page refuses it, the exchange answers code 33."""
        with self.state.lock:
            record, problem = self.state.request_token_problem(request_token)
            if record is None:
                raise UnanswerableTokenError(problem or NOT_ISSUED_HERE)
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
        guard = ConnectionGuard(idle_timeout=self.state.idle_timeout, max_connections=self._max_connections)
        return uvicorn.Config(
            guard.wrap(create_app(self.state)),
            http=guard.protocol(),  # uvicorn's h11 protocol, whatever else is installed, guarded
            ws="none",
            backlog=ACCEPT_BACKLOG,
            host=self.host,
            port=self._port,
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=2,
        )

    def _address(self) -> tuple[str, int]:
        if self._server is None or not self._server.servers:
            raise RuntimeError("the emulator is not running")
        address = self._server.servers[0].sockets[0].getsockname()
        return str(address[0]), int(address[1])

    @property
    def port(self) -> int:
        return self._address()[1]

    def _bound_ip(self) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
        try:
            return ipaddress.ip_address(self._address()[0].partition("%")[0])
        except ValueError:
            return None

    @property
    def base_url(self) -> str:
        """``http://host:port`` of the running emulator: a loopback address when it listens on a
        wildcard address (``0.0.0.0``, ``::``), since clients send plain http only to loopback."""
        ip = self._bound_ip()
        host = self.host
        if ip is not None and ip.is_unspecified:
            host = "127.0.0.1" if ip.version == 4 else "::1"
        elif ip is not None and ip.is_loopback:
            host = str(ip)
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.port}"

    def exposure_warning(self) -> str | None:
        """A warning when the running emulator is reachable beyond this machine's loopback, else None."""
        ip = self._bound_ip()
        if ip is not None and ip.is_loopback:
            return None
        warning = (
            f"the emulator listens on {self.host}, beyond loopback: anyone who can reach this machine can "
            "mint, approve and exchange tokens (it is a test server with no real authentication)"
        )
        if ip is None or not ip.is_unspecified:
            warning += f"; plain http to {self.host} needs allow_insecure_http=True in the client"
        return warning

    def _listen(self) -> socket.socket:
        """A socket bound to host:port, so that a bad address or a port in use is an OSError
        here rather than a failure in the server's thread.

        IPPROTO_TCP is explicit: asyncio sets TCP_NODELAY only on connections accepted from a
        socket whose ``proto`` says TCP, and without it every keep-alive answer after the first
        waits ~40 ms for the client's delayed ACK (Nagle's algorithm)."""
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.host, self._port))
        except BaseException:
            sock.close()
            raise
        return sock

    def start(self, timeout: float = 10.0) -> Self:
        """Serve in a background thread; returns once the socket is listening.

        Raises OSError when it cannot listen on host:port (in use, not an address of this machine)."""
        if self._thread is not None:
            return self
        sock = self._listen()
        self._server = uvicorn.Server(self._config())
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name="tmdb-emulator", daemon=True
        )
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
        sock = self._listen()
        self._server = uvicorn.Server(self._config())
        self._server.run(sockets=[sock])

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
