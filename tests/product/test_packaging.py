"""The wheel and sdist ship both packages with py.typed and the LICENSE, and work outside this checkout."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import attrs
import pytest

from tests.helpers import ROOT, pythonpath_first

pytestmark = pytest.mark.slow
PIP_INSTALL = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps"]


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    # --no-isolation: hatchling is a pinned dev dependency, so the build needs no network.
    subprocess.run(
        [sys.executable, "-m", "build", "--sdist", "--wheel", "--no-isolation", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return out


@pytest.fixture(scope="module")
def wheel(dist: Path) -> Path:
    (built,) = dist.glob("tmdb_v4_auth-*.whl")
    return built


def test_wheel_contents(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "tmdb_v4_client/py.typed" in names
    assert "tmdb_auth/py.typed" in names, "the facade's types reach mypy and pyright (PEP 561)"
    assert "tmdb_v4_client/api/auth/create_an_access_token.py" in names
    assert "tmdb_auth/__init__.py" in names
    (license_file,) = [name for name in names if name.endswith(".dist-info/licenses/LICENSE")]
    assert zipfile.ZipFile(wheel).read(license_file) == (ROOT / "LICENSE").read_bytes()
    assert not [name for name in names if "__pycache__" in name or name.startswith(("generated/", "src/"))]
    metadata = next(name for name in names if name.endswith(".dist-info/METADATA"))
    text = zipfile.ZipFile(wheel).read(metadata).decode()
    assert "Name: tmdb-v4-auth" in text
    assert "Requires-Python: >=3.11" in text
    assert "License-Expression: MIT" in text
    assert "License-File: LICENSE" in text
    for requirement in ("httpx>=", "httpcore>=", "certifi>=", "attrs>=", "platformdirs>="):
        assert f"Requires-Dist: {requirement}" in text
    assert "Requires-Dist: python-dateutil" not in text, "nothing imports it"


def test_installed_wheel_imports_the_generated_client(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run([*PIP_INSTALL, "--target", str(target), str(wheel)], check=True, capture_output=True, timeout=120)
    # Put the installed wheel first, ahead of this checkout's editable source roots.
    probe = (
        "import sys;"
        "from tmdb_v4_client.api.auth import create_an_access_token;"
        "import tmdb_v4_client; print(tmdb_v4_client.__file__)"
    )
    env = {**os.environ, "PYTHONPATH": pythonpath_first(target)}
    result = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == str(target / "tmdb_v4_client" / "__init__.py")


def test_import_tmdb_auth_defers_httpcore_like_httpx_does() -> None:
    """httpx imports httpcore only when a transport is built; importing it up front (as the
    deadline backends would) costs ``import tmdb_auth`` ~60 ms (make bench's import ratio)."""
    code = "import sys, tmdb_auth; print(sorted(m for m in ('httpcore', 'aiohttp', 'uvicorn') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_the_sdist_carries_the_license(dist: Path) -> None:
    (sdist,) = dist.glob("tmdb_v4_auth-*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = archive.getnames()
        (license_file,) = [name for name in names if name.endswith("/LICENSE")]
        member = archive.extractfile(license_file)
        assert member is not None
        assert member.read() == (ROOT / "LICENSE").read_bytes()
    assert "MIT License" in (ROOT / "LICENSE").read_text()
    assert "Copyright (c) 2026 the tmdb-v4-auth authors" in (ROOT / "LICENSE").read_text()
    assert any(name.endswith("/src/tmdb_auth/py.typed") for name in names)


USER_CODE = """
from tmdb_auth import AccessToken, TMDBAuth
from tmdb_v4_client.models import CreateAnAccessTokenBody


def account_of(token: AccessToken) -> str:
    return token.account_id


def body(request_token: str) -> CreateAnAccessTokenBody:
    return CreateAnAccessTokenBody(request_token=request_token)


def client(read_token: str) -> TMDBAuth:
    return TMDBAuth(read_token, base_url="http://127.0.0.1:8000")
"""


def test_mypy_strict_sees_the_installed_packages_types(wheel: Path, tmp_path: Path) -> None:
    """A user's code checked with mypy --strict against the installed wheel: no import-untyped, and a
    type error in it is found (which it is only when mypy reads the packages' annotations)."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    (site,) = (venv / "lib").glob("python3*/site-packages")
    subprocess.run([*PIP_INSTALL, "--target", str(site), str(wheel)], check=True, capture_output=True, timeout=120)
    # The dependencies (httpx, attrs, ...) from this venv, as a user's environment has them; its .pth files
    # (this checkout's editable install) are not read there, so tmdb_auth comes from the wheel alone.
    (site / "dependencies.pth").write_text(str(Path(attrs.__file__).resolve().parent.parent) + "\n")
    where = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import tmdb_auth; print(tmdb_auth.__file__)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert where.stdout.strip() == str(site / "tmdb_auth" / "__init__.py"), "the wheel's, not this checkout's"
    project = tmp_path / "user"
    project.mkdir()
    (project / "user_code.py").write_text(USER_CODE)
    (project / "wrong.py").write_text(
        "from tmdb_auth import AccessToken\n\ndef f(t: AccessToken) -> int:\n    return t.account_id\n"
    )
    env = {key: value for key, value in os.environ.items() if key not in ("MYPYPATH", "MYPY_CONFIG_FILE_DIR")}
    command = [sys.executable, "-m", "mypy", "--strict", "--python-executable", str(venv / "bin" / "python")]
    command += ["--cache-dir", str(tmp_path / "mypy-cache"), "--config-file", os.devnull]

    checked = subprocess.run(
        [*command, "user_code.py"], cwd=project, env=env, capture_output=True, text=True, timeout=300
    )
    assert "import-untyped" not in checked.stdout, checked.stdout
    assert checked.returncode == 0, checked.stdout

    wrong = subprocess.run([*command, "wrong.py"], cwd=project, env=env, capture_output=True, text=True, timeout=300)
    assert wrong.returncode == 1, wrong.stdout
    assert 'Incompatible return value type (got "str", expected "int")' in wrong.stdout
