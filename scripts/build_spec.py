"""Build openapi/tmdb-v4.yaml from its sources: `make spec` (rebuild) and `make check-spec`.

    python -m scripts.build_spec           # rebuild the spec from openapi/sources + openapi/overrides.yaml
    python -m scripts.build_spec --check   # fail, with a diff, if the committed spec is not what they give

The spec is derived, never edited by hand: it is what the files in openapi/sources/
(documentation pages, YAML or JSON documents) and openapi/overrides.yaml give. The same
sources give the same bytes, whatever order they were imported in:

- merging is a union; a key two sources both define (an operation, a path-level field, a
  component, a document-level field such as ``info``) must be equal in both, or the build
  stops naming both sources; a bare tag ``{name: X}`` adds nothing to a described one;
- the layout is fixed: top-level keys in OpenAPI order, paths sorted, within a path
  ``summary, description, servers, parameters`` then ``get, put, post, delete, options,
  head, patch, trace``, tags sorted by name, components by kind then name;
- each node is written as its source wrote it (ruamel.yaml round trip with the pages'
  indentation: mappings 2, sequences 4 with offset 2; folded ``>-`` scalars and quoted
  ``'200'`` keys kept), so an operation whose content did not change keeps its lines byte
  for byte; where two sources define a node equally, the one whose file name sorts first is
  written;
- openapi/overrides.yaml renames operations (``operationId``, and so the generated module)
  after the merge; an override naming an operation no source defines is an error.
"""

from __future__ import annotations

import argparse
import copy
import difflib
import io
import os
import stat
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from scripts.specfile import SpecError, parse_document, source_text_and_language, validate

ROOT = Path(__file__).resolve().parent.parent
SPEC = Path("openapi/tmdb-v4.yaml")
SOURCES = Path("openapi/sources")
OVERRIDES = Path("openapi/overrides.yaml")
SOURCE_SUFFIXES = (".md", ".markdown", ".yaml", ".yml", ".json")

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
TOP_LEVEL_ORDER = ("openapi", "info", "externalDocs", "servers", "security", "tags", "paths", "components")
PATH_ITEM_ORDER = ("$ref", "summary", "description", "servers", "parameters", *HTTP_METHODS)
COMPONENT_KINDS = (
    "schemas",
    "responses",
    "parameters",
    "examples",
    "requestBodies",
    "headers",
    "securitySchemes",
    "links",
    "callbacks",
)
MERGED_TOP_LEVEL = ("tags", "paths", "components")

HEADER = (
    "# Built by `make spec` from openapi/sources/ and openapi/overrides.yaml (scripts/build_spec.py).\n"
    "# Do not edit: add or update pages with `make import-spec FROM=...`, rename operations in overrides.yaml.\n"
)


class BuildError(Exception):
    """The sources or overrides cannot be combined into a spec; the message names the file(s) and the key."""


@dataclass(frozen=True)
class Source:
    """One OpenAPI document: its file name (the merge's tie-break), a label for messages, its tree."""

    name: str
    label: str
    tree: CommentedMap


@dataclass(frozen=True)
class Overrides:
    """Local corrections applied after the merge: (METHOD, path) -> new operationId."""

    operation_ids: dict[tuple[str, str], str]


# --- YAML: round trip in, canonical out ----------------------------------------------------------


def round_trip_yaml() -> YAML:
    """The loader/dumper whose output matches the documentation pages' layout."""
    handler = YAML(typ="rt")
    handler.preserve_quotes = True
    handler.indent(mapping=2, sequence=4, offset=2)
    handler.width = 1 << 16  # never wrap a plain scalar (tokens in examples are long)
    return handler


def plain(node: Any) -> Any:
    """A ruamel tree as plain dicts, lists and scalars (order-insensitive comparison, validation)."""
    if isinstance(node, dict):
        return {plain(key): plain(value) for key, value in node.items()}
    if isinstance(node, list):
        return [plain(item) for item in node]
    if isinstance(node, bool) or node is None:
        return node
    for kind in (str, int, float):
        if isinstance(node, kind):
            return kind(node)
    return node


def block_tree(node: Any) -> Any:
    """Plain data (from JSON) as a ruamel tree in block style, like the pages are written."""
    if isinstance(node, dict):
        mapping = CommentedMap()
        for key, value in node.items():
            mapping[key] = block_tree(value)
        return mapping
    if isinstance(node, list):
        sequence = CommentedSeq()
        sequence.extend(block_tree(item) for item in node)
        return sequence
    return node


def read_source(path: Path, label: str | None = None, name: str | None = None) -> Source:
    """Parse and validate one source file (page, YAML or JSON), keeping its layout."""
    label = label or str(path)
    text, language = source_text_and_language(path)
    data = parse_document(text, label, language)  # the error messages name the source and line
    validate(data, label)
    if language == "json":
        tree = block_tree(data)
    else:
        tree = round_trip_yaml().load(text)
        if plain(tree) != data:
            raise SpecError(
                f"{label}: this YAML reads differently under YAML 1.1 and 1.2 (e.g. an unquoted yes/no/on/off); "
                "quote the ambiguous scalars"
            )
    return Source(name=name or path.name, label=label, tree=tree)


