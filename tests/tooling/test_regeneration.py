"""`make generate` / `make check-generated`, exercised in throwaway copies of the repository."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import FIXTURES, ROOT, run_script, tree_bytes

pytestmark = pytest.mark.slow

GENERATED = Path("generated/tmdb_v4_client")
SPEC = Path("openapi/tmdb-v4.yaml")


def test_generate_reproduces_the_committed_client_and_is_idempotent(repo_copy: Path) -> None:
    committed = tree_bytes(ROOT / GENERATED)
    for _ in range(2):
        result = run_script(repo_copy, "generate", "generate")
        assert result.returncode == 0, result.stderr
        assert tree_bytes(repo_copy / GENERATED) == committed
    assert "py.typed" in committed
    assert not [name for name in committed if ".ruff_cache" in name or "__pycache__" in name]
    assert not list(repo_copy.glob(".generate-*")), "the scratch directory is removed"


def test_check_passes_on_the_committed_client(repo_copy: Path) -> None:
    result = run_script(repo_copy, "generate", "check")
    assert result.returncode == 0, result.stderr
    assert "matches" in result.stdout


def test_check_catches_a_hand_edit_with_a_diff(repo_copy: Path) -> None:
    edited = repo_copy / GENERATED / "client.py"
    edited.write_text(edited.read_text(encoding="utf-8").replace("10.0", "99.0"), encoding="utf-8")
    result = run_script(repo_copy, "generate", "check")
    assert result.returncode == 1
    assert "differs: client.py" in result.stderr
    assert "-DEFAULT_TIMEOUT = httpx.Timeout(10.0)" in result.stderr
    assert "+DEFAULT_TIMEOUT = httpx.Timeout(99.0)" in result.stderr
    assert "run `make generate`" in result.stderr


def test_check_catches_added_and_removed_files(repo_copy: Path) -> None:
    (repo_copy / GENERATED / "extra.py").write_text("x = 1\n", encoding="utf-8")
    (repo_copy / GENERATED / "errors.py").unlink()
    result = run_script(repo_copy, "generate", "check")
    assert result.returncode == 1
    assert "extra in generated/tmdb_v4_client): extra.py" in result.stderr
    assert "missing from generated/tmdb_v4_client: errors.py" in result.stderr


@pytest.mark.parametrize(
    ("broken_spec", "expected"),
    [
        ("openapi: 3.0.3\ninfo: [unclosed\n", "openapi/tmdb-v4.yaml: invalid YAML at line 3"),
        (
            (FIXTURES / "baseline" / "tmdb-v4.yaml").read_text(encoding="utf-8").replace("type: boolean", "type: bool"),
            "openapi/tmdb-v4.yaml: invalid OpenAPI document at $.paths['/4/auth/access_token'].post.responses['200']",
        ),
    ],
    ids=["yaml-syntax", "schema-type"],
)
def test_invalid_spec_fails_cleanly_and_leaves_generated_untouched(
    repo_copy: Path, broken_spec: str, expected: str
) -> None:
    before = tree_bytes(repo_copy / GENERATED)
    (repo_copy / SPEC).write_text(broken_spec, encoding="utf-8")
    result = run_script(repo_copy, "generate", "generate")
    assert result.returncode == 1
    assert expected in result.stderr
    assert "left unchanged" in result.stderr
    assert tree_bytes(repo_copy / GENERATED) == before
    assert not list(repo_copy.glob(".generate-*"))


def test_updated_spec_produces_an_importable_new_module(repo_copy: Path) -> None:
    shutil.copy(FIXTURES / "tmdb-v4-with-logout.yaml", repo_copy / SPEC)
    result = run_script(repo_copy, "generate", "generate")
    assert result.returncode == 0, result.stderr
    assert (repo_copy / GENERATED / "api/auth/logout.py").is_file()
    probe = (
        "import sys;"
        "from tmdb_v4_client.api.auth import logout, create_an_access_token;"
        "import tmdb_v4_client; assert tmdb_v4_client.__file__.startswith(sys.argv[1]), tmdb_v4_client.__file__;"
        "print(logout.sync_detailed.__name__, create_an_access_token.sync.__name__)"
    )
    env = {**os.environ, "PYTHONPATH": str(repo_copy / "generated")}  # ahead of this checkout's editable roots
    imported = subprocess.run(
        [sys.executable, "-c", probe, str(repo_copy / "generated")],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.split() == ["sync_detailed", "sync"]
    # and the check now treats the regenerated tree as the golden record
    assert run_script(repo_copy, "generate", "check").returncode == 0
