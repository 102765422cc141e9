"""The one atomic writer of private files (mode 0600): the credentials store and ``--output`` use it.

    file = PrivateFile(path, prefix=".credentials-")
    file.open()            # before anything is spent: proves a file can be written there now
    ...
    file.commit(data)      # the whole data at `path`, or OSError and `path` untouched
    file.discard()         # (or) nothing is left behind

`open` tries what `commit` will do, so a directory that is read-only, full, missing or not
a directory fails there: it creates the temporary file beside `path` (the same file
system, so the final rename is atomic) with mode 0600 from the start, writes `RESERVE`
bytes to it and syncs them, which claims the disk space the result needs.

Where Linux allows it the temporary file is created with ``O_TMPFILE``: it has no name
while it is written, so a crash (SIGKILL, power loss) leaves nothing behind. It gets a
hidden name (``<prefix><random>.tmp``, at most 30 bytes whatever `path` is, so names close
to the 255-byte limit work) only once it is complete, for the instant before it is renamed
over `path`. Elsewhere it is created with that name from the start (``mkstemp``); the store
removes such leftovers (`is_leftover`) under its lock.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from pathlib import Path

RESERVE = 4096
"""Bytes written and synced by `open`: far more than any result here (a credentials record is ~1 KiB)."""
SUFFIX = ".tmp"
_TMPFILE = getattr(os, "O_TMPFILE", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
# What open(O_TMPFILE) answers where the file system or kernel cannot do it: use a named file.
_NO_TMPFILE = {errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL}


class PrivateFile:
    """A file written whole or not at all at `path`, readable and writable by its owner only."""

    def __init__(self, path: str | os.PathLike[str], *, prefix: str) -> None:
        self.path = Path(path)
        self._prefix = prefix
        self._fd: int | None = None
        self._name: Path | None = None  # the temporary file's name, while it has one

    def open(self) -> None:
        """Create the temporary file and reserve its space; OSError if the directory cannot take it."""
        if self._fd is not None:
            return
        directory = self.path.parent
        fd = self._open_unnamed(directory)
        if fd is None:
            fd, name = tempfile.mkstemp(prefix=self._prefix, suffix=SUFFIX, dir=directory)  # mode 0600
            self._name = Path(name)
        self._fd = fd
        try:
            os.fchmod(fd, 0o600)  # the umask can only remove bits; say it exactly anyway
            _write_all(fd, b"\0" * RESERVE)
            os.fsync(fd)
        except BaseException:
            self.discard()
            raise

    def commit(self, data: bytes) -> None:
        """Write `data`, sync it, and rename it over `path`; on OSError nothing is left and `path` is untouched."""
        self.open()
        fd = self._fd
        assert fd is not None
        try:
            os.lseek(fd, 0, os.SEEK_SET)
            _write_all(fd, data)
            os.ftruncate(fd, len(data))
            os.fsync(fd)
            if self._name is None:  # link cannot replace a file: a hidden name first, then the rename
                self._name = self._link(fd)
            os.replace(self._name, self.path)
            self._name = None
        except BaseException:
            self.discard()
            raise
        self.discard()  # closes the descriptor; the name is gone already
        fsync_directory(self.path.parent)

    def discard(self) -> None:
        """Close and remove the temporary file, if any. Idempotent."""
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None
        if self._name is not None:
            with contextlib.suppress(OSError):
                os.unlink(self._name)
            self._name = None

    def _link(self, fd: int) -> Path:
        """Give the ``O_TMPFILE`` file `fd` a hidden name beside `path` (linkat through /proc, as open(2) shows)."""
        name = f"{self._prefix}{os.urandom(8).hex()}{SUFFIX}"
        directory = os.open(self.path.parent, os.O_RDONLY | _CLOEXEC)
        try:  # a dir_fd makes Python call linkat(AT_SYMLINK_FOLLOW) rather than link(), which would not follow
            os.link(f"/proc/self/fd/{fd}", name, dst_dir_fd=directory, follow_symlinks=True)
        finally:
            os.close(directory)
        return self.path.parent / name

    def _open_unnamed(self, directory: Path) -> int | None:
        """An ``O_TMPFILE`` descriptor in `directory`, or None where that cannot be used (then: a named file)."""
        if not _TMPFILE or not os.path.isdir("/proc/self/fd"):  # naming it later goes through /proc
            return None
        try:
            return os.open(directory, _TMPFILE | os.O_RDWR | _CLOEXEC, 0o600)
        except OSError as error:
            if error.errno in _NO_TMPFILE:
                return None
            raise


def is_leftover(name: str, prefix: str) -> bool:
    """Whether `name` is a temporary file this module creates with `prefix`."""
    return name.startswith(prefix) and name.endswith(SUFFIX)


def fsync_directory(directory: Path) -> None:
    """Make a rename in `directory` durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
