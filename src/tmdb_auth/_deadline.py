"""The deadline of one attempt, and the httpcore network backends that hold every socket operation to it.

httpx's timeouts bound each socket operation, not an exchange: a server that sends its
status line a byte at a time, or ``102 Processing`` forever, answers every read in time
and never finishes. The shells start an attempt's clock (`start_attempt`) in a context
variable, visible to everything the attempt runs in the same thread (sync) or task
(async); the facade's own httpcore pools connect, read and write through `DeadlineBackend`
/ `AsyncDeadlineBackend`, which give each operation ``min(its timeout, time left)`` and
raise httpcore's timeout for that phase once the deadline has passed. So an attempt ends
by its deadline whatever the server does, and the error still says which phase it was in:
a connect (nothing sent) or a read or write (the request may have been sent).

Outside an attempt (no deadline set) the backends pass every timeout through unchanged.
They live in `_deadline_backends`, imported when a client is built: importing httpcore
up front would cost ``import tmdb_auth`` ~60 ms (``make bench``) that httpx itself defers.
"""

from __future__ import annotations

import time
from contextvars import ContextVar, Token

import httpx

_attempt: ContextVar[tuple[float, float] | None] = ContextVar("tmdb_auth_attempt", default=None)
"""(deadline on the monotonic clock, attempt_timeout) of the attempt running in this thread or task."""

# A timeout reported within this long before the deadline is the deadline's (timer granularity).
_SLACK = 0.001


def start_attempt(seconds: float) -> Token[tuple[float, float] | None]:
    """Start the clock of one attempt: connect, send and the whole response must fit in `seconds`."""
    return _attempt.set((time.monotonic() + seconds, seconds))


def end_attempt(token: Token[tuple[float, float] | None]) -> None:
    _attempt.reset(token)


def attempt_deadline() -> float | None:
    """The running attempt's deadline (monotonic clock), or None outside an attempt."""
    attempt = _attempt.get()
    return None if attempt is None else attempt[0]


def seconds_left() -> float | None:
    """Seconds until the running attempt's deadline (<= 0 once past), or None outside an attempt."""
    attempt = _attempt.get()
    return None if attempt is None else attempt[0] - time.monotonic()


def expired_attempt_timeout() -> float | None:
    """The running attempt's attempt_timeout if its deadline has passed, else None."""
    attempt = _attempt.get()
    if attempt is not None and time.monotonic() >= attempt[0] - _SLACK:
        return attempt[1]
    return None


def clamp_pool_timeout(request: httpx.Request) -> None:
    """Shorten the request's pool wait to the time left in the attempt (the first phase of a request)."""
    left = seconds_left()
    if left is not None:
        timeouts = request.extensions.get("timeout")
        if isinstance(timeouts, dict):
            pool = timeouts.get("pool")
            if pool is None or left < pool:
                timeouts["pool"] = max(left, 0.0)


async def async_clamp_pool_timeout(request: httpx.Request) -> None:
    clamp_pool_timeout(request)
