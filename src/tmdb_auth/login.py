"""The whole interactive v4 login as one call, sync or async: what ``tmdb-auth login`` runs.

    from tmdb_auth import TMDBAuth, CredentialStore
    from tmdb_auth.login import login

    with TMDBAuth() as auth:
        token = login(auth, on_progress=print)     # prints the approval URL, opens the browser
    CredentialStore().save(token, base_url=auth.base_url)

`login` creates a request token whose ``redirect_to`` is a loopback callback
(``http://127.0.0.1:<port>/<unguessable path>``), reports the approval URL, opens it in the
browser (in the background: ``webbrowser`` may wait for a ``$BROWSER`` command to exit), then
waits for whichever comes first: the browser arriving at the callback, or a poll of the
exchange every ``poll_interval`` seconds finding the token approved (TMDB code 41 means not
yet). The request token is exchanged only while the caller is still waiting for the result,
and at most once successfully. A denied, rejected or expired token ends the wait with a
`LoginError` that says to start again. The callback server is always closed on the way out,
also on Ctrl-C or cancellation.

The callback is trusted for nothing: its path is readable in the request token (printed,
and passed to the browser), so any local process can request it. An approval that arrives
there is checked by the exchange itself, and so is a denial: one exchange asks TMDB, and
only a token TMDB refuses (code 33) ends the login as denied. A token still waiting for
approval (code 41) means the denial did not come from TMDB's page, and the wait goes on;
an approved one is exchanged, and the login succeeds.

Ctrl-C during `login` raises `LoginInterrupted` (a ``KeyboardInterrupt``) that says how far
the exchange got, with the access token when TMDB had issued it, so the caller can revoke
or store it.

`async_login` does the same with an `AsyncTMDBAuth`; both share the decisions below, which
are pure functions.
"""

from __future__ import annotations

import asyncio
import queue
import threading
import time
import webbrowser
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Literal

import attrs

from ._callback import CallbackServer, CallbackSignal
from ._core import Operation
from ._retry import should_retry
from ._settings import positive_seconds
from .client import AsyncTMDBAuth, TMDBAuth
from .errors import (
    ConfigurationError,
    InvalidRequestTokenError,
    LoginDeniedError,
    LoginError,
    LoginExpiredError,
    LoginRejectedError,
    RequestTokenNotApprovedError,
    TMDBError,
)
from .models import AccessToken, RequestToken

DEFAULT_POLL_INTERVAL = 3.0
# The longest single blocking wait of the sync login. Ctrl-C is delivered to whichever thread
# the kernel picks (here maybe the callback server's); the main thread's blocked queue wait is
# then not interrupted and only sees the KeyboardInterrupt when it wakes up.
_INTERRUPT_CHECK = 0.2
ASSUMED_LIFETIME = 15 * 60.0  # TMDB's request token lifetime, when a token does not say


# --- progress events ------------------------------------------------------------------------------
@attrs.frozen
class ApprovalURLReady:
    """The request token exists: send the user to ``approval_url`` before ``expires_at``.

    ``approval_url`` carries the request token, so it is kept out of ``repr``.
    """

    approval_url: str = attrs.field(repr=False)
    expires_at: datetime | None
    seconds_left: float
    browser: bool
    """True when the flow is opening the URL in a browser."""


@attrs.frozen
class Waiting:
    """The flow waits for the callback, polling every ``poll_interval`` seconds."""

    seconds_left: float
    poll_interval: float


@attrs.frozen
class NotApprovedYet:
    """A poll found the token not approved yet (TMDB code 41); still waiting."""

    seconds_left: float


@attrs.frozen
class PollFailed:
    """A poll failed in a way that surely did not use the token (rate limit, 503, no connection); still waiting."""

    error: TMDBError
    seconds_left: float


@attrs.frozen
class CallbackReceived:
    """A request came to the callback: an approval, or a denial (``denied``) that TMDB is asked to confirm."""

    denied: bool


@attrs.frozen
class DenialNotConfirmed:
    """A denial came to the callback, but TMDB says the request token still waits for approval (code 41):
    it did not come from TMDB's page (any local process can request the callback). Still waiting."""

    seconds_left: float


