"""The terminal login against what another local process, a stuck keyring, a full or read-only disk, a
crash and Ctrl-C do to it (issue 19): nothing is lost, no one else gets in, every outcome is told truly.

`login` runs as a subprocess; the other commands in-process unless their hang or signal is the point.
A "fake TMDB" is the scripted loopback server (tests/helpers/loopback.py), which can hold an answer
after the request arrived: TMDB processed it, and the answer comes late.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.helpers import environment_without_tmdb, without_argv_warnings
from tests.helpers.bounded import run_bounded
from tests.helpers.filesystems import full_directory, read_only_directory
from tests.helpers.keyrings import HangingKeyring, MemoryKeyring, hanging_keyring_env
from tests.helpers.loopback import LoopbackServer, Reply
from tests.helpers.terminal import (
    TMDB_AUTH,
    Login,
    assert_no_secret,
    command_env,
    emulator_name,
    exchanges,
    run_in_process,
    start,
    stored_token,
    with_browser,
)
from tests.helpers.tokens import (
    ACCESS_CLAIMS,
    ACCESS_TOKEN,
    ACCOUNT_ID,
    READ_TOKEN,
    logout_success,
    make_jwt,
    request_token_success,
    success_body,
)
from tmdb_auth import AccessToken, cli
from tmdb_auth import store as store_module
from tmdb_auth.emulator import Emulator
from tmdb_auth.store import CredentialStore

pytestmark = pytest.mark.slow


def callback_url(emulator: Emulator, request_token: str) -> str:
    """The login's callback: readable by any local process in the request token's redirect_to."""
    record = emulator.state.request_token_record(request_token)
    assert record is not None
    assert record.redirect_to is not None
    return record.redirect_to


def wait_until(condition: object, what: str, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not callable(condition) or not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} never happened")
        time.sleep(0.02)


# --- 1. who can end a login -------------------------------------------------------------------------


def test_a_forged_denial_does_not_end_the_login(
    tmdb_emulator: Emulator, env: dict[str, str], config_dir: Path, logins: list[Login]
) -> None:
    """Another process requests the callback with ?denied=true: TMDB says the token still waits (41),
    so the login goes on, and the user's real approval logs in."""
    login = start(logins, with_browser(env), "--poll-interval", "60")
    login.wait_for("Waiting for your approval")
    callback = callback_url(tmdb_emulator, login.request_token)
    assert httpx.get(callback + "?denied=true", timeout=5).status_code == 200
    login.wait_for("that denial did not come from the approval page")
    assert login.process.poll() is None, "the forged denial ended the login"
    tmdb_emulator.approve(login.request_token)
    httpx.get(callback, timeout=5)  # the user's browser coming back after Approve
    result = login.finish()
    assert result.returncode == 0, result.stderr
    assert stored_token(config_dir) in tmdb_emulator.state.access_tokens
    assert exchanges(tmdb_emulator) == 2  # the denial's check, then the approval's exchange
    assert_no_secret(tmdb_emulator, result.stdout, result.stderr)


def test_a_forged_denial_after_the_approval_still_logs_in(
    tmdb_emulator: Emulator, env: dict[str, str], config_dir: Path, logins: list[Login]
) -> None:
    """The one exchange that checks the denial finds the token approved: it yields the access token, stored."""
    login = start(logins, with_browser(env), "--poll-interval", "60")
    login.wait_for("Waiting for your approval")
    tmdb_emulator.approve(login.request_token)
    httpx.get(callback_url(tmdb_emulator, login.request_token) + "?denied=true", timeout=5)
    result = login.finish()
    assert result.returncode == 0, result.stderr
    assert stored_token(config_dir) in tmdb_emulator.state.access_tokens
    assert exchanges(tmdb_emulator) == 1


# --- 2. compare-and-swap: a logout never deletes a login stored while it ran ------------------------------

SECOND_TOKEN = make_jwt({**ACCESS_CLAIMS, "jti": "j2"}, "SECONDTOKEN-4d1f-must-not-leak")


