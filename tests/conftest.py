"""Shared fixtures: repository paths, the spec's examples, and throwaway repository copies."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from loopback import LoopbackServer
from tokens import READ_TOKEN, REQUEST_TOKEN

from tmdb_auth import AccessToken, AsyncTMDBAuth, TMDBAuth, _retry

ROOT = Path(__file__).resolve().parent.parent
SPEC_PATH = ROOT / "openapi" / "tmdb-v4.yaml"
SUPPLIED_PAGE = ROOT.parent / "shared" / "seeds" / "000_8a1ac04b69cd6e93.txt"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

sys.path.insert(0, str(ROOT / "scripts"))

# What a regeneration needs; a copy of these is a self-contained repository for the scripts.
REPO_PARTS = ("openapi", "generated", "scripts", "pyproject.toml")


def load_spec() -> dict[str, Any]:
    document = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def example_response() -> dict[str, Any]:
    """The 200 example the spec gives for createAnAccessToken."""
    operation = load_spec()["paths"]["/4/auth/access_token"]["post"]
    examples = operation["responses"]["200"]["content"]["application/json"]["examples"]
    value = examples["Create a Access Token"]["value"]
    assert isinstance(value, dict)
    return value


def example_request_token() -> str:
    operation = load_spec()["paths"]["/4/auth/access_token"]["post"]
    value = operation["requestBody"]["content"]["application/json"]["examples"]["Create an Access Token"]["value"]
    token = value["request_token"]
    assert isinstance(token, str)
    return token


@pytest.fixture
def repo_copy(tmp_path: Path) -> Path:
    """A copy of the parts of this repository that regeneration reads and writes."""
    copy = tmp_path / "repo"
    copy.mkdir()
    for part in REPO_PARTS:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, copy / part, ignore=shutil.ignore_patterns("__pycache__", ".*_cache"))
        else:
            shutil.copy2(source, copy / part)
    return copy


def run_script(root: Path, script: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run scripts/<script> from `root`'s copy with this interpreter (the project's venv)."""
    return subprocess.run(
        [sys.executable, str(root / "scripts" / script), *args, "--root", str(root)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def tree_bytes(path: Path) -> dict[str, bytes]:
    return {
        file.relative_to(path).as_posix(): file.read_bytes()
        for file in sorted(path.rglob("*"))
        if file.is_file() and "__pycache__" not in file.parts
    }


@pytest.fixture(scope="session")
def httpserver_listen_address() -> tuple[str, int]:
    """pytest-httpserver on loopback by address (not "localhost"), on a free port."""
    return ("127.0.0.1", 0)


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    """A scripted keep-alive HTTP/1.1 server on 127.0.0.1 (see tests/loopback.py)."""
    with LoopbackServer().running() as running:
        yield running


Exchange = Callable[..., AccessToken]


@pytest.fixture(params=["sync", "async"])
def exchange(request: pytest.FixtureRequest) -> Exchange:
    """Run one exchange through TMDBAuth or AsyncTMDBAuth, built with the given options."""

    def run(request_token: Any = REQUEST_TOKEN, **options: Any) -> AccessToken:
        options.setdefault("read_access_token", READ_TOKEN)
        if request.param == "sync":
            with TMDBAuth(**options) as auth:
                return auth.create_access_token(request_token)

        async def run_async() -> AccessToken:
            async with AsyncTMDBAuth(**options) as auth:
                return await auth.create_access_token(request_token)

        return asyncio.run(run_async())

    return run


@pytest.fixture
def fake_clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record every retry wait instead of sleeping."""
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)

    async def async_sleep(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr(_retry, "sleep", sleep)
    monkeypatch.setattr(_retry, "async_sleep", async_sleep)
    return waits