LoginEvent = ApprovalURLReady | Waiting | NotApprovedYet | PollFailed | CallbackReceived | DenialNotConfirmed
ProgressCallback = Callable[[LoginEvent], None]
BrowserOpener = Callable[[str], object]

Exchange = Literal["none", "uncertain", "issued"]
"""What the exchanges of the request token left: no access token ("none": none was in flight, and each
answer issued nothing), maybe one ("uncertain": one was sent and its answer not received, or the answer
leaves it open), or one ("issued")."""


class LoginInterrupted(KeyboardInterrupt):
    """Ctrl-C during `login`: what it left behind. A ``KeyboardInterrupt``, so it stops callers as one.

    Attributes:
        exchange: "none" (no access token exists; the request token expires unused or was refused),
            "uncertain" (TMDB may have processed an exchange: an access token may exist that nobody
            received, which cannot be revoked from here), or "issued".
        token: the access token TMDB issued ("issued"), for the caller to revoke or store; else None.
    """

    def __init__(self, exchange: Exchange, token: AccessToken | None = None) -> None:
        super().__init__(f"login interrupted; the exchange: {exchange}")  # never the token
        self.exchange: Exchange = exchange
        self.token = token


# --- the pure core, shared by login and async_login -----------------------------------------------
@attrs.frozen
class Deadline:
    """When the wait ends, on the monotonic clock, and why: the token's expiry or the caller's timeout."""

    at: float
    timeout: float | None
    """The caller's timeout when it ends the wait before the token expires, else None."""

    @classmethod
    def start(cls, expires_at: datetime | None, timeout: float | None, *, now: float, wall_now: datetime) -> Deadline:
        lifetime = (expires_at - wall_now).total_seconds() if expires_at is not None else ASSUMED_LIFETIME
        if timeout is not None and timeout < lifetime:
            return cls(now + timeout, timeout)
        return cls(now + max(0.0, lifetime), None)

    def seconds_left(self, now: float) -> float:
        return max(0.0, self.at - now)

    def expired_error(self) -> LoginExpiredError:
        if self.timeout is not None:
            what = f"Gave up waiting for approval after {self.timeout:g} seconds"
        else:
            what = "The request token expired before it was approved"
        return LoginExpiredError(f"{what}; start again (tmdb-auth login) and approve within the time shown.")


@attrs.frozen
class Done:
    token: AccessToken


@attrs.frozen
class KeepWaiting:
    event: LoginEvent


@attrs.frozen
class Fail:
    error: TMDBError


Decision = Done | KeepWaiting | Fail


def decide_after_exchange(outcome: AccessToken | TMDBError, seconds_left: float, *, denial: bool = False) -> Decision:
    """What an exchange attempt means for the wait: logged in, keep waiting, or give up.

    ``denial``: the exchange checks a denial that came to the callback. TMDB confirms it by refusing
    the token (code 33); a token not approved yet (41) means the denial was not TMDB's; an approved
    one means the user approved after all.
    """
    if isinstance(outcome, AccessToken):
        return Done(outcome)
    if isinstance(outcome, RequestTokenNotApprovedError):
        return KeepWaiting(DenialNotConfirmed(seconds_left) if denial else NotApprovedYet(seconds_left))
    if denial and isinstance(outcome, InvalidRequestTokenError):
        return Fail(LoginDeniedError("You denied the request on TMDB's approval page. Start again (tmdb-auth login)."))
    if isinstance(outcome, InvalidRequestTokenError):
        return Fail(
            LoginRejectedError(
                "TMDB refused the request token: it was denied, has expired, or was already used. "
                "Start again (tmdb-auth login).",
                http_status=outcome.http_status,
                tmdb_code=outcome.tmdb_code,
                tmdb_message=outcome.tmdb_message,
                retry_after=outcome.retry_after,
            )
        )
    if should_retry(Operation.CREATE_ACCESS_TOKEN, outcome):
        return KeepWaiting(PollFailed(outcome, seconds_left))  # the token surely was not used: poll again later
    return Fail(outcome)


