"""Import operations from OpenAPI pages or documents into openapi/tmdb-v4.yaml.

    make import-spec FROM="page.txt doc.json" [OPS="operationId ..."] [REPLACE=1]
    python -m scripts.import_spec [--ops "id ..."] [--replace] FILE...

Each FILE is a documentation page (any extension; the OpenAPI document in a ```yaml or
```json block), or a JSON or YAML document, OpenAPI 3.0 or 3.1. Its operations (all, or
those OPS names, by operationId) and everything they reference are repaired, validated,
converted and reconciled with the spec (scripts/importer.py says how), then merged into the
spec: only the entries that are new or replaced change; every other line keeps its bytes.

An operation or component the spec already has and that differs is not overwritten without
--replace. Any problem, of any source, is reported (all of them at once) and nothing is
written. Nothing but this command writes the spec; `make generate` only reads it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from scripts import yamlio
from scripts.atomic import write_atomically
from scripts.facade_contract import contract_problems
from scripts.importer import Contribution, ImportProblem, plan, prepare, read_rules, unknown_operations
from scripts.specfile import Source, SpecError, read_source, validation_errors
from scripts.splice import Entry, SpliceError, find, fresh_entry, indented, splice

ROOT = Path(__file__).resolve().parent.parent
SPEC = Path("openapi/tmdb-v4.yaml")


class _SourceLines:
    """Renders an imported entry from its source's own lines where they read back as the value imported."""

    def __init__(self, contributions: list[Contribution]) -> None:
        self.origins: dict[tuple[str, ...], tuple[Source, tuple[str, ...]]] = {}
        for c in contributions:
            if c.source.language == "yaml":
                for key, origin in c.origins.items():
                    self.origins.setdefault(key, (c.source, origin))
        self.parsed: dict[str, tuple[list[str], Any]] = {}

    def _entry(self, source: Source, keys: tuple[str, ...]) -> tuple[list[str], Entry | None]:
        if source.label not in self.parsed:
            self.parsed[source.label] = (source.text.splitlines(keepends=True), yamlio.compose(source.text))
        lines, root = self.parsed[source.label]
        return lines, find(root, lines, keys)

    def __call__(self, path: tuple[Any, ...], value: Any, column: int) -> list[str]:
        found = self.origins.get(tuple(path))
        if found is not None:
            lines, entry = self._entry(*found)
            if entry is not None:
                region = lines[entry.start : entry.end]
                flush = indented(region, -entry.column)
                if flush is not None:
                    text, expected = "".join(flush), {entry.key: value}
                    try:
                        same = yamlio.load(text) == expected and yamlio.load_yaml11(text) == expected
                    except Exception:
                        same = False
                    moved = indented(region, column - entry.column)
                    if same and moved is not None:
                        return [line if line.endswith("\n") else line + "\n" for line in moved]
        return fresh_entry(path, value, column)


def _source_report(c: Contribution) -> list[str]:
    source = c.source
    version = source.document.get("openapi")
    picked = f"{len(c.picked)} of {c.total} operation(s)" if c.picked else f"none of {c.total} operation(s)"
    lines = [f"{source.label}: {source.kind}, OpenAPI {version}; picked {picked}"]
    lines += [f"  {note}" for note in c.notes]
    if c.conversions:
        lines.append(f"  converted to OpenAPI 3.0 ({len(c.conversions)}):")
        lines += [f"    {line}" for line in c.conversions]
    if c.repairs:
        lines.append(f"  repaired ({len(c.repairs)}, rules in openapi/import.yaml):")
        lines += [f"    {repair}" for repair in c.repairs]
    return lines


def import_sources(root: Path, paths: list[Path], wanted: set[str] | None = None, replace: bool = False) -> list[str]:
    """Merge `paths` into root's spec; returns the report lines. Raises SpecError/ImportProblem, writing nothing."""
    problems: list[str] = []
    sources = []
    for path in paths:
        try:
            sources.append(read_source(path))
        except SpecError as exc:
            problems.append(str(exc))
    spec_path = root / SPEC
    try:
        spec_text = spec_path.read_text(encoding="utf-8")
        spec = yamlio.load(spec_text)
    except OSError as exc:
        raise ImportProblem(f"{SPEC}: cannot read: {exc.strerror}") from None
    except yamlio.YAMLReadError as exc:
        raise ImportProblem(f"{SPEC}: {exc}") from None
    if not isinstance(spec, dict):
        raise ImportProblem(f"{SPEC}: not an OpenAPI document (a mapping)")
    rules = read_rules(root)
    contributions = [prepare(source, spec, rules, wanted) for source in sources]
    for c in contributions:
        problems += c.errors + c.conflicts
    if wanted is not None:
        problems += unknown_operations(wanted, contributions)
    result = plan(spec, contributions, replace, str(SPEC))  # its conflicts are reported with the others
    problems += result.conflicts
    if problems:
        raise ImportProblem(_listed("cannot import", problems))
    report = [line for c in contributions for line in _source_report(c)]
    if not result.changed:
        return [*report, f"{SPEC}: no changes", *result.lines]
    try:
        text = splice(spec_text, spec, result.document, _SourceLines(contributions))
    except (SpliceError, AssertionError, yamlio.YAMLReadError) as exc:
        raise ImportProblem(f"{SPEC}: cannot edit it in place: {exc}") from None
    errors = validation_errors(result.document, f"{SPEC} (as the import would leave it)")
    if errors:
        raise ImportProblem(_listed("the imported spec would not be valid", errors))
    write_atomically(spec_path, text)
    report += [f"{SPEC}: updated", *result.lines]
    broken = contract_problems(result.document)
    if broken:
        report.append("warning: the facade's contract is broken; `make generate` will refuse until it is fixed:")
        report += [f"  - {problem}" for problem in broken]
    else:
        report.append("next: review `git diff openapi/`, then `make generate` and `make test`")
    return report


def _listed(what: str, problems: list[str]) -> str:
    return f"{what} ({len(problems)} problem(s)):\n" + "\n".join(f"  {problem}" for problem in problems)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sources", nargs="+", type=Path, help="pages (any extension), JSON or YAML documents")
    parser.add_argument("--ops", default=None, help="import only these operations (operationIds, space-separated)")
    parser.add_argument("--replace", action="store_true", help="overwrite operations and components that differ")
    parser.add_argument("--root", type=Path, default=ROOT, help="repository root (default: this checkout)")
    args = parser.parse_args(argv)
    wanted = set(args.ops.split()) if args.ops is not None else None
    if wanted is not None and not wanted:
        parser.error("--ops names no operation")
    try:
        lines = import_sources(args.root.resolve(), args.sources, wanted, args.replace)
    except (SpecError, ImportProblem) as exc:
        print(f"error: {exc}", file=sys.stderr)
        print(f"{SPEC} was left unchanged.", file=sys.stderr)
        return 1
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
