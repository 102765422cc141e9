"""What an import does, as pure functions: documents in, the new spec document and a report out.

For each source document (scripts/specfile.py reads pages and documents):

1. **pick** its operations (all, or those named by operationId) and **slice** what they
   reference: path-level fields of their paths, and, transitively, the components their
   ``$ref``s and security requirements name;
2. **repair** the slice by the rules openapi/import.yaml names (scripts/repairs.py);
3. **convert** a 3.1 slice to the spec's 3.0 (scripts/convert.py; every node keeps its place);
4. **validate** it as OpenAPI 3.0: every error, with the source file and its JSON pointer there;
5. **reconcile** document-level differences with the spec: a server path prefix is folded
   into the paths; a security scheme meaning "bearer token in the Authorization header" maps
   onto the spec's scheme of that meaning; a document-level ``security`` that differs from the
   spec's is written into each imported operation that has none; the spec's ``openapi``,
   ``info`` and ``tags`` win (a tag the spec does not declare yet is added).

Then :func:`plan` merges every source's contribution into the spec document: new operations
and components are added; identical ones left alone; existing ones that differ are replaced
only with ``replace``, else reported as conflicts. Every conflict, of every source, is
reported at once.
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scripts import convert, repairs, yamlio
from scripts.specfile import Source, pointer, structure, validation_errors
from scripts.splice import HTTP_METHODS

RULES_FILE = Path("openapi/import.yaml")
_DOCUMENT_FIELDS = ("openapi", "info", "servers", "security", "tags", "paths", "components")


class ImportProblem(Exception):
    """The import cannot be done as asked; the message lists every reason."""


@dataclass(frozen=True)
class Rules:
    """openapi/import.yaml: the repair rules applied, and operationId renames by "METHOD /path"."""

    repairs: tuple[str, ...]
    operation_ids: dict[tuple[str, str], str]


def parse_rules(text: str, label: str) -> Rules:
    try:
        document = yamlio.load(text) or {}
    except yamlio.YAMLReadError as exc:
        raise ImportProblem(f"{label}: {exc}") from None
    problems = []
    if not isinstance(document, dict) or set(document) - {"repairs", "operationIds"}:
        raise ImportProblem(f"{label}: expected a mapping with the keys 'repairs' and 'operationIds'")
    rules = document.get("repairs") or []
    if not isinstance(rules, list) or not all(isinstance(rule, str) for rule in rules):
        problems.append("repairs: expected a list of rule names")
        rules = []
    problems += [
        f"repairs: unknown rule {rule!r} (the rules: {', '.join(repairs.RULES)})"
        for rule in rules
        if rule not in repairs.RULES
    ]
    renames: dict[tuple[str, str], str] = {}
    entries = document.get("operationIds") or {}
    if not isinstance(entries, dict):
        problems.append('operationIds: expected a mapping of "METHOD /path" to a new operationId')
        entries = {}
    for key, value in entries.items():
        method, _, path = str(key).partition(" ")
        if method.lower() not in HTTP_METHODS or not path.startswith("/"):
            problems.append(f"operationIds: {key!r} is not 'METHOD /path' (e.g. 'GET /4/list/{{list_id}}')")
        elif not isinstance(value, str) or not value.strip():
            problems.append(f"operationIds: {key!r}: expected a new operationId, found {value!r}")
        else:
            renames[(method.upper(), path)] = value
    if problems:
        raise ImportProblem(f"{label}:\n" + "\n".join(f"  {problem}" for problem in problems))
    return Rules(tuple(rules), renames)


def read_rules(root: Path) -> Rules:
    path = root / RULES_FILE
    if not path.is_file():
        return Rules(repairs.RULES, {})
    return parse_rules(path.read_text(encoding="utf-8"), str(RULES_FILE))


@dataclass
class Contribution:
    """What one source brings, in the spec's terms (paths folded, schemes mapped, 3.0)."""

    source: Source
    operations: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)  # (path, method)
    path_fields: dict[tuple[str, str], Any] = field(default_factory=dict)  # (path, field)
    components: dict[tuple[str, str], Any] = field(default_factory=dict)  # (kind, name)
    tags: dict[str, Any] = field(default_factory=dict)
    origins: dict[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict)  # spec keys -> source keys
    picked: set[str] = field(default_factory=set)  # the operationIds picked (as the source names them)
    total: int = 0  # operations in the source
    notes: list[str] = field(default_factory=list)
    repairs: list[repairs.Repair] = field(default_factory=list)
    conversions: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # validation errors of the (repaired) slice
    conflicts: list[str] = field(default_factory=list)


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in (document.get("paths") or {}).items():
        if isinstance(item, dict):
            for method in HTTP_METHODS:
                if isinstance(item.get(method), dict):
                    yield path, method, item[method]


