"""Fixtures for the generator and spec tooling tests: throwaway repository copies."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.helpers import FIXTURES, copy_repo, run_script

BASELINE_SPEC = FIXTURES / "baseline" / "tmdb-v4.yaml"


@pytest.fixture
def repo_copy(tmp_path: Path) -> Path:
    """A copy of the parts of this repository that regeneration reads and writes."""
    return copy_repo(tmp_path / "repo")


@pytest.fixture(scope="session")
def generated_baseline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A repository copy whose spec is tests/fixtures/baseline/tmdb-v4.yaml, generated once per session.

    The baseline is the three v4 auth operations the facade calls, so tests that import and
    generate hold whatever the live openapi/ holds after a legitimate update.
    """
    root = copy_repo(tmp_path_factory.mktemp("baseline") / "repo")
    shutil.copy(BASELINE_SPEC, root / "openapi" / "tmdb-v4.yaml")
    result = run_script(root, "generate", "generate")
    assert result.returncode == 0, result.stderr
    return root


@pytest.fixture
def baseline_repo(generated_baseline: Path, tmp_path: Path) -> Path:
    """A fresh copy of `generated_baseline` (spec, generated/ and its stamp consistent) to change."""
    root = tmp_path / "baseline"
    shutil.copytree(generated_baseline, root, ignore=shutil.ignore_patterns("__pycache__", ".*_cache"))
    return root
