"""The login flow as a library (`tmdb_auth.login`), sync and async, against the emulator.

Each test plays the user with the emulator's helpers (approve/deny/expire) or with a
scripted browser (tests/helpers/browser.py) that follows the redirect to the callback.
Poll intervals are short, so no test sleeps long.
"""

from __future__ import annotations

import asyncio
import socket
import sys
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.helpers.browser import answer_approval_page
from tests.helpers.leaks import assert_no_secret_in_error
from tmdb_auth import (
    AccessToken,
    APIError,
    AsyncTMDBAuth,
    AuthenticationError,
    ConfigurationError,
    InvalidRequestTokenError,
    NetworkError,
    RateLimitError,
    RequestTokenNotApprovedError,
    ServerError,
    ServiceUnavailableError,
    TMDBAuth,
    TMDBError,
)
from tmdb_auth._browser import unavailable_reason
from tmdb_auth.emulator import Emulator
from tmdb_auth.login import (
    ApprovalURLReady,
    BrowserAnswered,
    CallbackReceived,
    DenialNotConfirmed,
    Done,
    Fail,
    KeepWaiting,
    LoginDeniedError,
    LoginEvent,
    LoginExpiredError,
    LoginInterrupted,
    LoginRejectedError,
    NotApprovedYet,
    PollFailed,
    Waiting,
    async_login,
    decide_after_exchange,
    exchange_state,
    login,
)

FAST = 0.05  # seconds between polls in these tests


def sync_auth(emulator: Emulator) -> TMDBAuth:
    return TMDBAuth(emulator.read_token, base_url=emulator.base_url, site_url=emulator.base_url)


def async_auth(emulator: Emulator) -> AsyncTMDBAuth:
    return AsyncTMDBAuth(emulator.read_token, base_url=emulator.base_url, site_url=emulator.base_url)


def run_login(mode: str, emulator: Emulator, **options: Any) -> AccessToken:
    """`login` or `async_login` against the emulator with the given options; the callback is served
    (most tests here exercise it) unless `callback` says otherwise."""
    options.setdefault("open_browser", False)
    options.setdefault("callback", True)
    options.setdefault("poll_interval", FAST)
    if mode == "sync":
        with sync_auth(emulator) as auth:
            return login(auth, **options)

    async def run() -> AccessToken:
        async with async_auth(emulator) as auth:
            return await async_login(auth, **options)

    return asyncio.run(run())


def request_token_of(approval_url: str) -> str:
    return parse_qs(urlsplit(approval_url).query)["request_token"][0]


def port_is_closed(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) != 0


def exchanges(emulator: Emulator) -> int:
    return sum(1 for seen in emulator.requests if seen.method == "POST" and seen.path == "/4/auth/access_token")


modes = pytest.mark.parametrize("mode", ["sync", "async"])


class Recorder:
    """A progress callback that records events and runs `on` for the first event of a type."""

    def __init__(self, on: dict[type[Any], Callable[[Any], None]] | None = None) -> None:
        self.events: list[LoginEvent] = []
        self._on = dict(on or {})

    def __call__(self, event: LoginEvent) -> None:
        self.events.append(event)
        action = self._on.pop(type(event), None)
        if action is not None:
            action(event)

    @property
    def flow(self) -> list[LoginEvent]:
        """The events but the browser's answer, which comes whenever the opener returns."""
        return [event for event in self.events if not isinstance(event, BrowserAnswered)]

    def kinds(self) -> list[str]:
        return [type(event).__name__ for event in self.flow]

    @property
    def approval_url(self) -> str:
        first = self.events[0]
        assert isinstance(first, ApprovalURLReady)
        return first.approval_url


def approve_noting_redirect(
    emulator: Emulator, recorder: Recorder, redirects: list[str | None]
) -> Callable[[object], None]:
    """A progress handler playing the user elsewhere: approves the login's request token, after noting its
    redirect_to in `redirects`."""

    def approve(_: object) -> None:
        request_token = request_token_of(recorder.approval_url)
        record = emulator.state.request_token_record(request_token)
        assert record is not None
        redirects.append(record.redirect_to)
        emulator.approve(request_token)

    return approve


