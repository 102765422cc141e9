"""Where ``tmdb-auth login`` keeps the user's access token: a small store any program can reuse.

    store = CredentialStore()              # $TMDB_AUTH_CONFIG_DIR, else the user's config dir
    store.save(access_token, base_url=auth.base_url)
    credentials = store.load()             # None when nobody is logged in
    store.delete(if_current=credentials)   # only if nobody logged in again meanwhile

One JSON file, ``credentials.json``, in a directory only its owner may enter (0700),
readable and writable by its owner only (0600). It is written atomically by
`tmdb_auth._private_file` (a temporary file with mode 0600 from the start, synced, then
renamed over the old one), so a reader sees the old credentials or the new ones, never half
of them, and the token is never in a file others can read, even for a moment.

Every change is a compare-and-swap under a lock (``flock`` on the directory): each stored
login has a random ``login_id``, and `delete` / `update` with the login they expect change
nothing if another login was stored meanwhile, so a ``logout`` that revoked one token never
deletes the login a concurrent ``login`` stored. The lock is held for a file operation (and
bounded keyring calls), never across a network call; waiting for it is bounded too.

The store refuses (`CredentialStoreError`) rather than repairs: a directory or file owned
by another user, or with group/other permission bits, is reported with the command that
fixes it. It never changes the mode of a directory it did not create; the directories it
creates (missing parents included) are 0700 whatever the umask.

A login may also hold the user's v3 session id (``tmdb-auth session`` adds it with `update`);
it is a secret like the token and is kept where the token is.

With the ``keyring`` extra installed, the token (and the session id) go to the system keyring
where one works (``gh`` does the same), and the file keeps only the account, scopes and dates;
where no keyring works, they stay in the file. ``TMDB_AUTH_KEYRING=off`` keeps it in the file.
Every keyring call runs in a worker thread and is given up after `KEYRING_TIMEOUT` seconds
(a locked Secret Service over SSH never answers): a save then keeps the token in the file,
a read or delete is a `CredentialStoreError`.

POSIX permissions are checked on POSIX systems only.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import importlib
import json
import os
import stat
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol, TypeVar

import attrs

from .errors import CredentialStoreError
from .models import AccessToken, Session

try:
    import fcntl
except ImportError:  # not POSIX: no lock (and no permission checks)
    fcntl = None  # type: ignore[assignment]

CONFIG_DIR_ENV = "TMDB_AUTH_CONFIG_DIR"
KEYRING_ENV = "TMDB_AUTH_KEYRING"
APP_NAME = "tmdb-auth"
FILE_NAME = "credentials.json"
FORMAT_VERSION = 1
KEYRING_SERVICE = "tmdb-auth"
KEYRING_TIMEOUT = 3.0
"""Seconds a keyring call may take before the store gives up on it (``gh`` uses 3 s)."""
LOCK_TIMEOUT = 15.0
"""Seconds to wait for another tmdb-auth command to finish with the store."""
MAX_FILE_SIZE = 64 * 1024  # a credentials file is ~1 KiB; anything far larger is not ours
TEMPORARY_PREFIX = ".credentials-"
_PRIVATE = stat.S_IRWXG | stat.S_IRWXO  # any group or other bit
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # opening a FIFO for reading must not wait for a writer
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_T = TypeVar("_T")

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
    """The API root that issued the token: the only place the token (or a read token) is sent for it."""
    storage: Storage = "file"
    """Where the token itself is kept: the credentials file or the system keyring."""
    login_id: str = attrs.field(default="", repr=False)
    """Random, given to each login when it is created: `CredentialStore.delete` and `update` check that the
    store still holds this login (not one stored meanwhile) before changing it."""
    session_id: str | None = attrs.field(default=None, repr=False)
    """The user's v3 session id made from this login's token (``tmdb-auth session``), or None. Kept where the
    token is (the file or the keyring); never shown by ``repr``."""

    @classmethod
    def new(cls, token: AccessToken, *, base_url: str, now: datetime | None = None) -> Credentials:
        """A new login for `token`, issued by `base_url`, with a fresh ``login_id`` (not stored yet)."""
        return cls(
            access_token=token.access_token,
            account_id=token.account_id,
            scopes=token.scopes,
            created_at=(now or datetime.now(UTC)).replace(microsecond=0),
            base_url=base_url,
            login_id=os.urandom(16).hex(),
        )

    def to_access_token(self) -> AccessToken:
        """The stored token as the facade's `AccessToken` (e.g. to pass to ``logout``)."""
        return AccessToken(access_token=self.access_token, account_id=self.account_id)

    def to_session(self) -> Session | None:
        """The stored v3 session as the facade's `Session` (e.g. to pass to ``delete_session``), or None."""
        return None if self.session_id is None else Session(session_id=self.session_id)


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


