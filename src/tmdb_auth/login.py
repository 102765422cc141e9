"""The whole interactive v4 login as one call, sync or async: what ``tmdb-auth login`` runs.

    from tmdb_auth import TMDBAuth, CredentialStore
    from tmdb_auth.login import login

    with TMDBAuth() as auth:
        token = login(auth, on_progress=print)     # prints the approval URL, opens the browser
    CredentialStore().save(token, base_url=auth.base_url)

`login` creates a request token whose ``redirect_to`` is a loopback callback
(``http://127.0.0.1:<port>/<unguessable path>``), reports the approval URL, opens it in the
browser (in the background: ``webbrowser`` may wait for a ``$BROWSER`` command to exit; what
it answered is reported as `BrowserAnswered`), then waits for whichever comes first: the
browser arriving at the callback, or a poll of the exchange every ``poll_interval`` seconds
finding the token approved (TMDB code 41 means not yet). Where no browser is opened on this
machine (``open_browser=False``; no display, an SSH session or no browser found, see
`_browser`), there is no callback by default and the request token gets no ``redirect_to``:
the user approves on any device, TMDB's page then just says so, and a poll finds it (a
loopback callback would send a phone's browser to a page that cannot load). ``callback=True``
serves it anyway, for a caller that shows the URL on this machine itself. The request token
is exchanged only while the caller is still waiting for the result, and at most once
successfully. A denied, rejected or expired token ends the wait with a
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
import contextlib
import os
import queue
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Literal

import attrs

from . import _browser
from ._callback import CallbackServer, CallbackSignal, check_port
from ._core import Operation
from ._retry import logger, should_retry
from ._settings import capitalized, positive_seconds, server_name
from ._wording import Term, phrase
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
POLL_INTERVAL = Term("poll_interval")  # the options and advice messages name (see _wording)
TIMEOUT = Term("login.timeout", "timeout")
START_AGAIN = Term("login.start_again", "start the login again")


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
    """True when the flow is trying to open the URL in a browser; whether it did follows as `BrowserAnswered`."""
    no_browser: str | None = None
    """Why no browser is tried although ``open_browser=True`` asked for one (no display, an SSH session,
    none found), else None."""


@attrs.frozen
class BrowserAnswered:
    """The browser attempt answered: `opened` is what ``webbrowser.open`` (or your opener) returned
    (True, or None from an opener that says nothing: it opened; False, or an exception: it did not).
    A ``$BROWSER`` command answers only once it exits, so this may come late, or not before the login ends."""

    opened: bool


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


LoginEvent = (
    ApprovalURLReady | BrowserAnswered | Waiting | NotApprovedYet | PollFailed | CallbackReceived | DenialNotConfirmed
)
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
        return LoginExpiredError(phrase(f"{what}; ", START_AGAIN, " and approve within the time shown."))


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


def decide_after_exchange(
    outcome: AccessToken | TMDBError, seconds_left: float, *, denial: bool = False, server: str = "TMDB"
) -> Decision:
    """What an exchange attempt means for the wait: logged in, keep waiting, or give up.

    ``denial``: the exchange checks a denial that came to the callback. TMDB confirms it by refusing
    the token (code 33); a token not approved yet (41) means the denial was not TMDB's; an approved
    one means the user approved after all. ``server``: how messages name the API (`server_name`).
    """
    if isinstance(outcome, AccessToken):
        return Done(outcome)
    if isinstance(outcome, RequestTokenNotApprovedError):
        return KeepWaiting(DenialNotConfirmed(seconds_left) if denial else NotApprovedYet(seconds_left))
    if denial and isinstance(outcome, InvalidRequestTokenError):
        return Fail(LoginDeniedError(phrase("You denied the request on the approval page: ", START_AGAIN, ".")))
    if isinstance(outcome, InvalidRequestTokenError):
        return Fail(
            LoginRejectedError(
                phrase(
                    f"{capitalized(server)} refused the request token: it was denied, has expired, or was already "
                    "used; ",
                    START_AGAIN,
                    ".",
                ),
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


def _check_options(port: int, poll_interval: float, timeout: float | None, callback: bool | None) -> None:
    if callback not in (None, True, False):
        raise ConfigurationError(f"callback must be True, False or None, not {callback!r}")
    check_port(port)  # also when no callback is served: a bad option is one whatever the browser does
    positive_seconds(POLL_INTERVAL, poll_interval)
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, int | float) or not timeout > 0):
        raise ConfigurationError(phrase(TIMEOUT, f" must be a positive number of seconds or None, not {timeout!r}"))


@attrs.frozen
class _Browser:
    """What the login does about a browser: the opener to try (None: none), and why none is tried
    although ``open_browser=True`` asked for one."""

    opener: BrowserOpener | None
    unavailable: str | None = None


def _serves_callback(callback: bool | None, browser: _Browser) -> bool:
    """Whether the callback is served: as asked, else (None) when a browser is opened on this machine."""
    return browser.opener is not None if callback is None else callback


def _browser_plan(open_browser: bool | BrowserOpener) -> _Browser:
    if open_browser is False:
        return _Browser(None)
    if open_browser is not True:
        return _Browser(open_browser)
    reason = _browser.unavailable_reason(os.environ) or _browser.missing_browser(os.environ)
    if reason is not None:
        logger.debug("login: no browser: %s", reason)
        return _Browser(None, reason)
    return _Browser(_browser.open_url)


def _callback(
    served: bool, notify: Callable[[CallbackSignal], None], port: int
) -> contextlib.AbstractContextManager[CallbackServer | None]:
    """The loopback callback the browser comes back to, where a browser is opened on this machine."""
    if not served:
        return contextlib.nullcontext()
    return CallbackServer(notify, port)


def _open_in_background(opener: BrowserOpener | None, url: str, answered: Callable[[BrowserAnswered], None]) -> None:
    """Open ``url`` without blocking the wait (webbrowser waits for a ``$BROWSER`` command to exit);
    `answered` gets what the opener said, from the opener's thread."""
    if opener is None:
        return

    def run() -> None:
        try:
            opened = opener(url) is not False
        except Exception:  # a browser that fails to start is not fatal: the URL was reported
            opened = False
        logger.debug("login: the browser answered (opened: %s)", opened)
        answered(BrowserAnswered(opened))

    logger.debug("login: opening the approval page in the browser")
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
        browser: _Browser,
        poll_interval: float,
        timeout: float | None,
        on_progress: ProgressCallback | None,
        server: str,
    ) -> None:
        self.request_token = request_token
        self._poll_interval = poll_interval
        self._on_progress = on_progress
        self._server = server
        self._deadline = Deadline.start(
            request_token.expires_at, timeout, now=time.monotonic(), wall_now=datetime.now(UTC)
        )
        self._denial = False  # the exchange under way checks a denial that came to the callback
        left = self._left()
        ready = ApprovalURLReady(
            request_token.approval_url, request_token.expires_at, left, browser.opener is not None, browser.unavailable
        )
        _report(on_progress, ready)
        _report(on_progress, Waiting(left, poll_interval))

    def _left(self) -> float:
        return self._deadline.seconds_left(time.monotonic())

    def report(self, event: LoginEvent) -> None:
        """Pass on an event that does not change the wait (the browser's answer)."""
        _report(self._on_progress, event)

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
        logger.debug("login: exchange: %s", type(outcome).__name__)
        decision = decide_after_exchange(outcome, self._left(), denial=self._denial, server=self._server)
        if isinstance(decision, Done):
            return decision.token
        if isinstance(decision, Fail):
            raise decision.error
        _report(self._on_progress, decision.event)
        return None