def exchange_state(outcome: AccessToken | TMDBError) -> Exchange:
    """What one exchange's outcome left: an access token, none (TMDB said so, or the request surely did
    not reach it), or maybe one (a lost answer: a timeout, a dropped connection, a 5xx)."""
    if isinstance(outcome, AccessToken):
        return "issued"
    if isinstance(outcome, RequestTokenNotApprovedError | InvalidRequestTokenError):
        return "none"
    return "none" if should_retry(Operation.CREATE_ACCESS_TOKEN, outcome) else "uncertain"


def _check_options(poll_interval: float, timeout: float | None) -> None:
    positive_seconds("poll_interval", poll_interval)
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, int | float) or not timeout > 0):
        raise ConfigurationError(f"timeout must be a positive number of seconds or None, not {timeout!r}")


def _open_in_background(open_browser: bool | BrowserOpener, url: str) -> None:
    """Open ``url`` without blocking the wait (webbrowser waits for a ``$BROWSER`` command to exit)."""
    if open_browser is False:
        return
    opener: BrowserOpener = webbrowser.open if open_browser is True else open_browser

    def run() -> None:
        try:
            opener(url)
        except Exception:  # a browser that fails to start is not fatal: the URL was reported
            return

    threading.Thread(target=run, name="tmdb-auth-browser", daemon=True).start()


def _report(on_progress: ProgressCallback | None, event: LoginEvent) -> None:
    if on_progress is not None:
        on_progress(event)


class _Wait:
    """The wait of one login, without I/O: the shells ask it how long to wait and what each outcome means."""

    def __init__(
        self,
        request_token: RequestToken,
        *,
        browser: bool,
        poll_interval: float,
        timeout: float | None,
        on_progress: ProgressCallback | None,
    ) -> None:
        self.request_token = request_token
        self._poll_interval = poll_interval
        self._on_progress = on_progress
        self._deadline = Deadline.start(
            request_token.expires_at, timeout, now=time.monotonic(), wall_now=datetime.now(UTC)
        )
        self._denial = False  # the exchange under way checks a denial that came to the callback
        left = self._left()
        _report(on_progress, ApprovalURLReady(request_token.approval_url, request_token.expires_at, left, browser))
        _report(on_progress, Waiting(left, poll_interval))

    def _left(self) -> float:
        return self._deadline.seconds_left(time.monotonic())

    def next_wait(self) -> float:
        """Seconds to wait for the callback before the next poll; raises LoginExpiredError when time is up."""
        left = self._left()
        if left <= 0:
            raise self._deadline.expired_error()
        return min(self._poll_interval, left)

    def after_wait(self, signal: CallbackSignal | None) -> None:
        """Called when the wait ends (callback or poll time); raises when time is up, else exchange
        (which also checks a denial: the callback proves nothing)."""
        self._denial = signal is not None and signal.denied
        if signal is not None:
            _report(self._on_progress, CallbackReceived(signal.denied))
        elif self._left() <= 0:
            raise self._deadline.expired_error()

    def after_exchange(self, outcome: AccessToken | TMDBError) -> AccessToken | None:
        """The access token when logged in, None to keep waiting; raises when the login failed."""
        decision = decide_after_exchange(outcome, self._left(), denial=self._denial)
        if isinstance(decision, Done):
            return decision.token
        if isinstance(decision, Fail):
            raise decision.error
        _report(self._on_progress, decision.event)
        return None


