"""The retry policy, expressed with tenacity and shared by the sync and async clients.

The exchange is not idempotent (TMDB consumes the request token on success), so only
errors for which `_exchange.is_retryable` says the token was surely not consumed are
retried: HTTP 429, HTTP 503, and failures before the request was sent. The wait is the
server's Retry-After when it gave one (longer than the cap: not retried at all), else
exponential backoff with jitter.

The first attempt runs outside tenacity: the common case (success, or an error that is
not retryable) then costs no retry machinery, and tenacity (plus asyncio, which it
imports) is only imported once a retry is actually needed. The first failure is replayed
into tenacity so that it drives every wait and the stop condition.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from ._exchange import is_retryable
from .errors import APIError, TMDBError

if TYPE_CHECKING:
    import tenacity

T = TypeVar("T")
logger = logging.getLogger("tmdb_auth")

INITIAL_BACKOFF = 0.5
MAX_BACKOFF = 8.0
JITTER = 0.5


def sleep(seconds: float) -> None:
    """How the sync client waits between attempts (tests replace it with a fake clock)."""
    time.sleep(seconds)


async def async_sleep(seconds: float) -> None:
    """How the async client waits between attempts (tests replace it with a fake clock)."""
    import asyncio

    await asyncio.sleep(seconds)


def _policy(max_retries: int, max_retry_after: float) -> dict[str, Any]:
    import tenacity

    backoff = tenacity.wait_exponential(multiplier=INITIAL_BACKOFF, max=MAX_BACKOFF) + tenacity.wait_random(0, JITTER)

    def wait(state: tenacity.RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, APIError) and error.retry_after is not None:
            return error.retry_after
        return float(backoff(state))

    def log_retry(state: tenacity.RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        wait_for = state.next_action.sleep if state.next_action else 0.0
        logger.warning(
            "%s; retrying in %.2fs (retry %d of %d)",
            type(error).__name__,
            wait_for,
            state.attempt_number,
            max_retries,
        )

    return {
        "retry": tenacity.retry_if_exception(
            lambda exc: isinstance(exc, TMDBError) and is_retryable(exc, max_retry_after)
        ),
        "stop": tenacity.stop_after_attempt(max_retries + 1),
        "wait": wait,
        "before_sleep": log_retry,
        "reraise": True,
    }


def should_retry(error: TMDBError, max_retries: int, max_retry_after: float) -> bool:
    return max_retries > 0 and is_retryable(error, max_retry_after)


def retry_sync(first_error: TMDBError, attempt: Callable[[], T], max_retries: int, max_retry_after: float) -> T:
    """Continue after a retryable first failure: tenacity waits and calls `attempt` again."""
    import tenacity

    pending: list[TMDBError] = [first_error]

    def replay_then_attempt() -> T:
        if pending:
            raise pending.pop()
        return attempt()

    retrying = tenacity.Retrying(sleep=lambda seconds: sleep(seconds), **_policy(max_retries, max_retry_after))
    return retrying(replay_then_attempt)


async def retry_async(
    first_error: TMDBError, attempt: Callable[[], Awaitable[T]], max_retries: int, max_retry_after: float
) -> T:
    """The async twin of retry_sync, over the same policy."""
    import tenacity

    pending: list[TMDBError] = [first_error]

    async def replay_then_attempt() -> T:
        if pending:
            raise pending.pop()
        return await attempt()

    retrying = tenacity.AsyncRetrying(
        sleep=lambda seconds: async_sleep(seconds), **_policy(max_retries, max_retry_after)
    )
    return await retrying(replay_then_attempt)