def test_a_login_stored_during_a_slow_logout_survives(
    server: LoopbackServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, logins: list[Login]
) -> None:
    """logout revokes T1 (TMDB answers slowly); meanwhile a login stores T2. T2 is live at TMDB: it must stay."""
    config_dir = tmp_path / "config"
    env = command_env(
        monkeypatch,
        {
            "TMDB_READ_ACCESS_TOKEN": READ_TOKEN,
            "TMDB_BASE_URL": server.url,
            "TMDB_SITE_URL": server.url,
            "TMDB_AUTH_CONFIG_DIR": str(config_dir),
            "TMDB_AUTH_KEYRING": "off",
        },
    )
    CredentialStore().save(AccessToken(ACCESS_TOKEN, ACCOUNT_ID), base_url=server.url)
    release = threading.Event()
    server.reply(
        Reply(200, logout_success(), gate=release),  # logout's DELETE of T1: held
        Reply(200, request_token_success()),  # the login's request token
        Reply(200, {**success_body(), "access_token": SECOND_TOKEN}),  # its exchange: T2
    )
    logout = subprocess.Popen(
        [*TMDB_AUTH, "logout"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert server.at_gate.wait(30), "the logout's DELETE never arrived"
        login = start(logins, env, "--no-browser", "--poll-interval", "0.1").finish()
        assert login.returncode == 0, login.stderr
        assert stored_token(config_dir) == SECOND_TOKEN
        release.set()
        stdout, stderr = logout.communicate(timeout=30)
    finally:
        if logout.poll() is None:
            logout.kill()
            logout.wait()
    assert (config_dir / "credentials.json").exists(), "the live token T2 was lost: logout deleted its login"
    assert stored_token(config_dir) == SECOND_TOKEN
    assert logout.returncode == 0, stderr
    assert (
        f"the token is revoked at {emulator_name(server.url)}; a login stored meanwhile (by another tmdb-auth login) "
        "was kept"
    ) in stdout
    deletes = [seen.json() for seen in server.received if seen.method == "DELETE"]
    assert deletes == [{"access_token": ACCESS_TOKEN}]


# --- 3. a keyring that never answers ----------------------------------------------------------------


@pytest.fixture
def keyring_env(env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """The login environment with the system keyring on, and it hangs (marks: tmp_path/keyring-calls)."""
    values = {**env, **hanging_keyring_env(tmp_path / "keyring-calls")}
    del values["TMDB_AUTH_KEYRING"]
    return values


def keyring_calls(tmp_path: Path) -> list[str]:
    mark = tmp_path / "keyring-calls"
    return mark.read_text().split() if mark.exists() else []


def test_login_with_a_hanging_keyring_stores_in_the_file(
    tmdb_emulator: Emulator, keyring_env: dict[str, str], config_dir: Path, logins: list[Login], tmp_path: Path
) -> None:
    login = start(logins, keyring_env, "--no-browser", "--poll-interval", "0.1")
    tmdb_emulator.approve(login.request_token)
    result = login.finish(timeout=30)
    assert result.returncode == 0, result.stderr
    assert keyring_calls(tmp_path) == ["set_password"]  # tried once, given up after its bound
    assert f"Credentials stored in {config_dir / 'credentials.json'} (mode 0600)." in result.stdout
    assert stored_token(config_dir) in tmdb_emulator.state.access_tokens


def test_ctrl_c_while_the_keyring_hangs_revokes_the_new_token(
    tmdb_emulator: Emulator, keyring_env: dict[str, str], config_dir: Path, logins: list[Login], tmp_path: Path
) -> None:
    login = start(logins, keyring_env, "--no-browser", "--poll-interval", "0.1")
    tmdb_emulator.approve(login.request_token)
    wait_until(lambda: keyring_calls(tmp_path) == ["set_password"], "the keyring call")
    login.process.send_signal(signal.SIGINT)
    result = login.finish(timeout=30)
    assert result.returncode == cli.EXIT_INTERRUPTED
    assert (
        f"tmdb-auth: Login cancelled after {emulator_name(tmdb_emulator.base_url)} issued the access token; nothing "
        "was stored and it was revoked." in result.stderr.splitlines()
    )
    assert exchanges(tmdb_emulator) == 1
    assert tmdb_emulator.state.access_tokens == set(), "the token TMDB issued is not left live and unheld"
    assert not (config_dir / "credentials.json").exists()
    assert "Traceback" not in result.stderr


@pytest.mark.usefixtures("env")
@pytest.mark.parametrize("command", [["status"], ["token"], ["logout"]])
def test_status_token_logout_with_a_hanging_keyring_end_with_exit_9(
    tmdb_emulator: Emulator,
    config_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    command: list[str],
) -> None:
    import keyring

    CredentialStore(config_dir, keyring=MemoryKeyring()).save(
        AccessToken(ACCESS_TOKEN, ACCOUNT_ID), base_url=tmdb_emulator.base_url
    )
    hanging = HangingKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(hanging)
    monkeypatch.delenv("TMDB_AUTH_KEYRING")
    monkeypatch.setattr(store_module, "KEYRING_TIMEOUT", 0.5, raising=False)  # absent before bounds
    try:
        outcome = run_bounded(lambda: run_in_process(capsys, *command), 20)
    finally:
        hanging.release.set()
        keyring.set_keyring(previous)
    assert outcome.finished, f"{command} waited for the keyring without a bound"
    assert outcome.error is None, outcome.error
    result = outcome.result
    assert result.returncode == cli.EXIT_CREDENTIALS
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "tmdb-auth: error: the access token is in the system keyring, which did not answer within 0.5 s (locked, or "
        "not reachable from this session); unlock it and try again, or log in again with TMDB_AUTH_KEYRING=off"
    ]
    assert tmdb_emulator.requests == []  # logout sent nothing: it had no token to send
    assert (config_dir / "credentials.json").exists()


# --- 4. credentials go only where they were made ------------------------------------------------------


@contextmanager
def listener_on(url: str) -> Iterator[list[bytes]]:
    """Another process now listening on `url`'s port: records whatever connects."""
    port = int(url.rsplit(":", 1)[1])
    received: list[bytes] = []
    stop = threading.Event()
    with socket.create_server(("127.0.0.1", port)) as listener:  # SO_REUSEADDR: the old server just closed
        listener.settimeout(0.05)

        def accept() -> None:
            while not stop.is_set():
                try:
                    connection, _ = listener.accept()
                except TimeoutError:
                    continue
                with connection:
                    connection.settimeout(2)
                    try:
                        received.append(connection.recv(65536))
                    except OSError:
                        received.append(b"")

        thread = threading.Thread(target=accept, daemon=True)
        thread.start()
        try:
            yield received
        finally:
            stop.set()
            thread.join(5)


REAL_LOOKING_READ_TOKEN = make_jwt(
    {"aud": "0123456789abcdef", "scopes": ["api_read"], "version": 1}, "R3AL-must-not-leak"
)


def test_logout_sends_nothing_to_a_stored_loopback_url_the_configuration_does_not_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], logins: list[Login]
) -> None:
    """Logged in against a local server that has gone; another process listens on its port now. The real
    read token is exported, TMDB_BASE_URL is not: logout must send neither token there."""
    config_dir = tmp_path / "config"
    first = LoopbackServer()
    first.reply(Reply(200, request_token_success()), Reply(200, success_body()))
    with first.running():
        env = command_env(
            monkeypatch,
            {
                "TMDB_READ_ACCESS_TOKEN": READ_TOKEN,
                "TMDB_BASE_URL": first.url,
                "TMDB_SITE_URL": first.url,
                "TMDB_AUTH_CONFIG_DIR": str(config_dir),
                "TMDB_AUTH_KEYRING": "off",
            },
        )
        assert start(logins, env, "--no-browser", "--poll-interval", "0.1").finish().returncode == 0
    with listener_on(first.url) as received:
        command_env(
            monkeypatch,
            {
                "TMDB_READ_ACCESS_TOKEN": REAL_LOOKING_READ_TOKEN,
                "TMDB_AUTH_CONFIG_DIR": str(config_dir),
                "TMDB_AUTH_KEYRING": "off",
            },
        )
        result = run_in_process(capsys, "logout")
        other = run_in_process(capsys, "logout", "--base-url", "http://127.0.0.1:9")
    assert received == [], "a token went to whoever listens on the stored URL now"
    assert result.returncode == cli.EXIT_USAGE
    error, kept = result.stderr.splitlines()
    assert error.startswith(f"tmdb-auth: error: the stored login was made at {first.url} but TMDB_BASE_URL is not set")
    assert f"set TMDB_BASE_URL={first.url}" in error
    assert "tmdb-auth logout --local-only" in error
    assert kept.startswith("tmdb-auth: the stored login was kept.")
    assert other.returncode == cli.EXIT_USAGE
    assert "--base-url names http://127.0.0.1:9" in other.stderr
    assert stored_token(config_dir) == ACCESS_TOKEN
    for output in (result.stderr, other.stderr):
        assert REAL_LOOKING_READ_TOKEN not in output
        assert ACCESS_TOKEN not in output