# --- the I/O shells -------------------------------------------------------------------------------
def login(
    auth: TMDBAuth,
    *,
    port: int = 0,
    open_browser: bool | BrowserOpener = True,
    on_progress: ProgressCallback | None = None,
    poll_interval: float = DEFAULT_POLL_INTERVAL,
    timeout: float | None = None,
) -> AccessToken:
    """Log a user in interactively and return their access token (synchronous).

    Args:
        auth: a `TMDBAuth` (its read access token, base URL and site URL are used).
        port: the loopback port of the callback; 0 (default) picks a free one.
        open_browser: True opens the approval page with `webbrowser` (honours ``$BROWSER``),
            False only reports it, or a callable given the URL (called in a background thread).
        on_progress: called with each `LoginEvent` (in the calling thread).
        poll_interval: seconds between polls of the exchange.
        timeout: give up after this many seconds; default: when the request token expires.

    Raises:
        LoginDeniedError, LoginRejectedError, LoginExpiredError: start again.
        ConfigurationError: a bad option, or the port cannot be listened on.
        TMDBError: any other failure of the facade (network, read token rejected...).
        LoginInterrupted: Ctrl-C; it says how far the exchange got and holds the access token if one was issued.
    """
    _check_options(poll_interval, timeout)
    signals: queue.SimpleQueue[CallbackSignal] = queue.SimpleQueue()
    exchange: Exchange = "none"
    outcome: AccessToken | TMDBError | None = None
    try:
        with CallbackServer(signals.put, port) as server:
            request_token = auth.create_request_token(redirect_to=server.url)
            wait = _Wait(
                request_token,
                browser=open_browser is not False,
                poll_interval=poll_interval,
                timeout=timeout,
                on_progress=on_progress,
            )
            _open_in_background(open_browser, request_token.approval_url)
            while True:
                signal = _next_signal(signals, wait.next_wait())
                wait.after_wait(signal)
                exchange = "uncertain"
                try:
                    outcome = auth.create_access_token(wait.request_token)
                except TMDBError as error:
                    outcome = error
                exchange = exchange_state(outcome)
                token = wait.after_exchange(outcome)
                if token is not None:
                    return token
    except KeyboardInterrupt:
        raise LoginInterrupted(exchange, outcome if isinstance(outcome, AccessToken) else None) from None


def _next_signal(signals: queue.SimpleQueue[CallbackSignal], seconds: float) -> CallbackSignal | None:
    """The callback's signal if one comes within `seconds`, else None; waits in short slices (Ctrl-C)."""
    deadline = time.monotonic() + seconds
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        try:
            return signals.get(timeout=min(left, _INTERRUPT_CHECK))
        except queue.Empty:
            continue


async def async_login(
    auth: AsyncTMDBAuth,
    *,
    port: int = 0,
    open_browser: bool | BrowserOpener = True,
    on_progress: ProgressCallback | None = None,
    poll_interval: float = DEFAULT_POLL_INTERVAL,
    timeout: float | None = None,
) -> AccessToken:
    """Log a user in interactively and return their access token (asyncio).

    Takes the same arguments as `login`, with an `AsyncTMDBAuth`. Cancelling it closes the
    callback server; a cancelled wait never goes on to exchange the token.
    """
    _check_options(poll_interval, timeout)
    loop = asyncio.get_running_loop()
    signals: asyncio.Queue[CallbackSignal] = asyncio.Queue()

    def notify(signal: CallbackSignal) -> None:  # called in the server's thread
        loop.call_soon_threadsafe(signals.put_nowait, signal)

    with CallbackServer(notify, port) as server:
        request_token = await auth.create_request_token(redirect_to=server.url)
        wait = _Wait(
            request_token,
            browser=open_browser is not False,
            poll_interval=poll_interval,
            timeout=timeout,
            on_progress=on_progress,
        )
        _open_in_background(open_browser, request_token.approval_url)
        while True:
            seconds = wait.next_wait()  # first: it raises once time is up, before a get() is created
            try:
                signal: CallbackSignal | None = await asyncio.wait_for(signals.get(), seconds)
            except TimeoutError:
                signal = None
            wait.after_wait(signal)
            try:
                outcome: AccessToken | TMDBError = await auth.create_access_token(wait.request_token)
            except TMDBError as error:
                outcome = error
            token = wait.after_exchange(outcome)
            if token is not None:
                return token


__all__ = [
    "ApprovalURLReady",
    "CallbackReceived",
    "DenialNotConfirmed",
    "Exchange",
    "LoginDeniedError",
    "LoginError",
    "LoginEvent",
    "LoginExpiredError",
    "LoginInterrupted",
    "LoginRejectedError",
    "NotApprovedYet",
    "PollFailed",
    "Waiting",
    "async_login",
    "decide_after_exchange",
    "exchange_state",
    "login",
]