@modes
def test_headless_login_by_polling(tmdb_emulator: Emulator, mode: str) -> None:
    """No browser: the user approves elsewhere; polling notices (after at least one 'not yet'). No callback is
    served: the request token has no redirect_to, which another device could not load."""
    recorder = Recorder()
    redirects: list[str | None] = []
    approve = approve_noting_redirect(tmdb_emulator, recorder, redirects)
    recorder._on[NotApprovedYet] = approve
    token = run_login(mode, tmdb_emulator, on_progress=recorder, callback=None)
    assert redirects == [None]
    assert token.account_id == tmdb_emulator.account_id
    assert token.access_token in tmdb_emulator.state.access_tokens
    assert token.scopes == ("api_read", "api_write")
    kinds = recorder.kinds()
    assert kinds[:3] == ["ApprovalURLReady", "Waiting", "NotApprovedYet"]
    assert "CallbackReceived" not in kinds
    first = recorder.events[0]
    assert isinstance(first, ApprovalURLReady)
    assert first.browser is False
    assert first.expires_at is not None
    assert 800 < first.seconds_left <= 900
    assert first.approval_url.startswith(f"{tmdb_emulator.base_url}/auth/access?request_token=")
    waiting = recorder.events[1]
    assert isinstance(waiting, Waiting)
    assert waiting.poll_interval == FAST
    assert exchanges(tmdb_emulator) >= 2  # at least one 'not yet', then the successful one


@modes
def test_login_through_the_browser_callback(tmdb_emulator: Emulator, mode: str) -> None:
    """The browser approves and lands on the callback: the login ends without waiting for a poll."""
    pages: list[httpx.Response] = []

    def browser(url: str) -> None:
        pages.append(answer_approval_page(url, approve=True))

    recorder = Recorder()
    started = time.monotonic()
    token = run_login(mode, tmdb_emulator, open_browser=browser, on_progress=recorder, poll_interval=30, timeout=20)
    assert time.monotonic() - started < 10  # the poll interval (30 s) was never waited out
    assert token.account_id == tmdb_emulator.account_id
    assert recorder.kinds() == ["ApprovalURLReady", "Waiting", "CallbackReceived"]
    assert recorder.flow[2] == CallbackReceived(denied=False)
    first = recorder.events[0]
    assert isinstance(first, ApprovalURLReady)
    assert first.browser is True
    assert exchanges(tmdb_emulator) == 1  # exchanged once, on the callback
    for _ in range(100):  # the browser thread finishes reading the page
        if pages:
            break
        time.sleep(0.02)
    (page,) = pages
    assert page.status_code == 200
    assert "close this tab" in page.text
    assert page.url.host == "127.0.0.1"
    assert page.headers["referrer-policy"] == "no-referrer"


@modes
def test_denied_in_the_browser(tmdb_emulator: Emulator, mode: str) -> None:
    def browser(url: str) -> None:
        answer_approval_page(url, approve=False)

    recorder = Recorder()
    with pytest.raises(LoginDeniedError, match="start the login again") as caught:
        run_login(mode, tmdb_emulator, open_browser=browser, on_progress=recorder, poll_interval=30, timeout=20)
    assert recorder.flow[-1] == CallbackReceived(denied=True)
    assert exchanges(tmdb_emulator) == 1  # one exchange: TMDB confirmed the denial (code 33)
    assert_no_secret_in_error(caught.value)


def forge_denial(emulator: Emulator, approval_url: str) -> int:
    """What any local process can do: read the callback URL (the request token's redirect_to, visible in
    the approval URL's JWT and in the browser's command line) and request it with ``denied=true``."""
    record = emulator.state.request_token_record(request_token_of(approval_url))
    assert record is not None
    assert record.redirect_to is not None
    return httpx.get(record.redirect_to + "?denied=true", timeout=5).status_code


@modes
def test_a_forged_denial_does_not_end_the_login(tmdb_emulator: Emulator, mode: str) -> None:
    """The token still waits for approval: TMDB answers 41 to the one exchange, so the wait goes on."""
    recorder = Recorder()
    recorder._on[DenialNotConfirmed] = lambda _: answer_approval_page(recorder.approval_url, approve=True)
    token = run_login(
        mode,
        tmdb_emulator,
        open_browser=lambda url: forge_denial(tmdb_emulator, url),
        on_progress=recorder,
        poll_interval=30,  # only the callback's requests drive this login
        timeout=20,
    )
    assert token.account_id == tmdb_emulator.account_id
    forged, unconfirmed, approved = recorder.flow[2:]
    assert forged == CallbackReceived(denied=True)
    assert isinstance(unconfirmed, DenialNotConfirmed)
    assert approved == CallbackReceived(denied=False)
    assert exchanges(tmdb_emulator) == 2  # the denial's check (41), then the approval's


