"""`tmdb-auth login`, `status`, `token` and `logout` against the emulator, with and without a browser.

`login` runs as a real subprocess (its waiting, its browser and its Ctrl-C are the point);
`status`, `token` and `logout` run in-process through `cli.main` (tests/helpers/terminal.py).
Every test has its own config directory and the keyring switched off.
"""

from __future__ import annotations

import io
import os
import re
import signal
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT
from tests.helpers.terminal import (
    TMDB_AUTH,
    Login,
    assert_no_secret,
    emulator_name,
    exchanges,
    log_in,
    run_in_process,
    start,
    stored_token,
    with_browser,
)
from tmdb_auth import AccessToken, CredentialStore, NetworkError, TMDBAuth, cli
from tmdb_auth.emulator import Emulator

pytestmark = pytest.mark.slow


# --- login -----------------------------------------------------------------------------------------


def test_login_without_a_browser_then_status_token_logout(
    tmdb_emulator: Emulator,
    env: dict[str, str],
    config_dir: Path,
    logins: list[Login],
    capsys: pytest.CaptureFixture[str],
) -> None:
    login = start(logins, env, "--no-browser", "--poll-interval", "0.1")
    login.wait_for("Waiting for your approval (Ctrl-C to cancel)")
    tmdb_emulator.approve(login.request_token)
    result = login.finish()
    assert result.returncode == 0, result.stderr
    account = tmdb_emulator.account_id
    emulator = emulator_name(tmdb_emulator.base_url)
    assert result.stdout == (
        f"Logged in to {emulator} as account {account} (scopes: api_read, api_write).\n"
        f"Credentials stored in {config_dir / 'credentials.json'} (mode 0600).\n"
    )
    assert re.search(rf"Approve this login on {emulator} within 1[45] min \d\d s:", result.stderr)
    assert "Open it in any browser, on this or another device." in result.stderr
    assert login.approval_url.startswith(f"{tmdb_emulator.base_url}/auth/access?request_token=")
    assert result.stderr.count(login.request_token) == 1  # only in the approval URL, which the user needs
    assert stat.S_IMODE(config_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE((config_dir / "credentials.json").stat().st_mode) == 0o600
    access_token = stored_token(config_dir)
    assert access_token in tmdb_emulator.state.access_tokens
    assert_no_secret(tmdb_emulator, result.stdout, result.stderr)

    status = run_in_process(capsys, "status")
    assert status.returncode == 0
    lines = status.stdout.splitlines()
    assert lines[0] == f"Logged in to {emulator} as account {account}"
    assert lines[1] == "  scopes:    api_read, api_write"
    assert re.fullmatch(r"  since:     \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", lines[2])
    assert lines[3] == f"  API:       {tmdb_emulator.base_url}"
    assert lines[4] == f"  stored in: {config_dir / 'credentials.json'} (mode 0600)"
    assert_no_secret(tmdb_emulator, status.stdout, status.stderr)

    token = run_in_process(capsys, "token")
    assert (token.returncode, token.stdout, token.stderr) == (0, access_token + "\n", "")

    logout = run_in_process(capsys, "logout")
    assert logout.returncode == 0, logout.stderr
    assert f"Logged out account {account}: the token is revoked at {emulator} and the stored" in logout.stdout
    assert access_token not in tmdb_emulator.state.access_tokens  # revocation seen at the emulator
    assert not (config_dir / "credentials.json").exists()
    assert_no_secret(tmdb_emulator, logout.stdout, logout.stderr, also=(access_token,))

    after = run_in_process(capsys, "status")
    assert after.returncode == cli.EXIT_NOT_LOGGED_IN == 8
    assert "not logged in" in after.stderr
    assert "tmdb-auth login" in after.stderr


@pytest.mark.parametrize(("click", "code"), [("approve", 0), ("deny", 4)])
def test_login_through_the_browser(
    tmdb_emulator: Emulator, env: dict[str, str], config_dir: Path, logins: list[Login], click: str, code: int
) -> None:
    """$BROWSER answers the approval page and follows the redirect to the callback (no poll needed)."""
    browser_env = {
        **env,
        "BROWSER": f"{sys.executable} -m tests.helpers.browser %s",
        "TMDB_TEST_BROWSER_CLICK": click,
    }
    result = start(logins, browser_env, "--poll-interval", "60").finish()
    assert result.returncode == code, result.stderr
    assert "Trying to open it in your browser; you can also open it in any browser" in result.stderr
    assert_no_secret(tmdb_emulator, result.stdout, result.stderr)
    if click == "approve":
        assert "The browser came back: approved." in result.stderr
        assert f"as account {tmdb_emulator.account_id}" in result.stdout
        assert exchanges(tmdb_emulator) == 1  # exchanged once, on the callback
    else:
        emulator = emulator_name(tmdb_emulator.base_url)
        assert f"The browser came back: access denied; asking {emulator} to confirm." in result.stderr
        assert "You denied the request on the approval page: start again (tmdb-auth login)" in result.stderr
        assert result.stdout == ""
        assert exchanges(tmdb_emulator) == 1  # the denial confirmed by TMDB (code 33)
        assert not (config_dir / "credentials.json").exists()


def test_denied_without_a_browser_exits_4(
    tmdb_emulator: Emulator, env: dict[str, str], config_dir: Path, logins: list[Login]
) -> None:
    login = start(logins, env, "--no-browser", "--poll-interval", "0.1")
    tmdb_emulator.deny(login.request_token)
    result = login.finish()
    assert result.returncode == cli.EXIT_REQUEST_TOKEN == 4
    refused = f"tmdb-auth: error: The {emulator_name(tmdb_emulator.base_url)[4:]} refused the request token"
    assert result.stderr.splitlines()[-1].startswith(refused)
    assert "start again (tmdb-auth login)" in result.stderr
    assert not (config_dir / "credentials.json").exists()
    assert_no_secret(tmdb_emulator, result.stdout, result.stderr)


def test_expiry_ends_the_wait_with_exit_4(
    tmdb_emulator: Emulator, env: dict[str, str], config_dir: Path, logins: list[Login]
) -> None:
    tmdb_emulator.set_request_token_lifetime(2)
    result = start(logins, env, "--no-browser", "--poll-interval", "0.2").finish()
    assert result.returncode == 4
    assert "tmdb-auth: error: The request token expired before it was approved; start again" in result.stderr
    assert not (config_dir / "credentials.json").exists()


def test_ctrl_c_exits_130_closes_the_callback_and_stores_nothing(
    tmdb_emulator: Emulator, env: dict[str, str], config_dir: Path, logins: list[Login]
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    login = start(logins, with_browser(env), "--port", str(port), "--poll-interval", "60")  # a callback: a browser
    login.wait_for("Waiting for your approval")
    with socket.create_connection(("127.0.0.1", port), timeout=5):
        pass  # the callback is listening on the port asked for
    tmdb_emulator.approve(login.request_token)  # approved, but the user gives up before the login notices
    login.process.send_signal(signal.SIGINT)
    result = login.finish(timeout=15)
    assert result.returncode == 130
    assert "Login cancelled; nothing was stored, and no access token was issued" in result.stderr
    assert "Traceback" not in result.stderr
    assert "KeyboardInterrupt" not in result.stderr
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0  # the callback server is closed
    assert exchanges(tmdb_emulator) == 0  # the approved token was not spent for nothing
    assert not config_dir.joinpath("credentials.json").exists()


def test_a_second_login_replaces_the_first(
    tmdb_emulator: Emulator, env: dict[str, str], config_dir: Path, logins: list[Login]
) -> None:
    log_in(logins, env, tmdb_emulator)
    first = stored_token(config_dir)
    second = log_in(logins, env, tmdb_emulator)
    assert f"Already logged in as account {tmdb_emulator.account_id}; logging in again replaces" in second.stderr
    replaced = stored_token(config_dir)
    assert replaced != first
    assert {first, replaced} <= tmdb_emulator.state.access_tokens  # as gh does: the old token is not revoked
    assert_no_secret(tmdb_emulator, second.stdout, second.stderr)


def test_login_over_a_corrupt_file_replaces_it(
    tmdb_emulator: Emulator, env: dict[str, str], config_dir: Path, logins: list[Login]
) -> None:
    config_dir.mkdir(parents=True, mode=0o700)
    (config_dir / "credentials.json").write_text("{broken")
    result = log_in(logins, env, tmdb_emulator)
    assert "the stored login cannot be used" in result.stderr
    assert stored_token(config_dir) in tmdb_emulator.state.access_tokens


def test_the_warning_about_an_unusable_stored_login_is_one_line(
    tmdb_emulator: Emulator, env: dict[str, str], tmp_path: Path, logins: list[Login]
) -> None:
    """The warning quotes the credentials file's path; a newline in that path cannot start a second line."""
    config_dir = tmp_path / "config\ntmdb-auth: forged line"
    config_dir.mkdir(mode=0o700)
    (config_dir / "credentials.json").write_text("{broken")
    result = log_in(logins, {**env, "TMDB_AUTH_CONFIG_DIR": str(config_dir)}, tmdb_emulator)
    warnings = [line for line in result.stderr.splitlines() if "cannot be used" in line]
    assert len(warnings) == 1
    assert warnings[0].startswith("tmdb-auth: the stored login cannot be used (")
    assert "config tmdb-auth: forged line" in warnings[0]
    assert warnings[0].endswith("logging in replaces it.")
    assert not any(line.startswith("tmdb-auth: forged line") for line in result.stderr.splitlines())


def test_login_refuses_an_unsafe_config_dir_before_asking_anything(
    tmdb_emulator: Emulator, env: dict[str, str], config_dir: Path
) -> None:
    config_dir.mkdir(parents=True)
    os.chmod(config_dir, 0o755)  # noqa: S103 - the unsafe mode under test
    result = subprocess.run(
        [*TMDB_AUTH, "login", "--no-browser"], env=env, capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode == cli.EXIT_CREDENTIALS == 9
    assert "chmod 700" in result.stderr
    assert tmdb_emulator.requests == []  # no request token was created for nothing


def test_login_with_a_busy_port_is_a_usage_error(tmdb_emulator: Emulator, env: dict[str, str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        result = subprocess.run(
            [*TMDB_AUTH, "login", "--port", str(busy.getsockname()[1])],
            env=with_browser(env),  # the callback is served for a browser on this machine
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    assert result.returncode == 2
    assert "cannot listen on 127.0.0.1" in result.stderr


# --- status, token, logout -------------------------------------------------------------------------


@pytest.mark.usefixtures("env")
@pytest.mark.parametrize("command", [["status"], ["token"], ["logout"], ["logout", "--local-only"]])
def test_not_logged_in_exits_8(capsys: pytest.CaptureFixture[str], command: list[str]) -> None:
    result = run_in_process(capsys, *command)
    assert result.returncode == 8
    assert result.stdout == ""
    assert result.stderr.startswith("tmdb-auth: error: not logged in")


@pytest.mark.usefixtures("env")
@pytest.mark.parametrize("command", ["status", "token", "logout"])
def test_a_corrupt_store_exits_9_without_a_traceback(
    config_dir: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    config_dir.mkdir(parents=True, mode=0o700)
    (config_dir / "credentials.json").write_text('{"version": 1, "access_token": "x"')
    result = run_in_process(capsys, command)
    assert result.returncode == cli.EXIT_CREDENTIALS
    assert result.stdout == ""
    assert result.stderr.startswith("tmdb-auth: error: the credentials file")
    assert "corrupt" in result.stderr
    assert "Traceback" not in result.stderr
    assert (config_dir / "credentials.json").exists()  # kept: the user decides (logout --local-only)


@pytest.mark.usefixtures("env")
def test_a_file_others_can_read_exits_9(config_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config_dir.mkdir(parents=True, mode=0o700)
    (config_dir / "credentials.json").write_text("{}")
    os.chmod(config_dir / "credentials.json", 0o644)
    result = run_in_process(capsys, "token")
    assert result.returncode == 9
    assert "chmod 600" in result.stderr
    forgotten = run_in_process(capsys, "logout", "--local-only")
    assert forgotten.returncode == 0  # forgetting an unsafe file is always possible
    assert not (config_dir / "credentials.json").exists()


def test_logout_failure_keeps_the_stored_login(
    tmdb_emulator: Emulator,
    env: dict[str, str],
    config_dir: Path,
    logins: list[Login],
    capsys: pytest.CaptureFixture[str],
) -> None:
    log_in(logins, env, tmdb_emulator)
    access_token = stored_token(config_dir)
    tmdb_emulator.inject("bad-gateway")  # a 502: the logout may have run, so it is not retried
    failed = run_in_process(capsys, "logout")
    assert failed.returncode == cli.EXIT_UNAVAILABLE == 5
    assert "the stored login was kept" in failed.stderr
    assert stored_token(config_dir) == access_token  # nothing lost
    assert access_token in tmdb_emulator.state.access_tokens
    assert_no_secret(tmdb_emulator, failed.stdout, failed.stderr)

    again = run_in_process(capsys, "logout")
    assert again.returncode == 0, again.stderr
    assert access_token not in tmdb_emulator.state.access_tokens
    assert not (config_dir / "credentials.json").exists()


def test_logout_without_a_read_token_keeps_the_stored_login(
    tmdb_emulator: Emulator,
    env: dict[str, str],
    config_dir: Path,
    logins: list[Login],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    log_in(logins, env, tmdb_emulator)
    monkeypatch.delenv("TMDB_READ_ACCESS_TOKEN")
    result = run_in_process(capsys, "logout")
    assert result.returncode == 2
    assert "TMDB_READ_ACCESS_TOKEN" in result.stderr
    assert "the stored login was kept" in result.stderr
    assert (config_dir / "credentials.json").exists()


def test_a_logout_error_is_one_printable_line(
    tmdb_emulator: Emulator,
    env: dict[str, str],
    config_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Whatever a failed revocation's message holds, it cannot start a second line or drive the terminal."""
    access_token = tmdb_emulator.state.new_access_token("a-login")
    CredentialStore(config_dir, keyring=False).save(
        AccessToken(access_token=access_token, account_id="a-login"), base_url=tmdb_emulator.base_url
    )

    def failing_logout(self: object, token: object) -> None:
        raise NetworkError("the request failed\ntmdb-auth: forged line \x1b[31mred\r", request_sent=True)

    monkeypatch.setattr(TMDBAuth, "logout", failing_logout)
    result = run_in_process(capsys, "logout")
    assert result.returncode == cli.EXIT_UNAVAILABLE
    first, kept = result.stderr.splitlines()
    assert first == "tmdb-auth: error: the request failed tmdb-auth: forged line  [31mred "
    assert kept.startswith("tmdb-auth: the stored login was kept.")
    assert stored_token(config_dir) == access_token


def test_logout_local_only_forgets_without_revoking(
    tmdb_emulator: Emulator,
    env: dict[str, str],
    config_dir: Path,
    logins: list[Login],
    capsys: pytest.CaptureFixture[str],
) -> None:
    log_in(logins, env, tmdb_emulator)
    access_token = stored_token(config_dir)
    result = run_in_process(capsys, "logout", "--local-only")
    assert result.returncode == 0
    assert f"Forgot the stored login of account {tmdb_emulator.account_id}" in result.stdout
    assert "not revoked" in result.stdout
    assert not (config_dir / "credentials.json").exists()
    assert access_token in tmdb_emulator.state.access_tokens  # still valid at TMDB, as documented
    assert not any(seen.method == "DELETE" for seen in tmdb_emulator.requests)


def test_logout_of_a_token_already_revoked_forgets_it(
    tmdb_emulator: Emulator,
    env: dict[str, str],
    config_dir: Path,
    logins: list[Login],
    capsys: pytest.CaptureFixture[str],
) -> None:
    log_in(logins, env, tmdb_emulator)
    access_token = stored_token(config_dir)
    tmdb_emulator.state.access_tokens.discard(access_token)  # revoked elsewhere
    result = run_in_process(capsys, "logout")
    assert result.returncode == 0, result.stderr
    assert "already invalid or revoked" in result.stdout
    assert not (config_dir / "credentials.json").exists()
    assert_no_secret(tmdb_emulator, result.stdout, result.stderr, also=(access_token,))


def test_logout_with_an_access_token_argument_still_works(
    tmdb_emulator: Emulator,
    env: dict[str, str],
    config_dir: Path,
    logins: list[Login],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    log_in(logins, env, tmdb_emulator)
    stored = stored_token(config_dir)
    other = tmdb_emulator.state.new_access_token("another-login")
    usage = run_in_process(capsys, "logout", other, "--local-only")
    assert usage.returncode == 2
    monkeypatch.setattr("sys.stdin", io.StringIO(other + "\n"))
    result = run_in_process(capsys, "logout", "-")
    assert result.returncode == 0, result.stderr
    assert other not in tmdb_emulator.state.access_tokens
    assert stored in tmdb_emulator.state.access_tokens  # the stored login is untouched
    assert stored_token(config_dir) == stored


def test_help_lists_the_commands_and_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    text = capsys.readouterr().out
    for command in ("login", "status", "token", "logout"):
        assert re.search(rf"^    {command} ", text, re.MULTILINE), command
    assert "  8  not logged in" in text
    assert "  9  the stored credentials cannot be used safely" in text
    assert "  130  interrupted (Ctrl-C)" in text
    with pytest.raises(SystemExit):
        cli.main(["login", "--help"])
    login_help = capsys.readouterr().out
    assert "--no-browser" in login_help
    assert "--port" in login_help


def test_the_keyring_holds_the_token_when_one_works(
    tmdb_emulator: Emulator,
    env: dict[str, str],
    config_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """status/token/logout with the token in the (test) system keyring and the rest in the file."""
    import keyring

    from tests.helpers.keyrings import MemoryKeyring
    from tmdb_auth import AccessToken, CredentialStore

    backend = MemoryKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        monkeypatch.delenv("TMDB_AUTH_KEYRING")
        token = tmdb_emulator.state.new_access_token("keyring-login")
        saved = CredentialStore().save(
            AccessToken(access_token=token, account_id=tmdb_emulator.account_id), base_url=tmdb_emulator.base_url
        )
        assert saved.storage == "keyring"
        assert token not in (config_dir / "credentials.json").read_text()
        status = run_in_process(capsys, "status")
        assert "stored in: system keyring" in status.stdout
        assert run_in_process(capsys, "token").stdout == token + "\n"
        logout = run_in_process(capsys, "logout")
        assert logout.returncode == 0, logout.stderr
        assert token not in tmdb_emulator.state.access_tokens
        assert backend.entries == {}
        assert not (config_dir / "credentials.json").exists()
    finally:
        keyring.set_keyring(previous)


def test_the_cli_poll_interval_default_is_the_librarys() -> None:
    """cli keeps its own copy so that --help need not import tmdb_auth.login; they must agree."""
    from tmdb_auth import cli, login

    assert cli.DEFAULT_POLL_INTERVAL == login.DEFAULT_POLL_INTERVAL
