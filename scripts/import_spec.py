"""Import OpenAPI documents into openapi/tmdb-v4.yaml: `make import-spec FROM="a.md b.yaml c.json"`.

Each source is a documentation page (Markdown with a fenced ```yaml/```json block), a
plain YAML file or a JSON file. Each is validated, then merged into the current spec:

- paths/operations, components, tags and security schemes are unions;
- an operation or component an import defines that the spec already has replaces it
  (reported as "changed"); an identical one is no change;
- two imports that define the same path+method, component or tag differently stop the
  import, naming both sources and the key;
- ``info``, ``servers`` and ``security`` stay as in the current spec;
- with ``--replace``, the result keeps only what the imports define (so operations the
  imports no longer have are reported as "removed").

The merged document is validated and written atomically (on any error the spec file is
unchanged); when nothing changed, the file is not rewritten at all. Then it prints the
operations added, changed and removed, and warns if the facade's contract breaks.
"""

from __future__ import annotations

import argparse
import copy
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

from scripts.facade_contract import contract_problems
from scripts.specfile import SpecError, load_source, parse_document, validate

ROOT = Path(__file__).resolve().parent.parent
SPEC = Path("openapi/tmdb-v4.yaml")
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
KEPT_FROM_CURRENT = ("openapi", "info", "servers", "security")


class ImportError_(Exception):
    """The import cannot go ahead; the message names the source(s) and the key."""


def operations(document: dict[str, Any]) -> dict[tuple[str, str], Any]:
    """(METHOD, path) -> operation object."""
    found = {}
    for path, item in (document.get("paths") or {}).items():
        for method, operation in (item or {}).items():
            if method in HTTP_METHODS:
                found[(method.upper(), path)] = operation
    return found


class Merger:
    """Accumulates sources into one document, remembering which import defined each key."""

    def __init__(self, current: dict[str, Any], replace: bool) -> None:
        self.document: dict[str, Any] = {
            key: copy.deepcopy(current[key]) for key in KEPT_FROM_CURRENT if key in current
        }
        if not replace:
            for key in ("tags", "paths", "components"):
                if key in current:
                    self.document[key] = copy.deepcopy(current[key])
        self.origin: dict[tuple[str, ...], str] = {}  # key -> the import that set it

    def _put(self, container: dict[str, Any], name: str, value: Any, key: tuple[str, ...], source: str) -> None:
        if key in self.origin and container.get(name) != value:
            label = " ".join(key)
            raise ImportError_(
                f"conflicting definitions of {label}: {self.origin[key]} and {source} define it differently; "
                "import one of them, or make them agree"
            )
        container[name] = copy.deepcopy(value)
        self.origin.setdefault(key, source)

    def add(self, source_document: dict[str, Any], source: str) -> None:
        paths = self.document.setdefault("paths", {})
        for path, item in (source_document.get("paths") or {}).items():
            target = paths.setdefault(path, {})
            for field, value in (item or {}).items():
                key: tuple[str, ...] = (
                    ("operation", field.upper(), path) if field in HTTP_METHODS else ("path field", path, field)
                )
                self._put(target, field, value, key, source)
        components = self.document.setdefault("components", {})
        for kind, entries in (source_document.get("components") or {}).items():
            target = components.setdefault(kind, {})
            for name, value in (entries or {}).items():
                self._put(target, name, value, ("component", f"{kind}/{name}"), source)
        tags = self.document.setdefault("tags", [])
        for tag in source_document.get("tags") or []:
            names = [existing.get("name") for existing in tags]
            tag_key: tuple[str, ...] = ("tag", str(tag.get("name")))
            if tag.get("name") not in names:
                tags.append(copy.deepcopy(tag))
                self.origin[tag_key] = source
                continue
            index = names.index(tag.get("name"))
            existing = tags[index]
            if tag == existing or len(tag) == 1:  # a bare {"name": X} adds nothing to a described tag
                continue
            if len(existing) > 1 and tag_key in self.origin:
                raise ImportError_(
                    f"conflicting definitions of tag {tag.get('name')}: {self.origin[tag_key]} and {source} "
                    "define it differently"
                )
            tags[index] = copy.deepcopy(tag)
            self.origin[tag_key] = source

    def result(self) -> dict[str, Any]:
        ordered = {key: self.document[key] for key in ("openapi", "info", "servers", "security", "tags", "paths")}
        ordered = {key: value for key, value in ordered.items() if value is not None and key in self.document}
        if self.document.get("components"):
            ordered["components"] = self.document["components"]
        return ordered


def merge(current: dict[str, Any], sources: list[tuple[str, dict[str, Any]]], replace: bool = False) -> dict[str, Any]:
    """The current spec with every source merged in (pure)."""
    merger = Merger(current, replace)
    for name, document in sources:
        merger.add(document, name)
    return merger.result()


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


def dump(document: dict[str, Any]) -> str:
    """Deterministic YAML: keys in document order, no line wrapping of long strings (tokens in examples)."""
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=float("inf"), default_flow_style=False)


def write_atomically(path: Path, text: str) -> None:
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def import_sources(root: Path, sources: list[Path], replace: bool = False) -> list[str]:
    """Merge `sources` into root/openapi/tmdb-v4.yaml; returns the report lines. Raises on any problem."""
    spec_path = root / SPEC
    current = parse_document(spec_path.read_text(encoding="utf-8"), str(SPEC))
    loaded = [(str(source), load_source(source)) for source in sources]
    merged = merge(current, loaded, replace)
    validate(merged, f"{SPEC} (merged)")
    report = describe_changes(current, merged)
    if merged == current:
        return [f"{SPEC}: no changes (imported {len(sources)} source(s))"]
    write_atomically(spec_path, dump(merged))
    lines = [f"{SPEC}: updated from {len(sources)} source(s)", *report]
    problems = contract_problems(merged)
    if problems:
        lines.append("warning: the facade's contract is broken; `make generate` will refuse until it is fixed:")
        lines += [f"  - {problem}" for problem in problems]
    else:
        lines.append("next: review the changes (git diff openapi/), then `make generate` and `make test`")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sources", nargs="+", type=Path, help="Markdown pages, YAML or JSON files")
    parser.add_argument("--replace", action="store_true", help="keep only what the sources define")
    parser.add_argument("--root", type=Path, default=ROOT, help="repository root (default: this checkout)")
    args = parser.parse_args(argv)
    try:
        lines = import_sources(args.root.resolve(), args.sources, args.replace)
    except (SpecError, ImportError_) as exc:
        print(f"error: {exc}", file=sys.stderr)
        print(f"{SPEC} was left unchanged.", file=sys.stderr)
        return 1
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
