"""`make bench` still runs: a smoke run with a few calls. No timing is asserted here, by design."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT

pytestmark = pytest.mark.slow

SYNC = {"(a) raw httpx", "(b) generated client", "(c) TMDBAuth facade"}
SYNC_NETWORK = SYNC | {"(d) requests.Session", "(e) raw socket (floor)"}
ASYNC = {
    "AsyncTMDBAuth",
    "AsyncTMDBAuth aiohttp",
    "httpx.AsyncClient",
    "aiohttp.ClientSession",
    "asyncio streams (floor)",
}
FIGURES = {"per_s", "p50_us", "p99_us", "cpu_us"}
TARGETS = [
    "sync facade / raw httpx, us per call",
    "sync facade / requests peer, us per call",
    "AsyncTMDBAuth / httpx.AsyncClient, exch/s at 32",
    "AsyncTMDBAuth / httpx.AsyncClient, p50 at 1",
    "aiohttp backend / httpx.AsyncClient, exch/s at 32",
    "RSS growth over 200 calls (MiB)",
    "import tmdb_auth / import httpx",
    "make generate (s)",
]


def test_bench_smoke_run_reports_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--smoke", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    results = json.loads(out.read_text())
    assert results["mode"] == "smoke"
    assert set(results["sync_in_memory_us"]) == SYNC
    assert set(results["sync_fixed_us"]) == SYNC_NETWORK
    assert set(results["sync_emulator_us"]) == SYNC_NETWORK
    assert set(results["async_sweep"]) == ASYNC
    for by_concurrency in results["async_sweep"].values():
        assert set(by_concurrency) == {"1", "4", "32"}
        for figures in by_concurrency.values():
            assert set(figures) == FIGURES
            assert all(figures[name]["median"] > 0 for name in FIGURES)
    assert set(results["pool_sweep"]) == {"4", "8", "16", "32", "100"}
    for by_concurrency in results["pool_sweep"].values():
        assert set(by_concurrency) == {"1", "4", "32"}
        assert all(set(figures) == FIGURES for figures in by_concurrency.values())
    assert set(results["pool_sweep_httpx"]) == {"4", "8", "16", "32", "100"}
    for by_concurrency in results["pool_sweep_httpx"].values():
        assert set(by_concurrency) == {"32"}
        assert set(by_concurrency["32"]) == FIGURES
    assert set(results["pool_sweep_latency"]) == {"4", "8", "16", "32", "100"}
    for by_concurrency in results["pool_sweep_latency"].values():
        assert set(by_concurrency) == {"32"}
        assert set(by_concurrency["32"]) == FIGURES
    assert "server answering after 20 ms" in result.stdout
    assert set(results["import_s"]) == {"httpx", "tmdb_auth"}
    assert results["memory"]["calls"] == 200
    assert results["generate_s"] > 0
    assert [target["what"] for target in results["targets"]] == TARGETS

    out_lines = result.stdout.splitlines()
    labels = {"max_connections=8", "httpx max_connections=8", "concurrency 1:", "concurrency 4:", "concurrency 32:"}
    for name in ASYNC | SYNC_NETWORK | labels:
        assert any(name in line for line in out_lines), name
    verdicts = [line for line in out_lines if line.lstrip().startswith(("PASS ", "FAIL "))]
    assert len(verdicts) == len(TARGETS)
    for target, line in zip(TARGETS, verdicts, strict=True):
        assert target in line
