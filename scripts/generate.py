"""Regenerate generated/tmdb_v4_client from openapi/tmdb-v4.yaml, or check that it is current.

    python -m scripts.generate generate   # validate, generate into a temp dir, swap in
    python -m scripts.generate check      # regenerate into a temp dir, compare byte for byte

The generator reads the spec with the document's top-level `security` copied into each
operation without its own (see with_inherited_security), so operations of a document that
requires the bearer token take `AuthenticatedClient` only.

The generator and the formatter it runs (ruff) must be the exact versions pinned in
pyproject.toml's dev extra: the output depends on both. `make generate` and
`make check-generated` install them into .venv first.
"""

from __future__ import annotations

import argparse
import copy
import difflib
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from scripts.build_spec import HTTP_METHODS
from scripts.facade_contract import ContractError, check_contract
from scripts.specfile import SpecError, parse_document, validate

ROOT = Path(__file__).resolve().parent.parent
SPEC = Path("openapi/tmdb-v4.yaml")
CONFIG = Path("openapi/config.yaml")
TEMPLATES = Path("openapi/templates")
OUTPUT_DIR = Path("generated/tmdb_v4_client")
PACKAGE = "tmdb_v4_client"
PINNED_TOOLS = ("openapi-python-client", "ruff")
# What the tools leave behind that is not part of the generated package.
STRIP = (".ruff_cache", "__pycache__", ".mypy_cache")


class GenerateError(Exception):
    """Generation could not run or failed; the message says what to do."""


def pinned_versions(root: Path) -> dict[str, str]:
    """The exact versions of the generator and formatter, from pyproject.toml's dev extra."""
    pyproject = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    pins: dict[str, str] = {}
    for requirement in pyproject["project"]["optional-dependencies"]["dev"]:
        name, sep, version = requirement.partition("==")
        if sep and name.strip() in PINNED_TOOLS:
            pins[name.strip()] = version.strip()
    missing = [tool for tool in PINNED_TOOLS if tool not in pins]
    if missing:
        raise GenerateError(f"pyproject.toml: the dev extra must pin {', '.join(missing)} with '=='")
    return pins


def check_tool_versions(root: Path) -> None:
    for tool, wanted in pinned_versions(root).items():
        try:
            found = metadata.version(tool)
        except metadata.PackageNotFoundError:
            found = "not installed"
        if found != wanted:
            raise GenerateError(
                f"{tool} {wanted} is pinned but {found} is in this environment; run `make install` "
                "(generated code depends on the exact generator and formatter versions)"
            )


def load_spec(root: Path) -> None:
    """Validate the spec and the parts of it the facade depends on, before anything is written."""
    spec_path = root / SPEC
    try:
        document = parse_document(spec_path.read_text(encoding="utf-8"), str(SPEC))
        validate(document, str(SPEC))
    except OSError as exc:
        raise GenerateError(f"{SPEC}: cannot read: {exc.strerror}") from exc
    except SpecError as exc:
        raise GenerateError(str(exc)) from exc
    try:
        check_contract(document, str(SPEC))
    except ContractError as exc:
        raise GenerateError(str(exc)) from exc


def _requires_authentication(security: Any) -> bool:
    """A security requirement list every alternative of which names a scheme (no `{}`: anonymous allowed)."""
    return isinstance(security, list) and bool(security) and all(bool(requirement) for requirement in security)


def with_inherited_security(document: dict[str, Any]) -> dict[str, Any]:
    """The document with its top-level `security` copied into each operation that has none of its own.

    OpenAPI says an operation without `security` inherits the document's. openapi-python-client
    0.29.1 reads only the operation's own (`Endpoint.requires_security = bool(operation.security)`)
    and the template context has no document-level security to consult (GeneratorData carries
    title, version, models, enums and endpoints only), so operations of a document that requires
    the bearer token were generated accepting an unauthenticated `Client`; every TMDB v4 call
    needs the Bearer. Written out explicitly, the template's `endpoint.requires_security` makes
    them take `AuthenticatedClient` only. An operation's own `security` (even `[]`) is kept.
    """
    security = document.get("security")
    if not _requires_authentication(security):
        return document
    resolved = copy.deepcopy(document)
    for item in (resolved.get("paths") or {}).values():
        for method, operation in (item or {}).items():
            if method in HTTP_METHODS and isinstance(operation, dict) and "security" not in operation:
                operation["security"] = copy.deepcopy(security)
    return resolved


