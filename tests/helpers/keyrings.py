"""Keyring backends for tests: built on the real ``keyring`` base class, never the user's keyring."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import keyring.backend
import keyring.errors


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A keyring that lives in a dict.

    Not viable for keyring's own discovery (its priority raises), so it is only used where
    a test passes it explicitly or sets it with ``keyring.set_keyring``.
    """

    @keyring.backend.properties.classproperty
    def priority(cls) -> float:
        raise RuntimeError("only for tests")

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.entries.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError("no such entry")


class LockedKeyring(MemoryKeyring):
    """A keyring whose every call fails, like a locked or unreachable one."""

    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringLocked("locked")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.KeyringLocked("locked")

    def delete_password(self, service: str, username: str) -> None:
        raise keyring.errors.KeyringLocked("locked")


def entries(backend: Any) -> dict[tuple[str, str], str]:
    assert isinstance(backend, MemoryKeyring)
    return backend.entries


HANGING_KEYRING_MARK = "TMDB_TEST_KEYRING_MARK"


class HangingKeyring(MemoryKeyring):
    """A keyring whose every call blocks, like a locked Secret Service reached over SSH.

    In-process, a call waits until `release` is set (a test sets it when done, so no thread
    stays behind); a process that loads it through ``PYTHON_KEYRING_BACKEND`` waits an hour.
    Its priority is viable, so ``keyring`` accepts it from the environment.
    """

    @keyring.backend.properties.classproperty
    def priority(cls) -> float:
        return 1.0

    def __init__(self, release: threading.Event | None = None) -> None:
        super().__init__()
        self.release = release or threading.Event()
        self.calls: list[str] = []

    def _hang(self, name: str) -> None:
        self.calls.append(name)
        mark = os.environ.get(HANGING_KEYRING_MARK)
        if mark:  # tell the test in the parent process which call is hanging now
            with open(mark, "a", encoding="utf-8") as file:
                file.write(name + "\n")
        self.release.wait(3600)

    def get_password(self, service: str, username: str) -> str | None:
        self._hang("get_password")
        return super().get_password(service, username)

    def set_password(self, service: str, username: str, password: str) -> None:
        self._hang("set_password")
        super().set_password(service, username, password)

    def delete_password(self, service: str, username: str) -> None:
        self._hang("delete_password")
        super().delete_password(service, username)


def hanging_keyring_env(mark: Path) -> dict[str, str]:
    """The environment that makes a ``tmdb-auth`` subprocess (run from the repository root) use HangingKeyring,
    which appends the name of each call to `mark` as it starts hanging."""
    return {
        "PYTHON_KEYRING_BACKEND": f"{HangingKeyring.__module__}.HangingKeyring",
        HANGING_KEYRING_MARK: str(mark),
    }
