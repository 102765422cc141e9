"""Where the command line's results go: stdout, or a file written atomically and readable by its owner only.

A one-time token must never be spent where its result cannot be delivered, so a destination
is checked (`Destination.check`) before the command sends anything, and a write that still
fails afterwards raises `OutputError` with the reason, for the command to say what was lost.
Error lines go to stderr only: never to stdout, which a script may `eval`.
"""

from __future__ import annotations

import errno
import os
import select
import shlex
import stat
import sys
from pathlib import Path
from types import TracebackType
from typing import TextIO

from ._private_file import PrivateFile


class OutputError(Exception):
    """The result cannot be written where it should go; the message says why (never what)."""


_REASONS = {
    errno.EPIPE: "its reader went away (broken pipe)",
    errno.ENOSPC: "no space left on device",
    errno.EFBIG: "the file is too large (a file size limit)",
    errno.EBADF: "it is closed or not open for writing",
    errno.EDQUOT: "the disk quota is exceeded",
}


def _reason(error: BaseException) -> str:
    if isinstance(error, UnicodeError):
        return "the text cannot be encoded for it"
    if isinstance(error, OSError):
        return _REASONS.get(error.errno or 0) or error.strerror or type(error).__name__
    return str(error) or type(error).__name__  # ValueError: I/O operation on closed file


def env_assignments(values: dict[str, str]) -> str:
    """``export NAME='value'`` lines that a POSIX shell's ``eval`` or ``.`` turns back into exactly
    `values`, exported: the commands the shell runs next see them too (without ``export`` a script
    would set shell variables its child processes never see, and fall back to their defaults).

    Every value is quoted (shlex.quote), so no server-supplied ``$(...)``, quote or newline is run.
    A NUL cannot be held by a shell variable: OutputError rather than a value that comes back altered.
    """
    for name, value in values.items():
        if "\0" in value:
            raise OutputError(f"{name} holds a NUL character, which a shell variable cannot hold (use --format json)")
    return "".join(f"export {name}={shlex.quote(value)}\n" for name, value in values.items())


def say(message: str) -> None:
    """One line on stderr; nothing if stderr is closed (never stdout, which print(file=None) would use)."""
    stream = sys.stderr
    if stream is None:
        return
    try:
        stream.write(message + "\n")
        stream.flush()
    except (OSError, ValueError):
        _silence(stream)


def _silence(stream: TextIO) -> None:
    """Point a failed stream's descriptor at /dev/null, so the interpreter's last flush cannot fail again."""
    try:
        fd = stream.fileno()
    except (OSError, ValueError, AttributeError):
        return  # not a descriptor (a captured stream in tests): nothing is flushed at exit
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)


def finish_stdout() -> None:
    """Flush stdout at exit; a reader that went away is not worth a traceback (the exit code already tells)."""
    stream = sys.stdout
    if stream is None:
        return
    try:
        stream.flush()
    except (OSError, ValueError):
        _silence(stream)


class Destination:
    """Where a command's result goes; `check` before spending anything, then `write` once."""

    description = "stdout"

    def check(self) -> None:
        """OutputError now if a write could not succeed (closed, read-only, full, no reader, no directory)."""

    def write(self, text: str) -> None:
        """Deliver `text` whole, or OutputError with the reason."""

    def close(self) -> None:
        """Release what `check` prepared (e.g. an unused temporary file)."""

    def __enter__(self) -> Destination:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()


class Stdout(Destination):
    """The process's stdout, checked for a closed descriptor, a read-only one, a full device and a gone reader."""

    def check(self) -> None:
        stream = sys.stdout
        if stream is None:
            raise OutputError("stdout is closed")
        try:
            fd = stream.fileno()
        except (OSError, ValueError, AttributeError):
            return  # not backed by a descriptor (captured in tests): the write itself will tell
        try:
            os.fstat(fd)
            os.write(fd, b"")  # EBADF when open read-only, ENOSPC on /dev/full; writes nothing
        except OSError as error:
            raise OutputError(f"stdout cannot be written: {_reason(error)}") from None
        if hasattr(select, "poll"):  # a pipe whose reader is gone answers a zero-length write with 0
            poller = select.poll()
            poller.register(fd, select.POLLOUT)
            for _fd, events in poller.poll(0):
                if events & (select.POLLERR | select.POLLHUP | select.POLLNVAL):
                    raise OutputError("stdout cannot be written: its reader went away (a closed pipe)")

    def write(self, text: str) -> None:
        stream = sys.stdout
        if stream is None:
            raise OutputError("stdout is closed")
        try:
            text.encode("utf-8")  # strict: a lone surrogate is refused, never written as stray bytes
            stream.write(text)
            stream.flush()
        except (OSError, ValueError) as error:
            _silence(stream)
            raise OutputError(f"stdout cannot be written: {_reason(error)}") from None


class AtomicFile(Destination):
    """``--output FILE``: written by the one private-file writer (`tmdb_auth._private_file`): a temporary
    file beside FILE (mode 0600), renamed over it once written and synced.

    `check`, before anything is spent, tries what the write will do: FILE must be new or a regular file
    of yours (not a link, a FIFO, a device, a directory, or another user's file, which in a sticky
    directory such as /tmp could not be replaced and may be a trap), and the temporary file is created
    with its space reserved, which proves the directory exists, is writable and has room. FILE is then
    either the whole result or untouched.
    """

    def __init__(self, path: str) -> None:
        self.path = Path(path)
        self.description = str(path)
        self._file: PrivateFile | None = None

    def check(self) -> None:
        if self._file is not None:
            return
        try:
            info: os.stat_result | None = os.lstat(self.path)
        except FileNotFoundError:
            info = None
        except OSError as error:
            raise OutputError(f"--output {self.path} cannot be used: {_reason(error)}") from None
        if info is not None:
            _check_existing(self.path, info)
        file = PrivateFile(self.path, prefix=".tmdb-auth-")
        try:
            file.open()
        except OSError as error:
            raise OutputError(
                f"--output {self.path}: cannot create a file in {self.path.parent}: {_reason(error)}"
            ) from None
        self._file = file

    def write(self, text: str) -> None:
        self.check()
        assert self._file is not None
        try:
            self._file.commit(text.encode("utf-8"))
        except (OSError, ValueError) as error:
            self.close()
            raise OutputError(f"--output {self.path} cannot be written: {_reason(error)}") from None
        self._file = None

    def close(self) -> None:
        if self._file is not None:
            self._file.discard()
            self._file = None


def _check_existing(path: Path, info: os.stat_result) -> None:
    """OutputError unless what is at `path` is a regular file of ours, which the result may replace."""
    if stat.S_ISLNK(info.st_mode):
        raise OutputError(f"--output {path} is a symbolic link: name the file itself, or a new file")
    if not stat.S_ISREG(info.st_mode):
        raise OutputError(
            f"--output {path} is not a regular file: name a new or regular file "
            "(for a device or a pipe, redirect stdout instead)"
        )
    getuid = getattr(os, "getuid", None)
    if getuid is not None and info.st_uid != getuid():
        raise OutputError(
            f"--output {path} belongs to another user (uid {info.st_uid}): it may have been put there to catch "
            "your token; choose another name"
        )


def destination(path: str | None) -> Destination:
    """`AtomicFile(path)` for ``--output PATH``, else stdout."""
    return Stdout() if path is None else AtomicFile(path)
