"""Where the command line's results go: stdout, or a file written atomically and readable by its owner only.

A one-time token must never be spent where its result cannot be delivered, so a destination
is checked (`Destination.check`) before the command sends anything, and a write that still
fails afterwards raises `OutputError` with the reason, for the command to say what was lost.
Error lines go to stderr only: never to stdout, which a script may `eval`.
"""

from __future__ import annotations

import contextlib
import errno
import os
import select
import shlex
import stat
import sys
import tempfile
from pathlib import Path
from types import TracebackType
from typing import TextIO


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
    """``--output FILE``: a temporary file beside FILE (mode 0600), renamed over it once written and synced.

    The temporary file is created by `check`, before anything is spent, which proves the
    directory exists and is writable; FILE is then either the whole result or untouched.
    """

    def __init__(self, path: str) -> None:
        self.path = Path(path)
        self.description = str(path)
        self._fd: int | None = None
        self._temporary: str | None = None

    def check(self) -> None:
        if self._temporary is not None:
            return
        try:
            mode = self.path.stat().st_mode
        except FileNotFoundError:
            mode = None
        except OSError as error:
            raise OutputError(f"--output {self.path} cannot be used: {_reason(error)}") from None
        if mode is not None and not stat.S_ISREG(mode):
            raise OutputError(
                f"--output {self.path} is not a regular file: name a new or regular file "
                "(for a device or a pipe, redirect stdout instead)"
            )
        try:
            self._fd, self._temporary = tempfile.mkstemp(  # mode 0600 from the start
                dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp"
            )
        except OSError as error:
            raise OutputError(
                f"--output {self.path}: cannot create a file in {self.path.parent}: {_reason(error)}"
            ) from None

    def write(self, text: str) -> None:
        self.check()
        assert self._fd is not None
        assert self._temporary is not None
        try:
            view = memoryview(text.encode("utf-8"))
            while view:
                view = view[os.write(self._fd, view) :]
            os.fsync(self._fd)
            os.close(self._fd)
            self._fd = None
            os.replace(self._temporary, self.path)
        except (OSError, ValueError) as error:
            self.close()
            raise OutputError(f"--output {self.path} cannot be written: {_reason(error)}") from None
        self._temporary = None
        with contextlib.suppress(OSError):  # make the rename itself durable where the platform allows
            directory = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)

    def close(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None
        if self._temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(self._temporary)
            self._temporary = None


def destination(path: str | None) -> Destination:
    """`AtomicFile(path)` for ``--output PATH``, else stdout."""
    return Stdout() if path is None else AtomicFile(path)