def _refs(node: Any) -> Iterator[str]:
    """Every ``$ref`` in the node's structure (not in examples or defaults)."""
    for mapping, _ in structure(node):
        if isinstance(mapping.get("$ref"), str):
            yield mapping["$ref"]


def _component_of(ref: str) -> tuple[str, str] | None:
    parts = [part.replace("~1", "/").replace("~0", "~") for part in ref[2:].split("/")] if ref.startswith("#/") else []
    if len(parts) >= 3 and parts[0] == "components":
        return parts[1], parts[2]
    return None


def _security_names(requirements: Any) -> set[str]:
    return {name for requirement in requirements or [] if isinstance(requirement, dict) for name in requirement}


def _slice(document: dict[str, Any], chosen: list[tuple[str, str]], label: str, conflicts: list[str]) -> dict[str, Any]:
    """The picked operations, their paths' fields and every component they reference, transitively."""
    sliced: dict[str, Any] = {
        key: document[key] for key in ("openapi", "info", "servers", "security") if key in document
    }
    paths: dict[str, Any] = {}
    for path, method in chosen:
        item = document["paths"][path]
        if path not in paths:
            paths[path] = {key: value for key, value in item.items() if key not in HTTP_METHODS}
        paths[path][method] = item[method]
    sliced["paths"] = paths
    available = document.get("components") or {}
    wanted: dict[str, dict[str, Any]] = {}
    pending = list(_refs(paths))
    schemes = _security_names(document.get("security"))
    for _, method_item in paths.items():
        for method in HTTP_METHODS:
            if isinstance(method_item.get(method), dict):
                schemes |= _security_names(method_item[method].get("security"))
    for name in sorted(schemes):
        pending.append(f"#/components/securitySchemes/{pointer([name])[1:]}")
    while pending:
        ref = pending.pop()
        target = _component_of(ref)
        if target is None:
            conflicts.append(f"{label}: $ref {ref!r} is not supported (only local references into #/components/)")
            continue
        kind, name = target
        if name in wanted.get(kind, {}):
            continue
        value = (available.get(kind) or {}).get(name)
        if value is None:
            if kind != "securitySchemes":
                conflicts.append(f"{label}: $ref {ref!r} points to nothing")
            continue
        wanted.setdefault(kind, {})[name] = value
        pending.extend(_refs(value))
    if wanted:
        sliced["components"] = wanted
    return sliced


def _server_urls(document: dict[str, Any]) -> list[str]:
    urls = []
    for server in document.get("servers") or []:
        if isinstance(server, dict) and isinstance(server.get("url"), str):
            url = server["url"]
            for name, variable in (server.get("variables") or {}).items():
                if isinstance(variable, dict) and "default" in variable:
                    url = url.replace("{" + str(name) + "}", str(variable["default"]))
            urls.append(url)
    return urls


