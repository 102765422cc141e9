"""What the facade costs beside raw httpx, per call and under concurrency; its memory; and start-up.

- **sync, per call**: ``TMDBAuth.create_access_token`` against ``httpx.Client.post`` + JSON
  parse, interleaved round by round against the fixed-response server;
- **async**: ``AsyncTMDBAuth`` against a default ``httpx.AsyncClient``: p50 latency at
  concurrency 1, exchanges per second at concurrency 32 (each batch on a fresh, warmed-up client);
- **memory**: RSS growth over 20,000 facade calls;
- **start-up**, fresh interpreters, median of the samples: ``tmdb-auth --help`` and
  ``tmdb-auth status`` (a stored login) against ``python -c "import httpx"``, and
  ``python -c "from tmdb_auth import TMDBAuth"`` (everything a first call imports; httpcore
  and the pools come when a client is built, as with httpx) against the same.
"""

from __future__ import annotations

import asyncio
import gc
import operator
import os
import statistics
import subprocess
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import httpx

from bench import report
from bench.servers import PATH, READ_TOKEN, REQUEST_TOKEN, fixed_server
from tmdb_auth import AsyncTMDBAuth, TMDBAuth

TITLE = "The facade against raw httpx (fixed-response server on 127.0.0.1)"


@dataclass(frozen=True)
class Size:
    sync_calls: int
    sync_rounds: int
    async_calls: dict[int, int]  # concurrency -> exchanges per client per round
    async_rounds: int
    memory_calls: int
    startup_samples: int


FULL = Size(1000, 12, {1: 400, 32: 2000}, 11, 20000, 15)
SMOKE = Size(20, 2, {1: 8, 32: 64}, 1, 200, 2)


def measure(options: report.Options) -> dict[str, Any]:
    size = SMOKE if options.smoke else FULL
    with fixed_server() as base_url:
        sync = sync_rounds(base_url, size)
        latency = asyncio.run(async_rounds(base_url, 1, size))
        throughput = asyncio.run(async_rounds(base_url, 32, size))
        growth = memory_growth(base_url, size.memory_calls)
    startup = startup_seconds(options.startup_python, size.startup_samples)
    httpx_import = startup["python -c 'import httpx'"]
    figures = {
        "sync_us_per_call": {name: report.spread(values) for name, values in sync.items()},
        "async_p50_us_at_1": {name: report.spread([b[0] for b in batches]) for name, batches in latency.items()},
        "async_per_s_at_32": {name: report.spread([b[1] for b in batches]) for name, batches in throughput.items()},
        "rss_growth_mib": growth,
        "memory_calls": size.memory_calls,
        "startup_ms": {name: report.spread([v * 1000 for v in values]) for name, values in startup.items()},
        "startup_python": str(options.startup_python),
        "startup_imports_click_rich": _httpx_imports_cli_extras(options.startup_python),
    }
    targets = [
        report.target(
            "sync facade / raw httpx, us per call",
            report.ratio_spread(sync["TMDBAuth"], sync["httpx.Client"]),
            "<= 1.05",
            lambda v: v <= 1.05,
        ),
        report.target(
            "AsyncTMDBAuth / httpx.AsyncClient, p50 latency at concurrency 1",
            report.ratio_spread([b[0] for b in latency["AsyncTMDBAuth"]], [b[0] for b in latency["httpx.AsyncClient"]]),
            "<= 1.05",
            lambda v: v <= 1.05,
        ),
        report.target(
            "AsyncTMDBAuth / httpx.AsyncClient, exchanges/s at concurrency 32",
            report.ratio_spread(
                [b[1] for b in throughput["AsyncTMDBAuth"]], [b[1] for b in throughput["httpx.AsyncClient"]]
            ),
            ">= 0.95",
            lambda v: v >= 0.95,
        ),
        report.target(
            f"RSS growth over {size.memory_calls} calls (MiB)", report.spread([growth]), "< 5", lambda v: v < 5
        ),
    ]
    for name, limit in (("tmdb-auth --help", 0.6), ("tmdb-auth status", 0.6), ("from tmdb_auth import TMDBAuth", 1.2)):
        targets.append(
            report.target(
                f"{name} / import httpx, start-up",
                report.ratio_spread(startup[name], httpx_import),
                f"<= {limit}",
                partial(operator.ge, limit),
            )
        )
    return {"title": TITLE, "figures": figures, "lines": _lines(figures), "targets": targets}


def _lines(figures: dict[str, Any]) -> list[str]:
    lines = ["per sync call, median [min-max] of rounds:"]
    lines += [f"  {name:<20} {report.us(s)}" for name, s in figures["sync_us_per_call"].items()]
    lines.append("async, concurrency 1, p50 latency:")
    lines += [f"  {name:<20} {report.us(s)}" for name, s in figures["async_p50_us_at_1"].items()]
    lines.append("async, concurrency 32, exchanges/s:")
    lines += [f"  {name:<20} {report.per_s(s)}" for name, s in figures["async_per_s_at_32"].items()]
    lines.append(f"RSS growth over {figures['memory_calls']} facade calls: {figures['rss_growth_mib']:.1f} MiB")
    extras = " (click and rich installed: `import httpx` imports them too)" * figures["startup_imports_click_rich"]
    lines.append(f"start-up, fresh {figures['startup_python']}{extras}, median [min-max]:")
    lines += [f"  {name:<34} {report.ms(s)}" for name, s in figures["startup_ms"].items()]
    return lines


# --- sync ----------------------------------------------------------------------------------------


