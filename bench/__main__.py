"""``python -m bench [--smoke] [--json PATH]``: run everything, print the report, write the JSON."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

import bench
from bench import clients, generate, report, runs
from bench.servers import emulator_server, fixed_server


def run(size: runs.Size) -> dict[str, Any]:
    results: dict[str, Any] = {
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            **{package: metadata.version(package) for package in ("httpx", "httpcore", "aiohttp", "requests")},
        },
        "size": {
            **size.__dict__,
            "server_delay_s": runs.SERVER_DELAY,
            "async_calls": {str(c): n for c, n in size.async_calls.items()},
        },
    }
    in_memory = runs.sync_rounds(clients.in_memory_clients, runs.reusable_token, size)
    results["sync_in_memory_us"] = {name: report.spread(v) for name, v in in_memory.items()}
    with fixed_server() as base_url:
        sync = runs.sync_rounds(lambda: clients.sync_clients(base_url), runs.reusable_token, size)
        results["sync_fixed_us"] = {name: report.spread(v) for name, v in sync.items()}
        sweep, pools, ungated = asyncio.run(runs.async_sweep(base_url, size))
        results["async_sweep"] = report.sweep_figures(sweep)
        results["pool_sweep"] = report.sweep_figures(pools)
        results["pool_sweep_httpx"] = report.sweep_figures(ungated)
        before, after = runs.memory_growth(base_url, size.memory_calls)
        results["memory"] = {"calls": size.memory_calls, "rss_before": before, "rss_after": after}
    with fixed_server(delay=runs.SERVER_DELAY) as base_url:
        results["pool_sweep_latency"] = report.sweep_figures(asyncio.run(runs.pool_sweep_with_latency(base_url, size)))
    with emulator_server() as base_url:
        emulator_size = runs.Size(**{**size.__dict__, "calls": size.emulator_calls, "rounds": size.emulator_rounds})
        emulated = runs.sync_rounds(
            lambda: clients.sync_clients(base_url), lambda n: clients.mint_tokens(base_url, n), emulator_size
        )
        results["sync_emulator_us"] = {name: report.spread(v) for name, v in emulated.items()}
    results["import_s"] = {
        module: report.spread(runs.import_seconds(module, size.import_samples)) for module in ("httpx", "tmdb_auth")
    }
    results["generate_s"] = runs.regeneration_seconds()
    results["targets"] = report.targets(results, sync, sweep)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=bench.__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--smoke", action="store_true", help="a few calls only: proves the benchmark runs")
    parser.add_argument(
        "--json", type=Path, default=runs.ROOT / "bench" / "results.json", help="where to write results"
    )
    args = parser.parse_args(argv)
    results = run(runs.SMOKE if args.smoke else runs.FULL)
    results["generate_cost"] = generate.measure(smoke=args.smoke)
    results["mode"] = "smoke" if args.smoke else "full"
    report.print_report(results)
    generate.print_report(results["generate_cost"])
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"\nresults written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
