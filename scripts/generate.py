"""Regenerate generated/tmdb_v4_client from openapi/tmdb-v4.yaml, or check that it is current.

    python -m scripts.generate generate        # make generate
    python -m scripts.generate check [--full]  # make check-generated [FULL=1]

openapi/tmdb-v4.yaml is the one input (with openapi/config.yaml and openapi/templates/): it
is read once (scripts.yamlio, YAML 1.2) and validated once; the parts the facade depends on
are checked (scripts.facade_contract); the pinned openapi-python-client generates into a
scratch directory from a JSON copy of it (document-level `security` copied into each
operation, see with_inherited_security); everything src/ imports from the generated package
is looked up in the new tree (scripts.facade_guard); only then is generated/ replaced. Any
failure leaves generated/ as it was.

generated/tmdb_v4_client.stamp records what the committed tree was generated from and what it
holds (see Stamp). While both still match, `generate` and `check` skip the generator.
"""

from __future__ import annotations

import argparse
import ast
import copy
import difflib
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from scripts import facade_guard, yamlio
from scripts.atomic import write_atomically
from scripts.facade_contract import ContractError, check_contract
from scripts.specfile import validation_errors
from scripts.splice import HTTP_METHODS

ROOT = Path(__file__).resolve().parent.parent
SPEC = Path("openapi/tmdb-v4.yaml")
CONFIG = Path("openapi/config.yaml")
TEMPLATES = Path("openapi/templates")
OUTPUT_DIR = Path("generated/tmdb_v4_client")
STAMP = Path("generated/tmdb_v4_client.stamp")
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


def check_tool_versions(root: Path) -> dict[str, str]:
    pins = pinned_versions(root)
    for tool, wanted in pins.items():
        try:
            found = metadata.version(tool)
        except metadata.PackageNotFoundError:
            found = "not installed"
        if found != wanted:
            raise GenerateError(
                f"{tool} {wanted} is pinned but {found} is in this environment; run `make install` "
                "(generated code depends on the exact generator and formatter versions)"
            )
    return pins


# --- the stamp -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stamp:
    """What generated/tmdb_v4_client was generated from, and what it holds, as three digests.

    inputs: the spec, config.yaml, every template, the pinned generator and formatter versions,
        and the scripts that prepare the generator's input (scripts/generate.py and what it
        imports from scripts/): everything in the repository the output depends on;
    environment: the Python version and the installed version of every distribution the
        generator and the formatter depend on (a changed jinja2 can change the output
        without any file here changing);
    output: every file of generated/tmdb_v4_client, by path and content.

    A skip needs all three to match: an edit of generated/ by hand changes `output`, an
    edit of any input changes `inputs`, another environment changes `environment`; each
    then runs the generator (`check` compares its output with the committed tree).
    """

    inputs: str
    environment: str
    output: str

    def text(self) -> str:
        return (
            "# Written by `make generate` (scripts/generate.py); do not edit. While these digests still match\n"
            "# openapi/, the pinned tools and generated/tmdb_v4_client, `make generate` and `make check-generated`\n"
            "# skip the generator (`make check-generated FULL=1` never does).\n"
            f"inputs: {self.inputs}\nenvironment: {self.environment}\noutput: {self.output}\n"
        )

    @classmethod
    def read(cls, path: Path) -> Stamp | None:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            return None
        fields = dict(re.findall(r"^(inputs|environment|output): (sha256:[0-9a-f]{64})$", text, re.MULTILINE))
        if set(fields) != {"inputs", "environment", "output"}:
            return None
        return cls(**fields)


def _digest(parts: Iterator[bytes]) -> str:
    hasher = hashlib.sha256()
    for part in parts:
        hasher.update(len(part).to_bytes(8, "big"))
        hasher.update(part)
    return "sha256:" + hasher.hexdigest()


def _code_files(root: Path) -> list[Path]:
    """scripts/generate.py and every scripts module it imports, transitively (read with ast, not imported)."""
    found: dict[str, Path] = {}
    pending = ["generate"]
    while pending:
        name = pending.pop()
        path = root / "scripts" / f"{name}.py"
        if name in found or not path.is_file():
            continue
        found[name] = path
        for node in ast.walk(ast.parse(path.read_bytes())):
            if isinstance(node, ast.ImportFrom) and node.module == "scripts":
                pending += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("scripts."):
                pending.append(str(node.module).split(".")[1])
    return [found[name] for name in sorted(found)]


def inputs_digest(root: Path, spec_bytes: bytes, pins: dict[str, str]) -> str:
    def parts() -> Iterator[bytes]:
        yield spec_bytes
        yield (root / CONFIG).read_bytes()
        for template in sorted((root / TEMPLATES).rglob("*")):
            if template.is_file():
                yield template.relative_to(root).as_posix().encode()
                yield template.read_bytes()
        yield json.dumps(pins, sort_keys=True).encode()
        for code in _code_files(root):
            yield code.relative_to(root).as_posix().encode()
            yield code.read_bytes()

    return _digest(parts())


