"""`make bench`'s generator measurement (bench/generate.py) still runs: a smoke run at 3 operations only (the
152-operation size takes a minute). No timing is asserted here, by design."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.bench import smoke_run

pytestmark = pytest.mark.slow

TARGETS = ["make generate / openapi-python-client alone, 3 operations"]


def test_bench_generate_smoke_run_reports_its_figures_and_target(tmp_path: Path) -> None:
    generate, verdicts = smoke_run("bench.generate", tmp_path)
    assert [target["what"] for target in generate["targets"]] == TARGETS
    assert generate["figures"]["3"]["generate_s"]["median"] > 0
    assert len(verdicts) == len(TARGETS)
    assert TARGETS[0] in verdicts[0]
