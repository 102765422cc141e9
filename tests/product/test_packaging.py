"""The wheel ships both packages with py.typed, and works outside this checkout."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.helpers import ROOT

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    # --no-isolation: hatchling is a pinned dev dependency, so the build needs no network.
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=180,
    )
    (built,) = out.glob("tmdb_v4_auth-*.whl")
    return built


def test_wheel_contents(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "tmdb_v4_client/py.typed" in names
    assert "tmdb_v4_client/api/auth/create_an_access_token.py" in names
    assert "tmdb_auth/__init__.py" in names
    assert not [name for name in names if "__pycache__" in name or name.startswith(("generated/", "src/"))]
    metadata = next(name for name in names if name.endswith(".dist-info/METADATA"))
    text = zipfile.ZipFile(wheel).read(metadata).decode()
    assert "Name: tmdb-v4-auth" in text
    assert "Requires-Python: >=3.11" in text
    for requirement in ("httpx>=", "httpcore>=", "certifi>=", "attrs>=", "platformdirs>="):
        assert f"Requires-Dist: {requirement}" in text
    assert "Requires-Dist: python-dateutil" not in text, "nothing imports it"


def test_installed_wheel_imports_the_generated_client(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    # Put the installed wheel first, ahead of this checkout's editable source roots.
    probe = (
        "import sys;"
        "from tmdb_v4_client.api.auth import create_an_access_token;"
        "import tmdb_v4_client; print(tmdb_v4_client.__file__)"
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    result = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == str(target / "tmdb_v4_client" / "__init__.py")


def test_import_tmdb_auth_defers_httpcore_like_httpx_does() -> None:
    """httpx imports httpcore only when a transport is built; importing it up front (as the
    deadline backends would) costs ``import tmdb_auth`` ~60 ms (make bench's import ratio)."""
    code = "import sys, tmdb_auth; print(sorted(m for m in ('httpcore', 'aiohttp', 'uvicorn') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
