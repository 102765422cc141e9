"""`make bench`'s product measurement still runs: a smoke run with a few calls. No timing is asserted here,
by design. Its generator measurement (bench.generate, a maintainer's tool) is run by
tests/tooling/test_bench_generate.py."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.helpers.bench import smoke_run

pytestmark = pytest.mark.slow

TARGETS = [
    "sync facade / raw httpx, us per call",
    "AsyncTMDBAuth / httpx.AsyncClient, p50 latency at concurrency 1",
    "AsyncTMDBAuth / httpx.AsyncClient, exchanges/s at concurrency 32",
    "RSS growth over 200 calls (MiB)",
    "tmdb-auth --help / import httpx, start-up",
    "tmdb-auth status / import httpx, start-up",
    "from tmdb_auth import TMDBAuth / import httpx, start-up",
]


def test_bench_smoke_run_reports_every_figure_and_target(tmp_path: Path) -> None:
    section, verdicts = smoke_run("bench.transport", tmp_path)
    figures = section["figures"]
    assert set(figures["sync_us_per_call"]) == {"httpx.Client", "TMDBAuth"}
    assert (
        set(figures["async_p50_us_at_1"]) == set(figures["async_per_s_at_32"]) == {"httpx.AsyncClient", "AsyncTMDBAuth"}
    )
    assert all(s["median"] > 0 for s in figures["sync_us_per_call"].values())
    assert set(figures["startup_ms"]) == {
        "python -c 'import httpx'",
        "tmdb-auth --help",
        "tmdb-auth status",
        "from tmdb_auth import TMDBAuth",
    }
    assert figures["startup_python"] == sys.executable  # make bench passes .venv-runtime's (--startup-python)
    assert isinstance(figures["startup_imports_click_rich"], bool)
    assert [target["what"] for target in section["targets"]] == TARGETS
    assert len(verdicts) == len(TARGETS)
    for target, line in zip(TARGETS, verdicts, strict=True):
        assert target in line
