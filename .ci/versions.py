# ruff: noqa: S603 (runs this checkout's own venvs and pip)
"""``make test-versions``: the product tests on the lowest and on the newest versions of the runtime
dependencies that pyproject.toml allows, each in its own venv.

    python .ci/versions.py lowest|newest VENV   # one venv
    python .ci/versions.py both PREFIX          # PREFIX-lowest and PREFIX-newest, side by side

The venvs get the package with its emulator and keyring extras and the dev extra's test tools
(not the generator and the checkers). The runtime
dependencies (``[project] dependencies``) and every package they pull in are left out of
constraints.txt: ``lowest`` pins each runtime dependency to its floor (``>=X`` -> ``==X``)
and lets pip choose the rest; ``newest`` lets pip choose the newest of all of them. The
extras and dev tools the tests need keep their constraints.txt pins. Prints the versions
it tested, then runs ``pytest tests/product`` in the venv.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9_.-]+)\s*(?:>=\s*([^,;\s]+))?")


def _name(requirement: str) -> str:
    match = REQUIREMENT.match(requirement)
    assert match, requirement
    return match.group(1).lower().replace("_", "-")


def runtime() -> dict[str, str | None]:
    """The runtime dependencies and their floors."""
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    found = {}
    for requirement in dependencies:
        match = REQUIREMENT.match(requirement)
        assert match, requirement
        found[_name(requirement)] = match.group(2)
    return found


NOT_FOR_TESTS = ("openapi-python-client", "ruff", "types-")
"""The generator (whose httpx<0.29 would block the newest httpx), ruff and stubs: not product tests' tools (mypy
is: a product test runs it on a user's code against the installed wheel; so is ruamel.yaml: the tests read
the spec with the tooling's reader)."""


def test_tools() -> list[str]:
    """The dev extra's requirements the product tests use, as written in pyproject.toml."""
    dev = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["dev"]
    return [r for r in dev if not r.startswith("tmdb-v4-auth") and not _name(r).startswith(NOT_FOR_TESTS)]


def pulled_in(names: set[str]) -> set[str]:
    """`names` and every package they depend on, as installed in this interpreter's environment."""
    from importlib import metadata

    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        todo.extend(_name(r) for r in requires if "extra ==" not in r)
    return seen


def main(kind: str, venv: Path) -> int:
    floors = runtime()
    free = pulled_in(set(floors))
    pins = [
        line for line in (ROOT / "constraints.txt").read_text().splitlines() if line.strip() and _name(line) not in free
    ]
    if kind == "lowest":
        pins += [f"{name}=={floor}" for name, floor in floors.items() if floor]
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as constraints:
        constraints.write("\n".join(pins) + "\n")
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run(
        [*pip, "--upgrade", "-c", constraints.name, "-e", f"{ROOT}[emulator,keyring]", *test_tools()], check=True
    )
    report = (
        "import sys; from importlib import metadata as m\n"
        "for name in sys.argv[1:]:\n"
        "    try: print(name, m.version(name))\n"
        "    except m.PackageNotFoundError: pass\n"
    )
    installed = subprocess.run([str(python), "-c", report, *sorted(free)], check=True, capture_output=True, text=True)
    versions = ", ".join(installed.stdout.split("\n")[:-1])
    print(f"test-versions {kind}: {versions}", flush=True)
    return subprocess.run(
        [str(python), "-m", "pytest", "tests/product", "-q", "-p", "no:cacheprovider"], cwd=ROOT, check=False
    ).returncode


def both(prefix: str) -> int:
    """Both venvs at once (most of a run waits on sockets and timeouts), each one's output after it ends."""
    runs = {}
    for kind in ("lowest", "newest"):
        log = tempfile.TemporaryFile("w+")  # noqa: SIM115 (read back and closed with the process)
        command = [sys.executable, __file__, kind, f"{prefix}-{kind}"]
        runs[kind] = (subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, text=True), log)
    failed = []
    for kind, (process, log) in runs.items():
        if process.wait() != 0:
            failed.append(kind)
        log.seek(0)
        print(f"--- test-versions {kind} ---\n" + log.read(), flush=True)
        log.close()
    print(f"test-versions: {', '.join(failed) or 'no'} venv failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(both(sys.argv[2]) if sys.argv[1] == "both" else main(sys.argv[1], Path(sys.argv[2])))
