"""Where ``tmdb-auth login`` keeps the user's access token: a small store any program can reuse.

    store = CredentialStore()              # $TMDB_AUTH_CONFIG_DIR, else the user's config dir
    store.save(access_token, base_url=auth.base_url)
    credentials = store.load()             # None when nobody is logged in
    store.delete()

One JSON file, ``credentials.json``, in a directory only its owner may enter (0700),
readable and writable by its owner only (0600). It is written atomically: a temporary file
created with mode 0600 in the same directory, written, fsynced, then renamed over the old
one, so a reader sees the old credentials or the new ones, never half of them, and the
token is never in a file others can read, even for a moment.

The store refuses (`CredentialStoreError`) rather than repairs: a directory or file owned
by another user, or with group/other permission bits, is reported with the command that
fixes it. It never changes the mode of a directory it did not create.

With the ``keyring`` extra installed, the token goes to the system keyring where one works
(``gh`` does the same), and the file keeps only the account, scopes and dates; where no
keyring works, the token stays in the file. ``TMDB_AUTH_KEYRING=off`` keeps it in the file.

POSIX permissions are checked on POSIX systems only.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import stat
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol

import attrs

from .errors import CredentialStoreError
from .models import AccessToken

CONFIG_DIR_ENV = "TMDB_AUTH_CONFIG_DIR"
KEYRING_ENV = "TMDB_AUTH_KEYRING"
APP_NAME = "tmdb-auth"
FILE_NAME = "credentials.json"
FORMAT_VERSION = 1
KEYRING_SERVICE = "tmdb-auth"
MAX_FILE_SIZE = 64 * 1024  # a credentials file is ~1 KiB; anything far larger is not ours
_PRIVATE = stat.S_IRWXG | stat.S_IRWXO  # any group or other bit
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # opening a FIFO for reading must not wait for a writer

Storage = Literal["file", "keyring"]


class KeyringBackend(Protocol):
    """What the store needs from a keyring: the three calls every ``keyring`` backend has."""

    def get_password(self, service: str, username: str) -> str | None: ...

    def set_password(self, service: str, username: str, password: str) -> None: ...

    def delete_password(self, service: str, username: str) -> None: ...


@attrs.frozen
class Credentials:
    """A stored login: the user's access token and what it is for. ``repr`` never shows the token."""

    access_token: str = attrs.field(repr=False)
    """The user access token (``Authorization: Bearer ...`` on v4 user endpoints)."""
    account_id: str
    """The v4 account id the token acts for."""
    scopes: tuple[str, ...]
    """The token's scopes, e.g. ``("api_read", "api_write")``."""
    created_at: datetime
    """When the login happened (UTC)."""
    base_url: str
    """The API root that issued the token; revoke it there."""
    storage: Storage = "file"
    """Where the token itself is kept: the credentials file or the system keyring."""

    def to_access_token(self) -> AccessToken:
        """The stored token as the facade's `AccessToken` (e.g. to pass to ``logout``)."""
        return AccessToken(access_token=self.access_token, account_id=self.account_id)


def default_directory(environ: Any = None) -> Path:
    """``$TMDB_AUTH_CONFIG_DIR``, else the user's config directory for tmdb-auth (platformdirs)."""
    env = os.environ if environ is None else environ
    configured = env.get(CONFIG_DIR_ENV)
    if configured:
        return Path(configured).expanduser()
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def _uid() -> int | None:
    """The current user id, or None where POSIX ownership does not apply (a test seam)."""
    getuid = getattr(os, "getuid", None)
    return getuid() if getuid is not None else None


def _keyring_from_environment() -> KeyringBackend | None:
    """The system keyring, if the ``keyring`` extra is installed and not switched off."""
    if os.environ.get(KEYRING_ENV, "auto").strip().lower() in ("0", "off", "no", "false"):
        return None
    try:
        keyring: Any = importlib.import_module("keyring")
    except ImportError:
        return None
    try:
        backend: KeyringBackend = keyring.get_keyring()
    except Exception:  # a broken keyring configuration: use the file
        return None
    return backend


