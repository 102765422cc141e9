"""Import OpenAPI documents: `make import-spec FROM="a.md b.yaml c.json"`.

Each source is a documentation page (Markdown with a fenced ```yaml/```json block), a
plain YAML file or a JSON file. Each is validated, then copied into openapi/sources/
under its file name (a file of that name already there is replaced: that is how a page is
updated), and openapi/tmdb-v4.yaml is rebuilt from all the sources and
openapi/overrides.yaml (scripts/build_spec.py says how: a union in a canonical layout).

- two sources that define the same operation, component, tag or document-level field
  differently stop the import, naming both sources and the key;
- with ``--replace``, openapi/sources/ keeps only the sources given (so operations the
  others defined are reported as "removed").

Nothing is written until the whole result has been built and validated (on any error
openapi/ is unchanged); an unchanged spec is not rewritten. Then it prints the operations
added, changed and removed, and warns if the facade's contract breaks.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from typing import Any

import yaml

from scripts.build_spec import (
    HTTP_METHODS,
    OVERRIDES,
    SOURCES,
    SPEC,
    BuildError,
    build,
    read_overrides,
    read_source,
    source_files,
    write_atomically,
)
from scripts.facade_contract import contract_problems
from scripts.specfile import SpecError

ROOT = Path(__file__).resolve().parent.parent


def operations(document: dict[str, Any]) -> dict[tuple[str, str], Any]:
    """(METHOD, path) -> operation object."""
    found = {}
    for path, item in (document.get("paths") or {}).items():
        for method, operation in (item or {}).items():
            if method in HTTP_METHODS:
                found[(method.upper(), path)] = operation
    return found


def describe_changes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Lines naming the operations added, changed and removed."""
    old, new = operations(before), operations(after)

    def label(key: tuple[str, str], operation: Any) -> str:
        operation_id = operation.get("operationId") if isinstance(operation, dict) else None
        return f"{key[0]} {key[1]}" + (f" ({operation_id})" if operation_id else "")

    lines = [f"  added:   {label(key, new[key])}" for key in sorted(new.keys() - old.keys())]
    lines += [f"  changed: {label(key, new[key])}" for key in sorted(new.keys() & old.keys()) if new[key] != old[key]]
    lines += [f"  removed: {label(key, old[key])}" for key in sorted(old.keys() - new.keys())]
    other = [key for key in ("tags", "components", "info", "servers", "security") if before.get(key) != after.get(key)]
    if other:
        lines.append(f"  also changed: {', '.join(other)}")
    return lines


def import_sources(root: Path, paths: list[Path], replace: bool = False) -> list[str]:
    """Copy `paths` into root/openapi/sources and rebuild the spec; returns the report lines. Raises on any problem."""
    sources_dir, spec_path = root / SOURCES, root / SPEC
    incoming: dict[str, Path] = {}
    for path in paths:
        if path.name in incoming and incoming[path.name].resolve() != path.resolve():
            raise BuildError(f"{incoming[path.name]} and {path} would both be {SOURCES / path.name}; rename one")
        incoming[path.name] = path
    kept = [] if replace else [path for path in source_files(sources_dir) if path.name not in incoming]
    sources = [read_source(path, str(path.relative_to(root))) for path in kept]
    sources += [read_source(path, str(path), name) for name, path in incoming.items()]
    text = build(sources, read_overrides(root / OVERRIDES, str(OVERRIDES)))

    before_text = spec_path.read_text(encoding="utf-8") if spec_path.is_file() else ""
    before = yaml.safe_load(before_text) or {}
    after = yaml.safe_load(text)
    sources_dir.mkdir(parents=True, exist_ok=True)
    copied = []
    for name, path in sorted(incoming.items()):
        target = sources_dir / name
        if target.is_file() and target.read_bytes() == path.read_bytes():
            continue
        copied.append(f"{'updated' if target.exists() else 'added'} {SOURCES / name}")
        shutil.copyfile(path, target)
    dropped = [path for path in source_files(sources_dir) if replace and path.name not in incoming]
    for path in dropped:
        path.unlink()
    lines = [f"  source {line}" for line in copied] + [f"  source removed {SOURCES / p.name}" for p in dropped]
    if text == before_text:
        return [f"{SPEC}: no changes (imported {len(paths)} source(s))", *lines]
    write_atomically(spec_path, text)
    lines = [f"{SPEC}: rebuilt with {len(paths)} imported source(s)", *lines, *describe_changes(before, after)]
    problems = contract_problems(after)
    if problems:
        lines.append("warning: the facade's contract is broken; `make generate` will refuse until it is fixed:")
        lines += [f"  - {problem}" for problem in problems]
    else:
        lines.append("next: review the changes (git diff openapi/), then `make generate` and `make test`")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sources", nargs="+", type=Path, help="Markdown pages, YAML or JSON files")
    parser.add_argument("--replace", action="store_true", help=f"keep only these sources in {SOURCES}/")
    parser.add_argument("--root", type=Path, default=ROOT, help="repository root (default: this checkout)")
    args = parser.parse_args(argv)
    try:
        lines = import_sources(args.root.resolve(), args.sources, args.replace)
    except (SpecError, BuildError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        print(f"{SPEC} and {SOURCES}/ were left unchanged.", file=sys.stderr)
        return 1
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