def _fold_servers(document: dict[str, Any], spec: dict[str, Any], label: str, c: Contribution) -> tuple[str, str]:
    """(prefix to add to each path, prefix to strip from each) so the paths mean the same under the spec's server."""
    spec_urls = _server_urls(spec) or ["/"]
    spec_url = urlsplit(spec_urls[0])
    spec_path = spec_url.path.rstrip("/")
    results = set()
    for url in _server_urls(document):
        parts = urlsplit(url)
        if parts.netloc and spec_url.netloc and parts.netloc.lower() != spec_url.netloc.lower():
            c.conflicts.append(f"{label}: server {url} is on another host than the spec's server {spec_urls[0]}")
            continue
        source_path = parts.path.rstrip("/")
        if source_path == spec_path or source_path.startswith(spec_path + "/"):
            results.add((source_path[len(spec_path) :], ""))
        elif spec_path.startswith(source_path + "/") or not source_path:
            results.add(("", spec_path[len(source_path) :]))
        else:
            c.conflicts.append(f"{label}: server {url} and the spec's server {spec_urls[0]} have unrelated paths")
    if len(results) > 1:
        c.conflicts.append(
            f"{label}: its servers differ in path ({', '.join(_server_urls(document))}); import one at a time"
        )
        return "", ""
    add, strip = next(iter(results), ("", ""))
    if add:
        c.notes.append(
            f"server {_server_urls(document)[0]}: paths prefixed with {add} (the spec's server is {spec_urls[0]})"
        )
    if strip:
        bad = [path for path, _, _ in _operations(document) if not path.startswith(strip + "/")]
        if bad:
            c.conflicts.append(
                f"{label}: server {_server_urls(document)[0]} and path {bad[0]} do not fit "
                f"the spec's server {spec_urls[0]}"
            )
        else:
            c.notes.append(
                f"server {_server_urls(document)[0]}: {strip} taken off the paths (the spec's server is {spec_urls[0]})"
            )
    return add, strip


def is_bearer(scheme: Any) -> bool:
    """A security scheme meaning "a bearer token in the Authorization header", however it is written."""
    if not isinstance(scheme, dict):
        return False
    if scheme.get("type") == "http":
        return str(scheme.get("scheme", "")).lower() == "bearer"
    return (
        scheme.get("type") == "apiKey"
        and scheme.get("in") == "header"
        and str(scheme.get("name", "")).lower() == "authorization"
    )


def _describe_scheme(scheme: dict[str, Any]) -> str:
    if scheme.get("type") == "apiKey":
        return f"apiKey in {scheme.get('in')} {scheme.get('name')}"
    return " ".join(str(scheme.get(key)) for key in ("type", "scheme") if key in scheme)


def _map_requirements(requirements: Any, mapping: dict[str, str]) -> Any:
    if not isinstance(requirements, list):
        return requirements
    mapped = []
    for requirement in requirements:
        if not isinstance(requirement, dict):
            mapped.append(requirement)
            continue
        merged: dict[str, Any] = {}
        for name, scopes in requirement.items():
            target = mapping.get(str(name), str(name))
            merged[target] = sorted(set(merged.get(target, [])) | set(scopes or [])) if target in merged else scopes
        mapped.append(merged)
    return mapped


def _reconcile_security(sliced: dict[str, Any], spec: dict[str, Any], label: str, c: Contribution) -> None:
    spec_schemes = (spec.get("components") or {}).get("securitySchemes") or {}
    spec_bearer = next((name for name, scheme in spec_schemes.items() if is_bearer(scheme)), None)
    schemes = (sliced.get("components") or {}).get("securitySchemes") or {}
    mapping: dict[str, str] = {}
    for name, scheme in list(schemes.items()):
        if is_bearer(scheme) and spec_bearer is not None:
            mapping[name] = spec_bearer
            del schemes[name]
            if name != spec_bearer or scheme != spec_schemes[spec_bearer]:
                c.notes.append(f"security scheme {name} ({_describe_scheme(scheme)}) -> the spec's {spec_bearer}")
        elif name in spec_schemes and spec_schemes[name] != scheme:
            c.conflicts.append(
                f"{label}: security scheme {name} ({_describe_scheme(scheme)}) differs from the spec's "
                f"{name} ({_describe_scheme(spec_schemes[name])}); rename one of them"
            )
            del schemes[name]
    for _, _, operation in _operations(sliced):
        if "security" in operation:
            operation["security"] = _map_requirements(operation["security"], mapping)
    source_security = _map_requirements(sliced.get("security"), mapping)
    spec_security = spec.get("security")
    if source_security == spec_security or (not source_security and not spec_security):
        return
    written = 0
    for _, _, operation in _operations(sliced):
        if "security" not in operation:
            operation["security"] = copy.deepcopy(source_security) if source_security is not None else []
            written += 1
    if written:
        c.notes.append(
            f"document-level security {source_security if source_security is not None else 'none'} differs from the "
            f"spec's {spec_security}: written into the {written} imported operation(s) without their own"
        )


