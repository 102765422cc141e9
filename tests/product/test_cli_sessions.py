"""`tmdb-auth login --with-token`, `session`, `status [--check]` and `logout` ending the session, in-process
against the emulator (each test with its own config directory and the keyring off: the `env` fixture)."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import attrs
import pytest

from tests.helpers.readme import block_after
from tests.helpers.terminal import Run, assert_no_secret, run_in_process
from tmdb_auth import CredentialStore, cli
from tmdb_auth._settings import capitalized, server_name
from tmdb_auth.emulator import Emulator

CONVERT = ("POST", "/3/authentication/session/convert/4")
DELETE = ("DELETE", "/3/authentication/session")

README_SCRIPT = (
    "<!-- README example: run by tests/product/test_cli_sessions.py, without the curl call (it goes to TMDB) -->"
)


def emulator_name(emulator: Emulator) -> str:
    """How the command line names the emulator: "the emulator at 127.0.0.1:PORT"."""
    return server_name(emulator.base_url)


def with_stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))


def log_in_with(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], token: str
) -> Run:
    with_stdin(monkeypatch, token + "\n")
    return run_in_process(capsys, "login", "--with-token")


def sent(emulator: Emulator, method: str, path: str) -> int:
    return sum(1 for seen in emulator.requests if (seen.method, seen.path) == (method, path))


def stored(config_dir: Path) -> dict[str, Any]:
    record: dict[str, Any] = json.loads((config_dir / "credentials.json").read_text())
    return record


def test_a_token_from_elsewhere_gets_a_session_and_logout_ends_both(
    tmdb_emulator: Emulator,
    env: dict[str, str],
    config_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    access_token = tmdb_emulator.mint_access_token()
    account = tmdb_emulator.account_id
    login = log_in_with(tmdb_emulator, monkeypatch, capsys, access_token)
    assert login.returncode == 0, login.stderr
    assert login.stdout.startswith(f"Stored the access token of account {account} (scopes: api_read, api_write), ")
    assert (
        f"Not checked with {emulator_name(tmdb_emulator)} (nothing was sent): tmdb-auth status --check asks it."
        in login.stdout
    )
    assert tmdb_emulator.requests == [], "login --with-token is offline"
    assert stored(config_dir)["base_url"] == tmdb_emulator.base_url  # the configured API ($TMDB_BASE_URL)

    status = run_in_process(capsys, "status")
    assert status.returncode == 0
    assert "  session:   none (tmdb-auth session creates one)" in status.stdout.splitlines()
    assert (
        f"  checked:   stored; not checked with {emulator_name(tmdb_emulator)} (tmdb-auth status --check asks it)"
        in status.stdout
    )
    assert tmdb_emulator.requests == []
    checked = run_in_process(capsys, "status", "--check")
    assert checked.returncode == 0, checked.stderr
    assert f"  checked:   {emulator_name(tmdb_emulator)} accepted the access token just now" in checked.stdout
    assert sent(tmdb_emulator, "GET", f"/4/account/{account}/lists") == 1

    env_lines = run_in_process(capsys, "session", "--format", "env")
    assert env_lines.returncode == 0, env_lines.stderr
    (tmp_path / "session.env").write_text(env_lines.stdout)
    child = subprocess.run(  # as a script would: eval, then a child process reads the variable
        ["sh", "-c", 'eval "$(cat session.env)" && sh -c \'printf %s "$TMDB_SESSION_ID"\''],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    session_id = child.stdout
    assert env_lines.stdout == f"export TMDB_SESSION_ID={session_id}\n"
    assert tmdb_emulator.session_alive(session_id)
    assert stored(config_dir)["session_id"] == session_id  # with the login, in the 0600 file

    text = run_in_process(capsys, "session")
    as_json = run_in_process(capsys, "session", "--format", "json")
    assert (text.returncode, text.stdout) == (0, session_id + "\n")
    assert (as_json.returncode, json.loads(as_json.stdout)) == (0, {"session_id": session_id})
    assert sent(tmdb_emulator, *CONVERT) == 1, "created once, then the stored one"
    status = run_in_process(capsys, "status")
    assert "  session:   a v3 session is stored with the login (tmdb-auth session prints it)" in status.stdout
    assert session_id not in status.stdout

    logout = run_in_process(capsys, "logout")
    assert logout.returncode == 0, logout.stderr
    server = emulator_name(tmdb_emulator)
    assert logout.stdout == (
        f"Ended the v3 session of account {account} at {server}.\n"
        f"Logged out account {account}: the token is revoked at {server} and the stored login deleted.\n"
    )
    assert not tmdb_emulator.session_alive(session_id)
    assert not tmdb_emulator.access_token_alive(access_token)
    assert not (config_dir / "credentials.json").exists()
    for run in (login, status, checked, logout):
        assert_no_secret(tmdb_emulator, run.stdout, run.stderr, also=(access_token, session_id))


def test_a_logout_that_cannot_end_the_session_keeps_it_for_the_next(
    tmdb_emulator: Emulator,
    env: dict[str, str],
    config_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    access_token = tmdb_emulator.mint_access_token()
    log_in_with(tmdb_emulator, monkeypatch, capsys, access_token)
    session_id = run_in_process(capsys, "session").stdout.strip()
    tmdb_emulator.inject("unavailable", 3)  # the deletion and its two retries; the revocation then goes through
    first = run_in_process(capsys, "logout")
    assert first.returncode == cli.EXIT_UNAVAILABLE == 5
    assert (
        f"its v3 session could not be ended ({capitalized(emulator_name(tmdb_emulator))} is temporarily unavailable"
        in first.stderr
    )
    server = emulator_name(tmdb_emulator)
    assert f"is revoked at {server}, but its v3 session could not be ended: the stored login was kept with it" in (
        first.stdout
    )
    assert tmdb_emulator.session_alive(session_id)
    assert not tmdb_emulator.access_token_alive(access_token)
    assert stored(config_dir)["session_id"] == session_id, "what could not be ended is kept"

    second = run_in_process(capsys, "logout")
    assert second.returncode == 0, second.stderr
    assert "Ended the v3 session of account" in second.stdout
    assert f"was already invalid or revoked at {emulator_name(tmdb_emulator)}; forgot it" in second.stdout
    assert not tmdb_emulator.session_alive(session_id)
    assert not (config_dir / "credentials.json").exists()
    for run in (first, second):
        assert_no_secret(tmdb_emulator, run.stdout, run.stderr, also=(access_token, session_id))


def test_status_check_says_when_tmdb_rejects_the_token(
    tmdb_emulator: Emulator,
    env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    access_token = tmdb_emulator.mint_access_token()
    log_in_with(tmdb_emulator, monkeypatch, capsys, access_token)
    tmdb_emulator.revoke_access_token(access_token)  # a logout elsewhere
    offline = run_in_process(capsys, "status")
    assert offline.returncode == 0, "offline, status cannot know"
    checked = run_in_process(capsys, "status", "--check")
    assert checked.returncode == cli.EXIT_ACCESS_TOKEN == 7
    assert "rejected the access token just now (invalid, expired or revoked): log in again" in (checked.stdout)
    assert checked.stderr.startswith(
        f"tmdb-auth: error: {capitalized(emulator_name(tmdb_emulator))} rejected the user's access token"
    )
    assert_no_secret(tmdb_emulator, checked.stdout, checked.stderr, also=(access_token,))


def expired_token(emulator: Emulator) -> str:
    return emulator.state.sign({"aud": "x", "sub": emulator.account_id, "scopes": ["api_read"], "exp": 1})


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (lambda emulator: "", "which held none"),
        (lambda emulator: "not a token at all", "has spaces"),
        (lambda emulator: "abc.def.ghi", "TMDB's are JWTs"),
        (lambda emulator: emulator.mint_request_token(), "that is a request token, not an access token"),
        (lambda emulator: emulator.read_token, "that is the app's API Read Access Token"),
        (expired_token, "that access token has expired"),
    ],
    ids=["empty", "spaces", "not-a-jwt", "request-token", "read-token", "expired"],
)
def test_login_with_token_refuses_what_is_not_a_users_access_token(
    tmdb_emulator: Emulator,
    env: dict[str, str],
    config_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    given: Any,
    message: str,
) -> None:
    value = given(tmdb_emulator)
    refused = log_in_with(tmdb_emulator, monkeypatch, capsys, value)
    assert refused.returncode == cli.EXIT_USAGE == 2
    assert message in refused.stderr
    assert refused.stdout == ""
    if value:
        assert value not in refused.stderr
    assert not (config_dir / "credentials.json").exists()
    assert tmdb_emulator.requests == []


def test_login_with_token_refuses_the_token_as_an_argument(
    tmdb_emulator: Emulator, env: dict[str, str], config_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    access_token = tmdb_emulator.mint_access_token()
    for args in (("login", "--with-token", access_token), ("login", access_token)):
        refused = run_in_process(capsys, *args)
        assert refused.returncode == 2
        assert "login takes no token on the command line" in refused.stderr
        assert access_token not in refused.stderr + refused.stdout
    assert not (config_dir / "credentials.json").exists()


def test_session_needs_a_login(
    tmdb_emulator: Emulator, env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    result = run_in_process(capsys, "session")
    assert result.returncode == cli.EXIT_NOT_LOGGED_IN
    assert "tmdb-auth login" in result.stderr


def test_no_session_is_made_where_it_cannot_be_printed(
    tmdb_emulator: Emulator, env: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    log_in_with(tmdb_emulator, monkeypatch, capsys, tmdb_emulator.mint_access_token())
    monkeypatch.setattr(sys, "stdout", None)  # closed (>&-)
    assert cli.main(["session"]) == cli.EXIT_OUTPUT == 10
    assert "stdout is closed" in capsys.readouterr().err
    assert sent(tmdb_emulator, *CONVERT) == 0


def test_a_session_that_cannot_be_printed_afterwards_stays_stored(
    tmdb_emulator: Emulator,
    env: dict[str, str],
    config_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    log_in_with(tmdb_emulator, monkeypatch, capsys, tmdb_emulator.mint_access_token())

    class ReaderGone(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(sys, "stdout", ReaderGone())
    assert cli.main(["session"]) == cli.EXIT_RESULT_LOST == 11
    error = capsys.readouterr().err
    session_id = stored(config_dir)["session_id"]
    assert "the v3 session was created and stored with the login, but could not be written" in error
    assert "run tmdb-auth session again to print it" in error
    assert session_id not in error
    assert tmdb_emulator.session_alive(session_id), "held by the store: nothing is lost"


def test_a_login_replaced_meanwhile_gets_no_session_and_the_new_one_is_ended(
    tmdb_emulator: Emulator,
    env: dict[str, str],
    config_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Another `tmdb-auth login` stores its login while `session` talks to TMDB: the compare-and-swap refuses,
    and the session made for the replaced login is ended rather than left live with nobody holding it."""
    log_in_with(tmdb_emulator, monkeypatch, capsys, tmdb_emulator.mint_access_token())
    other = tmdb_emulator.mint_access_token()
    real_update = CredentialStore.update

    def login_meanwhile(self: CredentialStore, expected: Any, new: Any) -> bool:
        self.put(attrs.evolve(expected, access_token=other, login_id="another-login", session_id=None))
        return real_update(self, expected, new)

    monkeypatch.setattr(CredentialStore, "update", login_meanwhile)
    result = run_in_process(capsys, "session")
    assert result.returncode == cli.EXIT_CREDENTIALS == 9
    assert "the stored login changed while the v3 session was created" in result.stderr
    assert f"the session was ended at {emulator_name(tmdb_emulator)}." in result.stderr
    assert result.stdout == ""
    assert tmdb_emulator.state.sessions == set(), "the undelivered session was ended"
    assert stored(config_dir)["access_token"] == other, "the other login is kept, untouched"
    assert "session_id" not in stored(config_dir)