@modes
def test_a_forged_denial_of_an_approved_token_logs_in(tmdb_emulator: Emulator, mode: str) -> None:
    """The user approved, but a forged denial reached the callback first: the one exchange that checks it
    succeeds, so the login succeeds with that token (it is never left live and unheld)."""

    def approve_then_forge(url: str) -> None:
        tmdb_emulator.approve(request_token_of(url))
        forge_denial(tmdb_emulator, url)

    recorder = Recorder()
    token = run_login(
        mode, tmdb_emulator, open_browser=approve_then_forge, on_progress=recorder, poll_interval=30, timeout=20
    )
    assert token.access_token in tmdb_emulator.state.access_tokens
    assert recorder.kinds() == ["ApprovalURLReady", "Waiting", "CallbackReceived"]
    assert exchanges(tmdb_emulator) == 1


@modes
def test_denied_without_a_browser_ends_at_the_next_poll(tmdb_emulator: Emulator, mode: str) -> None:
    recorder = Recorder()
    recorder._on[Waiting] = lambda _: tmdb_emulator.deny(request_token_of(recorder.approval_url))
    with pytest.raises(LoginRejectedError, match="start the login again") as caught:
        run_login(mode, tmdb_emulator, on_progress=recorder)
    assert isinstance(caught.value, InvalidRequestTokenError)  # still catchable as the facade's error
    assert caught.value.tmdb_code == 33
    assert_no_secret_in_error(caught.value)


@modes
def test_expired_token_ends_the_wait(tmdb_emulator: Emulator, mode: str) -> None:
    tmdb_emulator.set_request_token_lifetime(1.5)
    started = time.monotonic()
    with pytest.raises(LoginExpiredError, match="expired before it was approved; start the login again"):
        run_login(mode, tmdb_emulator)
    assert time.monotonic() - started < 5


@modes
def test_expired_at_the_emulator_is_rejected(tmdb_emulator: Emulator, mode: str) -> None:
    recorder = Recorder()
    recorder._on[Waiting] = lambda _: tmdb_emulator.expire(request_token_of(recorder.approval_url))
    with pytest.raises(LoginRejectedError):
        run_login(mode, tmdb_emulator, on_progress=recorder)


@modes
def test_timeout_gives_up(tmdb_emulator: Emulator, mode: str) -> None:
    started = time.monotonic()
    with pytest.raises(LoginExpiredError, match=r"Gave up waiting for approval after 0\.3 seconds"):
        run_login(mode, tmdb_emulator, timeout=0.3)
    assert time.monotonic() - started < 3


@modes
def test_stray_requests_do_not_end_the_wait(tmdb_emulator: Emulator, mode: str) -> None:
    """favicon, a wrong path, another method and garbage reach the callback port; then the real return."""
    statuses: list[int] = []

    def browser(url: str) -> None:
        base = f"http://127.0.0.1:{callback_port_of(tmdb_emulator, url)}"
        with httpx.Client(timeout=5) as client:
            statuses.append(client.get(f"{base}/favicon.ico").status_code)
            statuses.append(client.get(f"{base}/wrong-path?denied=true").status_code)
            statuses.append(client.post(f"{base}/").status_code)
        with socket.create_connection(("127.0.0.1", int(base.rsplit(":", 1)[1])), timeout=5) as raw:
            raw.sendall(b"\x16\x03\x01 not http at all\r\n\r\n")
            statuses.append(int(raw.recv(100).split(b" ")[1]))
        time.sleep(0.2)  # the login is still waiting
        answer_approval_page(url, approve=True)

    recorder = Recorder()
    token = run_login(mode, tmdb_emulator, open_browser=browser, on_progress=recorder, poll_interval=30, timeout=20)
    assert token.account_id == tmdb_emulator.account_id
    assert statuses == [404, 404, 405, 400]
    assert recorder.kinds() == ["ApprovalURLReady", "Waiting", "CallbackReceived"]