# --- the I/O shells -------------------------------------------------------------------------------
Signal = CallbackSignal | BrowserAnswered


def login(
    auth: TMDBAuth,
    *,
    port: int = 0,
    open_browser: bool | BrowserOpener = True,
    on_progress: ProgressCallback | None = None,
    poll_interval: float = DEFAULT_POLL_INTERVAL,
    timeout: float | None = None,
    callback: bool | None = None,
) -> AccessToken:
    """Log a user in interactively and return their access token (synchronous).

    Args:
        auth: a `TMDBAuth` (its read access token, base URL and site URL are used).
        port: the loopback port of the callback; 0 (default) picks a free one.
        open_browser: True opens the approval page with `webbrowser` (``$BROWSER`` first) where a
            browser can be shown (not without a display, nor over SSH, unless ``$BROWSER`` is set),
            False only reports it, or a callable given the URL (called in a background thread;
            it returns False when it could not open it).
        on_progress: called with each `LoginEvent` (in the calling thread).
        poll_interval: seconds between polls of the exchange.
        timeout: give up after this many seconds; default: when the request token expires.
        callback: serve the loopback callback and make it the request token's ``redirect_to``,
            so a browser on this machine comes back to it after the answer (no poll to wait
            for). None (default): when a browser is opened on this machine; False where the
            user approves on another device, which could not load that page.

    Raises:
        LoginDeniedError, LoginRejectedError, LoginExpiredError: start again.
        ConfigurationError: a bad option, or the port cannot be listened on.
        TMDBError: any other failure of the facade (network, read token rejected...).
        LoginInterrupted: Ctrl-C; it says how far the exchange got and holds the access token if one was issued.
    """
    _check_options(port, poll_interval, timeout, callback)
    browser = _browser_plan(open_browser)
    signals: queue.SimpleQueue[Signal] = queue.SimpleQueue()
    exchange: Exchange = "none"
    outcome: AccessToken | TMDBError | None = None
    try:
        with _callback(_serves_callback(callback, browser), signals.put, port) as server:
            request_token = auth.create_request_token(redirect_to=None if server is None else server.url)
            wait = _Wait(
                request_token,
                browser=browser,
                poll_interval=poll_interval,
                timeout=timeout,
                on_progress=on_progress,
                server=server_name(auth.base_url),
            )
            _open_in_background(browser.opener, request_token.approval_url, signals.put)
            while True:
                signal = _next_signal(signals, wait.next_wait(), wait)
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