def source_files(directory: Path) -> list[Path]:
    """The source files in openapi/sources/, sorted by name."""
    if not directory.is_dir():
        return []
    found = []
    for path in sorted(directory.iterdir()):
        if path.name.startswith(".") or not path.is_file():
            continue
        if path.suffix.lower() not in SOURCE_SUFFIXES:
            raise BuildError(f"{path}: not a source ({', '.join(SOURCE_SUFFIXES)}); move it out of {directory}")
        found.append(path)
    return found


def dump(tree: CommentedMap) -> str:
    out = io.StringIO()
    round_trip_yaml().dump(tree, out)
    return HEADER + out.getvalue()


# --- overrides ---------------------------------------------------------------------------------


def parse_overrides(text: str, label: str) -> Overrides:
    """openapi/overrides.yaml: ``operations: {"METHOD /path": {operationId: newId}}``; anything else is an error."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise BuildError(f"{label}: invalid YAML: {exc}") from exc
    document = document or {}
    if not isinstance(document, dict) or set(document) - {"operations"}:
        raise BuildError(f"{label}: expected a mapping with only the key 'operations'")
    renames: dict[tuple[str, str], str] = {}
    for key, value in (document.get("operations") or {}).items():
        method, _, path = str(key).partition(" ")
        if method.lower() not in HTTP_METHODS or not path.startswith("/"):
            raise BuildError(f"{label}: operations: {key!r} is not 'METHOD /path' (e.g. 'GET /4/list/{{list_id}}')")
        if not isinstance(value, dict) or set(value) != {"operationId"} or not isinstance(value["operationId"], str):
            raise BuildError(f"{label}: operations: {key!r}: expected {{operationId: newName}}, found {value!r}")
        if not value["operationId"].strip():
            raise BuildError(f"{label}: operations: {key!r}: operationId is empty")
        renames[(method.upper(), path)] = value["operationId"]
    return Overrides(renames)


def read_overrides(path: Path, label: str | None = None) -> Overrides:
    if not path.is_file():
        return Overrides({})
    return parse_overrides(path.read_text(encoding="utf-8"), label or str(path))


def apply_overrides(tree: CommentedMap, overrides: Overrides, label: str) -> None:
    paths = tree.get("paths") or {}
    for (method, path), operation_id in sorted(overrides.operation_ids.items()):
        operation = (paths.get(path) or {}).get(method.lower())
        if not isinstance(operation, dict):
            raise BuildError(
                f"{label}: operations: '{method} {path}' is not defined by any source in {SOURCES}/; "
                "remove the override, or import the page that defines it"
            )
        operation = copy.deepcopy(operation)  # the node may be shared with a source's tree: keep build() pure
        operation["operationId"] = operation_id  # a CommentedMap keeps the key's position
        paths[path][method.lower()] = operation


# --- the merge ---------------------------------------------------------------------------------


class _Merger:
    """Picks, for each key, the one node every source that defines it agrees on."""

    def __init__(self) -> None:
        self.chosen: dict[tuple[str, ...], tuple[Source, Any]] = {}

    def put(self, key: tuple[str, ...], source: Source, node: Any) -> None:
        if key not in self.chosen:
            self.chosen[key] = (source, node)
            return
        first, existing = self.chosen[key]
        if plain(existing) != plain(node):
            raise BuildError(
                f"conflicting definitions of {' '.join(key)}: {first.label} and {source.label} define it differently; "
                "keep one of them, or make them agree (to update a page, import its new version under the same "
                f"file name, which replaces it in {SOURCES}/)"
            )

    def get(self, key: tuple[str, ...]) -> Any:
        return self.chosen[key][1]


def _ordered(keys: Iterable[str], order: Sequence[str]) -> list[str]:
    known = [key for key in order if key in keys]
    return known + sorted(key for key in keys if key not in order)


def _merge_tags(sources: Sequence[Source]) -> CommentedSeq | None:
    described: dict[str, tuple[Source, Any]] = {}
    bare: dict[str, Any] = {}
    for source in sources:
        for tag in source.tree.get("tags") or []:
            name = str(tag.get("name"))
            if len(tag) == 1:
                bare.setdefault(name, tag)
            elif name not in described:
                described[name] = (source, tag)
            elif plain(described[name][1]) != plain(tag):
                raise BuildError(
                    f"conflicting definitions of tag {name}: {described[name][0].label} and {source.label} "
                    "define it differently"
                )
    names = sorted(described.keys() | bare.keys())
    if not names:
        return None
    tags = CommentedSeq()
    tags.extend(described[name][1] if name in described else bare[name] for name in names)
    return tags


def merge(sources: Sequence[Source]) -> CommentedMap:
    """One canonical tree from the sources; independent of their order (ties go to the first file name)."""
    if not sources:
        raise BuildError(f"no sources: {SOURCES}/ is empty; import a page with `make import-spec FROM=page.md`")
    ordered_sources = sorted(sources, key=lambda source: (source.name, source.label))
    names = [source.name for source in ordered_sources]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise BuildError(f"two sources share the file name {duplicates[0]}; rename one of them")
    merger = _Merger()
    for source in ordered_sources:
        for field, value in source.tree.items():
            if field not in MERGED_TOP_LEVEL:
                merger.put((str(field),), source, value)
        for path, item in (source.tree.get("paths") or {}).items():
            for field, value in (item or {}).items():
                key = ("operation", field.upper(), path) if field in HTTP_METHODS else ("path field", path, field)
                merger.put(key, source, value)
        for kind, entries in (source.tree.get("components") or {}).items():
            for name, value in (entries or {}).items():
                merger.put(("component", f"{kind}/{name}"), source, value)

    keys = merger.chosen.keys()
    tree = CommentedMap()
    top_level = {key[0] for key in keys if len(key) == 1} | set(MERGED_TOP_LEVEL)
    for field in _ordered(top_level, TOP_LEVEL_ORDER):
        if field == "tags":
            tags = _merge_tags(ordered_sources)
            if tags is not None:
                tree["tags"] = tags
        elif field == "paths":
            tree["paths"] = _merged_paths(merger)
        elif field == "components":
            components = _merged_components(merger)
            if components:
                tree["components"] = components
        else:
            tree[field] = merger.get((field,))
    return tree


def _merged_paths(merger: _Merger) -> CommentedMap:
    fields: dict[str, dict[str, Any]] = {}
    for key in merger.chosen:
        if key[0] == "operation":
            fields.setdefault(key[2], {})[key[1].lower()] = merger.get(key)
        elif key[0] == "path field":
            fields.setdefault(key[1], {})[key[2]] = merger.get(key)
    paths = CommentedMap()
    for path in sorted(fields):
        item = CommentedMap()
        for field in _ordered(fields[path], PATH_ITEM_ORDER):
            item[field] = fields[path][field]
        paths[path] = item
    return paths


def _merged_components(merger: _Merger) -> CommentedMap:
    entries: dict[str, dict[str, Any]] = {}
    for key in merger.chosen:
        if key[0] == "component":
            kind, _, name = key[1].partition("/")
            entries.setdefault(kind, {})[name] = merger.get(key)
    components = CommentedMap()
    for kind in _ordered(entries, COMPONENT_KINDS):
        components[kind] = CommentedMap((name, entries[kind][name]) for name in sorted(entries[kind]))
    return components


def build(sources: Sequence[Source], overrides: Overrides, overrides_label: str = str(OVERRIDES)) -> str:
    """The spec text the sources and overrides give (pure: same inputs, same bytes, in any order)."""
    tree = merge(sources)
    apply_overrides(tree, overrides, overrides_label)
    text = dump(tree)
    document = parse_document(text, f"{SPEC} (built)")
    if document != plain(tree):  # what is written must read back as what was merged
        raise BuildError(f"{SPEC}: the built YAML does not read back as the merged document; report this as a bug")
    validate(document, f"{SPEC} (built from {SOURCES}/ and {OVERRIDES})")
    return text


def build_from(root: Path) -> str:
    """The spec text root's openapi/sources and openapi/overrides.yaml give."""
    sources = [read_source(path, str(path.relative_to(root))) for path in source_files(root / SOURCES)]
    return build(sources, read_overrides(root / OVERRIDES, str(OVERRIDES)))