class _KeyringTimeout(Exception):
    """A keyring call did not return within KEYRING_TIMEOUT."""


def _bounded(call: Callable[[], _T], timeout: float) -> _T:
    """`call()` run in a daemon thread: its result or exception, or _KeyringTimeout after `timeout` seconds.

    The caller's thread waits on an Event, so Ctrl-C still interrupts it at once; a call that never
    returns is left behind in its daemon thread, which does not keep the process alive.
    """
    outcome: dict[str, Any] = {}
    done = threading.Event()

    def run() -> None:
        try:
            outcome["result"] = call()
        except BaseException as error:
            outcome["error"] = error
        finally:
            done.set()

    threading.Thread(target=run, name="tmdb-auth-keyring", daemon=True).start()
    if not done.wait(timeout):
        raise _KeyringTimeout
    if "error" in outcome:
        raise outcome["error"]
    result: _T = outcome["result"]
    return result


class CredentialStore:
    """The saved login of one user, in one directory.

    Args:
        directory: where ``credentials.json`` lives; ``None`` reads ``$TMDB_AUTH_CONFIG_DIR``,
            else the user's config directory (``~/.config/tmdb-auth`` on Linux).
        keyring: a keyring backend to keep the token in (any object with ``keyring``'s
            ``get_password``/``set_password``/``delete_password``), ``False`` for the file only,
            or ``None`` for the system keyring when the ``keyring`` extra is installed and
            ``$TMDB_AUTH_KEYRING`` is not ``off``. A keyring that fails or does not answer within
            `KEYRING_TIMEOUT` seconds on save falls back to the file.

    Every method raises `CredentialStoreError` for a file or directory it cannot use safely.
    """

    def __init__(
        self, directory: str | os.PathLike[str] | None = None, *, keyring: KeyringBackend | bool | None = None
    ) -> None:
        self.directory = Path(directory) if directory is not None else default_directory()
        self.path = self.directory / FILE_NAME
        self._keyring_choice = keyring
        self._backend: KeyringBackend | None = None
        self._backend_resolved = False
        self._keyring_unresponsive = False

    def __repr__(self) -> str:
        return f"CredentialStore({str(self.directory)!r})"

    # --- the public operations ---------------------------------------------------------------
    def prepare(self) -> None:
        """Create the directory (mode 0700) if needed and check that a login can be saved in it.

        It tries what `save` will do: a temporary file is created in the directory, written,
        synced and removed, so a read-only, full or unusable directory fails here. Call it
        before spending anything on a login whose result must be saved here.
        """
        from ._private_file import PrivateFile

        self._create_directory()
        with self._locked(exclusive=True, writing=True):
            self._check_replaceable()
            trial = PrivateFile(self.path, prefix=TEMPORARY_PREFIX)
            try:
                trial.open()
            except OSError as exc:
                raise self._error(
                    f"cannot write in the credentials directory {self.directory}: {_reason(exc)}; make room or "
                    f"fix it, or set {CONFIG_DIR_ENV} to a directory of yours",
                    self.directory,
                ) from exc
            finally:
                trial.discard()

    def save(self, token: AccessToken, *, base_url: str, now: datetime | None = None) -> Credentials:
        """Store `token` (issued by `base_url`) as a new login, replacing any previous one; returns what was stored."""
        return self.put(Credentials.new(token, base_url=base_url, now=now))

    def put(self, credentials: Credentials) -> Credentials:
        """Store `credentials` (see `Credentials.new`), replacing any previous login; returns what was stored
        (``storage`` says where the token went)."""
        if not credentials.login_id:
            credentials = attrs.evolve(credentials, login_id=os.urandom(16).hex())
        self._create_directory()
        with self._locked(exclusive=True, writing=True):
            return self._put(credentials)

    def update(self, expected: Credentials, new: Credentials) -> bool:
        """Compare-and-swap: store `new` only if the store still holds the login `expected`; True if it did.

        False, with nothing changed, when nothing is stored or another login replaced `expected`.
        """
        if not self.directory.is_dir():
            return False
        with self._locked(exclusive=True, writing=True):
            if not self._holds(expected):
                return False
            self._put(new)
        return True

    def load(self) -> Credentials | None:
        """The stored login, or None when there is none."""
        if not self.directory.exists():
            return None  # reading creates nothing
        with self._locked(exclusive=False):
            record = self._read_record()
            if record is None:
                return None
            credentials = _decode(record, self.path)
            if credentials.storage == "keyring":
                credentials = attrs.evolve(credentials, access_token=self._keyring_get(record))
            if record.get("session_storage") == "keyring":
                credentials = attrs.evolve(credentials, session_id=self._keyring_get(record, session=True))
        return credentials

    def delete(self, *, if_current: Credentials | None = None) -> bool:
        """Forget the stored login (file and keyring entry); True if one was deleted.

        With `if_current`, only if the store still holds that login: a login stored meanwhile
        (by another ``tmdb-auth login``) is kept, and False returned. Works on a file with
        loose permissions too: removing it only makes things safer.
        """
        if not self.directory.exists():
            return False
        with self._locked(exclusive=True, check_directory=False):  # removing is always safe
            record = self._peek_record()
            if record is None and not os.path.lexists(self.path):
                return False
            if if_current is not None and (record is None or _login_id(record) != if_current.login_id):
                return False
            if record is not None and _keyring_entries(self.path, record):
                self._keyring_delete(record)
            try:
                self.path.unlink()
            except FileNotFoundError:
                return False
            except OSError as exc:
                raise self._error(f"cannot delete {self.path}: {_reason(exc)}", self.path) from exc
        return True

    def holds(self, credentials: Credentials) -> bool:
        """Whether the store holds the login `credentials` now (reads the file only; never waits)."""
        try:
            record = self._peek_record()
        except CredentialStoreError:
            return False
        return record is not None and _login_id(record) == credentials.login_id

    def describe(self, credentials: Credentials) -> str:
        """Where ``credentials`` are kept, for people: the file, and the keyring when it holds the token."""
        if credentials.storage == "keyring":
            return f"system keyring (service {KEYRING_SERVICE!r}), details in {self.path}"
        return f"{self.path} (mode 0600)"

    # --- the directory and its lock ------------------------------------------------------------
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

    def _check_directory(self, info: os.stat_result, *, writing: bool) -> None:
        if not stat.S_ISDIR(info.st_mode):
            raise self._error(f"{self.directory} is not a directory; set {CONFIG_DIR_ENV} elsewhere", self.directory)
        self._check_owner_and_mode(self.directory, info, "the credentials directory", "700")
        # Its mode says what its owner means: root could write in a 0500 directory, a login should not.
        if writing and _uid() is not None and stat.S_IMODE(info.st_mode) & stat.S_IRWXU != stat.S_IRWXU:
            raise self._error(
                f"the credentials directory {self.directory} is not writable (mode "
                f"{stat.S_IMODE(info.st_mode):04o}); run: chmod 700 {self.directory}",
                self.directory,
            )

    def _create_directory(self) -> None:
        """Create the directory and its missing parents, each 0700 whatever the umask (XDG's rule)."""
        missing: list[Path] = []
        directory = self.directory
        while not os.path.lexists(directory) and directory != directory.parent:
            missing.append(directory)
            directory = directory.parent
        for directory in reversed(missing):
            try:
                directory.mkdir(mode=0o700)
            except FileExistsError:
                continue  # created meanwhile: checked like any existing directory
            except OSError as exc:
                raise self._error(
                    f"cannot create the credentials directory {self.directory}: {_reason(exc)}", self.directory
                ) from exc
            with contextlib.suppress(OSError):
                os.chmod(directory, 0o700)  # mkdir's mode is filtered by the umask; say it exactly

    @contextlib.contextmanager
    def _locked(self, *, exclusive: bool, writing: bool = False, check_directory: bool = True) -> Iterator[None]:
        """Check the directory, hold its lock (shared to read, exclusive to change), remove crash leftovers.

        The lock and the checks are on one open descriptor of the directory (POSIX); where directories
        cannot be opened (Windows) there is no lock, and the directory is checked by its path.
        """
        try:
            fd = os.open(self.directory, os.O_RDONLY | _DIRECTORY | _CLOEXEC) if fcntl is not None else None
        except OSError as exc:
            raise self._unusable_directory(exc) from exc
        try:
            try:
                info = os.fstat(fd) if fd is not None else os.stat(self.directory)
            except OSError as exc:
                raise self._unusable_directory(exc) from exc
            if check_directory:
                self._check_directory(info, writing=writing)
            if fd is not None:
                self._lock(fd, exclusive)
                self._remove_leftovers()  # only under the lock: no save of another command is under way
            yield
        finally:
            if fd is not None:
                os.close(fd)  # releases the lock

    def _unusable_directory(self, error: OSError) -> CredentialStoreError:
        if error.errno == errno.ENOTDIR:
            return self._error(f"{self.directory} is not a directory; set {CONFIG_DIR_ENV} elsewhere", self.directory)
        return self._error(f"cannot use the credentials directory {self.directory}: {_reason(error)}", self.directory)

    def _lock(self, fd: int, exclusive: bool) -> None:
        assert fcntl is not None
        operation = (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB
        deadline = time.monotonic() + LOCK_TIMEOUT
        while True:
            try:
                fcntl.flock(fd, operation)
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise self._error(
                        f"another tmdb-auth command has been using the credentials in {self.directory} for over "
                        f"{LOCK_TIMEOUT:g} s; try again once it has finished",
                        self.directory,
                    ) from None
                time.sleep(0.05)
            except OSError:
                return  # a file system without locks (some network mounts): go on as before locks existed

    def _remove_leftovers(self) -> None:
        """Remove temporary files a crash left (no writer is running: we hold the lock)."""
        from ._private_file import is_leftover

        with contextlib.suppress(OSError):
            for entry in os.scandir(self.directory):
                if is_leftover(entry.name, TEMPORARY_PREFIX):
                    with contextlib.suppress(OSError):
                        os.unlink(entry.path)

    # --- the file ----------------------------------------------------------------------------------
    def _directory_in_the_way(self) -> CredentialStoreError:
        return self._error(
            f"{self.path} is a directory, not a credentials file: move it away or remove it "
            f"(rmdir {self.path}), then log in again",
            self.path,
        )

    def _check_replaceable(self) -> None:
        """A new login can be renamed over whatever is at the credentials path, except a directory."""
        try:
            info = os.lstat(self.path)
        except FileNotFoundError:
            return
        except OSError as exc:
            raise self._error(f"cannot use {self.path}: {_reason(exc)}", self.path) from exc
        if stat.S_ISDIR(info.st_mode):
            raise self._directory_in_the_way()

    def _read_record(self) -> dict[str, Any] | None:
        """The parsed file, after checking it is safe (the directory is checked by `_locked`); None if none."""
        try:
            fd = os.open(self.path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _CLOEXEC)
        except FileNotFoundError:
            return None
        except IsADirectoryError:
            raise self._directory_in_the_way() from None
        except OSError as exc:
            raise self._error(
                f"cannot read the credentials file {self.path}: {_reason(exc)}. Fix its permissions "
                f"(chmod 600), or delete it and log in again.",
                self.path,
            ) from exc
        try:
            info = os.fstat(fd)
            if stat.S_ISDIR(info.st_mode):
                raise self._directory_in_the_way()
            if not stat.S_ISREG(info.st_mode):
                raise self._error(f"{self.path} is not a regular file; delete it and log in again", self.path)
            self._check_owner_and_mode(self.path, info, "the credentials file", "600")
            raw = _read_bounded(fd)
        except OSError as exc:
            raise self._error(f"cannot read the credentials file {self.path}: {_reason(exc)}", self.path) from exc
        finally:
            os.close(fd)
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

    def _peek_record(self) -> dict[str, Any] | None:
        """The file's JSON object, read leniently (any mode or owner; bounded; never from a FIFO or device):
        what a change must compare with or clean up. None if there is no such object."""
        try:
            fd = os.open(self.path, os.O_RDONLY | _NONBLOCK | _CLOEXEC)
        except FileNotFoundError:
            return None
        except IsADirectoryError:
            raise self._directory_in_the_way() from None
        except OSError as exc:
            if os.path.isdir(self.path):
                raise self._directory_in_the_way() from None
            if os.path.lexists(self.path):
                return None  # a dangling link, or a file we may not read: holds no login we can use
            raise self._error(f"cannot read {self.path}: {_reason(exc)}", self.path) from exc
        try:
            info = os.fstat(fd)
            if stat.S_ISDIR(info.st_mode):
                raise self._directory_in_the_way()
            return _parse_record(_read_bounded(fd)) if stat.S_ISREG(info.st_mode) else None
        except OSError:
            return None
        finally:
            os.close(fd)

    def _holds(self, expected: Credentials) -> bool:
        record = self._peek_record()
        return record is not None and _login_id(record) == expected.login_id

    def _put(self, credentials: Credentials) -> Credentials:
        """Write `credentials` (the lock is held): the token to the keyring if one works, else in the file."""
        from ._private_file import PrivateFile

        self._check_replaceable()
        try:
            previous = self._peek_record()
        except CredentialStoreError:
            previous = None
        kept = _keyring_entries(self.path, previous) if previous is not None else set()
        record = _encode(attrs.evolve(credentials, storage="file"))
        if self._keyring_set(record, credentials.access_token):
            credentials = attrs.evolve(credentials, storage="keyring")
            record = _encode(credentials)
            if credentials.session_id is not None and not self._keyring_set(
                record, credentials.session_id, session=True
            ):  # both secrets are kept in one place: the file, then
                self._keyring_forget({_keyring_username(self.path, record)} - kept)
                credentials = attrs.evolve(credentials, storage="file")
                record = _encode(credentials)
        else:
            credentials = attrs.evolve(credentials, storage="file")
        file = PrivateFile(self.path, prefix=TEMPORARY_PREFIX)
        try:
            file.commit(_json_bytes(record))
        except OSError as exc:
            self._keyring_forget(_keyring_entries(self.path, record) - kept)  # the old login keeps its own entries
            raise self._error(f"cannot write {self.path}: {_reason(exc)}; nothing was changed", self.path) from exc
        # The entries of the replaced login (or of this login's old state) that the new record does not use must
        # not linger there.
        self._keyring_forget(kept - _keyring_entries(self.path, record))
        return credentials

    # --- the keyring: every call bounded ---------------------------------------------------------
    def _keyring(self) -> KeyringBackend | None:
        choice = self._keyring_choice
        if choice is False:
            return None
        if choice is not None and choice is not True:
            return choice
        if not self._backend_resolved:  # finding the system keyring may itself talk to a stuck daemon
            self._backend = self._keyring_call(_keyring_from_environment)
            self._backend_resolved = True
        return self._backend

    def _keyring_call(self, call: Callable[[], _T]) -> _T:
        if self._keyring_unresponsive:
            raise _KeyringTimeout
        try:
            return _bounded(call, KEYRING_TIMEOUT)
        except _KeyringTimeout:
            self._keyring_unresponsive = True  # the next call would wait as long again
            raise

    def _keyring_set(self, record: dict[str, Any], secret: str, *, session: bool = False) -> bool:
        """Put the token (or with `session`, the session id) in the keyring for the login `record`; False (use
        the file) if no keyring works in time."""
        try:
            backend = self._keyring()
            if backend is None:
                return False
            username = _keyring_username(self.path, record, session)
            self._keyring_call(lambda: backend.set_password(KEYRING_SERVICE, username, secret))
        except Exception:  # any keyring failure (none, locked, no D-Bus, no answer...) falls back to the file
            return False
        return True

    def _keyring_get(self, record: dict[str, Any], *, session: bool = False) -> str:
        secret: str | None = None
        what = "the v3 session id" if session else "the access token"
        username = _keyring_username(self.path, record, session)
        try:
            backend = self._keyring()
            if backend is not None:
                secret = self._keyring_call(lambda: backend.get_password(KEYRING_SERVICE, username))
        except _KeyringTimeout:
            raise self._error(
                f"{what} is in the system keyring, which did not answer within {KEYRING_TIMEOUT:g} s "
                "(locked, or not reachable from this session); unlock it and try again, or log in again with "
                f"{KEYRING_ENV}=off",
                self.path,
            ) from None
        except Exception as exc:
            raise self._error(
                f"{what} is in the system keyring, which cannot be read ({type(exc).__name__}); "
                "unlock it, or log in again",
                self.path,
            ) from None
        if not secret:
            raise self._error(
                f"{what} should be in the system keyring but is not there (or the keyring is off); log in again",
                self.path,
            )
        return secret

    def _keyring_delete(self, record: dict[str, Any]) -> None:
        """Delete every keyring entry of the login `record` (its token's, its session id's)."""
        self._keyring_delete_entries(_keyring_entries(self.path, record))

    def _keyring_delete_entries(self, usernames: set[str]) -> None:
        try:
            backend = self._keyring()
            if backend is None:
                return
            for username in sorted(usernames):
                if self._keyring_call(functools.partial(backend.get_password, KEYRING_SERVICE, username)) is not None:
                    self._keyring_call(functools.partial(backend.delete_password, KEYRING_SERVICE, username))
        except _KeyringTimeout:
            raise self._error(
                f"the system keyring did not answer within {KEYRING_TIMEOUT:g} s, so the access token could not "
                "be deleted from it; the login was kept",
                self.path,
            ) from None
        except Exception as exc:
            raise self._error(
                f"cannot delete the access token from the system keyring ({type(exc).__name__}); the login was kept",
                self.path,
            ) from None

    def _keyring_forget(self, usernames: set[str]) -> None:
        """Best effort: remove keyring entries no stored login uses."""
        if usernames:
            with contextlib.suppress(Exception):
                self._keyring_delete_entries(usernames)


def _keyring_username(path: Path, record: dict[str, Any], session: bool = False) -> str:
    """One keyring entry per store and login (and one more for its session id): two config dirs never share a
    token, and a login being stored never overwrites the token of the login it replaces before the file says so."""
    base = str(path.resolve())
    login_id = record.get("login_id")
    username = f"{base}#{login_id}" if isinstance(login_id, str) and login_id else base  # files before login_id
    return f"{username}#session" if session else username


def _keyring_entries(path: Path, record: dict[str, Any]) -> set[str]:
    """The keyring entries the login `record` keeps its secrets in."""
    entries = set()
    if record.get("storage") == "keyring":
        entries.add(_keyring_username(path, record))
    if record.get("session_storage") == "keyring":
        entries.add(_keyring_username(path, record, session=True))
    return entries


def _login_id(record: dict[str, Any]) -> str:
    """The login a record holds: its ``login_id``, or for a file written before login ids, a digest of it."""
    login_id = record.get("login_id")
    if isinstance(login_id, str) and login_id:
        return login_id
    import hashlib

    return "sha256:" + hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()


def _reason(error: OSError) -> str:
    return error.strerror or type(error).__name__


def _read_bounded(fd: int) -> bytes:
    """At most MAX_FILE_SIZE + 1 bytes from `fd` (enough to tell a file is too large)."""
    chunks: list[bytes] = []
    size = 0
    while size <= MAX_FILE_SIZE:
        chunk = os.read(fd, MAX_FILE_SIZE + 1 - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _parse_record(raw: bytes) -> dict[str, Any] | None:
    """The JSON object in `raw`, or None if it is not one."""
    try:
        record = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    return record if isinstance(record, dict) else None


def _json_bytes(record: dict[str, Any]) -> bytes:
    return (json.dumps(record, indent=2) + "\n").encode()


def _encode(credentials: Credentials) -> dict[str, Any]:
    record: dict[str, Any] = {
        "version": FORMAT_VERSION,
        "login_id": credentials.login_id,
        "account_id": credentials.account_id,
        "scopes": list(credentials.scopes),
        "created_at": credentials.created_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "base_url": credentials.base_url,
        "storage": credentials.storage,
    }
    if credentials.storage == "file":
        record["access_token"] = credentials.access_token
    if credentials.session_id is not None and credentials.storage == "file":
        record["session_id"] = credentials.session_id
    elif credentials.session_id is not None:
        record["session_storage"] = "keyring"
    return record


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
    session_id = record.get("session_id")
    if session_id is not None and (not isinstance(session_id, str) or not session_id):
        raise corrupt("session_id is not a string")
    if record.get("session_storage", "file") not in ("file", "keyring"):
        raise corrupt("unknown session storage")
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
        login_id=_login_id(record),
        session_id=session_id,
    )


__all__ = ["CONFIG_DIR_ENV", "KEYRING_ENV", "CredentialStore", "CredentialStoreError", "Credentials", "KeyringBackend"]
