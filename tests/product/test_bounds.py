"""Issue 12's bounds, sync and async:

- one attempt ends by ``attempt_timeout`` as a whole (pool wait, connect, send, every interim
  response, headers and body), whatever the server does; the error says truthfully whether
  the request may have been sent, so a one-time token is never spent twice by a retry;
- one call ends within ``max_call_seconds`` (attempts plus retry waits);
- options that would make a bound infinite, NaN or negative are a ConfigurationError;
- memory stays flat against 1 GiB bodies (declared and chunked) and a 256 MiB gzip bomb.

Calls run in a worker thread joined with a bound, so a call that never ends fails the test
instead of hanging the suite. Every elapsed-time check is a safety net at 5 x the bound.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from tests.helpers.bounded import Outcome, run_bounded
from tests.helpers.clock import FakeClock
from tests.helpers.hostile import HostileServer, gzip_bomb
from tests.helpers.leaks import assert_no_secret_in_error
from tests.helpers.loopback import LoopbackServer, Reply, hanging_connect
from tests.helpers.tokens import ACCESS_TOKEN, READ_TOKEN, REQUEST_TOKEN, request_token_success
from tmdb_auth import (
    AsyncTMDBAuth,
    ConfigurationError,
    RequestTimeoutError,
    ResponseFormatError,
    ResponseTooLargeError,
    ServiceUnavailableError,
    TMDBAuth,
)
from tmdb_auth._retry import INITIAL_BACKOFF, JITTER, MAX_BACKOFF
from tmdb_auth._transport import _DEADLINE

FLAVOURS = ["sync", "async"]
ARGUMENTS = {"create_request_token": (), "create_access_token": (REQUEST_TOKEN,), "logout": (ACCESS_TOKEN,)}
ATTEMPT = 0.4
"""attempt_timeout in the time tests; every socket operation alone may take far longer (LONG)."""
LONG = httpx.Timeout(3.0)
SAFETY = 5
"""Elapsed-time checks allow this many times the bound (a loaded 2-core CI machine)."""
MEMORY_CEILING = 16 * 1024 * 1024


def client(flavour: str, **options: Any) -> TMDBAuth | AsyncTMDBAuth:
    options.setdefault("read_access_token", READ_TOKEN)
    if flavour == "sync":
        return TMDBAuth(**options)
    return AsyncTMDBAuth(**options)


@contextlib.contextmanager
def built(flavour: str, **options: Any) -> Iterator[TMDBAuth | AsyncTMDBAuth]:
    """A client of `flavour`, to inspect its settings; closed afterwards."""
    auth = client(flavour, **options)
    try:
        yield auth
    finally:
        if isinstance(auth, TMDBAuth):
            auth.close()
        else:
            asyncio.run(auth.aclose())


def call(flavour: str, operation: str, clock: FakeClock | None = None, **options: Any) -> Any:
    """One operation on a fresh client of `flavour`; retry waits go to `clock` when given."""
    if clock is not None:
        options["sleep"] = clock.sleep if flavour == "sync" else clock.async_sleep
    auth = client(flavour, **options)
    if isinstance(auth, TMDBAuth):
        with auth:
            return getattr(auth, operation)(*ARGUMENTS[operation])

    async def run() -> Any:
        async with auth:
            return await getattr(auth, operation)(*ARGUMENTS[operation])

    return asyncio.run(run())


def bounded(work: Callable[[], Any], bound: float, *, trace_memory: bool = False) -> Outcome:
    """Run `work` with `run_bounded`; the test fails if it is still running after `bound` seconds."""
    outcome = run_bounded(work, bound, trace_memory=trace_memory)
    assert outcome.finished, f"still running after {outcome.elapsed:.1f} s (bound {bound:g} s)"
    return outcome


# --- one attempt, bounded as a whole ------------------------------------------------------------


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize("mode", ["endless_1xx", "header_trickle", "stall_after_headers", "drip"])
def test_an_attempt_ends_by_attempt_timeout_whatever_the_server_sends(flavour: str, mode: str) -> None:
    """Each byte or 102 arrives well within every socket timeout; the attempt still ends at its deadline.

    The exchange is not retried (the request token may be spent), though retries are allowed.
    """
    with HostileServer(mode, interval=0.05) as hostile:
        outcome = bounded(
            lambda: call(
                flavour, "create_access_token", FakeClock(), base_url=hostile.url, timeout=LONG, attempt_timeout=ATTEMPT
            ),
            SAFETY * ATTEMPT,
        )
        assert isinstance(outcome.error, RequestTimeoutError), repr(outcome.error)
        assert "attempt_timeout (0.4 s)" in str(outcome.error)
        assert outcome.error.request_sent is True
        assert len(hostile.received) == 1, "an exchange that may have run is never sent again"
    assert_no_secret_in_error(outcome.error)


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_timeout_alone_bounds_an_attempt(flavour: str) -> None:
    """attempt_timeout defaults to the longest timeout part: endless 102s end at `timeout`."""
    with built(flavour, timeout=httpx.Timeout(0.2, read=ATTEMPT)) as auth:
        assert auth._settings.attempt_timeout == ATTEMPT
    with HostileServer("endless_1xx", interval=0.05) as hostile:
        outcome = bounded(
            lambda: call(flavour, "create_request_token", base_url=hostile.url, timeout=ATTEMPT, max_retries=0),
            SAFETY * ATTEMPT,
        )
    assert isinstance(outcome.error, RequestTimeoutError), repr(outcome.error)


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_a_hanging_connect_ends_by_attempt_timeout_as_not_sent_and_is_retried(flavour: str) -> None:
    clock = FakeClock()
    with hanging_connect() as url:
        outcome = bounded(
            lambda: call(
                flavour,
                "create_access_token",
                clock,
                base_url=url,
                timeout=LONG,
                attempt_timeout=ATTEMPT,
                max_retries=1,
            ),
            SAFETY * 2 * ATTEMPT,
        )
    assert isinstance(outcome.error, RequestTimeoutError), repr(outcome.error)
    assert outcome.error.request_sent is False, "nothing was sent: the exchange may be retried"
    assert "before the request was sent" in str(outcome.error)
    assert len(clock) == 1, "retried once"


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_the_wait_for_a_connection_ends_by_attempt_timeout_as_not_sent(flavour: str) -> None:
    """The pool's one connection is held past the call's deadline (a request with a far deadline, through
    the facade's own httpx client): the call's pool wait, though its pool timeout is long, ends at its deadline."""
    with HostileServer("stall_after_headers") as hostile:
        options = {
            "base_url": hostile.url,
            "timeout": LONG,
            "attempt_timeout": ATTEMPT,
            "max_retries": 0,
            "client_options": {"limits": httpx.Limits(max_connections=1)},
        }
        holding = {"extensions": {_DEADLINE: time.monotonic() + 10 * ATTEMPT}}

        def call_while_the_connection_is_held() -> BaseException | None:
            auth = client(flavour, **options)
            if isinstance(auth, TMDBAuth):
                with auth:
                    holder = threading.Thread(target=lambda: _quietly(auth._http.post, "/held", **holding))
                    holder.start()
                    _wait_for(lambda: len(hostile.received) == 1)
                    try:
                        auth.create_access_token(REQUEST_TOKEN)
                    except Exception as error:
                        return error
                    finally:
                        hostile.close()
                        holder.join(5)
                return None

            async def run() -> BaseException | None:
                async with auth:
                    holder = asyncio.ensure_future(auth._http.post("/held", **holding))
                    while len(hostile.received) < 1:
                        await asyncio.sleep(0.01)
                    try:
                        await auth.create_access_token(REQUEST_TOKEN)
                    except Exception as error:
                        return error
                    finally:
                        holder.cancel()
                        await asyncio.gather(holder, return_exceptions=True)
                return None

            return asyncio.run(run())

        outcome = bounded(call_while_the_connection_is_held, SAFETY * ATTEMPT)
        assert isinstance(outcome.result, RequestTimeoutError), repr(outcome.result or outcome.error)
        assert outcome.result.request_sent is False
        assert "before the request was sent" in str(outcome.result)
        assert [request.path for request in hostile.received] == ["/held"], "only the held request reached the server"


def _quietly(send: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    with contextlib.suppress(httpx.HTTPError):
        send(*args, **kwargs)


def _wait_for(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 5
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.01)


@pytest.mark.parametrize("flavour", ["sync", "async"])
@pytest.mark.parametrize("mode", ["endless_1xx", "header_trickle"])
def test_a_proxy_is_held_to_the_attempt_deadline(flavour: str, mode: str) -> None:
    with HostileServer(mode, interval=0.05) as proxy:
        outcome = bounded(
            lambda: call(
                flavour,
                "create_access_token",
                base_url="http://api.tmdb.example",
                allow_insecure_http=True,
                timeout=LONG,
                attempt_timeout=ATTEMPT,
                client_options={"proxy": proxy.url},
            ),
            SAFETY * ATTEMPT,
        )
        assert isinstance(outcome.error, RequestTimeoutError), repr(outcome.error)
        assert outcome.error.request_sent is True
        assert proxy.received[0].path == "http://api.tmdb.example/4/auth/access_token"


# --- one call, bounded as a whole ----------------------------------------------------------------


def test_max_call_seconds_is_attempts_plus_the_longest_waits() -> None:
    assert TMDBAuth(READ_TOKEN).max_call_seconds == 3 * 10 + 2 * 30  # the defaults
    assert TMDBAuth(READ_TOKEN, max_retries=0, timeout=5).max_call_seconds == 5
    # No Retry-After honoured: the backoff caps 0.5, 1, 2, 4, 8, 8 s, each plus 0.5 s of jitter.
    caps = [min(INITIAL_BACKOFF * 2**n, MAX_BACKOFF) + JITTER for n in range(6)]
    auth = AsyncTMDBAuth(READ_TOKEN, max_retries=6, max_retry_after=0, attempt_timeout=2)
    assert auth.max_call_seconds == pytest.approx(7 * 2 + sum(caps)) == pytest.approx(14 + 26.5)


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize("retry_after", ["2", None])
def test_a_server_that_always_fails_retryably_ends_within_max_call_seconds(
    flavour: str, retry_after: str | None, server: LoopbackServer
) -> None:
    headers = {} if retry_after is None else {"Retry-After": retry_after}
    server.default = Reply(503, {"success": False, "status_code": 46, "status_message": "maintenance"}, headers)
    clock = FakeClock()
    options = {"base_url": server.url, "max_retries": 4, "max_retry_after": 2, "timeout": 1.0}
    with built(flavour, **options) as auth:
        bound = auth.max_call_seconds
    outcome = bounded(lambda: call(flavour, "create_access_token", clock, **options), SAFETY * bound)
    assert isinstance(outcome.error, ServiceUnavailableError)
    assert len(server.received) == 5, "max_retries + 1 attempts"
    assert len(clock) == 4
    if retry_after is not None:
        assert clock == [2.0] * 4
    assert sum(clock) + 5 * 1.0 <= bound, "every wait within its term of the bound"
    assert sum(clock) + outcome.elapsed <= bound


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_attempts_that_each_run_to_their_deadline_end_within_max_call_seconds(flavour: str) -> None:
    """create_request_token retries timeouts: three attempts, each cut at attempt_timeout."""
    clock = FakeClock()
    with HostileServer("endless_1xx", interval=0.05) as hostile:
        # max_retry_after=0 keeps the bound tight: with the default (30 s per wait) it is 61.2 s.
        options = {"base_url": hostile.url, "timeout": ATTEMPT, "max_retries": 2, "max_retry_after": 0}
        with built(flavour, **options) as auth:
            bound = auth.max_call_seconds
        assert bound == pytest.approx(3 * ATTEMPT + (INITIAL_BACKOFF + JITTER) + (2 * INITIAL_BACKOFF + JITTER))
        outcome = bounded(lambda: call(flavour, "create_request_token", clock, **options), SAFETY * bound)
        assert isinstance(outcome.error, RequestTimeoutError), repr(outcome.error)
        assert len(hostile.received) == 3
    assert len(clock) == 2
    # The waits are the fake clock's (exact); the attempts are real time (a safety net only).
    assert sum(clock) <= bound - 3 * ATTEMPT, "every wait within its term of the bound"
    assert outcome.elapsed <= SAFETY * 3 * ATTEMPT, "three attempts, each cut at attempt_timeout"


# --- options that would unbind a bound -------------------------------------------------------------

INF, NAN = float("inf"), float("nan")
BAD_OPTIONS = [
    ({"max_retry_after": INF}, "max_retry_after"),
    ({"max_retry_after": NAN}, "max_retry_after"),
    ({"max_retry_after": -1}, "max_retry_after"),
    ({"max_retry_after": 1e300}, "max_retry_after"),
    ({"max_retry_after": True}, "max_retry_after"),
    ({"timeout": INF}, "timeout"),
    ({"timeout": NAN}, "timeout"),
    ({"timeout": -1}, "timeout"),
    ({"timeout": 1e12}, "timeout"),
    ({"timeout": httpx.Timeout(5, read=INF)}, r"timeout\.read"),
    ({"timeout": httpx.Timeout(5, connect=NAN)}, r"timeout\.connect"),
    ({"timeout": httpx.Timeout(5, write=0)}, r"timeout\.write"),
    ({"timeout": httpx.Timeout(5, pool=-1)}, r"timeout\.pool"),
    ({"timeout": httpx.Timeout(5, pool=None)}, r"timeout\.pool must be set"),
    ({"timeout": httpx.Timeout(None)}, "waiting forever"),
    ({"attempt_timeout": INF}, "attempt_timeout"),
    ({"attempt_timeout": NAN}, "attempt_timeout"),
    ({"attempt_timeout": 0}, "attempt_timeout"),
    ({"attempt_timeout": -1}, "attempt_timeout"),
    ({"attempt_timeout": 1e9}, "attempt_timeout"),
    ({"max_response_bytes": 0}, "max_response_bytes"),
    ({"max_response_bytes": -1}, "max_response_bytes"),
    ({"max_response_bytes": True}, "max_response_bytes"),
    ({"max_response_bytes": 2.0e6}, "max_response_bytes"),
    ({"max_retries": -1}, "max_retries"),
    ({"max_retries": True}, "max_retries"),
    ({"client_options": "x"}, "client_options must be a mapping"),
    ({"client_options": ["verify"]}, "client_options must be a mapping"),
    ({"client_options": ""}, "client_options must be a mapping"),
    ({"client_options": {"mounts": "x"}}, r'client_options\["mounts"\] must be a mapping'),
    ({"client_options": {"event_hooks": "x"}}, r'client_options\["event_hooks"\] must be a mapping'),
    ({"client_options": {"event_hooks": {"request": 5}}}, "must be a list of callables"),
]


@pytest.mark.parametrize("flavour", ["sync", "async"])
@pytest.mark.parametrize(("options", "message"), BAD_OPTIONS)
def test_options_that_would_unbind_a_bound_are_configuration_errors(
    flavour: str, options: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        client(flavour, **options)


def test_every_bound_is_finite_and_positive_for_accepted_options() -> None:
    with TMDBAuth(READ_TOKEN, timeout=httpx.Timeout(86400), max_retry_after=86400, max_retries=10) as auth:
        assert auth._settings.attempt_timeout == 86400
        assert auth.max_call_seconds == 11 * 86400 + 10 * 86400  # 11 attempts, 10 waits of max_retry_after


# --- memory --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def _bomb_built() -> None:
    """Build the cached gzip bomb once, outside any call's memory measurement."""
    gzip_bomb()


@pytest.mark.usefixtures("_bomb_built")
@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize("mode", ["huge_body", "huge_body_chunked", "gzip_bomb"])
def test_huge_bodies_and_a_gzip_bomb_end_as_too_large_with_flat_memory(flavour: str, mode: str) -> None:
    """1 GiB declared, 1 GiB+ chunked, ~260 KiB of gzip inflating to 256 MiB: cut at 1 MiB, memory flat."""
    with HostileServer(mode) as hostile:
        outcome = bounded(
            lambda: call(flavour, "create_request_token", base_url=hostile.url, max_retries=0),
            30,
            trace_memory=True,
        )
    assert isinstance(outcome.error, ResponseTooLargeError), repr(outcome.error)
    assert isinstance(outcome.error, ResponseFormatError)
    assert outcome.peak < MEMORY_CEILING, f"{outcome.peak / 2**20:.1f} MiB at peak"


def test_a_body_just_under_the_cap_is_read(server: LoopbackServer) -> None:
    """The cap is on the body after decoding, inclusive: a max_response_bytes answer is still read."""
    body = request_token_success()
    encoded = json.dumps(body).encode()
    server.reply(Reply(200, encoded + b" " * (2048 - len(encoded))))
    with TMDBAuth(READ_TOKEN, base_url=server.url, max_response_bytes=2048) as auth:
        assert auth.create_request_token().request_token == body["request_token"]