def prepare(source: Source, spec: dict[str, Any], rules: Rules, wanted: set[str] | None) -> Contribution:
    """One source's contribution to the spec (see the module docstring); problems are collected, not raised."""
    label, document = source.label, copy.deepcopy(source.document)
    c = Contribution(source)
    all_operations = list(_operations(document))
    c.total = len(all_operations)
    chosen = [
        (path, method) for path, method, op in all_operations if wanted is None or op.get("operationId") in wanted
    ]
    c.picked = {str(document["paths"][path][method].get("operationId")) for path, method in chosen}
    for path in document.get("paths") or {}:
        if isinstance(document["paths"][path], dict) and "$ref" in document["paths"][path]:
            c.conflicts.append(f"{label}: path {path} is a $ref; only inline path items are supported")
    if not chosen:
        return c
    sliced = _slice(document, chosen, label, c.conflicts)
    c.repairs = repairs.apply(sliced, rules.repairs, label)
    if str(sliced.get("openapi")).startswith("3.1"):
        # Converted in place (every node keeps its JSON pointer), then validated as what the spec will hold:
        # an error names the source file and the place in it, and a 3.1 construct 3.0 cannot express is one.
        c.conversions = convert.to_openapi_30(sliced, label)
        sliced["openapi"] = "3.0.3"
    c.errors = validation_errors(sliced, label)
    if c.errors:
        return c
    ignored = [key for key in source.document if key not in _DOCUMENT_FIELDS]
    differing = [key for key in ("openapi", "info") if source.document.get(key) != spec.get(key)]
    if ignored or differing:
        c.notes.append(
            f"kept the spec's {' and '.join(differing) or 'document fields'}"
            + (f"; ignored {', '.join(ignored)}" if ignored else "")
        )
    add, strip = _fold_servers(sliced, spec, label, c)
    _reconcile_security(sliced, spec, label, c)
    spec_tags = {tag.get("name") for tag in spec.get("tags") or [] if isinstance(tag, dict)}
    source_tags = {tag.get("name"): tag for tag in source.document.get("tags") or [] if isinstance(tag, dict)}
    for source_path, item in sliced["paths"].items():
        path = add + source_path[len(strip) :]
        for key, value in item.items():
            origin = ("paths", source_path, key)
            if key in HTTP_METHODS:
                new_id = rules.operation_ids.get((key.upper(), path))
                if new_id is not None and new_id != value.get("operationId"):
                    c.notes.append(
                        f"{key.upper()} {path}: operationId {value.get('operationId')} -> {new_id} ({RULES_FILE})"
                    )
                    value["operationId"] = new_id
                c.operations[(path, key)] = value
                for tag in value.get("tags") or []:
                    if tag not in spec_tags and tag in source_tags:
                        c.tags[tag] = source_tags[tag]
            else:
                c.path_fields[(path, key)] = value
            c.origins[("paths", path, key)] = origin
    for kind, entries in (sliced.get("components") or {}).items():
        for name, value in entries.items():
            c.components[(kind, name)] = value
            c.origins[("components", kind, name)] = ("components", kind, name)
    return c


def _differences(old: Any, new: Any) -> str:
    if isinstance(old, dict) and isinstance(new, dict):
        keys = sorted({*old, *new}, key=str)
        return ", ".join(str(key) for key in keys if old.get(key) != new.get(key))
    return "its value"


@dataclass
class Plan:
    document: dict[str, Any]
    lines: list[str]
    conflicts: list[str]
    changed: bool


