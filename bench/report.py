"""Reduce the rounds to figures, judge the targets, print the tables.

A ratio target is judged on the median of its per-round ratios (both sides measured in
the same round, so drift of the host cancels out); the min-max of those ratios is printed
beside it as the measure of noise.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from bench.runs import Batch, Sweep


def spread(values: list[float]) -> dict[str, Any]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "rounds": values}


def ratio_spread(numerators: list[float], denominators: list[float]) -> dict[str, Any]:
    return spread([n / d for n, d in zip(numerators, denominators, strict=True)])


def sweep_figures(sweep: Sweep) -> dict[str, dict[str, dict[str, Any]]]:
    """client -> concurrency -> figure -> spread (JSON keys are strings)."""
    return {
        name: {
            str(concurrency): {field: spread([asdict(b)[field] for b in batches]) for field in asdict(batches[0])}
            for concurrency, batches in by_concurrency.items()
        }
        for name, by_concurrency in sweep.items()
    }


def _per_round(sweep: Sweep, name: str, concurrency: int, pick: Callable[[Batch], float]) -> list[float]:
    return [pick(batch) for batch in sweep[name][concurrency]]


def targets(r: dict[str, Any], sync: dict[str, list[float]], sweep: Sweep) -> list[dict[str, Any]]:
    """Every target of the issue and of the earlier runs, judged on this run."""

    def throughput(name: str) -> list[float]:
        return _per_round(sweep, name, 32, lambda b: b.per_s)

    def latency(name: str) -> list[float]:
        return _per_round(sweep, name, 1, lambda b: b.p50_us)

    growth = (r["memory"]["rss_after"] - r["memory"]["rss_before"]) / 2**20
    imports = r["import_s"]
    import_ratio = imports["tmdb_auth"]["median"] / imports["httpx"]["median"]
    rows: list[tuple[str, dict[str, Any], str, Callable[[float], bool]]] = [
        (
            "sync facade / raw httpx, us per call",
            ratio_spread(sync["(c) TMDBAuth facade"], sync["(a) raw httpx"]),
            "<= 1.05",
            lambda v: v <= 1.05,
        ),
        (
            "sync facade / requests peer, us per call",
            ratio_spread(sync["(c) TMDBAuth facade"], sync["(d) requests.Session"]),
            "< 1.00",
            lambda v: v < 1.0,
        ),
        (
            "AsyncTMDBAuth / httpx.AsyncClient, exch/s at 32",
            ratio_spread(throughput("AsyncTMDBAuth"), throughput("httpx.AsyncClient")),
            ">= 2.5",
            lambda v: v >= 2.5,
        ),
        (
            "AsyncTMDBAuth / httpx.AsyncClient, p50 at 1",
            ratio_spread(latency("AsyncTMDBAuth"), latency("httpx.AsyncClient")),
            "<= 1.05",
            lambda v: v <= 1.05,
        ),
        (
            "aiohttp backend / httpx.AsyncClient, exch/s at 32",
            ratio_spread(throughput("AsyncTMDBAuth aiohttp"), throughput("httpx.AsyncClient")),
            ">= 10 (aim)",
            lambda v: v >= 10,
        ),
        (f"RSS growth over {r['memory']['calls']} calls (MiB)", spread([growth]), "< 5", lambda v: v < 5),
        ("import tmdb_auth / import httpx", spread([import_ratio]), "<= 1.5", lambda v: v <= 1.5),
        ("make generate (s)", spread([r["generate_s"]]), "< 10", lambda v: v < 10),
    ]
    return [
        {
            "what": what,
            "value": figure["median"],
            "min": figure["min"],
            "max": figure["max"],
            "target": target,
            "ok": ok(figure["median"]),
        }
        for what, figure, target, ok in rows
    ]


def _sync_table(table: dict[str, dict[str, Any]], title: str) -> None:
    raw = table["(a) raw httpx"]["median"]
    print(f"\nsync exchange vs {title}: us per call, median [min-max] over rounds; ratio of medians to (a)")
    for name, s in table.items():
        print(f"  {name:<24} {s['median']:9.1f}  [{s['min']:.1f}-{s['max']:.1f}]  x{s['median'] / raw:.3f}")


def _sweep_row(label: str, f: dict[str, Any]) -> str:
    per_s, p50, p99, cpu = f["per_s"], f["p50_us"]["median"], f["p99_us"]["median"], f["cpu_us"]["median"]
    rate = f"{per_s['median']:8.0f} [{per_s['min']:.0f}-{per_s['max']:.0f}]"
    return f"  {label:<30} {rate:<24} {p50:9.0f} {p99:9.0f} {cpu:9.0f}"


def print_report(r: dict[str, Any]) -> None:
    machine = r["machine"]
    print(
        f"machine: {machine['platform']}, {machine['cpus']} CPUs, Python {machine['python']}, "
        f"httpx {machine['httpx']}, aiohttp {machine['aiohttp']}"
    )
    _sync_table(r["sync_in_memory_us"], "an in-memory transport (no network; what each layer adds)")
    _sync_table(r["sync_fixed_us"], "fixed-response server")
    _sync_table(r["sync_emulator_us"], "emulator")

    header = f"  {'':<30} {'exch/s [min-max]':<24} {'p50 us':>9} {'p99 us':>9} {'CPU us':>9}"
    print("\nasync sweep vs fixed-response server: medians over rounds; CPU us = client process CPU per exchange")
    for concurrency in r["async_sweep"]["AsyncTMDBAuth"]:
        print(f"concurrency {concurrency}:\n{header}")
        for name, by_concurrency in r["async_sweep"].items():
            print(_sweep_row(name, by_concurrency[concurrency]))
    print("\nAsyncTMDBAuth pool size (client_options limits: max_connections = max_keepalive_connections):")
    for concurrency in next(iter(r["pool_sweep"].values())):
        print(f"concurrency {concurrency}:\n{header}")
        for connections, by_concurrency in r["pool_sweep"].items():
            print(_sweep_row(f"max_connections={connections}", by_concurrency[concurrency]))
    print("\nhttpx's own pool, same limits, no gate (httpx.AsyncClient(limits=...)):")
    print(f"concurrency 32:\n{header}")
    for connections, by_concurrency in r["pool_sweep_httpx"].items():
        print(_sweep_row(f"httpx max_connections={connections}", by_concurrency["32"]))

    delay_ms = r["size"]["server_delay_s"] * 1000
    print(
        f"\nAsyncTMDBAuth pool size, server answering after {delay_ms:.0f} ms (at most max_connections / delay per s):"
    )
    print(f"concurrency 32:\n{header}")
    for connections, by_concurrency in r["pool_sweep_latency"].items():
        print(_sweep_row(f"max_connections={connections}", by_concurrency["32"]))

    memory = r["memory"]
    print(
        f"\nRSS: {memory['rss_before'] / 2**20:.1f} MiB before, {memory['rss_after'] / 2**20:.1f} MiB after "
        f"{memory['calls']} facade calls"
    )
    print("import time, fresh processes, median [min-max]:")
    for name, s in r["import_s"].items():
        print(f"  import {name:<17} {s['median'] * 1000:7.1f} ms  [{s['min'] * 1000:.1f}-{s['max'] * 1000:.1f}]")
    print(f"make generate: {r['generate_s']:.2f} s\n\ntargets (median of per-round ratios [min-max]):")
    for t in r["targets"]:
        verdict = "PASS" if t["ok"] else "FAIL"
        print(f"  {verdict}  {t['what']:<50} {t['value']:8.3f} [{t['min']:.3f}-{t['max']:.3f}]  (target {t['target']})")