# --- 5, 6. what is at the credentials path, and a directory that cannot take the login ----------------------


@pytest.mark.usefixtures("env")
@pytest.mark.parametrize(
    "command", [["status"], ["token"], ["logout"], ["logout", "--local-only"], ["login", "--no-browser"]]
)
def test_a_directory_in_place_of_the_credentials_file_is_exit_9_with_what_to_do(
    tmdb_emulator: Emulator, config_dir: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    CredentialStore(config_dir, keyring=False).prepare()
    (config_dir / "credentials.json").mkdir()
    result = run_in_process(capsys, *command)
    assert result.returncode == cli.EXIT_CREDENTIALS
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line == (
        f"tmdb-auth: error: {config_dir / 'credentials.json'} is a directory, not a credentials file: move it "
        f"away or remove it (rmdir {config_dir / 'credentials.json'}), then log in again"
    )
    assert tmdb_emulator.requests == []


@pytest.mark.parametrize("disk", ["read-only", "full"])
def test_login_finds_a_directory_that_cannot_take_the_login_before_asking_anything(
    tmdb_emulator: Emulator, env: dict[str, str], tmp_path: Path, disk: str
) -> None:
    """Root ignores permission bits, so these are a read-only mount and a full one: only trying a write
    finds them, before a request token exists (before, the user approved, then the token was revoked)."""
    make = read_only_directory if disk == "read-only" else full_directory
    with make(tmp_path / "config") as directory:
        result = subprocess.run(
            [*TMDB_AUTH, "login", "--no-browser"],
            env={**env, "TMDB_AUTH_CONFIG_DIR": str(directory)},
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    assert result.returncode == cli.EXIT_CREDENTIALS, result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"tmdb-auth: error: cannot write in the credentials directory {directory}: ")
    assert tmdb_emulator.requests == [], "no request token was created"


# --- 7. Ctrl-C at any moment: what was spent, told truly ---------------------------------------------------


@pytest.fixture
def fake_tmdb(server: LoopbackServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The login's environment against `server`: it creates the request token at once and exchanges it
    late (the answer waits for the test), then answers a DELETE."""
    return command_env(
        monkeypatch,
        {
            "TMDB_READ_ACCESS_TOKEN": READ_TOKEN,
            "TMDB_BASE_URL": server.url,
            "TMDB_SITE_URL": server.url,
            "TMDB_AUTH_CONFIG_DIR": str(tmp_path / "config"),
            "TMDB_AUTH_KEYRING": "off",
        },
    )


def test_ctrl_c_while_waiting_says_no_access_token_was_issued(
    server: LoopbackServer, fake_tmdb: dict[str, str], logins: list[Login]
) -> None:
    server.reply(Reply(200, request_token_success()))
    login = start(logins, fake_tmdb, "--no-browser", "--poll-interval", "60")
    login.wait_for("Waiting for your approval")
    login.process.send_signal(signal.SIGINT)
    result = login.finish()
    assert result.returncode == cli.EXIT_INTERRUPTED
    assert result.stderr.splitlines()[-1] == (
        "tmdb-auth: Login cancelled; nothing was stored, and no access token was issued "
        "(the request token expires unused)."
    )
    assert [seen.path for seen in server.received] == ["/4/auth/request_token"]


def test_ctrl_c_while_tmdb_processes_the_exchange_says_it_may_have(
    server: LoopbackServer, fake_tmdb: dict[str, str], logins: list[Login], tmp_path: Path
) -> None:
    """The exchange reached TMDB, which processed it (issued the token) but has not answered yet."""
    release = threading.Event()
    server.reply(Reply(200, request_token_success()), Reply(200, success_body(), gate=release))
    login = start(logins, fake_tmdb, "--no-browser", "--poll-interval", "0.1")
    assert server.at_gate.wait(30), "the exchange never reached the fake TMDB"
    login.process.send_signal(signal.SIGINT)
    result = login.finish()
    release.set()
    assert result.returncode == cli.EXIT_INTERRUPTED
    last = result.stderr.splitlines()[-1]
    name = emulator_name(server.url)
    assert last.startswith(f"tmdb-auth: Login cancelled during the exchange; nothing was stored. T{name[1:]} may have")
    assert "an access token may exist that nobody holds" in last
    assert "nothing was stored." in last
    assert not (tmp_path / "config" / "credentials.json").exists()


def test_ctrl_c_after_the_answer_revokes_the_token_tmdb_issued(
    server: LoopbackServer, fake_tmdb: dict[str, str], logins: list[Login], tmp_path: Path
) -> None:
    """The answer arrived; Ctrl-C comes while the login is being stored (here: a keyring that hangs)."""
    env = {**fake_tmdb, **hanging_keyring_env(tmp_path / "keyring-calls")}
    del env["TMDB_AUTH_KEYRING"]
    server.reply(Reply(200, request_token_success()), Reply(200, success_body()), Reply(200, logout_success()))
    login = start(logins, env, "--no-browser", "--poll-interval", "0.1")
    wait_until(lambda: keyring_calls(tmp_path) == ["set_password"], "the keyring call")
    login.process.send_signal(signal.SIGINT)
    result = login.finish()
    assert result.returncode == cli.EXIT_INTERRUPTED
    assert result.stderr.splitlines()[-1] == (
        f"tmdb-auth: Login cancelled after {emulator_name(server.url)} issued the access token; nothing was stored "
        "and it was revoked."
    )
    assert [(seen.method, seen.json()) for seen in server.received[2:]] == [("DELETE", {"access_token": ACCESS_TOKEN})]
    assert not (tmp_path / "config" / "credentials.json").exists()


def test_ctrl_c_during_logouts_revocation_keeps_the_login_and_says_it_may_be_revoked(
    server: LoopbackServer, fake_tmdb: dict[str, str], tmp_path: Path
) -> None:
    CredentialStore().save(AccessToken(ACCESS_TOKEN, ACCOUNT_ID), base_url=server.url)
    release = threading.Event()
    server.reply(Reply(200, logout_success(), gate=release))
    logout = subprocess.Popen(
        [*TMDB_AUTH, "logout"], env=fake_tmdb, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert server.at_gate.wait(30), "the DELETE never reached the fake TMDB"
        logout.send_signal(signal.SIGINT)
        stdout, stderr = logout.communicate(timeout=30)
    finally:
        release.set()
        if logout.poll() is None:
            logout.kill()
            logout.wait()
    assert stdout == ""
    assert logout.returncode == cli.EXIT_INTERRUPTED
    assert stderr.splitlines() == [
        f"tmdb-auth: Interrupted during the revocation: {emulator_name(server.url)} may have revoked the token, and "
        "the stored login was kept (run tmdb-auth logout again: a token already revoked is then forgotten)."
    ]
    assert stored_token(tmp_path / "config") == ACCESS_TOKEN


# --- 8. server text cannot drive the terminal --------------------------------------------------------------

HOSTILE_ACCOUNT = "acc\x1b]0;owned\x07\r\n  scopes:    admin\x1b[2J\x9b31m"
HOSTILE_SCOPES = ["api_read\x1b[8m", "\rapi_write\nAPI:       https://evil.example"]


def assert_plain(text: str, lines: int) -> None:
    assert len(text.splitlines()) == lines, text
    assert not [char for char in text if char != "\n" and not char.isprintable()], repr(text)


def test_login_prints_the_servers_account_and_scopes_without_control_characters(
    server: LoopbackServer, fake_tmdb: dict[str, str], logins: list[Login]
) -> None:
    token = make_jwt({**ACCESS_CLAIMS, "scopes": HOSTILE_SCOPES}, "HOSTILE-e91c-must-not-leak")
    server.reply(
        Reply(200, request_token_success()),
        Reply(200, {**success_body(), "access_token": token, "account_id": HOSTILE_ACCOUNT}),
    )
    result = start(logins, fake_tmdb, "--no-browser", "--poll-interval", "0.1").finish()
    assert result.returncode == 0, result.stderr
    assert_plain(result.stdout, 2)
    assert result.stdout.startswith(
        f"Logged in to {emulator_name(server.url)} as account acc ]0;owned     scopes:    admin [2J 31m (scopes: "
    )
    assert_plain(result.stderr, len(result.stderr.splitlines()))


@pytest.mark.usefixtures("env")
def test_status_and_logout_print_stored_text_without_control_characters(
    config_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    token = make_jwt({**ACCESS_CLAIMS, "scopes": HOSTILE_SCOPES}, "HOSTILE-e91c-must-not-leak")
    CredentialStore(config_dir, keyring=False).save(AccessToken(token, HOSTILE_ACCOUNT), base_url="http://127.0.0.1:9")
    status = run_in_process(capsys, "status")
    assert status.returncode == 0
    assert_plain(status.stdout, 7)
    assert [line.split(":", 1)[0].strip() for line in status.stdout.splitlines()[1:]] == [
        "scopes",
        "since",
        "API",
        "stored in",
        "session",
        "checked",
    ]
    forgotten = run_in_process(capsys, "logout", "--local-only")
    assert forgotten.returncode == 0
    assert_plain(forgotten.stdout, 1)


# --- 9. crash leftovers ------------------------------------------------------------------------------


@pytest.mark.usefixtures("env")
@pytest.mark.parametrize("command", [["status"], ["token"], ["logout", "--local-only"]])
def test_the_next_command_removes_what_a_killed_save_left(
    config_dir: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    CredentialStore(config_dir, keyring=False).save(
        AccessToken(ACCESS_TOKEN, ACCOUNT_ID), base_url="http://127.0.0.1:9"
    )
    leftover = config_dir / ".credentials-9k1ll3d0.tmp"
    leftover.write_text(json.dumps({"access_token": ACCESS_TOKEN}))
    os.chmod(leftover, 0o600)
    assert run_in_process(capsys, *command).returncode == 0
    assert not leftover.exists()


# --- 10. secrets as arguments ----------------------------------------------------------------------------


@pytest.mark.parametrize(("command", "name"), [("access-token", "REQUEST_TOKEN"), ("logout", "ACCESS_TOKEN")])
def test_a_secret_given_as_an_argument_draws_a_warning_pointing_to_stdin(
    server: LoopbackServer, command: str, name: str
) -> None:
    answer = Reply(200, success_body() if command == "access-token" else logout_success())
    server.reply(answer)
    base = environment_without_tmdb()
    env = {**base, "TMDB_READ_ACCESS_TOKEN": READ_TOKEN, "TMDB_BASE_URL": server.url}
    as_argument = subprocess.run(
        [*TMDB_AUTH, command, "SECRET-ARG-must-not-leak"], env=env, capture_output=True, text=True, timeout=30
    )
    assert as_argument.returncode == 0, as_argument.stderr
    assert as_argument.stderr.splitlines() == [
        f"tmdb-auth: warning: {name} given on the command line can be read by other users (ps, /proc) and stays "
        "in your shell history; pass - and give it on stdin instead"
    ]
    assert without_argv_warnings(as_argument.stderr) == []
    server.reply(answer)
    from_stdin = subprocess.run(
        [*TMDB_AUTH, command, "-"], input="SECRET-ARG\n", env=env, capture_output=True, text=True, timeout=30
    )
    assert from_stdin.returncode == 0, from_stdin.stderr
    assert from_stdin.stderr == ""
