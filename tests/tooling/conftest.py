"""Fixtures for the generator and spec tooling tests: throwaway repository copies."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.helpers import REPO_PARTS, ROOT


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