class CredentialStore:
    """The saved login of one user, in one directory.

    Args:
        directory: where ``credentials.json`` lives; ``None`` reads ``$TMDB_AUTH_CONFIG_DIR``,
            else the user's config directory (``~/.config/tmdb-auth`` on Linux).
        keyring: a keyring backend to keep the token in (any object with ``keyring``'s
            ``get_password``/``set_password``/``delete_password``), ``False`` for the file only,
            or ``None`` for the system keyring when the ``keyring`` extra is installed and
            ``$TMDB_AUTH_KEYRING`` is not ``off``. A keyring that fails on save falls back to the file.

    Every method raises `CredentialStoreError` for a file or directory it cannot use safely.
    """

    def __init__(
        self, directory: str | os.PathLike[str] | None = None, *, keyring: KeyringBackend | bool | None = None
    ) -> None:
        self.directory = Path(directory) if directory is not None else default_directory()
        self.path = self.directory / FILE_NAME
        self._keyring_choice = keyring

    def __repr__(self) -> str:
        return f"CredentialStore({str(self.directory)!r})"

    # --- the public operations ---------------------------------------------------------------
    def prepare(self) -> None:
        """Create the directory (mode 0700) if needed and check it is safe to write in.

        Call it before spending anything on a login whose result must be saved here.
        """
        self._prepare_directory()

    def save(self, token: AccessToken, *, base_url: str, now: datetime | None = None) -> Credentials:
        """Store ``token`` (issued by ``base_url``), replacing any previous login; returns what was stored."""
        credentials = Credentials(
            access_token=token.access_token,
            account_id=token.account_id,
            scopes=token.scopes,
            created_at=(now or datetime.now(UTC)).replace(microsecond=0),
            base_url=base_url,
        )
        self._prepare_directory()
        backend = self._keyring()
        try:
            previous = self._read_record()
        except CredentialStoreError:
            previous = None  # a corrupt or unsafe old file is replaced by a fresh, private one
        if backend is not None and self._keyring_set(backend, credentials.access_token):
            credentials = attrs.evolve(credentials, storage="keyring")
        self._write_atomically(_encode(credentials))
        if previous is not None and previous.get("storage") == "keyring" and credentials.storage == "file":
            self._keyring_delete()  # the previous token must not linger in the keyring
        return credentials

    def load(self) -> Credentials | None:
        """The stored login, or None when there is none."""
        record = self._read_record()
        if record is None:
            return None
        credentials = _decode(record, self.path)
        if credentials.storage == "keyring":
            token = self._keyring_get()
            credentials = attrs.evolve(credentials, access_token=token)
        return credentials

    def delete(self) -> bool:
        """Forget the stored login (file and keyring entry); True if there was one.

        Works on a file with loose permissions too: removing it only makes things safer.
        """
        try:
            fd = os.open(self.path, os.O_RDONLY | _NONBLOCK)
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise self._error(f"cannot read {self.path}: {exc.strerror}", self.path) from exc
        with os.fdopen(fd, "rb") as file:  # bounded, and never a read from a FIFO or device
            regular = stat.S_ISREG(os.fstat(file.fileno()).st_mode)
            record = _parse_record(file.read(MAX_FILE_SIZE + 1)) if regular else None
        if record is not None and record.get("storage") == "keyring":
            self._keyring_delete()
        try:
            self.path.unlink()
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise self._error(f"cannot delete {self.path}: {exc.strerror}", self.path) from exc
        return True

    def describe(self, credentials: Credentials) -> str:
        """Where ``credentials`` are kept, for people: the file, and the keyring when it holds the token."""
        if credentials.storage == "keyring":
            return f"system keyring (service {KEYRING_SERVICE!r}), details in {self.path}"
        return f"{self.path} (mode 0600)"

    # --- the file ----------------------------------------------------------------------------------
    @staticmethod
    def _error(message: str, path: Path) -> CredentialStoreError:
        return CredentialStoreError(message, path=path)

    def _check_owner_and_mode(self, path: Path, info: os.stat_result, what: str, fix_mode: str) -> None:
        uid = _uid()
        if uid is None:
            return
        if info.st_uid != uid:
            raise self._error(
                f"{what} {path} belongs to another user (uid {info.st_uid}, you are {uid}); it cannot be trusted "
                f"with your token. Remove it, or set {CONFIG_DIR_ENV} to a directory of yours.",
                path,
            )
        if stat.S_IMODE(info.st_mode) & _PRIVATE:
            raise self._error(
                f"{what} {path} is accessible by other users (mode {stat.S_IMODE(info.st_mode):04o}); "
                f"run: chmod {fix_mode} {path}",
                path,
            )

    def _check_directory(self) -> None:
        try:
            info = self.directory.stat()
        except OSError as exc:
            raise self._error(
                f"cannot use the credentials directory {self.directory}: {exc.strerror}", self.directory
            ) from exc
        if not stat.S_ISDIR(info.st_mode):
            raise self._error(f"{self.directory} is not a directory; set {CONFIG_DIR_ENV} elsewhere", self.directory)
        self._check_owner_and_mode(self.directory, info, "the credentials directory", "700")

    def _prepare_directory(self) -> None:
        if not self.directory.exists():
            try:
                self.directory.parent.mkdir(parents=True, exist_ok=True)
                try:
                    self.directory.mkdir(mode=0o700)
                except FileExistsError:
                    pass  # created meanwhile: checked below like any existing directory
                else:
                    os.chmod(self.directory, 0o700)  # mkdir's mode is filtered by the umask; say it exactly
            except OSError as exc:
                raise self._error(
                    f"cannot create the credentials directory {self.directory}: {exc.strerror}", self.directory
                ) from exc
        self._check_directory()

    def _read_record(self) -> dict[str, Any] | None:
        """The parsed file, after checking directory and file are safe; None if there is no file."""
        try:
            fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | _NONBLOCK)
        except FileNotFoundError:
            return None
        except OSError as exc:
            if self.directory.exists():
                self._check_directory()
            raise self._error(
                f"cannot read the credentials file {self.path}: {exc.strerror or exc}. Fix its permissions "
                f"(chmod 600), or delete it and log in again.",
                self.path,
            ) from exc
        with os.fdopen(fd, "rb") as file:
            self._check_directory()
            info = os.fstat(file.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise self._error(f"{self.path} is not a regular file; delete it and log in again", self.path)
            self._check_owner_and_mode(self.path, info, "the credentials file", "600")
            raw = file.read(MAX_FILE_SIZE + 1)
        if len(raw) > MAX_FILE_SIZE:
            raise self._error(
                f"{self.path} is too large to be a credentials file; delete it and log in again", self.path
            )
        record = _parse_record(raw)
        if record is None:
            raise self._error(
                f"the credentials file {self.path} is corrupt (not a JSON object); delete it and log in again "
                "(tmdb-auth logout --local-only, then tmdb-auth login)",
                self.path,
            )
        return record

    def _write_atomically(self, data: bytes) -> None:
        import tempfile  # only when writing: `import tmdb_auth` stays cheap

        # mkstemp creates the file with mode 0600 (O_EXCL, never a pre-existing or linked file);
        # the umask can only remove bits. fchmod states it anyway.
        try:
            fd, temporary = tempfile.mkstemp(prefix=".credentials-", suffix=".tmp", dir=self.directory)
        except OSError as exc:
            raise self._error(f"cannot write in {self.directory}: {exc.strerror}", self.directory) from exc
        try:
            with os.fdopen(fd, "wb") as file:
                os.fchmod(file.fileno(), 0o600)
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, self.path)
        except BaseException as exc:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            if isinstance(exc, OSError):
                raise self._error(f"cannot write {self.path}: {exc.strerror}; nothing was changed", self.path) from exc
            raise
        _fsync_directory(self.directory)

    # --- the keyring -------------------------------------------------------------------------
    def _keyring(self) -> KeyringBackend | None:
        choice = self._keyring_choice
        if choice is False:
            return None
        if choice is None or choice is True:
            return _keyring_from_environment()
        return choice

    def _keyring_username(self) -> str:
        return str(self.path.resolve())  # one entry per store: two config dirs never share a token

    def _keyring_set(self, backend: KeyringBackend, token: str) -> bool:
        try:
            backend.set_password(KEYRING_SERVICE, self._keyring_username(), token)
        except Exception:  # any keyring failure (no backend, locked, no D-Bus...) falls back to the file
            return False
        return True

    def _keyring_get(self) -> str:
        backend = self._keyring()
        token: str | None = None
        if backend is not None:
            try:
                token = backend.get_password(KEYRING_SERVICE, self._keyring_username())
            except Exception as exc:
                raise self._error(
                    f"the access token is in the system keyring, which cannot be read ({type(exc).__name__}); "
                    "unlock it, or log in again",
                    self.path,
                ) from None
        if not token:
            raise self._error(
                "the access token should be in the system keyring but is not there (or the keyring is off); "
                "log in again",
                self.path,
            )
        return token

    def _keyring_delete(self) -> None:
        backend = self._keyring()
        if backend is None:
            return
        try:
            if backend.get_password(KEYRING_SERVICE, self._keyring_username()) is not None:
                backend.delete_password(KEYRING_SERVICE, self._keyring_username())
        except Exception as exc:
            raise self._error(
                f"cannot delete the access token from the system keyring ({type(exc).__name__}); the login was kept",
                self.path,
            ) from None


