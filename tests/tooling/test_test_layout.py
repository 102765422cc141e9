"""The test packages keep the team's layout rules: shared code lives in tests/helpers, and no
module imports from a conftest (pytest loads those itself; importing one runs it twice and
ties test files to fixture modules)."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.helpers import ROOT


def _conftest_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        modules = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        found += [f"{path.relative_to(ROOT)}:{node.lineno} imports {module}" for module in modules]
    return [line for line in found if line.rpartition(" ")[2].split(".")[-1] == "conftest"]


def test_no_module_imports_from_a_conftest() -> None:
    offenders = [line for path in sorted((ROOT / "tests").rglob("*.py")) for line in _conftest_imports(path)]
    assert offenders == [], "move what is shared to tests/helpers and import it from there"
