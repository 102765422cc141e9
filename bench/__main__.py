"""``python -m bench [--smoke] [--json PATH]``: run every measurement, print the report, write the JSON."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

import bench
from bench import report

MEASUREMENTS = ("bench.transport", "bench.generate")
"""The measurement modules, in report order. Each has ``measure(options: report.Options) -> dict`` returning
``title``, ``figures`` (JSON), ``lines`` (the printed table) and ``targets`` (`report.target`)."""
ROOT = Path(__file__).resolve().parent.parent


def run(options: report.Options, sections: tuple[str, ...] = MEASUREMENTS) -> dict[str, Any]:
    return {
        "mode": "smoke" if options.smoke else "full",
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "versions": {package: metadata.version(package) for package in ("httpx", "httpcore", "h11", "anyio")},
        },
        "sections": [importlib.import_module(name).measure(options) for name in sections],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=bench.__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--smoke", action="store_true", help="a few calls only: proves the benchmark runs")
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results.json", help="where to write results")
    parser.add_argument(
        "--only",
        action="append",
        choices=MEASUREMENTS,
        help="run this measurement only (repeatable; default: all). bench.generate needs the generator (make install)",
    )
    parser.add_argument(
        "--startup-python",
        type=Path,
        default=Path(sys.executable),
        help="time start-ups with this interpreter and the tmdb-auth beside it (make bench: .venv-runtime's)",
    )
    args = parser.parse_args(argv)
    options = report.Options(smoke=args.smoke, startup_python=args.startup_python)
    results = run(options, tuple(args.only) if args.only else MEASUREMENTS)
    report.print_report(results)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"\nresults written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
