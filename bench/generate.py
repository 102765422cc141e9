"""What `make generate` costs next to openapi-python-client alone, at 3 and 152 operations.

Each size is a scratch copy of the repository (the working tree is not touched):

- 3 operations: tests/fixtures/baseline/tmdb-v4.yaml, the v4 auth operations the facade calls;
- 152 operations: that spec with TMDB's official v3 document (tests/fixtures/upstream/) imported
  whole by scripts.import_spec (155 operations in all).

Per round, in this order: the generator alone (`openapi-python-client generate` on the spec's
YAML, with the same config, templates and formatter hooks), `make generate` from cold (no stamp:
read and validate the spec once, the facade contract, the generator on a JSON copy, the facade
guard, the swap, the stamp), `make generate` again (a no-op: the stamp matches), the
no-op `make check-generated`, and `import tmdb_auth._core` (the facade module that uses the
generated models) against the tree. Reported as medians of
per-round ratios (bench/report.py): cold generate / generator alone (target <= 1.5), and the
import time at 152 operations / at 3 (target <= 1.2: models are imported on first use).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import report

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
PARTS = ("openapi", "generated", "scripts", "src", "pyproject.toml")
TARGET_GENERATE_RATIO = 1.5
TARGET_IMPORT_RATIO = 1.2
KEYS = ("alone_s", "generate_s", "noop_generate_s", "noop_check_s", "import_s")
# What loads the generated client's models: the facade's core (tmdb_auth itself loads its modules on first use).
IMPORT_PROBE = "import tmdb_auth._core"
COLUMNS = ("alone", "generate", "no-op gen.", "no-op check", "import")


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
    probe = f"import time; t = time.perf_counter(); {IMPORT_PROBE}; print(time.perf_counter() - t)"
    path_env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root / "generated"), str(root / "src")])}
    for _ in range(2):  # the first run after a generation also compiles the new modules' bytecode: not counted
        done = subprocess.run([sys.executable, "-c", probe], env=path_env, check=True, capture_output=True, text=True)
    figures["import_s"] = float(done.stdout)
    return figures


def measure(options: report.Options) -> dict[str, Any]:
    """This module's section of `make bench` (bench/__main__.py's interface): one round when smoke, else three."""
    smoke = options.smoke
    count = 1 if smoke else 3
    with tempfile.TemporaryDirectory() as scratch:
        sizes = {"3": _scratch_repo(Path(scratch), official=False)}
        if not smoke:  # a smoke run proves the measurement runs: the 3-operation size is enough for that
            sizes["152"] = _scratch_repo(Path(scratch), official=True)
        rounds: dict[str, list[dict[str, float]]] = {size: [] for size in sizes}
        for _ in range(count):  # interleaved, so a slow spell of the machine hits both sizes
            for size, root in sizes.items():
                rounds[size].append(_round(root))
    figures: dict[str, Any] = {
        size: {key: report.spread([r[key] for r in measured]) for key in measured[0]}
        for size, measured in rounds.items()
    }
    ratios = {
        size: report.ratio_spread([r["generate_s"] for r in measured], [r["alone_s"] for r in measured])
        for size, measured in rounds.items()
    }
    lines = [f"  {'operations':>10} " + " ".join(f"{column:>11}" for column in COLUMNS)]
    for size in sizes:
        values = [figures[size][key]["median"] for key in KEYS]
        lines.append(f"  {size:>10} " + " ".join(f"{value:10.2f}s" for value in values))
    targets = [
        report.target(
            f"make generate / openapi-python-client alone, {size} operations",
            ratios[size],
            f"<= {TARGET_GENERATE_RATIO}",
            lambda v: v <= TARGET_GENERATE_RATIO,
        )
        for size in sizes
    ]
    if "152" in rounds:
        figures["import_ratio"] = report.ratio_spread(
            [r["import_s"] for r in rounds["152"]], [r["import_s"] for r in rounds["3"]]
        )
        targets.append(
            report.target(
                f"{IMPORT_PROBE}, 152 operations / 3",
                figures["import_ratio"],
                f"<= {TARGET_IMPORT_RATIO}",
                lambda v: v <= TARGET_IMPORT_RATIO,
            )
        )
    return {
        "title": f"make generate vs openapi-python-client alone (medians of {count} round(s), scratch copies)",
        "figures": {**figures, "generate_ratio": ratios},
        "lines": lines,
        "targets": targets,
    }


if __name__ == "__main__":
    section = measure(report.Options(smoke="--smoke" in sys.argv))
    print(section["title"])
    print("\n".join(section["lines"]))
    for target in section["targets"]:
        verdict = "PASS" if target["ok"] else "FAIL"
        print(f"  {verdict}  {target['what']:<58} {target['value']:.2f} [{target['min']:.2f}-{target['max']:.2f}]")