def _requirement_name(requirement: str) -> str:
    return re.split(r"[\s;\[<>=!~(]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def environment_digest() -> str:
    """Python's version and the installed versions of the generator's and formatter's dependency closure."""
    versions: dict[str, str] = {}
    pending = list(PINNED_TOOLS)
    while pending:
        name = pending.pop()
        if name in versions:
            continue
        try:
            distribution = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            versions[name] = "absent"
            continue
        versions[name] = distribution.version
        pending += [
            _requirement_name(requirement)
            for requirement in distribution.requires or []
            if "extra" not in requirement.partition(";")[2]  # an optional extra's requirement is not installed for it
        ]
    versions["python"] = platform.python_version_tuple()[0] + "." + platform.python_version_tuple()[1]
    return _digest(iter([json.dumps(versions, sort_keys=True).encode()]))


def tree(path: Path) -> dict[str, bytes]:
    if not path.is_dir():
        return {}
    return {
        file.relative_to(path).as_posix(): file.read_bytes()
        for file in sorted(path.rglob("*"))
        if file.is_file() and not any(part in STRIP for part in file.relative_to(path).parts)
    }


def output_digest(files: dict[str, bytes]) -> str:
    return _digest(part for name in sorted(files) for part in (name.encode(), files[name]))


# --- generation ----------------------------------------------------------------------------------------


def read_spec(spec_bytes: bytes) -> dict[str, Any]:
    """The spec as data (scripts.yamlio: YAML 1.2, duplicate keys refused)."""
    try:
        document = yamlio.load(spec_bytes.decode("utf-8"))
    except (yamlio.YAMLReadError, UnicodeDecodeError) as exc:
        raise GenerateError(f"{SPEC}: {exc}") from None
    if not isinstance(document, dict):
        raise GenerateError(f"{SPEC}: not an OpenAPI document (a mapping)")
    return document


def check_spec(document: dict[str, Any]) -> None:
    """Validate the spec (every error, with its JSON pointer) and the parts of it the facade depends on."""
    errors = validation_errors(document, str(SPEC))
    if errors:
        listed = "\n".join(f"  {error}" for error in errors)
        raise GenerateError(f"{SPEC}: {len(errors)} validation error(s):\n{listed}")
    try:
        check_contract(document, str(SPEC))
    except ContractError as exc:
        raise GenerateError(str(exc)) from None


def _requires_authentication(security: Any) -> bool:
    """A security requirement list every alternative of which names a scheme (no `{}`: anonymous allowed)."""
    return isinstance(security, list) and bool(security) and all(bool(requirement) for requirement in security)


def with_inherited_security(document: dict[str, Any]) -> dict[str, Any]:
    """The document with its top-level `security` copied into each operation that has none of its own.

    OpenAPI says an operation without `security` inherits the document's. openapi-python-client
    0.29.1 reads only the operation's own (`Endpoint.requires_security = bool(operation.security)`)
    and the template context has no document-level security to consult (GeneratorData carries
    title, version, models, enums and endpoints only), so operations of a document that requires
    the bearer token were generated accepting an unauthenticated `Client`; every TMDB call
    needs the Bearer. Written out explicitly, the template's `endpoint.requires_security` makes
    them take `AuthenticatedClient` only. An operation's own `security` (even `[]`) is kept.
    """
    security = document.get("security")
    if not _requires_authentication(security) or not isinstance(document.get("paths"), dict):
        return document
    resolved = copy.deepcopy(document)
    for item in resolved["paths"].values():
        for method, operation in item.items() if isinstance(item, dict) else ():
            if method in HTTP_METHODS and isinstance(operation, dict) and "security" not in operation:
                operation["security"] = copy.deepcopy(security)
    return resolved


def start_generator(root: Path, document: dict[str, Any], destination: Path) -> subprocess.Popen[str]:
    """Start the pinned openapi-python-client on `document`, into `destination` (which must not exist)."""
    bin_dir = Path(sys.executable).parent
    source = destination.parent / "openapi-for-generator.json"  # JSON: the generator parses it 10x faster than YAML
    source.write_text(json.dumps(with_inherited_security(document), ensure_ascii=False), encoding="utf-8")
    command = [
        str(bin_dir / "openapi-python-client"),
        "generate",
        "--path",
        str(source),
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
    return subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def finish_generator(process: subprocess.Popen[str], destination: Path) -> None:
    """Wait for the generator; strip what the tools leave behind and mark the package typed."""
    output, _ = process.communicate()
    if process.returncode != 0 or not (destination / "__init__.py").is_file():
        raise GenerateError(f"openapi-python-client failed (exit {process.returncode}):\n{output.strip()}")
    for name in STRIP:
        for leftover in sorted(destination.rglob(name), reverse=True):
            shutil.rmtree(leftover)
    # PEP 561: tells type checkers the package ships its own annotations.
    (destination / "py.typed").write_text("", encoding="utf-8")


def run_generator(root: Path, spec_bytes: bytes, destination: Path) -> None:
    """Read the spec once, start the generator on it, and validate it while the generator runs.

    On a 2-core machine the validation (and the validator's import) costs next to nothing this
    way; if the spec is invalid the generator is stopped and its output thrown away.
    """
    document = read_spec(spec_bytes)
    process = start_generator(root, document, destination)
    try:
        check_spec(document)
    except BaseException:
        process.kill()
        process.communicate()
        raise
    finish_generator(process, destination)


@contextmanager
def scratch_dir(root: Path) -> Iterator[Path]:
    """A temporary directory on the same filesystem as generated/, so the swap is a rename."""
    path = Path(tempfile.mkdtemp(prefix=".generate-", dir=root))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _current(root: Path) -> tuple[bytes, Stamp, dict[str, bytes]]:
    """The spec's bytes, the stamp the current inputs and tree would get, and the committed tree."""
    pins = check_tool_versions(root)
    try:
        spec_bytes = (root / SPEC).read_bytes()
    except OSError as exc:
        raise GenerateError(f"{SPEC}: cannot read: {exc.strerror}") from None
    committed = tree(root / OUTPUT_DIR)
    stamp = Stamp(inputs_digest(root, spec_bytes, pins), environment_digest(), output_digest(committed))
    return spec_bytes, stamp, committed


def generate(root: Path) -> None:
    """Validate, generate into a scratch directory, check the facade's imports against it, then swap it in."""
    spec_bytes, current, _ = _current(root)
    if Stamp.read(root / STAMP) == current:
        print(f"{OUTPUT_DIR} is up to date with {SPEC} ({STAMP} matches; the generator was not run)")
        return
    target = root / OUTPUT_DIR
    with scratch_dir(root) as scratch:
        fresh = scratch / PACKAGE
        run_generator(root, spec_bytes, fresh)
        broken = facade_guard.problems(root, fresh)
        if broken:
            listed = "\n".join(f"  - {problem}" for problem in broken)
            raise GenerateError(
                f"the client {SPEC} generates would break the hand-written code (src/):\n{listed}\n"
                "Update src/ together with this spec change (or undo the change in the spec)."
            )
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            target.rename(scratch / "previous")
        fresh.rename(target)
    write_atomically(root / STAMP, Stamp(current.inputs, current.environment, output_digest(tree(target))).text())
    print(f"generated {OUTPUT_DIR} from {SPEC}")


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


def check(root: Path, full: bool = False) -> bool:
    """Whether generated/ is what the spec generates: by its stamp, or (full, or the stamp differs) by regenerating."""
    spec_bytes, current, committed = _current(root)
    recorded = Stamp.read(root / STAMP)
    if recorded == current and not full:
        print(f"{OUTPUT_DIR} matches {SPEC} ({STAMP}: inputs, environment and files as generated)")
        return True
    with scratch_dir(root) as scratch:
        run_generator(root, spec_bytes, scratch / PACKAGE)
        reports = drift(tree(scratch / PACKAGE), committed)
    if reports:
        print(f"{OUTPUT_DIR} has drifted from what {SPEC} generates ({len(reports)} file(s)):", file=sys.stderr)
        for report in reports:
            print(report, file=sys.stderr)
        print("Generated code is never edited by hand: run `make generate` and commit the result.", file=sys.stderr)
        return False
    if recorded is None or (recorded.inputs, recorded.output) != (current.inputs, current.output):
        print(
            f"{OUTPUT_DIR} matches {SPEC}, but {STAMP} does not record it (missing, or written for other inputs): "
            "run `make generate` and commit the stamp",
            file=sys.stderr,
        )
        return False
    note = (
        " (regenerated to compare: this environment differs from the one in the stamp)" if recorded != current else ""
    )
    print(f"{OUTPUT_DIR} matches {SPEC}{note}")
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["generate", "check"])
    parser.add_argument("--full", action="store_true", help="check: regenerate and compare even if the stamp matches")
    parser.add_argument("--root", type=Path, default=ROOT, help="repository root (default: this checkout)")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    try:
        if args.command == "generate":
            generate(root)
            return 0
        return 0 if check(root, args.full) else 1
    except GenerateError as exc:
        print(f"error: {exc}", file=sys.stderr)
        print(f"{OUTPUT_DIR} was left unchanged.", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
