"""The guard between a regenerated client and the hand-written code that imports it.

Before `make generate` replaces generated/, everything src/ uses from ``tmdb_v4_client`` is
looked up in the new tree: every module and name it imports, every attribute it reads from
them (``logout.sync_detailed``, ``Model.from_dict``), every keyword it passes to a model
(``LogoutBody(access_token=...)``) and every field it reads from a parameter annotated with a
model (``model.access_token``, ``getattr(model, "access_token")``, or through a helper that
does ``getattr(model, name)``). A tag rename moves an operation's module; a schema moved into
``components`` renames its model: either stops generation with a message naming the line of
src/ that would break.

What src/ needs is read from its source with ``ast`` (no import of the facade); the lookup
runs in a subprocess with the new tree first on the path, so it sees that tree's modules as
Python will, lazy ``models/__init__`` included.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

PACKAGE = "tmdb_v4_client"


@dataclass
class Demand:
    """One thing src/ takes from the generated package."""

    where: str  # "src/tmdb_auth/client.py:18"
    statement: str  # "from tmdb_v4_client.api.auth import logout"
    module: str
    name: str | None  # None: the module itself
    attributes: set[str] = field(default_factory=set)
    fields: set[str] = field(default_factory=set)


def _annotation_names(annotation: ast.expr | None) -> set[str]:
    if annotation is None:
        return set()
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        try:
            annotation = ast.parse(annotation.value, mode="eval").body
        except SyntaxError:
            return set()
    return {node.id for node in ast.walk(annotation) if isinstance(node, ast.Name)}


def _getattr_helpers(tree: ast.Module) -> dict[str, tuple[int, int]]:
    """Functions whose body does getattr(<param i>, <param j>): name -> (i, j)."""
    helpers = {}
    for function in tree.body:
        if not isinstance(function, ast.FunctionDef):
            continue
        params = [arg.arg for arg in function.args.args]
        for node in ast.walk(function):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "getattr"
                and len(node.args) >= 2
                and all(isinstance(arg, ast.Name) and arg.id in params for arg in node.args[:2])
            ):
                names = [arg.id for arg in node.args[:2] if isinstance(arg, ast.Name)]
                helpers[function.name] = (params.index(names[0]), params.index(names[1]))
    return helpers


def _file_demands(path: Path, label: str) -> Iterator[Demand]:
    text = path.read_text(encoding="utf-8")
    if PACKAGE not in text:
        return  # most of src/ never names the generated package: no need to parse it
    tree = ast.parse(text, filename=str(path))
    bound: dict[str, Demand] = {}
    found: list[Demand] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] == PACKAGE:
            for alias in node.names:
                statement = f"from {node.module} import {alias.name}"
                demand = Demand(f"{label}:{node.lineno}", statement, str(node.module), alias.name)
                found.append(demand)
                bound[alias.asname or alias.name] = demand
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == PACKAGE:
                    demand = Demand(f"{label}:{node.lineno}", f"import {alias.name}", alias.name, None)
                    found.append(demand)
                    if alias.asname:
                        bound[alias.asname] = demand
    helpers = _getattr_helpers(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in bound:
            bound[node.value.id].attributes.add(node.attr)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in bound:
            bound[node.func.id].fields |= {keyword.arg for keyword in node.keywords if keyword.arg}
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            typed = {
                arg.arg: bound[name]
                for arg in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]
                for name in _annotation_names(arg.annotation)
                if name in bound
            }
            for inner in ast.walk(node):
                if isinstance(inner, ast.Attribute) and isinstance(inner.value, ast.Name) and inner.value.id in typed:
                    typed[inner.value.id].fields.add(inner.attr)
                elif isinstance(inner, ast.Call) and isinstance(inner.func, ast.Name):
                    positions = {"getattr": (0, 1), "hasattr": (0, 1), **helpers}.get(inner.func.id)
                    if positions is None or len(inner.args) <= max(positions):
                        continue
                    target, name = inner.args[positions[0]], inner.args[positions[1]]
                    literal = name.value if isinstance(name, ast.Constant) else None
                    if isinstance(target, ast.Name) and target.id in typed and isinstance(literal, str):
                        typed[target.id].fields.add(literal)
    yield from found


def demands(root: Path, src: Path = Path("src")) -> list[Demand]:
    """Everything the hand-written code under root/src takes from the generated package."""
    found: list[Demand] = []
    for path in sorted((root / src).rglob("*.py")):
        found += _file_demands(path, path.relative_to(root).as_posix())
    return found


_LOOKUP = r"""
import importlib, inspect, json, sys
import attrs

tree = sys.argv[1]
package = importlib.import_module(sys.argv[2])
if not (package.__file__ or "").startswith(tree):
    print(json.dumps([f"{sys.argv[2]} was imported from {package.__file__}, not from {tree}"]))
    sys.exit(0)
problems = []
for d in json.loads(sys.stdin.read()):
    line = f"{d['where']}: `{d['statement']}` would break"
    try:
        found = importlib.import_module(d["module"])
    except ImportError as exc:
        problems.append(f"{line}: {exc}")
        continue
    if d["name"] is not None:
        if hasattr(found, d["name"]):
            found = getattr(found, d["name"])
        else:
            try:
                found = importlib.import_module(f"{d['module']}.{d['name']}")
            except ImportError:
                problems.append(f"{line}: the new {d['module']} has no {d['name']}")
                continue
    for attribute in sorted(d["attributes"]):
        if not hasattr(found, attribute):
            problems.append(f"{line}: {d['name'] or d['module']} has no attribute {attribute!r}")
    if d["fields"]:
        if attrs.has(found):
            names = {f.name for f in attrs.fields(found)} | {f.alias for f in attrs.fields(found)}
        else:
            try:
                names = set(inspect.signature(found).parameters)
            except (TypeError, ValueError):
                names = set(dir(found))
        for name in sorted(set(d["fields"]) - names):
            problems.append(f"{line}: {d['name']} has no field {name!r}")
print(json.dumps(problems))
"""


def problems(root: Path, tree: Path) -> list[str]:
    """What in root/src would break against the generated package at `tree` (its directory is put first on the path)."""
    wanted = demands(root)
    if not wanted:
        return []
    payload = json.dumps(
        [{**asdict(d), "attributes": sorted(d.attributes), "fields": sorted(d.fields)} for d in wanted]
    )
    env = {**os.environ, "PYTHONPATH": str(tree.parent)}
    result = subprocess.run(
        [sys.executable, "-c", _LOOKUP, str(tree), PACKAGE],
        input=payload,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    if result.returncode != 0:
        return [f"the new {PACKAGE} could not be imported:\n{result.stderr.strip()[-2000:]}"]
    found: list[str] = json.loads(result.stdout)
    return found
