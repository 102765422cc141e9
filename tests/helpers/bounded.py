"""Run one call in a daemon thread with a bound on how long the test waits for it, and
optionally its peak memory: a call that never ends fails its test instead of hanging the suite.
"""

from __future__ import annotations

import threading
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass
class Outcome:
    """What the call returned or raised, whether it finished within the bound, how long and how much memory."""

    result: Any = None
    error: BaseException | None = None
    finished: bool = False
    elapsed: float = 0.0
    peak: int = 0
    """Peak traced memory above the baseline, in bytes (0 unless traced)."""


def run_bounded(work: Callable[[], Any], bound: float, *, trace_memory: bool = False, name: str = "call") -> Outcome:
    """Run `work` in a daemon thread; stop waiting for it after `bound` seconds (check ``finished``)."""
    outcome = Outcome()

    def run() -> None:
        try:
            outcome.result = work()
        except BaseException as error:  # everything: the test says what escaped
            outcome.error = error
        finally:
            outcome.finished = True

    if trace_memory:
        tracemalloc.start()
        tracemalloc.reset_peak()
    try:
        baseline = tracemalloc.get_traced_memory()[0] if trace_memory else 0
        started = time.monotonic()
        worker = threading.Thread(target=run, name=f"bounded-{name}", daemon=True)
        worker.start()
        worker.join(bound)
        outcome.elapsed = time.monotonic() - started
        if trace_memory:
            outcome.peak = tracemalloc.get_traced_memory()[1] - baseline
    finally:
        if trace_memory:
            tracemalloc.stop()
    return outcome
