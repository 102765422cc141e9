"""Run one `make bench` measurement in smoke mode, as `python -m bench` does (tests assert no timing)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.helpers import ROOT


def smoke_run(section: str, scratch: Path) -> tuple[dict[str, Any], list[str]]:
    """`python -m bench --smoke --only section`: its one section of results.json and its PASS/FAIL lines."""
    out = scratch / "results.json"
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--smoke", "--only", section, "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    results = json.loads(out.read_text())
    assert results["mode"] == "smoke"
    (measured,) = results["sections"]
    verdicts = [line for line in result.stdout.splitlines() if line.lstrip().startswith(("PASS ", "FAIL "))]
    return measured, verdicts