def test_a_shell_script_gets_the_session_with_one_command_and_logout_ends_both(
    tmdb_emulator: Emulator,
    env: dict[str, str],
    config_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """The README's script as written, with `tmdb-auth` on PATH and the curl call left out (it goes to TMDB)."""
    access_token = tmdb_emulator.mint_access_token()
    log_in_with(tmdb_emulator, monkeypatch, capsys, access_token)  # stands in for `tmdb-auth login`
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "tmdb-auth").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m tmdb_auth.cli "$@"\n')
    (bin_dir / "tmdb-auth").chmod(0o755)
    readme = block_after(README_SCRIPT).code
    without_curl = re.sub(r"^curl .*?[^\\]\n(?=\S)", "", readme, flags=re.M | re.S)
    assert "curl" not in without_curl
    assert "tmdb-auth logout" in without_curl
    script = without_curl.replace(
        'eval "$(tmdb-auth session --format env)"',
        'eval "$(tmdb-auth session --format env)"\n'
        "sh -c 'printf %s \"$TMDB_SESSION_ID\"' > session.txt  # what the script's commands see",
    )
    assert "session.txt" in script
    result = subprocess.run(
        ["sh", "-c", script],
        cwd=tmp_path,
        env={**env, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    session_id = (tmp_path / "session.txt").read_text()
    assert len(session_id) == 40
    assert (
        f"Ended the v3 session of account {tmdb_emulator.account_id} at {emulator_name(tmdb_emulator)}."
        in result.stdout
    )
    assert not tmdb_emulator.session_alive(session_id), "logout ended the session the script used"
    assert not tmdb_emulator.access_token_alive(access_token)
    assert not (config_dir / "credentials.json").exists()
    assert_no_secret(tmdb_emulator, result.stdout, result.stderr, also=(access_token, session_id))