def callback_port_of(emulator: Emulator, approval_url: str) -> int:
    """The callback's port, from the redirect_to the emulator recorded for the request token."""
    record = emulator.state.request_token_record(request_token_of(approval_url))
    assert record is not None
    assert record.redirect_to is not None
    parts = urlsplit(record.redirect_to)
    assert parts.hostname == "127.0.0.1"
    assert len(parts.path) > 20  # an unguessable path
    assert parts.port is not None
    return parts.port


@modes
def test_interrupt_closes_the_callback_and_spends_nothing(tmdb_emulator: Emulator, mode: str) -> None:
    """Ctrl-C (KeyboardInterrupt) while waiting: the port is closed and the token was never exchanged."""
    ports: list[int] = []

    def interrupt(event: ApprovalURLReady) -> None:
        ports.append(callback_port_of(tmdb_emulator, event.approval_url))
        tmdb_emulator.approve(request_token_of(event.approval_url))  # approved: an exchange would spend it
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt) as caught:
        run_login(mode, tmdb_emulator, on_progress=Recorder({ApprovalURLReady: interrupt}))
    assert port_is_closed(ports[0])
    assert exchanges(tmdb_emulator) == 0
    if mode == "sync":
        assert isinstance(caught.value, LoginInterrupted)
        assert (caught.value.exchange, caught.value.token) == ("none", None)


class InterruptedExchange(TMDBAuth):
    """Ctrl-C arrives while the exchange waits for TMDB's answer (the request went out)."""

    def create_access_token(self, request_token: Any) -> AccessToken:
        raise KeyboardInterrupt


def test_ctrl_c_during_the_exchange_says_it_may_have_been_processed(tmdb_emulator: Emulator) -> None:
    recorder = Recorder()
    recorder._on[Waiting] = lambda _: tmdb_emulator.approve(request_token_of(recorder.approval_url))
    auth = InterruptedExchange(tmdb_emulator.read_token, base_url=tmdb_emulator.base_url)
    with auth, pytest.raises(LoginInterrupted) as caught:
        login(auth, open_browser=False, poll_interval=FAST, on_progress=recorder)
    assert (caught.value.exchange, caught.value.token) == ("uncertain", None)


