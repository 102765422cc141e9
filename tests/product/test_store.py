"""The credentials store: private permissions at every moment, atomic writes, clear errors, the keyring."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs
import keyring
import keyring.backends.fail
import pytest

from tests.helpers.bounded import run_bounded
from tests.helpers.filesystems import full_directory, read_only_directory
from tests.helpers.keyrings import HangingKeyring, LockedKeyring, MemoryKeyring, entries
from tests.helpers.leaks import assert_no_secret_in_error
from tests.helpers.tokens import ACCESS_TOKEN, ACCOUNT_ID, assert_no_secret
from tmdb_auth import AccessToken, TMDBError
from tmdb_auth import store as store_module
from tmdb_auth.store import CredentialStore, CredentialStoreError

TOKEN = AccessToken(access_token=ACCESS_TOKEN, account_id=ACCOUNT_ID)
BASE_URL = "http://127.0.0.1:9"
posix_only = pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX permissions")


def mode(path: Path | int) -> int:
    info = os.fstat(path) if isinstance(path, int) else os.stat(path)
    return stat.S_IMODE(info.st_mode)


@pytest.fixture
def directory(tmp_path: Path) -> Path:
    return tmp_path / "config" / "tmdb-auth"


@pytest.fixture
def file_store(directory: Path) -> CredentialStore:
    return CredentialStore(directory, keyring=False)


@pytest.fixture
def loose_umask() -> Iterator[None]:
    """A umask that lets everyone read everything: the store must not depend on a careful umask."""
    previous = os.umask(0)
    try:
        yield
    finally:
        os.umask(previous)


def test_save_then_load_round_trip(file_store: CredentialStore) -> None:
    now = datetime(2026, 11, 25, 9, 30, 12, 345678, tzinfo=UTC)
    saved = file_store.save(TOKEN, base_url=BASE_URL, now=now)
    loaded = file_store.load()
    assert loaded == saved
    assert loaded is not None
    assert loaded.access_token == ACCESS_TOKEN
    assert loaded.account_id == ACCOUNT_ID
    assert loaded.scopes == ("api_read", "api_write")
    assert loaded.created_at == now.replace(microsecond=0)
    assert loaded.base_url == BASE_URL
    assert loaded.storage == "file"
    assert loaded.to_access_token() == TOKEN
    record = json.loads(file_store.path.read_text())
    assert record["created_at"] == "2026-11-25T09:30:12Z"
    assert record["version"] == 1


def test_nothing_stored(file_store: CredentialStore) -> None:
    assert file_store.load() is None
    assert file_store.delete() is False
    assert not file_store.directory.exists()  # reading creates nothing


def test_a_second_save_replaces_the_first(file_store: CredentialStore) -> None:
    file_store.save(AccessToken(access_token="first-token", account_id="a1"), base_url=BASE_URL)
    file_store.save(TOKEN, base_url=BASE_URL)
    loaded = file_store.load()
    assert loaded is not None
    assert loaded.account_id == ACCOUNT_ID
    assert sorted(p.name for p in file_store.directory.iterdir()) == ["credentials.json"]


def test_delete(file_store: CredentialStore) -> None:
    file_store.save(TOKEN, base_url=BASE_URL)
    assert file_store.delete() is True
    assert not file_store.path.exists()
    assert file_store.load() is None
    assert file_store.delete() is False


@posix_only
@pytest.mark.usefixtures("loose_umask")
def test_directory_0700_and_file_0600_even_with_umask_0(file_store: CredentialStore) -> None:
    file_store.save(TOKEN, base_url=BASE_URL)
    assert mode(file_store.directory) == 0o700
    assert mode(file_store.path) == 0o600
    file_store.save(TOKEN, base_url=BASE_URL)  # the replacement too
    assert mode(file_store.path) == 0o600


@posix_only
@pytest.mark.usefixtures("loose_umask")
def test_the_token_is_never_in_a_file_others_can_read(
    file_store: CredentialStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Check the mode of every file in the directory at each step of the write: fsync and rename."""
    seen: list[tuple[str, int, dict[str, int]]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def snapshot() -> dict[str, int]:
        return {p.name: mode(p) for p in file_store.directory.iterdir() if p.is_file()}

    def fsync(fd: int) -> None:
        if stat.S_ISREG(os.fstat(fd).st_mode):
            seen.append(("fsync", mode(fd), snapshot()))
        real_fsync(fd)

    def replace(source: Any, target: Any) -> None:
        seen.append(("replace", mode(source), snapshot()))
        real_replace(source, target)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    file_store.save(TOKEN, base_url=BASE_URL)
    file_store.save(TOKEN, base_url=BASE_URL)
    # Per save: the space reserved and synced, the data synced, the rename.
    assert [step for step, _, _ in seen] == ["fsync", "fsync", "replace"] * 2
    for step, file_mode, files in seen:
        assert file_mode == 0o600
        assert all(m == 0o600 for m in files.values()), files
        if step == "replace":
            assert files  # the temporary file has a name by then (O_TMPFILE's only once complete)
    assert mode(file_store.directory) == 0o700


@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_a_failed_write_leaves_the_old_file(
    file_store: CredentialStore, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    file_store.save(AccessToken(access_token="old-token", account_id="old-account"), base_url=BASE_URL)
    before = file_store.path.read_bytes()

    def fail(*args: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, failing, fail)
    with pytest.raises(CredentialStoreError, match="nothing was changed") as caught:
        file_store.save(TOKEN, base_url=BASE_URL)
    monkeypatch.undo()
    assert file_store.path.read_bytes() == before
    assert [p.name for p in file_store.directory.iterdir()] == ["credentials.json"]  # no temp file left
    assert_no_secret_in_error(caught.value)


def test_interrupted_write_leaves_the_old_file(file_store: CredentialStore, monkeypatch: pytest.MonkeyPatch) -> None:
    file_store.save(AccessToken(access_token="old-token", account_id="old-account"), base_url=BASE_URL)
    before = file_store.path.read_bytes()

    def interrupt(*args: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupt)
    with pytest.raises(KeyboardInterrupt):
        file_store.save(TOKEN, base_url=BASE_URL)
    monkeypatch.undo()
    assert file_store.path.read_bytes() == before
    assert [p.name for p in file_store.directory.iterdir()] == ["credentials.json"]


@pytest.mark.parametrize(
    ("content", "what"),
    [
        (b"{not json", "not a JSON object"),
        (b"[1, 2]", "not a JSON object"),
        (b"\xff\xfe", "not a JSON object"),
        (json.dumps({"version": 99}).encode(), "format version"),
        (
            json.dumps({"version": 1, "account_id": "a", "base_url": "b", "created_at": "now", "access_token": "t"}),
            "ISO",
        ),
        (
            json.dumps({"version": 1, "account_id": "a", "base_url": "b", "created_at": "2026-01-01T00:00:00Z"}),
            "access_token",
        ),
        (
            json.dumps(
                {
                    "version": 1,
                    "account_id": "a",
                    "base_url": "b",
                    "created_at": "2026-01-01",
                    "access_token": ACCESS_TOKEN,
                    "scopes": "x",
                }
            ),
            "scopes",
        ),
    ],
)
def test_a_corrupt_file_is_a_clear_error(file_store: CredentialStore, content: bytes | str, what: str) -> None:
    file_store.save(TOKEN, base_url=BASE_URL)
    file_store.path.write_bytes(content.encode() if isinstance(content, str) else content)
    with pytest.raises(CredentialStoreError, match="corrupt") as caught:
        file_store.load()
    assert what in str(caught.value)
    assert "log in again" in str(caught.value)
    assert caught.value.path == file_store.path
    assert isinstance(caught.value, TMDBError)
    assert_no_secret_in_error(caught.value)
    file_store.save(TOKEN, base_url=BASE_URL)  # a new login replaces the corrupt file
    assert file_store.load() is not None


def test_an_oversized_file_is_refused(file_store: CredentialStore) -> None:
    file_store.save(TOKEN, base_url=BASE_URL)
    file_store.path.write_bytes(b" " * (store_module.MAX_FILE_SIZE + 1))
    with pytest.raises(CredentialStoreError, match="too large"):
        file_store.load()


@posix_only
def test_a_file_others_can_read_is_refused_with_the_fix(file_store: CredentialStore) -> None:
    file_store.save(TOKEN, base_url=BASE_URL)
    os.chmod(file_store.path, 0o644)
    with pytest.raises(CredentialStoreError, match=r"mode 0644.*chmod 600") as caught:
        file_store.load()
    assert_no_secret_in_error(caught.value)
    assert mode(file_store.path) == 0o644  # reported, not silently changed
    assert file_store.delete() is True  # forgetting it is always allowed


@posix_only
def test_a_directory_others_can_enter_is_refused_and_left_alone(directory: Path) -> None:
    directory.mkdir(parents=True, mode=0o755)
    os.chmod(directory, 0o755)  # noqa: S103 - the loose mode under test
    store = CredentialStore(directory, keyring=False)
    with pytest.raises(CredentialStoreError, match=r"credentials directory .*mode 0755.*chmod 700"):
        store.save(TOKEN, base_url=BASE_URL)
    assert mode(directory) == 0o755
    assert not store.path.exists()


@posix_only
def test_foreign_owned_file_or_directory_is_refused(
    file_store: CredentialStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    file_store.save(TOKEN, base_url=BASE_URL)
    monkeypatch.setattr(store_module, "_uid", lambda: os.getuid() + 4242)
    with pytest.raises(CredentialStoreError, match="belongs to another user") as caught:
        file_store.load()
    assert_no_secret_in_error(caught.value)
    with pytest.raises(CredentialStoreError, match="belongs to another user"):
        file_store.save(TOKEN, base_url=BASE_URL)


@posix_only
def test_foreign_owned_file_in_own_directory_is_refused(
    file_store: CredentialStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the file is someone else's: the check looks at the open file itself, not just the directory."""
    file_store.save(TOKEN, base_url=BASE_URL)
    real_fstat = os.fstat
    me = os.getuid()

    def fstat(fd: int) -> os.stat_result:
        info = real_fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return info  # the directory stays ours
        values = list(info)
        values[stat.ST_UID] = me + 1
        return os.stat_result(values)

    monkeypatch.setattr(os, "fstat", fstat)
    with pytest.raises(CredentialStoreError, match=r"credentials file .* belongs to another user"):
        file_store.load()


@posix_only
def test_a_symlinked_file_is_refused(file_store: CredentialStore, tmp_path: Path) -> None:
    file_store.save(TOKEN, base_url=BASE_URL)
    elsewhere = tmp_path / "elsewhere.json"
    file_store.path.rename(elsewhere)
    file_store.path.symlink_to(elsewhere)
    with pytest.raises(CredentialStoreError, match="cannot read the credentials file"):
        file_store.load()


@posix_only
@pytest.mark.parametrize("operation", ["load", "delete"])
def test_a_fifo_in_place_of_the_file_is_never_waited_on(file_store: CredentialStore, operation: str) -> None:
    """Opening a FIFO for reading blocks until a writer comes: the store must not wait for one."""
    file_store.prepare()
    os.mkfifo(file_store.path, 0o600)
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(getattr(file_store, operation)())
        except CredentialStoreError as error:
            outcome.append(error)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout=5)
    if worker.is_alive():  # unblock the reader so the thread ends, then fail
        os.close(os.open(file_store.path, os.O_WRONLY | os.O_NONBLOCK))
        worker.join(timeout=5)
        pytest.fail(f"{operation}() waited for a writer on a FIFO")
    if operation == "load":
        assert isinstance(outcome[0], CredentialStoreError)
        assert "not a regular file" in str(outcome[0])
    else:
        assert outcome == [True]
        assert not file_store.path.exists()


@posix_only
def test_delete_reads_at_most_a_bounded_prefix(file_store: CredentialStore, tmp_path: Path) -> None:
    """A credentials path linked to an endless source (/dev/zero) is removed without reading it whole."""
    file_store.prepare()
    file_store.path.symlink_to("/dev/zero")
    assert file_store.delete() is True
    assert not file_store.path.is_symlink()


def test_an_unreadable_file_is_a_clear_error(file_store: CredentialStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """Root reads any file, so the refusal is simulated at os.open."""
    file_store.save(TOKEN, base_url=BASE_URL)
    real_open = os.open

    def deny(path: Any, *args: Any, **kwargs: Any) -> int:
        if Path(path) == file_store.path:
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", deny)
    with pytest.raises(CredentialStoreError, match=r"Permission denied.*chmod 600"):
        file_store.load()


def test_a_directory_that_cannot_be_created_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    store = CredentialStore(blocker / "tmdb-auth", keyring=False)
    with pytest.raises(CredentialStoreError, match="cannot create the credentials directory"):
        store.save(TOKEN, base_url=BASE_URL)
    store = CredentialStore(blocker, keyring=False)
    with pytest.raises(CredentialStoreError, match="not a directory"):
        store.save(TOKEN, base_url=BASE_URL)


def test_no_repr_shows_the_token(file_store: CredentialStore) -> None:
    credentials = file_store.save(TOKEN, base_url=BASE_URL)
    assert_no_secret(repr(credentials))
    assert_no_secret(str(credentials))
    assert_no_secret(repr(file_store))
    assert_no_secret(file_store.describe(credentials))


def test_default_directory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TMDB_AUTH_CONFIG_DIR", str(tmp_path / "mine"))
    assert CredentialStore().directory == tmp_path / "mine"
    monkeypatch.delenv("TMDB_AUTH_CONFIG_DIR")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    expected = tmp_path / "xdg" / "tmdb-auth" if os.name == "posix" else None
    if expected is not None:
        assert CredentialStore().directory == expected


# --- the keyring ---------------------------------------------------------------------------------


def test_keyring_holds_the_token_and_the_file_does_not(directory: Path) -> None:
    backend = MemoryKeyring()
    store = CredentialStore(directory, keyring=backend)
    saved = store.save(TOKEN, base_url=BASE_URL)
    assert saved.storage == "keyring"
    assert ACCESS_TOKEN not in store.path.read_text()
    assert list(entries(backend).values()) == [ACCESS_TOKEN]
    loaded = store.load()
    assert loaded is not None
    assert loaded.access_token == ACCESS_TOKEN
    assert loaded.storage == "keyring"
    assert "system keyring" in store.describe(loaded)
    assert store.delete() is True
    assert entries(backend) == {}
    assert not store.path.exists()


@pytest.mark.parametrize("backend", [keyring.backends.fail.Keyring(), LockedKeyring()], ids=["no-keyring", "locked"])
def test_a_keyring_that_fails_falls_back_to_the_file(directory: Path, backend: Any) -> None:
    store = CredentialStore(directory, keyring=backend)
    saved = store.save(TOKEN, base_url=BASE_URL)
    assert saved.storage == "file"
    loaded = store.load()
    assert loaded is not None
    assert loaded.access_token == ACCESS_TOKEN


def test_keyring_entry_gone_or_unreadable_is_a_clear_error(directory: Path) -> None:
    backend = MemoryKeyring()
    CredentialStore(directory, keyring=backend).save(TOKEN, base_url=BASE_URL)
    entries(backend).clear()
    with pytest.raises(CredentialStoreError, match="should be in the system keyring"):
        CredentialStore(directory, keyring=backend).load()
    with pytest.raises(CredentialStoreError, match="cannot be read"):
        CredentialStore(directory, keyring=LockedKeyring()).load()
    with pytest.raises(CredentialStoreError, match="keyring is off"):
        CredentialStore(directory, keyring=False).load()


def test_relogin_without_keyring_removes_the_old_keyring_entry(directory: Path) -> None:
    backend = MemoryKeyring()
    CredentialStore(directory, keyring=backend).save(TOKEN, base_url=BASE_URL)

    class SetFails(MemoryKeyring):
        def set_password(self, service: str, username: str, password: str) -> None:
            raise keyring.errors.PasswordSetError("cannot")

    falling_back = SetFails()
    falling_back.entries = entries(backend)
    saved = CredentialStore(directory, keyring=falling_back).save(TOKEN, base_url=BASE_URL)
    assert saved.storage == "file"
    assert entries(backend) == {}


def test_system_keyring_is_used_unless_switched_off(directory: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    backend = MemoryKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        monkeypatch.delenv("TMDB_AUTH_KEYRING", raising=False)
        assert CredentialStore(directory / "auto").save(TOKEN, base_url=BASE_URL).storage == "keyring"
        monkeypatch.setenv("TMDB_AUTH_KEYRING", "off")
        assert CredentialStore(directory / "off").save(TOKEN, base_url=BASE_URL).storage == "file"
    finally:
        keyring.set_keyring(previous)
    assert len(entries(backend)) == 1


def test_without_the_keyring_package_the_file_is_used(directory: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TMDB_AUTH_KEYRING", raising=False)
    monkeypatch.setitem(__import__("sys").modules, "keyring", None)  # import keyring -> ImportError
    assert CredentialStore(directory).save(TOKEN, base_url=BASE_URL).storage == "file"


# --- compare-and-swap under a lock -------------------------------------------------------------------


def test_delete_if_current_keeps_a_login_stored_meanwhile(file_store: CredentialStore) -> None:
    first = file_store.save(AccessToken(access_token="first-token", account_id="a1"), base_url=BASE_URL)
    second = file_store.save(TOKEN, base_url=BASE_URL)  # another `tmdb-auth login` finished meanwhile
    assert first.login_id != second.login_id
    assert file_store.holds(second)
    assert not file_store.holds(first)
    assert file_store.delete(if_current=first) is False
    loaded = file_store.load()
    assert loaded == second
    assert file_store.delete(if_current=second) is True
    assert file_store.load() is None
    assert file_store.delete(if_current=second) is False


def test_update_changes_only_the_login_it_expects(file_store: CredentialStore) -> None:
    """The generic compare-and-swap later features (a v3 session id kept with the login) build on."""
    first = file_store.save(TOKEN, base_url=BASE_URL)
    renamed = attrs.evolve(first, account_id="renamed")
    assert file_store.update(first, renamed) is True
    assert file_store.load() == renamed
    second = file_store.save(TOKEN, base_url=BASE_URL)
    assert file_store.update(first, attrs.evolve(first, account_id="stale")) is False
    assert file_store.load() == second


def test_a_file_from_before_login_ids_is_still_compared(file_store: CredentialStore) -> None:
    file_store.save(TOKEN, base_url=BASE_URL)
    record = json.loads(file_store.path.read_text())
    del record["login_id"]
    file_store.path.write_text(json.dumps(record))
    loaded = file_store.load()
    assert loaded is not None
    assert loaded.login_id.startswith("sha256:")
    assert file_store.holds(loaded)
    assert file_store.delete(if_current=loaded) is True


def test_a_held_lock_is_waited_for_then_reported(file_store: CredentialStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another tmdb-auth command holding the store: wait (bounded), then say so."""
    import fcntl

    file_store.save(TOKEN, base_url=BASE_URL)
    monkeypatch.setattr(store_module, "LOCK_TIMEOUT", 0.3)
    holder = os.open(file_store.directory, os.O_RDONLY)
    try:
        fcntl.flock(holder, fcntl.LOCK_EX)
        with pytest.raises(CredentialStoreError, match="another tmdb-auth command has been using"):
            file_store.save(TOKEN, base_url=BASE_URL)
        with pytest.raises(CredentialStoreError, match="another tmdb-auth command"):
            file_store.delete()
    finally:
        os.close(holder)
    assert file_store.delete() is True


def test_concurrent_saves_and_deletes_never_mix_logins(directory: Path) -> None:
    """Threads saving and deleting-if-current at once: whatever is stored is whole and one of theirs."""
    stores = [CredentialStore(directory, keyring=False) for _ in range(4)]
    errors: list[BaseException] = []

    def work(store: CredentialStore, n: int) -> None:
        try:
            for i in range(25):
                saved = store.save(AccessToken(access_token=f"token-{n}-{i}", account_id=f"a{n}"), base_url=BASE_URL)
                store.delete(if_current=saved)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=work, args=(store, n)) for n, store in enumerate(stores)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    loaded = stores[0].load()
    assert loaded is None or loaded.access_token == f"token-{loaded.account_id[1:]}-24"


# --- the keyring, bounded ------------------------------------------------------------------------


@pytest.fixture
def hanging() -> Iterator[HangingKeyring]:
    backend = HangingKeyring()
    yield backend
    backend.release.set()  # let the abandoned worker threads end


@pytest.fixture
def short_keyring_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_module, "KEYRING_TIMEOUT", 0.3, raising=False)  # absent before bounds


def bounded(work: Any) -> Any:
    outcome = run_bounded(work, 10)
    assert outcome.finished, "the store waited for the keyring without a bound"
    if outcome.error is not None:
        raise outcome.error
    return outcome.result


@pytest.mark.usefixtures("short_keyring_timeout")
def test_a_hanging_keyring_on_save_falls_back_to_the_file(directory: Path, hanging: HangingKeyring) -> None:
    store = CredentialStore(directory, keyring=hanging)
    saved = bounded(lambda: store.save(TOKEN, base_url=BASE_URL))
    assert saved.storage == "file"
    assert hanging.calls == ["set_password"]
    assert CredentialStore(directory, keyring=False).load() == saved


@pytest.mark.usefixtures("short_keyring_timeout")
def test_a_hanging_keyring_on_load_or_delete_is_a_clear_error(directory: Path, hanging: HangingKeyring) -> None:
    memory = MemoryKeyring()
    CredentialStore(directory, keyring=memory).save(TOKEN, base_url=BASE_URL)
    store = CredentialStore(directory, keyring=hanging)
    with pytest.raises(CredentialStoreError, match=r"did not answer within 0\.3 s") as caught:
        bounded(store.load)
    assert_no_secret_in_error(caught.value)
    with pytest.raises(CredentialStoreError, match="the login was kept"):
        bounded(CredentialStore(directory, keyring=hanging).delete)
    assert CredentialStore(directory, keyring=memory).load() is not None  # kept, token readable


@pytest.mark.usefixtures("short_keyring_timeout")
def test_a_system_keyring_that_hangs_while_being_found_falls_back(
    directory: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()
    monkeypatch.delenv("TMDB_AUTH_KEYRING", raising=False)
    monkeypatch.setattr(keyring, "get_keyring", lambda: release.wait(3600))
    try:
        saved = bounded(lambda: CredentialStore(directory).save(TOKEN, base_url=BASE_URL))
    finally:
        release.set()
    assert saved.storage == "file"


def test_a_failed_write_after_the_keyring_keeps_the_previous_login_whole(
    directory: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each login has its own keyring entry: a new token never overwrites the stored login's before the file says so."""
    backend = MemoryKeyring()
    store = CredentialStore(directory, keyring=backend)
    first = store.save(AccessToken(access_token="first-token", account_id="a1"), base_url=BASE_URL)

    def fail(*args: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(CredentialStoreError, match="nothing was changed"):
        store.save(TOKEN, base_url=BASE_URL)
    monkeypatch.undo()
    assert store.load() == attrs.evolve(first, access_token="first-token")
    assert list(entries(backend).values()) == ["first-token"]  # the new login's entry was removed


# --- what is at the credentials path, and the directory ------------------------------------------------


def test_a_directory_where_the_file_should_be_is_a_clear_error(file_store: CredentialStore) -> None:
    file_store.prepare()
    file_store.path.mkdir()
    for operation in (file_store.load, file_store.delete, file_store.prepare):
        with pytest.raises(CredentialStoreError, match=r"is a directory, not a credentials file.*rmdir"):
            operation()
    with pytest.raises(CredentialStoreError, match="is a directory"):
        file_store.save(TOKEN, base_url=BASE_URL)
    assert file_store.path.is_dir()


@posix_only
def test_prepare_refuses_a_directory_its_owner_made_read_only(directory: Path) -> None:
    """Mode 0500: its owner said read-only. Root could write there anyway; a login should not."""
    directory.mkdir(parents=True)
    directory.chmod(0o500)
    try:
        with pytest.raises(CredentialStoreError, match=r"not writable \(mode 0500\); run: chmod 700"):
            CredentialStore(directory, keyring=False).prepare()
        assert CredentialStore(directory, keyring=False).load() is None  # reading needs no write bit
    finally:
        directory.chmod(0o700)


@posix_only
def test_prepare_tries_a_write_so_a_read_only_file_system_fails_before_the_login(tmp_path: Path) -> None:
    """A read-only mount stops root too: only trying to write finds it (the mode and owner are fine)."""
    with read_only_directory(tmp_path / "config") as directory:
        store = CredentialStore(directory, keyring=False)
        with pytest.raises(CredentialStoreError, match="cannot write in the credentials directory") as caught:
            store.prepare()
        assert "Read-only file system" in str(caught.value) or "Permission denied" in str(caught.value)


@posix_only
def test_prepare_finds_a_full_disk(tmp_path: Path) -> None:
    with full_directory(tmp_path / "config") as directory:
        store = CredentialStore(directory, keyring=False)
        with pytest.raises(CredentialStoreError, match="No space left on device"):
            store.prepare()
        assert sorted(p.name for p in directory.iterdir()) == ["filler"]  # the trial left nothing


def test_prepare_leaves_nothing_and_allows_the_save(file_store: CredentialStore) -> None:
    file_store.prepare()
    assert list(file_store.directory.iterdir()) == []
    file_store.save(TOKEN, base_url=BASE_URL)
    file_store.prepare()  # a stored login can be replaced
    assert [p.name for p in file_store.directory.iterdir()] == ["credentials.json"]


@posix_only
@pytest.mark.usefixtures("loose_umask")
def test_missing_parents_are_created_0700_even_with_umask_0(tmp_path: Path) -> None:
    store = CredentialStore(tmp_path / "home" / ".config" / "tmdb-auth", keyring=False)
    store.save(TOKEN, base_url=BASE_URL)
    assert mode(tmp_path / "home") == 0o700
    assert mode(tmp_path / "home" / ".config") == 0o700
    assert mode(store.directory) == 0o700


# --- crash leftovers ---------------------------------------------------------------------------------


@pytest.mark.parametrize("operation", ["load", "delete", "save", "prepare"])
def test_the_next_operation_removes_temporary_files_a_crash_left(file_store: CredentialStore, operation: str) -> None:
    file_store.save(TOKEN, base_url=BASE_URL)
    leftover = file_store.directory / ".credentials-k1ll3d.tmp"
    leftover.write_text(json.dumps({"access_token": ACCESS_TOKEN}))
    leftover.chmod(0o600)
    if operation == "save":
        file_store.save(TOKEN, base_url=BASE_URL)
    else:
        getattr(file_store, operation)()
    assert not leftover.exists()


_SAVE_FOREVER = """
import sys
from tmdb_auth import AccessToken
from tmdb_auth.store import CredentialStore
store = CredentialStore(sys.argv[1], keyring=False)
print("saving", flush=True)
n = 0
while True:
    n += 1
    store.save(AccessToken(access_token=f"token-{n}-" + "x" * 2000, account_id="a"), base_url="http://127.0.0.1:9")
"""


@posix_only
def test_sigkill_during_saves_leaves_no_token_behind_after_the_next_operation(directory: Path) -> None:
    """A process killed at random moments of its saves: the file is whole, and no temporary file survives
    the next store operation (with O_TMPFILE, none exists in the first place but for an instant)."""
    for attempt in range(8):
        process = subprocess.Popen(
            [sys.executable, "-c", _SAVE_FOREVER, str(directory)], stdout=subprocess.PIPE, text=True
        )
        assert process.stdout is not None
        assert process.stdout.readline() == "saving\n"
        time.sleep(0.05 + attempt * 0.03)
        process.kill()
        process.wait()
        process.stdout.close()
        store = CredentialStore(directory, keyring=False)
        loaded = store.load()  # the next operation
        assert loaded is None or loaded.access_token.startswith("token-")
        assert sorted(p.name for p in directory.iterdir()) in ([], ["credentials.json"])
    assert CredentialStore(directory, keyring=False).delete() is True
    assert list(directory.iterdir()) == []


# --- the v3 session id kept with the login ----------------------------------------------------------------

SESSION_ID = "SESSIONID-0c4e2b-must-not-leak"


def test_a_session_id_is_kept_with_a_file_login(file_store: CredentialStore) -> None:
    login = file_store.save(TOKEN, base_url=BASE_URL)
    with_session = attrs.evolve(login, session_id=SESSION_ID)
    assert file_store.update(login, with_session) is True
    assert mode(file_store.path) == 0o600
    assert json.loads(file_store.path.read_text())["session_id"] == SESSION_ID
    loaded = file_store.load()
    assert loaded == with_session
    assert loaded is not None
    assert loaded.to_session() is not None
    assert_no_secret(repr(loaded), (SESSION_ID, ACCESS_TOKEN))
    assert file_store.update(with_session, login) is True  # forgotten again
    assert "session_id" not in json.loads(file_store.path.read_text())
    assert file_store.load() == login


def test_a_session_id_goes_where_the_token_is_the_keyring(directory: Path) -> None:
    backend = MemoryKeyring()
    store = CredentialStore(directory, keyring=backend)
    login = store.save(TOKEN, base_url=BASE_URL)
    assert store.update(login, attrs.evolve(login, session_id=SESSION_ID)) is True
    text = store.path.read_text()
    assert SESSION_ID not in text
    assert json.loads(text)["session_storage"] == "keyring"
    assert sorted(entries(backend).values()) == sorted([ACCESS_TOKEN, SESSION_ID])
    loaded = store.load()
    assert loaded is not None
    assert (loaded.access_token, loaded.session_id, loaded.storage) == (ACCESS_TOKEN, SESSION_ID, "keyring")
    assert store.update(loaded, attrs.evolve(loaded, session_id=None)) is True
    assert list(entries(backend).values()) == [ACCESS_TOKEN], "the ended session's entry is removed"
    assert store.update(login, attrs.evolve(login, session_id=SESSION_ID)) is True
    assert store.delete() is True
    assert entries(backend) == {}, "deleting the login deletes both entries"


def test_a_keyring_that_takes_the_token_but_not_the_session_keeps_both_in_the_file(directory: Path) -> None:
    class NoSessions(MemoryKeyring):
        def set_password(self, service: str, username: str, password: str) -> None:
            if username.endswith("#session"):
                raise keyring.errors.PasswordSetError("cannot")
            super().set_password(service, username, password)

    backend = NoSessions()
    store = CredentialStore(directory, keyring=backend)
    login = store.save(TOKEN, base_url=BASE_URL)
    assert login.storage == "keyring"
    assert store.update(login, attrs.evolve(login, session_id=SESSION_ID)) is True
    record = json.loads(store.path.read_text())
    assert (record["storage"], record["access_token"], record["session_id"]) == ("file", ACCESS_TOKEN, SESSION_ID)
    assert entries(backend) == {}, "no secret left behind in the keyring"
    loaded = store.load()
    assert loaded is not None
    assert (loaded.access_token, loaded.session_id) == (ACCESS_TOKEN, SESSION_ID)


def test_a_failed_write_while_adding_a_session_keeps_the_login_whole(
    directory: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = MemoryKeyring()
    store = CredentialStore(directory, keyring=backend)
    login = store.save(TOKEN, base_url=BASE_URL)

    def fail(*args: Any, **options: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(CredentialStoreError, match="nothing was changed"):
        store.update(login, attrs.evolve(login, session_id=SESSION_ID))
    monkeypatch.undo()
    assert store.load() == login, "the same login, its token still readable from its own keyring entry"
    assert list(entries(backend).values()) == [ACCESS_TOKEN], "the new session's entry was removed"


@pytest.mark.parametrize("record_change", [{"session_id": 7}, {"session_id": ""}, {"session_storage": "disk"}])
def test_a_corrupt_session_field_is_a_clear_error(file_store: CredentialStore, record_change: dict[str, Any]) -> None:
    file_store.save(TOKEN, base_url=BASE_URL)
    record = {**json.loads(file_store.path.read_text()), **record_change}
    file_store.path.write_text(json.dumps(record))
    with pytest.raises(CredentialStoreError, match="corrupt"):
        file_store.load()
