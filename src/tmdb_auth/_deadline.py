"""The deadline of one attempt, and the httpcore network backends that hold every socket operation to it.

httpx's timeouts bound each socket operation, not an exchange: a server that sends its
status line a byte at a time, or ``102 Processing`` forever, answers every read in time
and never finishes. The shells start each attempt (`start_attempt`: its clock, and later
the status of the response it received) in one context variable, visible to everything
the attempt runs in the same thread (sync) or task (async); the facade's own httpcore
pools connect, read and write through `DeadlineBackend` / `AsyncDeadlineBackend`, which
give each operation ``min(its timeout, time left)`` and raise httpcore's timeout for that
phase once the deadline has passed. So an attempt ends by its deadline whatever the
server does, and the error still says which phase it was in:
a connect (nothing sent) or a read or write (the request may have been sent).

Outside an attempt (no deadline set) the backends pass every timeout through unchanged.
They live in `_deadline_backends`, imported when a client is built: importing httpcore
up front would cost ``import tmdb_auth`` ~60 ms (``make bench``) that httpx itself defers.
"""

from __future__ import annotations

import time
from contextvars import ContextVar, Token

import httpx

# A timeout reported within this long before the deadline is the deadline's (timer granularity).
_SLACK = 0.001


class Attempt:
    """One attempt of a call: its clock, and the status of the response it received, if any.

    Attributes:
        seconds: attempt_timeout, which the error names when the deadline passes.
        deadline: when the attempt must end, on the monotonic clock.
        status: the status of the last response received (redirects included), set by the
            response bounds (`_transport._Bounds`) when its body starts to be read, after
            every response hook ran; None before. It tells an exception from the generated
            layer (parsing a response) from one raised by a transport or an event hook.
    """

    __slots__ = ("deadline", "seconds", "status")

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds
        self.status: int | None = None

    def seconds_left(self) -> float:
        """Seconds until the deadline (<= 0 once past)."""
        return self.deadline - time.monotonic()

    def expired(self) -> bool:
        """Whether the deadline has passed (within timer granularity)."""
        return time.monotonic() >= self.deadline - _SLACK


_attempt: ContextVar[Attempt | None] = ContextVar("tmdb_auth_attempt", default=None)


def start_attempt(seconds: float) -> Token[Attempt | None]:
    """Start the clock of one attempt: connect, send and the whole response must fit in `seconds`.

    The facade's own transports hold every socket operation to that deadline (`_deadline_backends`);
    every response body, whatever the transport, is checked against it per chunk (`_transport._Bounds`).
    Pass the returned token to `end_attempt` when the attempt is over.
    """
    return _attempt.set(Attempt(seconds))


def end_attempt(token: Token[Attempt | None]) -> None:
    _attempt.reset(token)


current_attempt = _attempt.get
"""current_attempt() -> the `Attempt` running in this thread or task, or None outside one.
(The context variable's own getter: it runs for every socket operation.)"""


def clamp_pool_timeout(request: httpx.Request) -> None:
    """Shorten the request's pool wait to the time left in the attempt (the first phase of a request)."""
    attempt = _attempt.get()
    if attempt is not None:
        timeouts = request.extensions.get("timeout")
        if isinstance(timeouts, dict):
            left = attempt.seconds_left()
            pool = timeouts.get("pool")
            if pool is None or left < pool:
                timeouts["pool"] = max(left, 0.0)


async def async_clamp_pool_timeout(request: httpx.Request) -> None:
    clamp_pool_timeout(request)
