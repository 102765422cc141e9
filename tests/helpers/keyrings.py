"""Keyring backends for tests: built on the real ``keyring`` base class, never the user's keyring."""

from __future__ import annotations

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
