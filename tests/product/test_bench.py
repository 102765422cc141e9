"""`make bench` still runs: a smoke run with a few calls. No timing is asserted here, by design."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT

pytestmark = pytest.mark.slow


def test_bench_smoke_run_reports_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts/bench.py"), "--smoke", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    results = json.loads(out.read_text())
    assert results["mode"] == "smoke"
    clients = {"(a) raw httpx", "(b) generated client", "(c) TMDBAuth facade"}
    assert set(results["sync_in_memory_us"]) == clients
    everything = clients | {"(d) requests.Session", "(e) raw socket (floor)"}
    assert set(results["sync_fixed_us"]) == everything
    assert set(results["sync_emulator_us"]) == everything
    assert set(results["async_fixed_per_s"]) == {"raw httpx.AsyncClient", "AsyncTMDBAuth"}
    assert set(results["import_s"]) == {"httpx", "tmdb_auth"}
    assert results["memory"]["calls"] == 200
    assert results["generate_s"] > 0
    assert len(results["targets"]) == 6
    for line in ("sync facade / raw httpx per call", "make generate (s)", "import tmdb_auth / import httpx"):
        assert line in result.stdout
    assert result.stdout.count("PASS") + result.stdout.count("FAIL") == 6