# --- command line -------------------------------------------------------------------------------


def write_atomically(path: Path, text: str) -> None:
    """Replace `path` with `text` in one rename, keeping its mode (a new file gets the umask's default).

    mkstemp creates its file 0600: renamed as is, the spec would become private to its writer.
    """
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            os.fchmod(out.fileno(), mode)
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 with a diff if the spec is stale")
    parser.add_argument("--root", type=Path, default=ROOT, help="repository root (default: this checkout)")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    try:
        text = build_from(root)
    except (SpecError, BuildError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        print(f"{SPEC} was left unchanged.", file=sys.stderr)
        return 1
    spec_path = root / SPEC
    current = spec_path.read_text(encoding="utf-8") if spec_path.is_file() else ""
    if current == text:
        print(f"{SPEC} matches {SOURCES}/ and {OVERRIDES}")
        return 0
    if args.check:
        print(f"{SPEC} is not what {SOURCES}/ and {OVERRIDES} give:", file=sys.stderr)
        diff = difflib.unified_diff(
            text.splitlines(keepends=True),
            current.splitlines(keepends=True),
            fromfile=f"built/{SPEC}",
            tofile=str(SPEC),
        )
        sys.stderr.writelines(diff)
        print("The spec is never edited by hand: run `make spec` and commit the result.", file=sys.stderr)
        return 1
    write_atomically(spec_path, text)
    print(f"rebuilt {SPEC} from {SOURCES}/ and {OVERRIDES}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