def _next_signal(signals: queue.SimpleQueue[Signal], seconds: float, wait: _Wait) -> CallbackSignal | None:
    """The callback's signal if one comes within `seconds`, else None; waits in short slices (Ctrl-C).
    The browser's answer, meanwhile, is reported and the wait goes on."""
    deadline = time.monotonic() + seconds
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        try:
            signal = signals.get(timeout=min(left, _INTERRUPT_CHECK))
        except queue.Empty:
            continue
        if isinstance(signal, CallbackSignal):
            return signal
        wait.report(signal)


async def async_login(
    auth: AsyncTMDBAuth,
    *,
    port: int = 0,
    open_browser: bool | BrowserOpener = True,
    on_progress: ProgressCallback | None = None,
    poll_interval: float = DEFAULT_POLL_INTERVAL,
    timeout: float | None = None,
    callback: bool | None = None,
) -> AccessToken:
    """Log a user in interactively and return their access token (asyncio).

    Takes the same arguments as `login`, with an `AsyncTMDBAuth`. Cancelling it closes the
    callback server; a cancelled wait never goes on to exchange the token.
    """
    _check_options(port, poll_interval, timeout, callback)
    browser = _browser_plan(open_browser)
    loop = asyncio.get_running_loop()
    signals: asyncio.Queue[Signal] = asyncio.Queue()

    def notify(signal: Signal) -> None:  # called in the server's or the browser's thread
        with contextlib.suppress(RuntimeError):  # the loop is closed: the login is over, nobody waits
            loop.call_soon_threadsafe(signals.put_nowait, signal)

    with _callback(_serves_callback(callback, browser), notify, port) as server:
        request_token = await auth.create_request_token(redirect_to=None if server is None else server.url)
        wait = _Wait(
            request_token,
            browser=browser,
            poll_interval=poll_interval,
            timeout=timeout,
            on_progress=on_progress,
            server=server_name(auth.base_url),
        )
        _open_in_background(browser.opener, request_token.approval_url, notify)
        while True:
            seconds = wait.next_wait()  # first: it raises once time is up, before a get() is created
            signal = await _next_async_signal(signals, seconds, wait)
            wait.after_wait(signal)
            try:
                outcome: AccessToken | TMDBError = await auth.create_access_token(wait.request_token)
            except TMDBError as error:
                outcome = error
            token = wait.after_exchange(outcome)
            if token is not None:
                return token


async def _next_async_signal(signals: asyncio.Queue[Signal], seconds: float, wait: _Wait) -> CallbackSignal | None:
    """`_next_signal` for asyncio."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        try:
            signal = await asyncio.wait_for(signals.get(), max(0.0, deadline - loop.time()))
        except TimeoutError:
            return None
        if isinstance(signal, CallbackSignal):
            return signal
        wait.report(signal)


__all__ = [
    "ApprovalURLReady",
    "BrowserAnswered",
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
