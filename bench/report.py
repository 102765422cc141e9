"""Figures, targets and the printed report, shared by every measurement module.

A ratio target is judged on the median of its per-round ratios (both sides measured in the
same round, so drift of the host cancels out); the min-max of those ratios is printed beside
it as the measure of noise.
"""

from __future__ import annotations

import statistics
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Options:
    """What `python -m bench` passes to every measurement's ``measure``."""

    smoke: bool = False
    """A few calls only: proves the measurement runs."""
    startup_python: Path = field(default_factory=lambda: Path(sys.executable))
    """The interpreter whose fresh start-ups are timed, with ``tmdb-auth`` beside it: make bench passes
    .venv-runtime's (the runtime dependencies only, as users install them)."""


def spread(values: list[float]) -> dict[str, Any]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "rounds": values}


def ratio_spread(numerators: list[float], denominators: list[float]) -> dict[str, Any]:
    return spread([n / d for n, d in zip(numerators, denominators, strict=True)])


def target(what: str, figure: dict[str, Any], limit: str, ok: Callable[[float], bool]) -> dict[str, Any]:
    """One target, judged on the median of `figure`."""
    median = figure["median"]
    return {
        "what": what,
        "value": median,
        "min": figure["min"],
        "max": figure["max"],
        "target": limit,
        "ok": ok(median),
    }


def us(s: dict[str, Any]) -> str:
    return f"{s['median']:9.1f} us  [{s['min']:.1f}-{s['max']:.1f}]"


def ms(s: dict[str, Any]) -> str:
    return f"{s['median']:7.1f} ms  [{s['min']:.1f}-{s['max']:.1f}]"


def per_s(s: dict[str, Any]) -> str:
    return f"{s['median']:9.0f} /s  [{s['min']:.0f}-{s['max']:.0f}]"


def print_report(results: dict[str, Any]) -> None:
    machine = results["machine"]
    versions = ", ".join(f"{name} {version}" for name, version in machine["versions"].items())
    print(f"machine: {machine['platform']}, {machine['cpus']} CPUs, Python {machine['python']}, {versions}")
    for section in results["sections"]:
        print(f"\n{section['title']}")
        for line in section["lines"]:
            print(line)
    print("\ntargets (median of per-round ratios [min-max]):")
    for section in results["sections"]:
        for t in section["targets"]:
            verdict = "PASS" if t["ok"] else "FAIL"
            figures = f"{t['value']:8.3f} [{t['min']:.3f}-{t['max']:.3f}]"
            print(f"  {verdict}  {t['what']:<66} {figures}  (target {t['target']})")
