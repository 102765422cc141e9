"""Directories that refuse writes the way real ones do, even to root: a read-only mount and a full one.

CI runs as root, which ignores permission bits, so "read-only" and "full" are made with what
stops root too: a tmpfs mounted read-only, and a tiny tmpfs filled up. Mounting needs root
(CAP_SYS_ADMIN); where it is not allowed the test is skipped with the reason. As another
user, a directory with mode 0500 is read-only for real, and that is used instead.
"""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


@contextlib.contextmanager
def _tmpfs(path: Path, options: str) -> Iterator[Path]:
    path.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], capture_output=True, text=True, check=False
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({mounted.stderr.strip() or mounted.returncode}); needs root")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True, check=False)


@contextlib.contextmanager
def read_only_directory(path: Path) -> Iterator[Path]:
    """`path` as an empty directory of yours (mode 0700) in which nobody, root included, can create a file."""
    if not _is_root():
        path.mkdir(parents=True)
        path.chmod(0o500)
        try:
            yield path
        finally:
            path.chmod(0o700)
        return
    with _tmpfs(path, "ro,mode=0700") as mounted:
        yield mounted


@contextlib.contextmanager
def full_directory(path: Path) -> Iterator[Path]:
    """`path` as a directory of yours (mode 0700) on a file system with no space left (a filler file holds it)."""
    with _tmpfs(path, "size=64k,mode=0700") as mounted:
        _fill(mounted / "filler")
        yield mounted


def _fill(path: Path) -> None:
    """Write to `path` until the file system is full (ENOSPC); any other error is raised."""
    filler = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while True:
            os.write(filler, b"\0" * 4096)
    except OSError as error:
        if error.errno != errno.ENOSPC:
            raise
    finally:
        os.close(filler)