def test_ctrl_c_right_after_the_exchange_hands_over_the_token(
    tmdb_emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """TMDB answered with the access token and Ctrl-C comes before login returns: the token is not lost."""

    def interrupted(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    recorder = Recorder()
    recorder._on[Waiting] = lambda _: tmdb_emulator.approve(request_token_of(recorder.approval_url))
    monkeypatch.setattr("tmdb_auth.login.decide_after_exchange", interrupted)
    with pytest.raises(LoginInterrupted) as caught:
        run_login("sync", tmdb_emulator, on_progress=recorder)
    assert caught.value.exchange == "issued"
    assert caught.value.token is not None
    assert caught.value.token.access_token in tmdb_emulator.state.access_tokens
    assert caught.value.token.access_token not in repr(caught.value) + str(caught.value)


SIGINT_TO_ANOTHER_THREAD = """
import signal, sys, threading, time
from tmdb_auth import TMDBAuth
from tmdb_auth.login import login

def interrupt_the_callback_thread():
    while True:
        callback = next((t for t in threading.enumerate() if t.name == "tmdb-auth-callback"), None)
        if callback is not None:
            break
        time.sleep(0.01)
    time.sleep(0.3)  # the main thread is now blocked waiting for the callback (poll interval 60 s)
    started[0] = time.monotonic()
    signal.pthread_kill(callback.ident, signal.SIGINT)  # the kernel may pick this thread for a Ctrl-C

started = [0.0]
threading.Thread(target=interrupt_the_callback_thread, daemon=True).start()
with TMDBAuth(sys.argv[1], base_url=sys.argv[2], site_url=sys.argv[2]) as auth:
    try:
        login(auth, open_browser=False, poll_interval=60, callback=True)
    except KeyboardInterrupt:
        print(f"interrupted after {time.monotonic() - started[0]:.2f} s")
"""


@pytest.mark.slow
def test_ctrl_c_delivered_to_another_thread_still_ends_the_wait_at_once(tmdb_emulator: Emulator) -> None:
    """A process-directed SIGINT may land in the callback server's thread, not the waiting main thread."""
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", SIGINT_TO_ANOTHER_THREAD, tmdb_emulator.read_token, tmdb_emulator.base_url],
        capture_output=True,
        text=True,
        timeout=50,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    seconds = float(result.stdout.split()[2])
    assert seconds < 5, f"Ctrl-C took {seconds} s to end a wait whose poll interval is 60 s"
    assert exchanges(tmdb_emulator) == 0


def test_cancelling_async_login_closes_the_callback_and_spends_nothing(tmdb_emulator: Emulator) -> None:
    ports: list[int] = []

    async def scenario() -> None:
        ready = asyncio.Event()

        def on_progress(event: LoginEvent) -> None:
            if isinstance(event, ApprovalURLReady):
                ports.append(callback_port_of(tmdb_emulator, event.approval_url))
                tmdb_emulator.approve(request_token_of(event.approval_url))
                ready.set()

        async with async_auth(tmdb_emulator) as auth:
            task = asyncio.create_task(
                async_login(auth, open_browser=False, on_progress=on_progress, poll_interval=30, callback=True)
            )
            await ready.wait()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

    asyncio.run(scenario())
    assert port_is_closed(ports[0])
    assert exchanges(tmdb_emulator) == 0


def test_a_fixed_port(tmdb_emulator: Emulator) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    recorder = Recorder()
    recorder._on[Waiting] = lambda _: tmdb_emulator.approve(request_token_of(recorder.approval_url))
    token = run_login("sync", tmdb_emulator, port=free, on_progress=recorder)
    assert token.account_id == tmdb_emulator.account_id
    assert port_is_closed(free)


def test_a_busy_port_is_a_configuration_error(tmdb_emulator: Emulator) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        with pytest.raises(ConfigurationError, match=r"cannot listen on 127\.0\.0\.1"):
            run_login("sync", tmdb_emulator, port=busy.getsockname()[1])
    assert exchanges(tmdb_emulator) == 0


@pytest.mark.parametrize(
    "options",
    [{"poll_interval": 0}, {"poll_interval": -1}, {"timeout": 0}, {"port": 70000}, {"port": "80"}],
)
def test_bad_options(tmdb_emulator: Emulator, options: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError):
        run_login("sync", tmdb_emulator, **options)
    assert tmdb_emulator.requests == []  # refused before any request


def test_the_default_browser_is_opened_without_blocking(
    tmdb_emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """webbrowser.open may block until a $BROWSER command exits: the wait goes on meanwhile."""
    opened: list[str] = []
    release = threading.Event()

    def blocking_open(url: str) -> bool:
        opened.append(url)
        release.wait(10)
        return True

    monkeypatch.setattr("webbrowser.open", blocking_open)
    monkeypatch.setattr("tmdb_auth._browser.unavailable_reason", lambda environ: None)  # a display, whatever CI has
    monkeypatch.setattr("tmdb_auth._browser.missing_browser", lambda environ: None)
    recorder = Recorder()
    recorder._on[NotApprovedYet] = lambda _: tmdb_emulator.approve(request_token_of(recorder.approval_url))
    try:
        token = run_login("sync", tmdb_emulator, open_browser=True, on_progress=recorder)
    finally:
        release.set()
    assert token.account_id == tmdb_emulator.account_id
    assert opened == [recorder.approval_url]


# --- whether a browser is opened, and what it said ------------------------------------------------


@pytest.mark.parametrize(
    ("environ", "platform", "reason"),
    [
        ({}, "linux", "there is no display here (neither DISPLAY nor WAYLAND_DISPLAY is set)"),
        ({"DISPLAY": ":0"}, "linux", None),
        ({"WAYLAND_DISPLAY": "wayland-0"}, "freebsd13", None),
        ({}, "openbsd7", "there is no display here (neither DISPLAY nor WAYLAND_DISPLAY is set)"),
        ({}, "darwin", None),  # macOS and Windows open their browser without an X display
        ({}, "win32", None),
        ({"DISPLAY": ":0", "SSH_CONNECTION": "192.0.2.1 50000 192.0.2.2 22"}, "linux", "SSH_CONNECTION is set"),
        ({"SSH_TTY": "/dev/pts/3"}, "darwin", "SSH_TTY is set"),
        ({"BROWSER": "lynx"}, "linux", None),  # an explicit choice (a terminal browser) is tried
        ({"BROWSER": "w3m %s", "SSH_CONNECTION": "192.0.2.1 50000 192.0.2.2 22"}, "linux", None),
    ],
)
def test_where_a_browser_can_be_shown(environ: dict[str, str], platform: str, reason: str | None) -> None:
    found = unavailable_reason(environ, platform)
    if reason is None:
        assert found is None
    else:
        assert found is not None
        assert reason in found


def no_terminal(monkeypatch: pytest.MonkeyPatch, **values: str) -> list[str]:
    """`values` set among what decides the browser (tests/conftest.py has removed the rest); `webbrowser.open`
    recorded (and answering True): the URLs it was asked to open."""
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    opened: list[str] = []
    monkeypatch.setattr("webbrowser.open", lambda url: opened.append(url) is None)
    return opened


@pytest.mark.parametrize(
    ("values", "why"),
    [({}, "no display"), ({"DISPLAY": ":0", "SSH_CONNECTION": "192.0.2.1 50000 192.0.2.2 22"}, "SSH session")],
    ids=["no-display", "ssh"],
)
def test_no_browser_where_none_can_be_shown_and_no_callback(
    tmdb_emulator: Emulator, monkeypatch: pytest.MonkeyPatch, values: dict[str, str], why: str
) -> None:
    """open_browser=True on a machine without a display or over SSH: no browser attempt, and the request
    token has no redirect_to (the user approves on another device, which could not load a loopback page)."""
    if not sys.platform.startswith("linux"):
        pytest.skip("the display rule is for Linux and the BSDs")
    opened = no_terminal(monkeypatch, **values)
    recorder = Recorder()
    redirects: list[str | None] = []
    approve = approve_noting_redirect(tmdb_emulator, recorder, redirects)
    recorder._on[Waiting] = approve
    token = run_login("sync", tmdb_emulator, open_browser=True, callback=None, on_progress=recorder)
    assert token.account_id == tmdb_emulator.account_id
    first = recorder.events[0]
    assert isinstance(first, ApprovalURLReady)
    assert (first.browser, opened, redirects) == (False, [], [None])
    assert first.no_browser is not None
    assert why in first.no_browser
    assert not any(isinstance(event, BrowserAnswered) for event in recorder.events)


def test_an_explicit_browser_is_tried_without_a_display(
    tmdb_emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened = no_terminal(monkeypatch, BROWSER="w3m %s")
    recorder = Recorder()
    recorder._on[Waiting] = lambda _: tmdb_emulator.approve(request_token_of(recorder.approval_url))
    run_login("sync", tmdb_emulator, open_browser=True, callback=None, on_progress=recorder)
    first = recorder.events[0]
    assert isinstance(first, ApprovalURLReady)
    assert (first.browser, first.no_browser) == (True, None)
    assert opened == [recorder.approval_url]
    record = tmdb_emulator.state.request_token_record(request_token_of(recorder.approval_url))
    assert record is not None
    assert record.redirect_to is not None  # a browser here comes back to the callback
    assert record.redirect_to.startswith("http://127.0.0.1:")


def failing_browser(url: str) -> bool:
    raise OSError("no such browser")


@modes
@pytest.mark.parametrize(
    ("opener", "opened"),
    [(lambda url: False, False), (failing_browser, False), (lambda url: None, True), (lambda url: True, True)],
    ids=["false", "raises", "none", "true"],
)
def test_what_the_browser_said_is_reported(
    tmdb_emulator: Emulator, mode: str, opener: Callable[[str], object], opened: bool
) -> None:
    """The opener's answer comes as BrowserAnswered, in the waiting thread, without ending the wait."""
    recorder = Recorder()
    with pytest.raises(LoginExpiredError):
        run_login(mode, tmdb_emulator, open_browser=opener, on_progress=recorder, poll_interval=0.1, timeout=0.6)
    answers = [event for event in recorder.events if isinstance(event, BrowserAnswered)]
    assert answers == [BrowserAnswered(opened)]
    assert recorder.kinds()[:2] == ["ApprovalURLReady", "Waiting"]


def test_events_never_show_the_request_token(tmdb_emulator: Emulator) -> None:
    recorder = Recorder()
    recorder._on[NotApprovedYet] = lambda _: tmdb_emulator.approve(request_token_of(recorder.approval_url))
    run_login("sync", tmdb_emulator, on_progress=recorder)
    secret = request_token_of(recorder.approval_url)
    for event in recorder.events:
        assert secret not in repr(event)
        assert secret not in str(event)


# --- the pure decisions shared by login and async_login -----------------------------------------


def api_error(kind: type[APIError], status: int, code: int | None = None) -> APIError:
    return kind("TMDB said no", http_status=status, tmdb_code=code)


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [
        (AccessToken(access_token="t", account_id="a"), Done),
        (api_error(RequestTokenNotApprovedError, 422, 41), KeepWaiting),
        (api_error(RateLimitError, 429, 25), KeepWaiting),
        (api_error(ServiceUnavailableError, 503, 9), KeepWaiting),
        (NetworkError("no route", request_sent=False), KeepWaiting),
        (NetworkError("reset mid-request", request_sent=True), Fail),  # the token may be spent: stop
        (api_error(InvalidRequestTokenError, 401, 33), Fail),
        (api_error(AuthenticationError, 401, 7), Fail),
        (api_error(ServerError, 500), Fail),
    ],
)
def test_decide_after_exchange(outcome: AccessToken | TMDBError, expected: type[Any]) -> None:
    decision = decide_after_exchange(outcome, seconds_left=42.0)
    assert isinstance(decision, expected)
    if isinstance(decision, KeepWaiting):
        assert decision.event.seconds_left == 42.0  # type: ignore[union-attr]
        wanted = NotApprovedYet if isinstance(outcome, RequestTokenNotApprovedError) else PollFailed
        assert isinstance(decision.event, wanted)
    if isinstance(decision, Fail) and isinstance(outcome, InvalidRequestTokenError):
        assert isinstance(decision.error, LoginRejectedError)
        assert decision.error.tmdb_code == 33
    elif isinstance(decision, Fail):
        assert decision.error is outcome


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [
        (AccessToken(access_token="t", account_id="a"), Done),  # approved after all: logged in
        (api_error(RequestTokenNotApprovedError, 422, 41), DenialNotConfirmed),  # not TMDB's denial
        (api_error(InvalidRequestTokenError, 401, 33), LoginDeniedError),  # confirmed
        (api_error(RateLimitError, 429, 25), PollFailed),  # not checked yet: the next poll will tell
        (api_error(ServerError, 500), ServerError),
    ],
)
def test_decide_after_exchange_checking_a_denial(outcome: AccessToken | TMDBError, expected: type[Any]) -> None:
    decision = decide_after_exchange(outcome, seconds_left=42.0, denial=True)
    if isinstance(decision, Done):
        assert expected is Done
    elif isinstance(decision, KeepWaiting):
        assert isinstance(decision.event, expected)
    else:
        assert isinstance(decision.error, expected)


@pytest.mark.parametrize(
    ("outcome", "state"),
    [
        (AccessToken(access_token="t", account_id="a"), "issued"),
        (api_error(RequestTokenNotApprovedError, 422, 41), "none"),
        (api_error(InvalidRequestTokenError, 401, 33), "none"),
        (api_error(RateLimitError, 429, 25), "none"),
        (NetworkError("no route", request_sent=False), "none"),
        (NetworkError("reset mid-request", request_sent=True), "uncertain"),
        (api_error(ServerError, 502), "uncertain"),
    ],
)
def test_exchange_state(outcome: AccessToken | TMDBError, state: str) -> None:
    assert exchange_state(outcome) == state


def test_deadline_says_what_ended_the_wait() -> None:
    from datetime import UTC, datetime, timedelta

    from tmdb_auth.login import Deadline

    now = datetime(2026, 1, 1, tzinfo=UTC)
    in_two = now + timedelta(seconds=2)
    by_expiry = Deadline.start(in_two, 10, now=100.0, wall_now=now)
    assert by_expiry.seconds_left(100.5) == 1.5
    assert "expired before it was approved" in str(by_expiry.expired_error())
    by_timeout = Deadline.start(in_two, 0.5, now=100.0, wall_now=now)
    assert by_timeout.seconds_left(100.0) == 0.5
    assert "Gave up waiting for approval after 0.5 seconds" in str(by_timeout.expired_error())
    unknown = Deadline.start(None, None, now=0.0, wall_now=now)
    assert unknown.seconds_left(0.0) == 15 * 60  # TMDB's documented lifetime when the token does not say
    assert Deadline.start(now - timedelta(seconds=5), None, now=0.0, wall_now=now).seconds_left(0.0) == 0
