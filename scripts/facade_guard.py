"""The guard between a regenerated client and the hand-written code that imports it.

Before `make generate` replaces generated/, everything src/ uses from ``tmdb_v4_client`` is
looked up in the new tree: every module and name it imports, every attribute it reads from
them (``logout.sync_detailed``, ``Model.from_dict``), every keyword it passes to a model
(``LogoutBody(access_token=...)``) and every field it reads from a parameter annotated with a
model (``model.access_token``, ``getattr(model, "access_token")``, or through a helper that
does ``getattr(model, name)``). A tag rename moves an operation's module; a schema moved into
``components`` renames its model: either stops generation with a message naming the line of
src/ that would break.

Both sides are read with ``ast``, nothing is imported: what src/ needs from its source, what
the new tree defines from the generated modules (see _Tree).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
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


class _Tree:
    """The new tree's modules, read with ``ast`` on demand: what each defines at run time.

    Read, not imported: the generated code is regular (modules of functions, attrs classes,
    re-exports, and the lazy models/__init__ whose TYPE_CHECKING imports are what its
    ``__getattr__`` serves), and reading costs milliseconds where an interpreter that
    imports httpx costs a third of a second of every `make generate`.
    """

    def __init__(self, package_dir: Path) -> None:
        self.package_dir = package_dir
        self.parsed: dict[str, ast.Module | None] = {}

    def file(self, module: str) -> Path | None:
        parts = module.split(".")[1:]
        base = self.package_dir.joinpath(*parts)
        candidates = [base.with_suffix(".py")] if parts else []
        return next((path for path in [*candidates, base / "__init__.py"] if path.is_file()), None)

    def module(self, module: str) -> ast.Module | None:
        if module not in self.parsed:
            path = self.file(module)
            self.parsed[module] = ast.parse(path.read_text(encoding="utf-8")) if path is not None else None
        return self.parsed[module]

    def names(self, module: str) -> dict[str, ast.AST | tuple[str, str]]:
        """What `module` defines at run time: name -> its definition, or (module, name) it is imported from."""
        tree = self.module(module)
        if tree is None:
            return {}
        path = self.file(module)
        package = module if path is not None and path.name == "__init__.py" else module.rpartition(".")[0]
        lazy = any(isinstance(node, ast.If) and _defines_getattr(node) for node in tree.body)
        found: dict[str, ast.AST | tuple[str, str]] = {}
        for node in _runtime_statements(tree.body, lazy):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                found[node.name] = node
            elif isinstance(node, ast.Assign | ast.AnnAssign):
                for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                    if isinstance(target, ast.Name):
                        found[target.id] = node
            elif isinstance(node, ast.ImportFrom):
                source = _absolute(package, node.module, node.level)
                for alias in node.names:
                    found[alias.asname or alias.name] = (source, alias.name)
        return found

    def resolve(self, module: str, name: str) -> tuple[str, ast.AST | str] | None:
        """("module", dotted name) or ("object", its definition) for `name` in `module`; None if it is not there."""
        for _ in range(10):  # follow re-exports
            if self.module(module) is None:
                return None
            found = self.names(module).get(name)
            if isinstance(found, tuple):
                if self.module(f"{found[0]}.{found[1]}") is not None and found[1] not in self.names(found[0]):
                    return ("module", f"{found[0]}.{found[1]}")
                module, name = found
                continue
            if found is not None:
                return ("object", found)
            if self.module(f"{module}.{name}") is not None:
                return ("module", f"{module}.{name}")
            return None
        return None


def _defines_getattr(node: ast.If) -> bool:
    return any(isinstance(inner, ast.FunctionDef) and inner.name == "__getattr__" for inner in node.body)


def _runtime_statements(body: list[ast.stmt], lazy: bool) -> Iterator[ast.stmt]:
    """Top-level statements, with both branches of an `if` (TYPE_CHECKING imports count where a __getattr__
    serves them lazily)."""
    for node in body:
        if isinstance(node, ast.If):
            yield from _runtime_statements(node.body if lazy or not _is_type_checking(node.test) else [], lazy)
            yield from _runtime_statements(node.orelse, lazy)
        else:
            yield node


def _is_type_checking(test: ast.expr) -> bool:
    return isinstance(test, ast.Name) and test.id == "TYPE_CHECKING"


def _absolute(package: str, module: str | None, level: int) -> str:
    if level == 0:
        return module or ""
    base = package.split(".")
    base = base[: len(base) - (level - 1)]
    return ".".join([*base, module] if module else base)


def _members(node: ast.ClassDef) -> tuple[set[str], set[str]]:
    """(attributes, init keywords) of a class: its methods and class-level names; attrs fields by name and alias."""
    attributes, keywords = set(), set()
    for statement in node.body:
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
            attributes.add(statement.name)
            if statement.name == "__init__":
                keywords |= {arg.arg for arg in [*statement.args.args[1:], *statement.args.kwonlyargs]}
        elif isinstance(statement, ast.AnnAssign | ast.Assign):
            for target in statement.targets if isinstance(statement, ast.Assign) else [statement.target]:
                if isinstance(target, ast.Name):
                    attributes.add(target.id)
                    keywords.add(target.id.lstrip("_"))  # attrs: a private field's init keyword drops the underscore
                    keywords.add(target.id)
            value = statement.value
            if isinstance(value, ast.Call):
                keywords |= {
                    keyword.value.value
                    for keyword in value.keywords
                    if keyword.arg == "alias"
                    and isinstance(keyword.value, ast.Constant)
                    and isinstance(keyword.value.value, str)
                }
    return attributes, keywords


def problems(root: Path, tree: Path) -> list[str]:
    """What in root/src would break against the generated package at `tree` (its package directory)."""
    new = _Tree(tree)
    found: list[str] = []
    for demand in demands(root):
        line = f"{demand.where}: `{demand.statement}` would break"
        if new.module(demand.module) is None:
            found.append(f"{line}: the new tree has no module {demand.module}")
            continue
        target: tuple[str, ast.AST | str] | None = ("module", demand.module)
        if demand.name is not None:
            target = new.resolve(demand.module, demand.name)
            if target is None:
                found.append(f"{line}: the new {demand.module} has no {demand.name}")
                continue
        label = demand.name or demand.module
        assert target is not None
        kind, what = target
        if kind == "module":
            assert isinstance(what, str)
            defined = set(new.names(what))
            found += [f"{line}: {label} has no attribute {name!r}" for name in sorted(demand.attributes - defined)]
            continue
        if isinstance(what, ast.ClassDef):
            attributes, keywords = _members(what)
            found += [f"{line}: {label} has no attribute {name!r}" for name in sorted(demand.attributes - attributes)]
            found += [f"{line}: {label} has no field {name!r}" for name in sorted(demand.fields - keywords)]
    return found
