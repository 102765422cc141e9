"""Helpers shared by the test packages: repository paths, the spec's examples, script runners.

Tests import from here (``from tests.helpers import ...``); fixtures live in the conftest
files, which import nothing from each other.
"""

from __future__ import annotations

import copy
import functools
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scripts import yamlio
from tmdb_auth import AccessToken

ROOT = Path(__file__).resolve().parent.parent.parent
SPEC_PATH = ROOT / "openapi" / "tmdb-v4.yaml"
FIXTURES = ROOT / "tests" / "fixtures"

# What a regeneration needs (src/: what the facade guard checks the new tree against); a copy of
# these is a self-contained repository for the scripts.
REPO_PARTS = ("openapi", "generated", "scripts", "src", "pyproject.toml")

Exchange = Callable[..., AccessToken]
"""The `exchange` fixture: exchange(request_token=..., **options) -> AccessToken."""
Call = Callable[..., Any]
"""The `call` fixture: call(method_name, *args, **options) builds a client with options, runs one operation,
returns its result."""


# What decides whether `login` opens a browser, or waits at all (see tmdb_auth._browser): a test sets
# what it needs, whatever the machine running the suite has (a desktop's DISPLAY, CI's CI=true);
# tests/conftest.py removes them around every test.
TERMINAL_VARIABLES = ("BROWSER", "DISPLAY", "WAYLAND_DISPLAY", "SSH_CONNECTION", "SSH_TTY", "CI", "TMDB_AUTH_LOG")


def environment_without_tmdb() -> dict[str, str]:
    """This process's environment without the package's TMDB_* variables, for a subprocess that should see
    only what a test gives it. The test suite's own (TMDB_AUTH_TESTS_*) stay: through them the network
    guard of Python subprocesses reports (tests/helpers/network_guard_plugin.py)."""
    return {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("TMDB_") or key.startswith("TMDB_AUTH_TESTS_")
    }


def without_argv_warnings(stderr: str) -> list[str]:
    """The lines of `stderr` but the warnings that a secret was given as an argument (tests that pass
    tokens as arguments for brevity, and are about something else)."""
    return [
        line
        for line in stderr.splitlines()
        if not (line.startswith("tmdb-auth: warning: ") and " given on the command line can be read by " in line)
    ]


@functools.cache
def load_spec() -> dict[str, Any]:
    """The live spec, read once per session with the spec tooling's reader (fast, whatever its size); do not
    modify it: the helpers below hand out copies."""
    document = yamlio.load(SPEC_PATH.read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def example_response() -> dict[str, Any]:
    """The 200 example the spec gives for createAnAccessToken."""
    operation = load_spec()["paths"]["/4/auth/access_token"]["post"]
    examples = operation["responses"]["200"]["content"]["application/json"]["examples"]
    value = copy.deepcopy(examples["Create a Access Token"]["value"])
    assert isinstance(value, dict)
    return value


def example_request_token() -> str:
    operation = load_spec()["paths"]["/4/auth/access_token"]["post"]
    value = operation["requestBody"]["content"]["application/json"]["examples"]["Create an Access Token"]["value"]
    token = value["request_token"]
    assert isinstance(token, str)
    return token


def run_script(root: Path, script: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `python -m scripts.<script>` from `root` (a repository copy) with this interpreter."""
    return subprocess.run(
        [sys.executable, "-m", f"scripts.{script}", *args, "--root", str(root)],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def pythonpath_first(path: Path) -> str:
    """PYTHONPATH with `path` first, keeping the entries already there (the network guard's among them)."""
    return os.pathsep.join([str(path), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))])


def run_probe(probe: Path, generated: Path, *args: str, timeout: float = 120) -> Any:
    """Run the script `probe` with `args` against the generated package under `generated` (put
    first on PYTHONPATH, ahead of this checkout's editable install); return its JSON stdout."""
    result = subprocess.run(
        [sys.executable, str(probe), *args],
        env={**os.environ, "PYTHONPATH": pythonpath_first(generated)},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def copy_repo(copy: Path) -> Path:
    """Copy the parts of this repository that regeneration reads and writes (REPO_PARTS) to `copy`."""
    copy.mkdir(parents=True, exist_ok=True)
    for part in REPO_PARTS:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, copy / part, ignore=shutil.ignore_patterns("__pycache__", ".*_cache"))
        else:
            shutil.copy2(source, copy / part)
    return copy


def tree_bytes(path: Path) -> dict[str, bytes]:
    return {
        file.relative_to(path).as_posix(): file.read_bytes()
        for file in sorted(path.rglob("*"))
        if file.is_file() and "__pycache__" not in file.parts
    }
