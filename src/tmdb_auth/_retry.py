"""The retry policy: pure functions deciding, per operation, whether and how long to wait.

Each shell (`client.py`) runs a small loop over `retry_wait`; nothing here sleeps or sends.

- ``create_request_token`` is harmless to repeat (an unused request token just expires):
  HTTP 429, any 5xx, timeouts and connection failures are retried.
- ``create_access_token`` consumes the request token on success: only failures where the
  server surely did not process the request are retried (HTTP 429, HTTP 503 / TMDB codes
  9 and 46, failures before the request was sent).
- ``logout`` is retried on the same failures as the exchange. After a failure where the
  logout may have been processed (read timeout, 500, 502, 504), a retry would answer
  "invalid token" (code 35) for a token our own first attempt revoked, and the caller
  could not tell that from a token that never was valid; so it is not retried, and the
  error says what a repeated call's InvalidAccessTokenError would mean.
- ``create_session`` consumes nothing that cannot be recreated (the access token stays
  valid), and ``check_access_token`` changes nothing: both are retried like
  ``create_request_token``. (A retry after a session was created but not received leaves that
  session unreceived: nobody ever holds its id.)
- ``delete_session`` is retried like ``logout``, for the same reason: a retry after a deletion
  that may have run would answer "session not found" (code 37) for a session our own first
  attempt ended.

The wait is the server's Retry-After when it gave one (longer than ``max_retry_after``: no
retry at all), else exponential backoff (0.5 s, 1 s, 2 s... at most 8 s) plus up to 0.5 s
of jitter. Earlier versions expressed this with tenacity; a plain loop over these functions
is shorter, costs nothing on the first attempt and spares the import (tenacity measured
~13 us per call and 44 ms to import).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable

from ._core import Operation
from ._settings import Settings
from .errors import (
    NetworkError,
    RateLimitError,
    ServerError,
    ServiceUnavailableError,
    TMDBError,
)

logger = logging.getLogger("tmdb_auth")
# A library does not print: retries are logged on "tmdb_auth" only where the application configures
# logging. (Set here, with the only logger, so the command line's start-up does not import logging.)
logger.addHandler(logging.NullHandler())

INITIAL_BACKOFF = 0.5
MAX_BACKOFF = 8.0
JITTER = 0.5


_REPEATABLE = frozenset({Operation.CREATE_REQUEST_TOKEN, Operation.CREATE_SESSION, Operation.CHECK_ACCESS_TOKEN})
"""Operations that are harmless to repeat after any failure: they spend and end nothing."""


def should_retry(operation: Operation, error: TMDBError) -> bool:
    """True where repeating `operation` after `error` cannot hurt (see the module docstring)."""
    if isinstance(error, RateLimitError | ServiceUnavailableError):
        return True  # refused, not processed
    if isinstance(error, NetworkError):
        return not error.request_sent or operation in _REPEATABLE
    if isinstance(error, ServerError):
        return operation in _REPEATABLE
    return False


def retry_timeout(error: TMDBError, retries_done: int, jitter: Callable[[], float] = random.random) -> float:
    """Seconds to wait before the next attempt: Retry-After if given, else backoff with jitter."""
    retry_after = getattr(error, "retry_after", None)
    if isinstance(retry_after, float):
        return retry_after
    return _backoff(retries_done, jitter())


def _backoff(retries_done: int, jitter: float) -> float:
    """Backoff before retry `retries_done` + 1 with `jitter` in [0, 1): 0.5 s doubling, capped at 8 s, plus jitter."""
    return min(INITIAL_BACKOFF * 2.0**retries_done, MAX_BACKOFF) + JITTER * jitter


def retry_wait(operation: Operation, error: TMDBError, retries_done: int, settings: Settings) -> float | None:
    """Seconds to wait before retrying `operation` after `error`, or None to raise it now."""
    if retries_done >= settings.max_retries or not should_retry(operation, error):
        return None
    retry_after = getattr(error, "retry_after", None)
    if isinstance(retry_after, float) and retry_after > settings.max_retry_after:
        return None
    return retry_timeout(error, retries_done)


def max_call_seconds(settings: Settings) -> float:
    """The longest one call can take: every attempt to its deadline, every wait at its longest.

    ``(max_retries + 1) * attempt_timeout`` plus, for each retry n (0, 1, ...), the longer of
    ``max_retry_after`` (the longest Retry-After honoured) and backoff n's cap
    (``min(0.5 * 2**n, 8) + 0.5`` of jitter). The facade's own CPU time comes on top
    (microseconds per attempt for an auth answer, milliseconds for a ``max_response_bytes`` one).
    """
    waits = sum(max(settings.max_retry_after, _backoff(retry, 1.0)) for retry in range(settings.max_retries))
    return (settings.max_retries + 1) * settings.attempt_timeout + waits


def log_retry(operation: Operation, error: TMDBError, wait: float, retries_done: int, settings: Settings) -> None:
    """One WARNING on the "tmdb_auth" logger per retry: the operation and the error's type, never its text."""
    logger.warning(
        "%s: %s; retrying in %.2fs (retry %d of %d)",
        operation.value,
        type(error).__name__,
        wait,
        retries_done + 1,
        settings.max_retries,
    )


def sleep(seconds: float) -> None:
    """The sync client's default wait between attempts (pass ``sleep=`` to the client to replace it)."""
    time.sleep(seconds)


async def async_sleep(seconds: float) -> None:
    """The async client's default wait between attempts (pass ``sleep=`` to the client to replace it)."""
    import asyncio  # only once a retry is needed: the common path does not pay for the import

    await asyncio.sleep(seconds)