def sync_rounds(base_url: str, size: Size) -> dict[str, list[float]]:
    """Microseconds per call, {client: [one figure per round]}; the order alternates round by round."""
    raw = httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {READ_TOKEN}"}, timeout=10)
    facade = TMDBAuth(READ_TOKEN, base_url=base_url)
    clients: dict[str, Callable[[], Any]] = {
        "httpx.Client": lambda: raw.post(PATH, json={"request_token": REQUEST_TOKEN}).json(),
        "TMDBAuth": lambda: facade.create_access_token(REQUEST_TOKEN),
    }
    figures: dict[str, list[float]] = {name: [] for name in clients}
    try:
        for call in clients.values():  # warm-up: connections open, code paths hot
            for _ in range(50):
                call()
        for round_index in range(size.sync_rounds):
            order = list(clients) if round_index % 2 == 0 else list(reversed(clients))
            for name in order:
                call = clients[name]
                started = time.perf_counter()
                for _ in range(size.sync_calls):
                    call()
                figures[name].append((time.perf_counter() - started) / size.sync_calls * 1e6)
    finally:
        raw.close()
        facade.close()
    return figures


# --- async ---------------------------------------------------------------------------------------

AsyncClient = tuple[Callable[[], Awaitable[Any]], Callable[[], Awaitable[None]]]


def _async_clients(base_url: str) -> dict[str, Callable[[], AsyncClient]]:
    def raw() -> AsyncClient:
        client = httpx.AsyncClient(base_url=base_url, headers={"Authorization": f"Bearer {READ_TOKEN}"}, timeout=10)

        async def call() -> Any:
            return (await client.post(PATH, json={"request_token": REQUEST_TOKEN})).json()

        return call, client.aclose

    def facade() -> AsyncClient:
        auth = AsyncTMDBAuth(READ_TOKEN, base_url=base_url)
        return lambda: auth.create_access_token(REQUEST_TOKEN), auth.aclose

    return {"httpx.AsyncClient": raw, "AsyncTMDBAuth": facade}


async def async_rounds(base_url: str, concurrency: int, size: Size) -> dict[str, list[tuple[float, float]]]:
    """(p50 latency in us, exchanges/s) per round and client, each batch on a fresh warmed-up client."""
    makers = _async_clients(base_url)
    figures: dict[str, list[tuple[float, float]]] = {name: [] for name in makers}
    total = size.async_calls[concurrency]
    for round_index in range(size.async_rounds):
        order = list(makers) if round_index % 2 == 0 else list(reversed(makers))
        for name in order:
            call, close = makers[name]()
            try:
                await asyncio.gather(*(call() for _ in range(concurrency)))  # warm-up: the pool it needs
                figures[name].append(await _batch(call, concurrency, total))
            finally:
                await close()
    return figures


async def _batch(call: Callable[[], Awaitable[Any]], concurrency: int, total: int) -> tuple[float, float]:
    latencies: list[float] = []
    remaining = total

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            started = time.perf_counter()
            await call()
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    return statistics.median(latencies) * 1e6, total / elapsed


# --- memory and start-up -----------------------------------------------------------------------------


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def memory_growth(base_url: str, calls: int) -> float:
    """RSS growth over `calls` facade exchanges (after a warm-up), in MiB."""
    with TMDBAuth(READ_TOKEN, base_url=base_url) as auth:
        for _ in range(min(1000, calls)):
            auth.create_access_token(REQUEST_TOKEN)
        gc.collect()
        before = rss_bytes()
        for _ in range(calls):
            auth.create_access_token(REQUEST_TOKEN)
        gc.collect()
        return (rss_bytes() - before) / 2**20


def startup_seconds(python: Path, samples: int) -> dict[str, list[float]]:
    """Wall time of each command in a fresh `python` (and its tmdb-auth), interleaved sample by sample."""
    cli = str(python.parent / "tmdb-auth")
    with tempfile.TemporaryDirectory() as config:
        # Bytecode is cached as on a user's machine: with PYTHONDONTWRITEBYTECODE set (as in some
        # containers), every start-up would compile the package's sources again.
        env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
        env |= {"TMDB_AUTH_CONFIG_DIR": config, "TMDB_AUTH_KEYRING": "off"}
        _store_a_login(python, env)
        commands = {
            "python -c 'import httpx'": [str(python), "-c", "import httpx"],
            "tmdb-auth --help": [cli, "--help"],
            "tmdb-auth status": [cli, "status"],
            "from tmdb_auth import TMDBAuth": [str(python), "-c", "from tmdb_auth import TMDBAuth"],
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(samples + 1):  # the first round only warms the file and bytecode caches
            for name, command in commands.items():
                started = time.perf_counter()
                subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
                times[name].append(time.perf_counter() - started)
    return {name: values[1:] for name, values in times.items()}


def _httpx_imports_cli_extras(python: Path) -> bool:
    """Whether httpx's command-line extras are importable there (a dev venv): `import httpx` then loads them."""
    probe = "import importlib.util as u; print(all(u.find_spec(m) for m in ('click', 'rich', 'pygments')))"
    found = subprocess.run([str(python), "-c", probe], capture_output=True, text=True, check=True).stdout
    return found.strip() == "True"


def _store_a_login(python: Path, env: dict[str, str]) -> None:
    code = (
        "from tmdb_auth import AccessToken, CredentialStore;"
        "CredentialStore(keyring=False).save(AccessToken('bench-access-token', 'bench-account'),"
        " base_url='https://api.themoviedb.org')"
    )
    subprocess.run([str(python), "-c", code], env=env, check=True)
