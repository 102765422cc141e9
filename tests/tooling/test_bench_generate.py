"""`make bench`'s generator measurement (bench/generate.py) still runs: a smoke run at 3 operations only (the
152-operation size takes a minute). No timing is asserted here, by design."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT

pytestmark = pytest.mark.slow

TARGETS = ["make generate / openapi-python-client alone, 3 operations"]


def test_bench_generate_smoke_run_reports_its_figures_and_target(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--smoke", "--only", "bench.generate", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    (generate,) = json.loads(out.read_text())["sections"]
    assert [target["what"] for target in generate["targets"]] == TARGETS
    assert generate["figures"]["3"]["generate_s"]["median"] > 0
    verdicts = [line for line in result.stdout.splitlines() if line.lstrip().startswith(("PASS ", "FAIL "))]
    assert len(verdicts) == len(TARGETS)
    assert TARGETS[0] in verdicts[0]
