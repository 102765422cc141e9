"""What `make generate` costs next to openapi-python-client alone, at 3 and 152 operations.

Each size is a scratch copy of the repository (the working tree is not touched):

- 3 operations: tests/fixtures/baseline/tmdb-v4.yaml, the v4 auth operations the facade calls;
- 152 operations: that spec with TMDB's official v3 document (tests/fixtures/upstream/) imported
  whole by scripts.import_spec (155 operations in all).

Per round, in this order: the generator alone (`openapi-python-client generate` on the spec's
YAML, with the same config, templates and formatter hooks), `make generate` from cold (no stamp:
read and validate the spec once, the facade contract, the generator on a JSON copy, the facade
guard, the swap, the stamp), `make generate` again (a no-op: the stamp matches), the
no-op `make check-generated`, and `import tmdb_auth` against the tree. Reported as medians of
per-round ratios: cold generate / generator alone (target <= 1.5), no-op / generator alone,
and the import time at 152 operations / at 3 (target <= 1.2: models are imported on first use).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
PARTS = ("openapi", "generated", "scripts", "src", "pyproject.toml")
TARGET_GENERATE_RATIO = 1.5
TARGET_IMPORT_RATIO = 1.2


def _run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def _scratch_repo(directory: Path, official: bool) -> Path:
    root = directory / ("official" if official else "baseline")
    for part in PARTS:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, root / part, ignore=shutil.ignore_patterns("__pycache__", ".*_cache"))
        else:
            shutil.copy2(source, root / part)
    shutil.copy(FIXTURES / "baseline" / "tmdb-v4.yaml", root / "openapi" / "tmdb-v4.yaml")
    if official:
        document = FIXTURES / "upstream" / "tmdb-api-v3-official.json"
        _run([sys.executable, "-m", "scripts.import_spec", str(document), "--root", str(root)], root)
    return root


def _round(root: Path) -> dict[str, float]:
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    output = root / "alone"
    shutil.rmtree(output, ignore_errors=True)
    alone = [
        str(bin_dir / "openapi-python-client"),
        "generate",
        "--path",
        "openapi/tmdb-v4.yaml",
        "--config",
        "openapi/config.yaml",
        "--custom-template-path",
        "openapi/templates",
        "--meta",
        "none",
        "--fail-on-warning",
        "--output-path",
        str(output),
    ]
    script = [sys.executable, "-m", "scripts.generate"]
    figures = {"alone_s": _run(alone, root, env)}
    shutil.rmtree(output)
    (root / "generated" / "tmdb_v4_client.stamp").unlink(missing_ok=True)
    figures["generate_s"] = _run([*script, "generate", "--root", str(root)], root)
    figures["noop_generate_s"] = _run([*script, "generate", "--root", str(root)], root)
    figures["noop_check_s"] = _run([*script, "check", "--root", str(root)], root)
    probe = "import time; t = time.perf_counter(); import tmdb_auth; print(time.perf_counter() - t)"
    path_env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root / "generated"), str(root / "src")])}
    done = subprocess.run([sys.executable, "-c", probe], env=path_env, check=True, capture_output=True, text=True)
    figures["import_tmdb_auth_s"] = float(done.stdout)
    return figures


def _median(rounds: list[dict[str, float]], key: str) -> float:
    return statistics.median(figures[key] for figures in rounds)


def measure(smoke: bool = False) -> dict[str, Any]:
    """The figures for both sizes and their ratios (one round with `smoke`, else three)."""
    count = 1 if smoke else 3
    results: dict[str, Any] = {"rounds": count}
    with tempfile.TemporaryDirectory() as scratch:
        sizes = {"3": _scratch_repo(Path(scratch), official=False), "152": _scratch_repo(Path(scratch), official=True)}
        rounds: dict[str, list[dict[str, float]]] = {size: [] for size in sizes}
        for _ in range(count):  # interleaved, so a slow spell of the machine hits both sizes
            for size, root in sizes.items():
                rounds[size].append(_round(root))
    for size, measured in rounds.items():
        results[size] = {
            **{key: _median(measured, key) for key in measured[0]},
            "generate_ratio": statistics.median(r["generate_s"] / r["alone_s"] for r in measured),
            "noop_ratio": statistics.median(r["noop_generate_s"] / r["alone_s"] for r in measured),
        }
    results["import_ratio"] = statistics.median(
        big["import_tmdb_auth_s"] / small["import_tmdb_auth_s"]
        for big, small in zip(rounds["152"], rounds["3"], strict=True)
    )
    results["targets_met"] = (
        all(results[size]["generate_ratio"] <= TARGET_GENERATE_RATIO for size in sizes)
        and results["import_ratio"] <= TARGET_IMPORT_RATIO
    )
    return results


def print_report(results: dict[str, Any]) -> None:
    print(f"\nmake generate vs openapi-python-client alone (median of {results['rounds']} round(s)):")
    columns = ("alone s", "generate s", "ratio", "no-op s", "check s", "import s")
    print(f"  {'operations':>10} " + " ".join(f"{column:>10}" for column in columns))
    for size in ("3", "152"):
        r = results[size]
        values = (r["alone_s"], r["generate_s"], r["generate_ratio"], r["noop_generate_s"], r["noop_check_s"])
        print(f"  {size:>10} " + " ".join(f"{value:10.2f}" for value in values) + f" {r['import_tmdb_auth_s']:10.3f}")
    print(
        f"  targets: generate/alone <= {TARGET_GENERATE_RATIO} at both sizes; import tmdb_auth at 152 / at 3 = "
        f"{results['import_ratio']:.2f} <= {TARGET_IMPORT_RATIO}: {'met' if results['targets_met'] else 'MISSED'}"
    )


if __name__ == "__main__":
    figures = measure(smoke="--smoke" in sys.argv)
    print_report(figures)