def _label(path: str, method: str, operation: dict[str, Any]) -> str:
    operation_id = operation.get("operationId")
    return f"{method.upper()} {path}" + (f" ({operation_id})" if operation_id else "")


def plan(spec: dict[str, Any], contributions: list[Contribution], replace: bool, spec_label: str) -> Plan:
    """The spec document with every contribution merged in, the report lines, and every conflict."""
    new = copy.deepcopy(spec)
    lines: list[str] = []
    conflicts: list[str] = []
    changed = False
    merged: dict[tuple[str, str, str], tuple[Any, str]] = {}
    for c in contributions:
        units = [(("paths", p, m), v) for (p, m), v in c.operations.items()]
        units += [(("paths", p, f), v) for (p, f), v in c.path_fields.items()]
        units += [(("components", k, n), v) for (k, n), v in c.components.items()]
        for key, value in units:
            if key in merged and merged[key][0] != value:
                conflicts.append(f"{'/'.join(key[1:])}: {merged[key][1]} and {c.source.label} define it differently")
            merged.setdefault(key, (value, c.source.label))
    for key in sorted(merged, key=lambda k: (k[0] != "paths", k[1:])):
        value, label = merged[key]
        section, outer, inner = key
        container = (new.get(section) or {}).get(outer)
        existing = container.get(inner) if isinstance(container, dict) else None
        is_operation = section == "paths" and inner in HTTP_METHODS
        name = (
            _label(outer, inner, value)
            if is_operation
            else f"{'path field' if section == 'paths' else 'component'} {outer} {inner}"
        )
        if existing is None:
            lines.append(f"  added:     {name}")
        elif existing == value:
            lines.append(f"  unchanged: {name}")
            continue
        elif replace:
            lines.append(f"  replaced:  {name} (differed in: {_differences(existing, value)})")
        else:
            conflicts.append(
                f"{name} is in {spec_label} and differs from {label} (in: {_differences(existing, value)}); "
                "to overwrite it, import with --replace (make import-spec ... REPLACE=1), or leave it out with OPS="
            )
            continue
        new.setdefault(section, {})
        if not isinstance(new[section].get(outer), dict):
            new[section][outer] = {}
        new[section][outer][inner] = copy.deepcopy(value)
        changed = True
    new_tags: dict[str, Any] = {}
    for c in contributions:
        new_tags.update({name: tag for name, tag in c.tags.items() if name not in new_tags})
    if new_tags:
        tags = list(new.get("tags") or [])
        names = [tag.get("name") for tag in tags if isinstance(tag, dict)]
        for name in sorted(new_tags):
            position = len(tags)
            if names == sorted(names, key=str):
                position = next((i for i, other in enumerate(names) if str(other) > name), len(tags))
            tags.insert(position, copy.deepcopy(new_tags[name]))
            names.insert(position, name)
            lines.append(f"  added:     tag {name}")
        new["tags"] = tags
        changed = True
    seen: dict[str, str] = {}
    for path, method, operation in _operations(new):
        operation_id = operation.get("operationId")
        if isinstance(operation_id, str):
            if operation_id in seen:
                conflicts.append(
                    f"operationId {operation_id} would be used twice: {seen[operation_id]} and {method.upper()} {path}"
                )
            seen[operation_id] = f"{method.upper()} {path}"
    return Plan(new, lines, conflicts, changed)


def unknown_operations(wanted: set[str], contributions: list[Contribution]) -> list[str]:
    """The wanted operationIds no source has, each with the closest ones that exist."""
    found = set().union(*(c.picked for c in contributions)) if contributions else set()
    available = {str(op.get("operationId")) for c in contributions for _, _, op in _operations(c.source.document)}
    problems = []
    for name in sorted(wanted - found):
        close = difflib.get_close_matches(name, sorted(available), n=3)
        problems.append(
            f"no operation {name!r} in {', '.join(c.source.label for c in contributions)}"
            + (f" (did you mean {', '.join(close)}?)" if close else "")
        )
    return problems
