"""The timing loops: interleaved rounds of sync calls, the async sweep, memory, import, regeneration.

Each loop returns one figure per round per client; `report` reduces them to medians,
min-max spreads and per-round ratios.
"""

from __future__ import annotations

import asyncio
import gc
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from bench import clients
from bench.clients import REQUEST_TOKEN, AsyncClient, SyncClient
from tmdb_auth import TMDBAuth

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Size:
    """How much work a run does."""

    calls: int  # sync calls per client per round
    rounds: int
    async_calls: dict[int, int]  # concurrency -> exchanges per client per round
    async_rounds: int
    pool_sizes: tuple[int, ...]  # AsyncTMDBAuth max_connections values swept
    latency_calls: int  # exchanges per pool size per round against the delayed server
    memory_calls: int
    import_samples: int
    emulator_calls: int
    emulator_rounds: int


FULL = Size(
    calls=1000,
    rounds=8,
    async_calls={1: 400, 4: 800, 32: 1000},
    async_rounds=3,
    pool_sizes=(4, 8, 16, 32, 100),
    latency_calls=400,
    memory_calls=20000,
    import_samples=10,
    emulator_calls=200,
    emulator_rounds=3,
)
SMOKE = Size(
    calls=20,
    rounds=2,
    async_calls={1: 8, 4: 16, 32: 64},
    async_rounds=1,
    pool_sizes=(4, 8, 16, 32, 100),
    latency_calls=32,
    memory_calls=200,
    import_samples=2,
    emulator_calls=5,
    emulator_rounds=1,
)
SWEEP_CONCURRENCY = (1, 4, 32)
POOL_CONCURRENCY = SWEEP_CONCURRENCY  # the facade's pool sweep; httpx's own pool of each size only at 32
SERVER_DELAY = 0.02  # seconds: a round trip to a nearby API, for the pool sweep with latency


# --- sync ---------------------------------------------------------------------------------------


def sync_rounds(make: Callable[[], dict[str, SyncClient]], tokens: Callable[[int], list[str]], size: Size) -> Any:
    """Microseconds per call: {client: [one figure per round]}, clients interleaved within each round."""
    made = make()
    per_call: dict[str, list[float]] = {name: [] for name in made}
    try:
        for call, _ in made.values():  # warm up connections and code paths
            for token in tokens(3):
                call(token)
        for _ in range(size.rounds):
            for name, (call, _) in made.items():
                batch = tokens(size.calls)
                gc.collect()
                started = time.perf_counter()
                for token in batch:
                    call(token)
                per_call[name].append((time.perf_counter() - started) / len(batch) * 1e6)
    finally:
        for _, close in made.values():
            close()
    return per_call


def reusable_token(count: int) -> list[str]:
    """The fixed-response server accepts any token again and again."""
    return [REQUEST_TOKEN] * count


# --- async --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Batch:
    """One timed batch of async exchanges at one concurrency."""

    per_s: float
    p50_us: float
    p99_us: float
    cpu_us: float  # this process's CPU time per exchange (the servers run elsewhere)


async def _batch(call: Callable[[str], Awaitable[Any]], calls: int, concurrency: int) -> Batch:
    pending = iter(range(calls))
    latencies: list[float] = []

    async def worker() -> None:
        for _ in pending:
            started = time.perf_counter()
            await call(REQUEST_TOKEN)
            latencies.append(time.perf_counter() - started)

    gc.collect()
    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return Batch(per_s=calls / wall, p50_us=cuts[49] * 1e6, p99_us=cuts[98] * 1e6, cpu_us=cpu / calls * 1e6)


async def _measure(make: Callable[[], Awaitable[AsyncClient]], calls: int, concurrency: int) -> Batch:
    """A fresh client per batch (its pool grows to this concurrency only), warmed up, then timed."""
    call, close = await make()
    try:
        await _batch(call, 2 * concurrency, concurrency)
        return await _batch(call, calls, concurrency)
    finally:
        await close()


Sweep = dict[str, dict[int, list[Batch]]]  # client -> concurrency -> one Batch per round


async def async_sweep(base_url: str, size: Size) -> tuple[Sweep, Sweep, Sweep]:
    """The client sweep, the AsyncTMDBAuth pool-size sweep and httpx's own pool of the same sizes
    (a ``httpx.AsyncClient`` with those limits: the pool without the facade's gate), interleaved
    round by round."""
    sweep: Sweep = {name: {c: [] for c in SWEEP_CONCURRENCY} for name in clients.ASYNC_CLIENTS}
    pools: Sweep = {str(n): {c: [] for c in POOL_CONCURRENCY} for n in size.pool_sizes}
    ungated: Sweep = {str(n): {32: []} for n in size.pool_sizes}
    for _ in range(size.async_rounds):
        for concurrency in SWEEP_CONCURRENCY:
            calls = size.async_calls[concurrency]
            for name, make in clients.ASYNC_CLIENTS.items():
                sweep[name][concurrency].append(await _measure(partial(make, base_url), calls, concurrency))
            for connections in size.pool_sizes:
                limits = clients.pool_limits(connections)
                batch = await _measure(partial(clients.facade, base_url, limits), calls, concurrency)
                pools[str(connections)][concurrency].append(batch)
                if concurrency == 32:
                    batch = await _measure(partial(clients.raw_httpx, base_url, limits), calls, concurrency)
                    ungated[str(connections)][concurrency].append(batch)
    return sweep, pools, ungated


async def pool_sweep_with_latency(base_url: str, size: Size) -> Sweep:
    """AsyncTMDBAuth pool sizes at concurrency 32 against a server that answers after SERVER_DELAY.

    On loopback a bigger pool only costs CPU; across a network it also buys parallelism
    (at most max_connections / round trip exchanges per second). This shows where the two meet.
    """
    pools: Sweep = {str(n): {32: []} for n in size.pool_sizes}
    for _ in range(size.async_rounds):
        for connections in size.pool_sizes:
            limits = clients.pool_limits(connections)
            batch = await _measure(partial(clients.facade, base_url, limits), size.latency_calls, 32)
            pools[str(connections)][32].append(batch)
    return pools


# --- memory, import time, regeneration ----------------------------------------------------------


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def memory_growth(base_url: str, calls: int) -> tuple[int, int]:
    """RSS before and after `calls` facade exchanges (after a warm-up), in bytes."""
    with TMDBAuth(clients.READ_TOKEN, base_url=base_url) as auth:
        for _ in range(min(1000, calls)):
            auth.create_access_token(REQUEST_TOKEN)
        gc.collect()
        before = rss_bytes()
        for _ in range(calls):
            auth.create_access_token(REQUEST_TOKEN)
        gc.collect()
        after = rss_bytes()
    return before, after


def import_seconds(module: str, samples: int) -> list[float]:
    """Import time of `module` in fresh interpreters."""
    probe = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    return [
        float(subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout)
        for _ in range(samples)
    ]


def regeneration_seconds() -> float:
    """Wall time of what `make generate` runs, in a scratch copy (the working tree is not touched)."""
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "repo"
        for part in ("openapi", "generated", "scripts", "pyproject.toml"):
            source = ROOT / part
            if source.is_dir():
                shutil.copytree(source, copy / part, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy2(source, copy / part)
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "scripts.generate", "generate", "--root", str(copy)],
            cwd=copy,
            check=True,
            capture_output=True,
        )
        return time.perf_counter() - started
