"""The one atomic private-file writer (store and --output): unnamed while written, whole or nothing, 0600."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tmdb_auth import _private_file
from tmdb_auth._private_file import RESERVE, PrivateFile, is_leftover


@pytest.fixture(params=["O_TMPFILE", "named"])
def mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both ways of making the temporary file: unnamed (Linux), and named from the start (elsewhere)."""
    if request.param == "named":
        monkeypatch.setattr(_private_file, "_TMPFILE", 0)
    elif not _private_file._TMPFILE:
        pytest.skip("no O_TMPFILE on this platform")
    return str(request.param)


@pytest.mark.usefixtures("mode")
@pytest.mark.parametrize("size", [10, RESERVE + 1000])
def test_commit_writes_exactly_the_data_owner_only(tmp_path: Path, size: int) -> None:
    target = tmp_path / "result"
    target.write_text("old")
    file = PrivateFile(target, prefix=".test-")
    file.open()
    data = os.urandom(size)
    file.commit(data)
    assert target.read_bytes() == data  # the reserved space is cut back to the data
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [path.name for path in tmp_path.iterdir()] == ["result"]


def test_while_written_the_file_has_no_name_where_the_platform_allows(tmp_path: Path, mode: str) -> None:
    file = PrivateFile(tmp_path / "result", prefix=".test-")
    file.open()
    names = [path.name for path in tmp_path.iterdir()]
    if mode == "O_TMPFILE":
        assert names == []  # a crash now leaves nothing behind
    else:
        assert len(names) == 1
        assert is_leftover(names[0], ".test-")  # what the store removes after a crash
        assert len(names[0].encode()) <= 30
    file.discard()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.usefixtures("mode")
def test_a_name_of_250_bytes_works(tmp_path: Path) -> None:
    target = tmp_path / ("é" * 125)  # 250 bytes in UTF-8
    file = PrivateFile(target, prefix=".tmdb-auth-")
    file.open()
    file.commit(b"ok")
    assert target.read_bytes() == b"ok"


@pytest.mark.usefixtures("mode")
def test_a_failed_commit_leaves_the_old_file_and_nothing_else(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "result"
    target.write_text("old")

    def fail(*args: object) -> None:
        raise OSError(28, "No space left on device")

    file = PrivateFile(target, prefix=".test-")
    file.open()
    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="No space left"):
        file.commit(b"new")
    monkeypatch.undo()
    assert target.read_text() == "old"
    assert [path.name for path in tmp_path.iterdir()] == ["result"]
