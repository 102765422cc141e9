"""`tmdb-auth` through real subprocesses against a running emulator: outputs and every exit code."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.helpers import environment_without_tmdb, without_argv_warnings
from tests.helpers.loopback import LoopbackServer, Reply
from tests.helpers.tokens import ACCESS_TOKEN, assert_no_secret, success_body
from tmdb_auth import cli
from tmdb_auth.emulator import Emulator

pytestmark = pytest.mark.slow
TMDB_AUTH = [sys.executable, "-m", "tmdb_auth.cli"]


def run(*args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    base_env = environment_without_tmdb()
    return subprocess.run(
        [*TMDB_AUTH, *args],
        env={**base_env, **(env or {})},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def emulator_env(emulator: Emulator) -> dict[str, str]:
    return {
        "TMDB_READ_ACCESS_TOKEN": emulator.read_token,
        "TMDB_BASE_URL": emulator.base_url,
        "TMDB_SITE_URL": emulator.base_url,
    }


def assert_clean_error(result: subprocess.CompletedProcess[str], code: int, *secrets: str) -> None:
    assert result.returncode == code, (result.stdout, result.stderr)
    assert result.stdout == ""
    lines = without_argv_warnings(result.stderr)
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("tmdb-auth: error: ")
    assert "Traceback" not in result.stderr
    for secret in secrets:
        assert secret not in result.stderr
    assert_no_secret(result.stderr)


def test_access_token_prints_json(tmdb_emulator: Emulator) -> None:
    request_token = tmdb_emulator.mint_request_token(approved=True)
    result = run("access-token", request_token, env=emulator_env(tmdb_emulator))
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert set(output) == {"access_token", "account_id"}
    assert output["account_id"] == tmdb_emulator.account_id
    assert output["access_token"] in tmdb_emulator.state.access_tokens


def test_access_token_env_format_from_stdin_with_read_token_file(tmdb_emulator: Emulator, tmp_path: Path) -> None:
    token_file = tmp_path / "read-token"
    token_file.write_text(tmdb_emulator.read_token + "\n", encoding="utf-8")
    request_token = tmdb_emulator.mint_request_token(approved=True)
    result = run(
        "access-token",
        "-",
        "--read-token-file",
        str(token_file),
        "--base-url",
        tmdb_emulator.base_url,
        "--format",
        "env",
        stdin=request_token + "\n",
    )
    assert result.returncode == 0, result.stderr
    access_line, account_line = result.stdout.splitlines()
    assert access_line.removeprefix("export TMDB_ACCESS_TOKEN=") in tmdb_emulator.state.access_tokens
    assert account_line == f"export TMDB_ACCOUNT_ID={tmdb_emulator.account_id}"


def test_exit_2_usage_and_bad_input(tmdb_emulator: Emulator, tmp_path: Path) -> None:
    assert run("access-token").returncode == cli.EXIT_USAGE
    assert run("no-such-command").returncode == cli.EXIT_USAGE
    assert_clean_error(run("access-token", "has space", env=emulator_env(tmdb_emulator)), cli.EXIT_USAGE)
    no_token = run("access-token", "tok", "--base-url", tmdb_emulator.base_url)
    assert_clean_error(no_token, cli.EXIT_USAGE)
    assert "TMDB_READ_ACCESS_TOKEN" in no_token.stderr
    missing_file = run("access-token", "tok", "--read-token-file", str(tmp_path / "absent"))
    assert_clean_error(missing_file, cli.EXIT_USAGE)
    (tmp_path / "binary").write_bytes(b"\xff\xfe read token")
    not_text = run("access-token", "tok", "--read-token-file", str(tmp_path / "binary"))
    assert_clean_error(not_text, cli.EXIT_USAGE)
    assert "not UTF-8 text" in not_text.stderr
    (tmp_path / "huge").write_bytes(b"x" * (cli.MAX_SECRET_INPUT + 1))
    huge = run("access-token", "tok", "--read-token-file", str(tmp_path / "huge"))
    assert_clean_error(huge, cli.EXIT_USAGE)
    assert "is over 65536 bytes" in huge.stderr
    endless_line = run("access-token", "-", env=emulator_env(tmdb_emulator), stdin="x" * (cli.MAX_SECRET_INPUT + 5))
    assert_clean_error(endless_line, cli.EXIT_USAGE)
    assert "first line is over 65536 characters" in endless_line.stderr
    insecure = run("access-token", "tok", "--base-url", "http://api.example.test", env=emulator_env(tmdb_emulator))
    assert_clean_error(insecure, cli.EXIT_USAGE, tmdb_emulator.read_token)


def test_exit_3_read_token_rejected(tmdb_emulator: Emulator) -> None:
    secret_read_token = "WRONG-READ-TOKEN-5ee1-must-not-leak"
    request_token = tmdb_emulator.mint_request_token(approved=True)
    env = {**emulator_env(tmdb_emulator), "TMDB_READ_ACCESS_TOKEN": secret_read_token}
    assert_clean_error(run("access-token", request_token, env=env), cli.EXIT_READ_TOKEN_REJECTED, secret_read_token)


def test_exit_4_request_token_invalid_or_not_approved(tmdb_emulator: Emulator) -> None:
    unapproved = tmdb_emulator.mint_request_token(approved=False)
    result = run("access-token", unapproved, env=emulator_env(tmdb_emulator))
    assert_clean_error(result, cli.EXIT_REQUEST_TOKEN, unapproved, tmdb_emulator.read_token)
    assert "not approved" in result.stderr
    unknown = run("access-token", "REQ-unknown-token-must-not-leak", env=emulator_env(tmdb_emulator))
    assert_clean_error(unknown, cli.EXIT_REQUEST_TOKEN, "REQ-unknown-token-must-not-leak", tmdb_emulator.read_token)


def test_exit_5_server_rate_limit_and_network(tmdb_emulator: Emulator) -> None:
    request_token = tmdb_emulator.mint_request_token(approved=True)
    tmdb_emulator.inject("bad-gateway")
    bad_gateway = run("access-token", request_token, env=emulator_env(tmdb_emulator))
    assert_clean_error(bad_gateway, cli.EXIT_UNAVAILABLE, request_token, tmdb_emulator.read_token)
    assert "HTTP 502" in bad_gateway.stderr
    tmdb_emulator.set_rate_limit(1, per_seconds=120)
    run("access-token", "x", env=emulator_env(tmdb_emulator))
    limited = run("access-token", request_token, env=emulator_env(tmdb_emulator))
    assert_clean_error(limited, cli.EXIT_UNAVAILABLE, request_token, tmdb_emulator.read_token)
    assert "rate limit" in limited.stderr.lower()
    refused = run("access-token", request_token, "--base-url", "http://127.0.0.1:9", env=emulator_env(tmdb_emulator))
    assert_clean_error(refused, cli.EXIT_UNAVAILABLE, request_token, tmdb_emulator.read_token)


def test_exit_6_malformed_response(server: LoopbackServer) -> None:
    server.reply(Reply(200, {**success_body(), "account_id": None}))
    env = {"TMDB_READ_ACCESS_TOKEN": "READ-x", "TMDB_BASE_URL": server.url}
    assert_clean_error(run("access-token", "REQ-y", env=env), cli.EXIT_MALFORMED_RESPONSE, ACCESS_TOKEN, "READ-x")


def test_approve_url() -> None:
    result = run("approve-url", "abc.def", "--redirect-to", "https://example.test/done?x=1")
    assert result.returncode == 0
    assert result.stdout.strip() == (
        "https://www.themoviedb.org/auth/access?request_token=abc.def&redirect_to=https%3A%2F%2Fexample.test%2Fdone%3Fx%3D1"
    )
    assert_clean_error(run("approve-url", "bad token"), cli.EXIT_USAGE)


def test_help_and_version() -> None:
    for command in ([], ["--help"]):  # bare tmdb-auth is help, not an error
        result = run(*command)
        assert (result.returncode, result.stderr) == (0, "")
        assert "exit codes:" in result.stdout
        assert "3  the read access token was rejected" in result.stdout
        assert "7  the access token is invalid, expired or already revoked" in result.stdout
    for command in ("access-token", "logout", "approve-url"):
        help_text = " ".join(run(command, "--help").stdout.split())
        assert "visible to other users in `ps`" in help_text, "--help says why - (stdin) exists"
    assert run("--version").stdout.strip().startswith("tmdb-auth 0.")


def test_emulator_command_serves_and_stops_on_sigterm() -> None:
    process = subprocess.Popen(
        [*TMDB_AUTH, "emulator", "--port", "0", "--read-token", "cli-read-token", "--fault", "unavailable:1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("TMDB v4 auth emulator listening on http://127.0.0.1:")
        base_url = first.rsplit(" ", 1)[1].strip()
        assert process.stdout.readline().strip() == f"export TMDB_BASE_URL={base_url}"
        assert process.stdout.readline().strip() == "export TMDB_READ_ACCESS_TOKEN=cli-read-token"
        headers = {"Authorization": "Bearer cli-read-token"}
        assert httpx.post(f"{base_url}/4/auth/request_token", headers=headers).status_code == 503
        assert httpx.post(f"{base_url}/4/auth/request_token", headers=headers).json()["success"] is True
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=15)
    assert process.returncode == 0, err
    assert "emulator stopped" in out


def test_emulator_command_rejects_bad_knobs() -> None:
    assert_clean_error(run("emulator", "--port", "0", "--fault", "explode"), cli.EXIT_USAGE)
    assert_clean_error(run("emulator", "--port", "0", "--rate-limit", "0/1"), cli.EXIT_USAGE)


def test_demo_runs_the_whole_flow() -> None:
    result = subprocess.run(
        [str(Path(sys.executable).parent / "tmdb-auth"), "demo"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split(".", 1)[0] for line in lines[:6]] == ["1", "2", "3", "4", "5", "6"]
    assert "InvalidRequestTokenError" in lines[4]
    assert lines[-1] == "Done: the whole TMDB v4 user login ran offline."
    assert "eyJhbGciOiJIUzI1NiJ9." not in result.stdout, "tokens are shown only as a preview"


def test_the_whole_login_from_the_command_line(tmdb_emulator: Emulator) -> None:
    env = emulator_env(tmdb_emulator)
    created = run("request-token", env=env)
    assert created.returncode == 0, created.stderr
    output = json.loads(created.stdout)
    assert set(output) == {"request_token", "approval_url", "expires_at"}
    assert output["approval_url"] == f"{tmdb_emulator.base_url}/auth/access?request_token={output['request_token']}"
    assert output["expires_at"].endswith("+00:00")
    tmdb_emulator.approve(output["request_token"])  # the user approves

    exchanged = run("access-token", "-", env=env, stdin=output["request_token"] + "\n")
    assert exchanged.returncode == 0, exchanged.stderr
    access_token = json.loads(exchanged.stdout)["access_token"]

    logged_out = run("logout", "-", env=env, stdin=access_token + "\n")
    assert logged_out.returncode == 0, logged_out.stderr
    assert access_token not in tmdb_emulator.state.access_tokens
    again = run("logout", "-", env=env, stdin=access_token)
    assert_clean_error(again, cli.EXIT_ACCESS_TOKEN, access_token, tmdb_emulator.read_token)
    assert "already revoked" in again.stderr


def test_request_token_env_format_with_redirect(tmdb_emulator: Emulator) -> None:
    result = run(
        "request-token", "--redirect-to", "https://app.example/cb", "--format", "env", env=emulator_env(tmdb_emulator)
    )
    assert result.returncode == 0, result.stderr
    values = dict(line.removeprefix("export ").split("=", 1) for line in result.stdout.splitlines())
    assert set(values) == {"TMDB_REQUEST_TOKEN", "TMDB_APPROVAL_URL", "TMDB_REQUEST_TOKEN_EXPIRES_AT"}
    assert values["TMDB_APPROVAL_URL"].startswith(f"'{tmdb_emulator.base_url}/auth/access?request_token="), "quoted"
    bad = run("request-token", "--redirect-to", "not a url", env=emulator_env(tmdb_emulator))
    assert_clean_error(bad, cli.EXIT_USAGE, tmdb_emulator.read_token)


def test_approve_url_reads_the_token_from_stdin() -> None:
    result = run("approve-url", "-", "--site-url", "http://127.0.0.1:8000", stdin="abc.def\n")
    assert result.stdout.strip() == "http://127.0.0.1:8000/auth/access?request_token=abc.def"
    assert_clean_error(run("approve-url", "-", stdin=""), cli.EXIT_USAGE)


@pytest.mark.parametrize("command", [["demo"], ["emulator", "--port", "0"]])
def test_commands_needing_the_emulator_extra_say_which_to_install(
    command: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delitem(sys.modules, "tmdb_auth.emulator", raising=False)
    monkeypatch.setitem(sys.modules, "uvicorn", None)  # as if the extra were not installed
    assert cli.main(command) == cli.EXIT_USAGE
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip() == (
        "tmdb-auth: error: this command needs the emulator extra (uvicorn is not installed): "
        "pip install 'tmdb-v4-auth[emulator]'"
    )