def generator_input(root: Path, directory: Path) -> Path:
    """Write what the generator reads (the spec, security resolved) into `directory`; returns its path.

    It is read and written with ruamel.yaml's safe loader, the one the generator itself uses,
    so every scalar means to the generator what it means in the spec.
    """
    handler = YAML(typ="safe")
    document = handler.load((root / SPEC).read_text(encoding="utf-8"))
    path = directory / "openapi-for-generator.yaml"
    with path.open("w", encoding="utf-8") as out:
        handler.dump(with_inherited_security(document), out)
    return path


def run_generator(root: Path, destination: Path) -> None:
    """Run the pinned openapi-python-client into `destination` (which must not exist)."""
    bin_dir = Path(sys.executable).parent
    command = [
        str(bin_dir / "openapi-python-client"),
        "generate",
        "--path",
        str(generator_input(root, destination.parent)),
        "--config",
        str(root / CONFIG),
        "--custom-template-path",
        str(root / TEMPLATES),
        "--meta",
        "none",
        "--fail-on-warning",
        "--output-path",
        str(destination),
    ]
    # The generator's post hooks call `ruff` by name: make it the pinned one in this venv.
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0 or not (destination / "__init__.py").is_file():
        output = (result.stdout + result.stderr).strip()
        raise GenerateError(f"openapi-python-client failed (exit {result.returncode}):\n{output}")
    for name in STRIP:
        for leftover in sorted(destination.rglob(name), reverse=True):
            shutil.rmtree(leftover)
    # PEP 561: tells type checkers the package ships its own annotations.
    (destination / "py.typed").write_text("", encoding="utf-8")


@contextmanager
def scratch_dir(root: Path) -> Iterator[Path]:
    """A temporary directory on the same filesystem as generated/, so the swap is a rename."""
    path = Path(tempfile.mkdtemp(prefix=".generate-", dir=root))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def generate(root: Path) -> None:
    """Validate, generate into a scratch directory, then swap it into generated/."""
    check_tool_versions(root)
    load_spec(root)
    target = root / OUTPUT_DIR
    with scratch_dir(root) as scratch:
        fresh = scratch / PACKAGE
        run_generator(root, fresh)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            target.rename(scratch / "previous")
        fresh.rename(target)
    print(f"generated {OUTPUT_DIR} from {SPEC}")


def tree(path: Path) -> dict[str, bytes]:
    if not path.is_dir():
        return {}
    return {
        file.relative_to(path).as_posix(): file.read_bytes()
        for file in sorted(path.rglob("*"))
        if file.is_file() and not any(part in STRIP for part in file.relative_to(path).parts)
    }


def drift(expected: dict[str, bytes], actual: dict[str, bytes]) -> list[str]:
    """Human-readable unified diffs between the freshly generated and the committed tree."""
    reports = []
    for name in sorted(expected.keys() | actual.keys()):
        want, have = expected.get(name), actual.get(name)
        if want == have:
            continue
        if have is None:
            reports.append(f"missing from {OUTPUT_DIR}: {name}")
        elif want is None:
            reports.append(f"not produced by the generator (extra in {OUTPUT_DIR}): {name}")
        else:
            diff = difflib.unified_diff(
                want.decode("utf-8", "replace").splitlines(keepends=True),
                have.decode("utf-8", "replace").splitlines(keepends=True),
                fromfile=f"regenerated/{name}",
                tofile=f"{OUTPUT_DIR}/{name}",
            )
            reports.append(f"differs: {name}\n" + "".join(diff))
    return reports


def check(root: Path) -> bool:
    """Regenerate into a scratch directory and compare with generated/; True when identical."""
    check_tool_versions(root)
    load_spec(root)
    with scratch_dir(root) as scratch:
        run_generator(root, scratch / PACKAGE)
        reports = drift(tree(scratch / PACKAGE), tree(root / OUTPUT_DIR))
    if not reports:
        print(f"{OUTPUT_DIR} matches {SPEC}")
        return True
    print(f"{OUTPUT_DIR} has drifted from what {SPEC} generates ({len(reports)} file(s)):", file=sys.stderr)
    for report in reports:
        print(report, file=sys.stderr)
    print("Generated code is never edited by hand: run `make generate` and commit the result.", file=sys.stderr)
    return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["generate", "check"])
    parser.add_argument("--root", type=Path, default=ROOT, help="repository root (default: this checkout)")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    try:
        if args.command == "generate":
            generate(root)
            return 0
        return 0 if check(root) else 1
    except GenerateError as exc:
        print(f"error: {exc}", file=sys.stderr)
        print(f"{OUTPUT_DIR} was left unchanged.", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
