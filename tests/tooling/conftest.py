"""Fixtures for the generator and spec tooling tests: throwaway repository copies."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.helpers import FIXTURES, copy_repo

BASELINE = FIXTURES / "baseline"


@pytest.fixture
def repo_copy(tmp_path: Path) -> Path:
    """A copy of the parts of this repository that regeneration reads and writes."""
    return copy_repo(tmp_path / "repo")


@pytest.fixture
def baseline_repo(repo_copy: Path) -> Path:
    """A repository copy whose spec, sources and overrides are the baseline in tests/fixtures/baseline.

    The baseline is the spec as first supplied (one operation, from the supplied page), so tests
    that import and generate hold whatever the live openapi/ holds after a legitimate update.
    """
    sources = repo_copy / "openapi" / "sources"
    shutil.rmtree(sources)
    shutil.copytree(BASELINE / "sources", sources)
    (repo_copy / "openapi" / "overrides.yaml").unlink()
    shutil.copy(BASELINE / "tmdb-v4.yaml", repo_copy / "openapi" / "tmdb-v4.yaml")
    return repo_copy