def _fsync_directory(directory: Path) -> None:
    """Make the rename durable (POSIX); a no-op where directories cannot be opened."""
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


def _parse_record(raw: bytes) -> dict[str, Any] | None:
    """The JSON object in `raw`, or None if it is not one."""
    try:
        record = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    return record if isinstance(record, dict) else None


def _encode(credentials: Credentials) -> bytes:
    record: dict[str, Any] = {
        "version": FORMAT_VERSION,
        "account_id": credentials.account_id,
        "scopes": list(credentials.scopes),
        "created_at": credentials.created_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "base_url": credentials.base_url,
        "storage": credentials.storage,
    }
    if credentials.storage == "file":
        record["access_token"] = credentials.access_token
    return (json.dumps(record, indent=2) + "\n").encode()


def _decode(record: dict[str, Any], path: Path) -> Credentials:
    def corrupt(what: str) -> CredentialStoreError:
        return CredentialStoreError(
            f"the credentials file {path} is corrupt ({what}); delete it and log in again "
            "(tmdb-auth logout --local-only, then tmdb-auth login)",
            path=path,
        )

    if record.get("version") != FORMAT_VERSION:
        raise corrupt(f"unknown format version {record.get('version')!r}")
    storage = record.get("storage", "file")
    if storage not in ("file", "keyring"):
        raise corrupt("unknown storage")
    strings = {}
    for name in ("account_id", "base_url", "created_at") + (("access_token",) if storage == "file" else ()):
        value = record.get(name)
        if not isinstance(value, str) or not value:
            raise corrupt(f"{name} is missing or not a string")
        strings[name] = value
    scopes = record.get("scopes", [])
    if not isinstance(scopes, list) or not all(isinstance(scope, str) for scope in scopes):
        raise corrupt("scopes is not a list of strings")
    try:
        created_at = datetime.fromisoformat(strings["created_at"])
    except ValueError:
        raise corrupt("created_at is not an ISO 8601 date") from None
    if created_at.tzinfo is None:
        created_at = created_at.replace(tzinfo=UTC)
    return Credentials(
        access_token=strings.get("access_token", ""),
        account_id=strings["account_id"],
        scopes=tuple(scopes),
        created_at=created_at,
        base_url=strings["base_url"],
        storage=storage,
    )


__all__ = ["CONFIG_DIR_ENV", "KEYRING_ENV", "CredentialStore", "CredentialStoreError", "Credentials", "KeyringBackend"]
