"""`tmdb-auth` output is safe to eval and never lost: real subprocesses with closed, full and vanishing outputs.

Each command runs under ``sh -c`` where the shell sets up its descriptors (``>&-``, ``<&-``,
``>/dev/full``, ``ulimit -f 0``), against the emulator or a scripted loopback server.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.helpers import environment_without_tmdb, without_argv_warnings
from tests.helpers.filesystems import full_directory, read_only_directory
from tests.helpers.loopback import LoopbackServer, Reply
from tests.helpers.tokens import (
    ACCESS_TOKEN,
    ACCOUNT_ID,
    READ_TOKEN,
    REQUEST_TOKEN,
    SECRETS,
    assert_no_secret,
    logout_success,
)
from tmdb_auth import cli
from tmdb_auth.emulator import Emulator

pytestmark = pytest.mark.slow
TMDB_AUTH = [sys.executable, "-m", "tmdb_auth.cli"]


def clean_env(**values: str) -> dict[str, str]:
    return {**environment_without_tmdb(), **values}


def emulator_env(emulator: Emulator) -> dict[str, str]:
    return clean_env(
        TMDB_READ_ACCESS_TOKEN=emulator.read_token, TMDB_BASE_URL=emulator.base_url, TMDB_SITE_URL=emulator.base_url
    )


def server_env(server: LoopbackServer) -> dict[str, str]:
    return clean_env(TMDB_READ_ACCESS_TOKEN=READ_TOKEN, TMDB_BASE_URL=server.url)


def shell(script: str, *args: str, env: dict[str, str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run `script` in sh with "$@" = the tmdb-auth command line followed by `args`."""
    return subprocess.run(
        ["sh", "-c", script, "sh", *TMDB_AUTH, *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def assert_one_error_line(result: subprocess.CompletedProcess[str], code: int, *secrets: str) -> str:
    """The exit code, and exactly one ``tmdb-auth: ...`` line on stderr with no traceback and no secret."""
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    lines = without_argv_warnings(result.stderr)
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("tmdb-auth: "), result.stderr
    assert "Traceback" not in result.stderr
    assert_no_secret(result.stderr, (*SECRETS, *secrets), "stderr")
    return lines[0]


def exchanges(emulator: Emulator) -> int:
    return sum(1 for seen in emulator.requests if seen.method == "POST" and seen.path == "/4/auth/access_token")


def assert_still_usable(emulator: Emulator, request_token: str) -> None:
    """The request token was not spent: it is exchanged now, once, with stdout working."""
    assert exchanges(emulator) == 0
    again = subprocess.run(
        [*TMDB_AUTH, "access-token", "-"],
        input=request_token,
        env=emulator_env(emulator),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["access_token"] in emulator.state.access_tokens


# --- 1. --format env is quoted for POSIX shells ------------------------------------------------------

# What a hostile or broken server could put in the fields the CLI prints: command substitutions,
# both quotes, a backtick, newlines, spaces, a glob, a trailing newline and a non-ASCII letter.
HOSTILE = "$(touch MARK) `touch MARK` ${IFS}'\"\n two  spaces *\tx; touch MARK #é\n"
# A request token is checked to be visible ASCII, which still lets a command substitution through.
HOSTILE_REQUEST_TOKEN = "$(touch${IFS}MARK)`touch${IFS}MARK`'\";touch${IFS}MARK;" + REQUEST_TOKEN


def hostile_access_token_reply() -> Reply:
    body = {"access_token": HOSTILE + ACCESS_TOKEN, "account_id": HOSTILE, "success": True, "status_code": 1}
    return Reply(200, body)


@pytest.mark.parametrize(
    ("read_back", "output"),
    [('eval "$("$@")"', ()), ('"$@" && . ./result.env', ("--output", "result.env"))],
    ids=["eval-stdout", "source-output-file"],
)
def test_access_token_env_output_reads_back_exactly_and_runs_nothing(
    server: LoopbackServer, tmp_path: Path, read_back: str, output: tuple[str, ...]
) -> None:
    server.reply(hostile_access_token_reply())
    result = shell(
        read_back + ' && printf %s "$TMDB_ACCESS_TOKEN" > token && printf %s "$TMDB_ACCOUNT_ID" > account',
        "access-token",
        "REQ-y",
        "--format",
        "env",
        *output,
        env=server_env(server),
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""  # eval took it all, or it went to the file
    assert not (tmp_path / "MARK").exists(), "a server-supplied value ran a command"
    assert (tmp_path / "token").read_text(encoding="utf-8") == HOSTILE + ACCESS_TOKEN
    assert (tmp_path / "account").read_text(encoding="utf-8") == HOSTILE
    assert_no_secret(result.stderr)


def test_access_token_json_output_keeps_every_character(server: LoopbackServer) -> None:
    server.reply(hostile_access_token_reply())
    result = shell('"$@"', "access-token", "REQ-y", env=server_env(server))
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 1, "one JSON line whatever the values hold"
    assert json.loads(result.stdout) == {"access_token": HOSTILE + ACCESS_TOKEN, "account_id": HOSTILE}


def test_request_token_env_and_json_outputs_round_trip(server: LoopbackServer, tmp_path: Path) -> None:
    body = {"request_token": HOSTILE_REQUEST_TOKEN, "success": True, "status_code": 1}
    server.reply(Reply(200, body), Reply(200, body))
    env = {**server_env(server), "TMDB_SITE_URL": "http://127.0.0.1:9"}
    result = shell(
        'eval "$("$@")" && printf %s "$TMDB_REQUEST_TOKEN" > token && printf %s "$TMDB_APPROVAL_URL" > url '
        '&& printf %s "$TMDB_REQUEST_TOKEN_EXPIRES_AT" > expires',
        "request-token",
        "--format",
        "env",
        env=env,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "MARK").exists(), "a server-supplied value ran a command"
    assert (tmp_path / "token").read_text() == HOSTILE_REQUEST_TOKEN
    as_json = shell('"$@"', "request-token", env=env)
    assert as_json.returncode == 0, as_json.stderr
    values = json.loads(as_json.stdout)
    assert values["request_token"] == HOSTILE_REQUEST_TOKEN
    assert (tmp_path / "url").read_text() == values["approval_url"]
    assert (tmp_path / "expires").read_text() == ""
    assert values["expires_at"] is None


def test_an_error_never_reaches_stdout_even_with_stderr_closed(server: LoopbackServer, tmp_path: Path) -> None:
    """`eval "$(tmdb-auth ... 2>&-)"` must not run a server's error message (print(file=None) writes to stdout)."""
    rejected = Reply(401, {"success": False, "status_code": 7, "status_message": "$(touch MARK); touch MARK"})
    server.reply(rejected, rejected)
    result = shell(
        'eval "$("$@" 2>&-)"', "access-token", "REQ-y", "--format", "env", env=server_env(server), cwd=tmp_path
    )
    assert not (tmp_path / "MARK").exists(), "an error message on stdout was run by eval"
    assert result.stdout == ""
    plain = shell('"$@" 2>&-', "access-token", "REQ-y", env=server_env(server))
    assert plain.stdout == ""
    assert plain.returncode == cli.EXIT_READ_TOKEN_REJECTED


def test_a_value_a_shell_cannot_hold_is_not_printed_altered(server: LoopbackServer) -> None:
    """A NUL in a value would come back truncated from eval: the token is revoked and exit 11 says so."""
    body = {"access_token": ACCESS_TOKEN, "account_id": "account\x00id", "success": True, "status_code": 1}
    server.reply(Reply(200, body), Reply(200, logout_success()))
    result = shell('"$@"', "access-token", "REQ-y", "--format", "env", env=server_env(server))
    line = assert_one_error_line(result, cli.EXIT_RESULT_LOST)
    assert result.stdout == ""
    assert "NUL character" in line
    assert "it was revoked" in line
    assert [(seen.method, seen.path) for seen in server.received][-1] == ("DELETE", "/4/auth/access_token")


# --- 2. a spent one-time token is never lost ---------------------------------------------------------


@pytest.mark.parametrize(
    ("redirect", "reason"),
    [
        (">&-", "stdout is closed"),
        (">/dev/full", "no space left on device"),
        ("1</dev/null", "not open for writing"),
    ],
)
def test_an_output_that_cannot_be_written_is_found_before_the_token_is_spent(
    tmdb_emulator: Emulator, redirect: str, reason: str
) -> None:
    request_token = tmdb_emulator.mint_request_token(approved=True)
    result = shell(f'"$@" {redirect}', "access-token", request_token, env=emulator_env(tmdb_emulator))
    line = assert_one_error_line(result, cli.EXIT_OUTPUT, request_token, tmdb_emulator.read_token)
    assert reason in line
    assert_still_usable(tmdb_emulator, request_token)


def test_a_pipe_with_no_reader_is_found_before_the_token_is_spent(tmdb_emulator: Emulator) -> None:
    request_token = tmdb_emulator.mint_request_token(approved=True)
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before tmdb-auth starts
    try:
        process = subprocess.run(
            [*TMDB_AUTH, "access-token", request_token],
            env=emulator_env(tmdb_emulator),
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        os.close(write_end)
    assert process.returncode == cli.EXIT_OUTPUT, process.stderr
    (line,) = without_argv_warnings(process.stderr)
    assert line.startswith("tmdb-auth: error: stdout cannot be written: its reader went away")
    assert_still_usable(tmdb_emulator, request_token)


def test_a_write_failing_after_the_exchange_says_the_token_was_consumed_and_revokes(
    tmdb_emulator: Emulator, tmp_path: Path
) -> None:
    """A full disk after the check (here a file size limit of 0): exit 11, and no valid token is left unheld."""
    request_token = tmdb_emulator.mint_request_token(approved=True)
    result = shell(
        'ulimit -f 0; "$@" > result', "access-token", request_token, env=emulator_env(tmdb_emulator), cwd=tmp_path
    )
    line = assert_one_error_line(result, cli.EXIT_RESULT_LOST, request_token, tmdb_emulator.read_token)
    assert "the request token was consumed but the access token could not be delivered" in line
    assert "it was revoked" in line
    assert "tmdb-auth request-token" in line
    assert exchanges(tmdb_emulator) == 1
    assert tmdb_emulator.state.access_tokens == set(), "the undelivered access token was revoked"


def test_an_output_file_with_no_room_is_found_before_the_token_is_spent(
    tmdb_emulator: Emulator, tmp_path: Path
) -> None:
    """The check writes (and syncs) the space the result needs: a file size limit of 0 fails it, before."""
    request_token = tmdb_emulator.mint_request_token(approved=True)
    target = tmp_path / "token.json"
    result = shell(
        'ulimit -f 0; "$@"', "access-token", request_token, "--output", str(target), env=emulator_env(tmdb_emulator)
    )
    line = assert_one_error_line(result, cli.EXIT_OUTPUT, request_token, tmdb_emulator.read_token)
    assert f"--output {target}: cannot create a file in {tmp_path}: the file is too large" in line
    assert list(tmp_path.iterdir()) == [], "no file and no temporary file left"
    assert_still_usable(tmdb_emulator, request_token)


@pytest.fixture
def release(server: LoopbackServer) -> threading.Event:
    """The exchange's answer (a success) waits for this event; a logout that follows answers at once."""
    release = threading.Event()
    exchanged = {"access_token": ACCESS_TOKEN, "account_id": ACCOUNT_ID, "success": True, "status_code": 1}
    server.reply(Reply(200, exchanged, gate=release), Reply(200, logout_success()))
    return release


@contextmanager
def exchanging(server: LoopbackServer, *options: str) -> Iterator[subprocess.Popen[str]]:
    """`tmdb-auth access-token` against `server`, stdout and stderr piped; killed if still running at exit."""
    process = subprocess.Popen(
        [*TMDB_AUTH, "access-token", REQUEST_TOKEN, *options],
        env=server_env(server),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_a_reader_vanishing_during_the_exchange_is_exit_11_not_an_internal_error(
    server: LoopbackServer, release: threading.Event
) -> None:
    with exchanging(server) as process:
        assert server.at_gate.wait(30), "the exchange never reached the server"
        assert process.stdout is not None
        process.stdout.close()  # the reader goes away after the check, while the token is being spent
        release.set()
        _, stderr = process.communicate(timeout=30)
    result = subprocess.CompletedProcess(process.args, process.returncode, "", stderr)
    line = assert_one_error_line(result, cli.EXIT_RESULT_LOST)
    assert "broken pipe" in line
    assert "it was revoked" in line
    assert [(seen.method, seen.json()) for seen in server.received[1:]] == [("DELETE", {"access_token": ACCESS_TOKEN})]


def test_ctrl_c_during_the_exchange_says_the_token_may_be_consumed(
    server: LoopbackServer, release: threading.Event
) -> None:
    with exchanging(server) as process:
        assert server.at_gate.wait(30), "the exchange never reached the server"
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=30)
    result = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
    line = assert_one_error_line(result, cli.EXIT_INTERRUPTED)
    assert result.stdout == ""
    assert "interrupted during the exchange: the request token may have been consumed" in line


def test_output_file_failing_after_the_exchange_leaves_nothing_behind(
    server: LoopbackServer, release: threading.Event, tmp_path: Path
) -> None:
    """The check passed; while the token is being spent, a directory takes FILE's name: exit 11, revoked."""
    target = tmp_path / "token.json"
    with exchanging(server, "--output", str(target)) as process:
        assert server.at_gate.wait(30), "the exchange never reached the server"
        target.mkdir()
        release.set()
        stdout, stderr = process.communicate(timeout=30)
    result = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
    line = assert_one_error_line(result, cli.EXIT_RESULT_LOST)
    assert f"--output {target} cannot be written" in line
    assert "it was revoked" in line
    assert [path.name for path in tmp_path.iterdir()] == ["token.json"], "no temporary file left"
    assert list(target.iterdir()) == []
    assert [(seen.method, seen.json()) for seen in server.received[1:]] == [("DELETE", {"access_token": ACCESS_TOKEN})]


# --- --output FILE -----------------------------------------------------------------------------------


def test_output_writes_an_owner_only_file_atomically(tmdb_emulator: Emulator, tmp_path: Path) -> None:
    target = tmp_path / "token.json"
    target.write_text("the previous content\n")
    target.chmod(0o644)
    request_token = tmdb_emulator.mint_request_token(approved=True)
    result = shell('"$@"', "access-token", request_token, "--output", str(target), env=emulator_env(tmdb_emulator))
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert without_argv_warnings(result.stderr) == []
    assert stat.S_IMODE(target.stat().st_mode) == 0o600, "replaced by a new file readable by its owner only"
    values = json.loads(target.read_text())
    assert values["access_token"] in tmdb_emulator.state.access_tokens
    assert sorted(path.name for path in tmp_path.iterdir()) == ["token.json"], "no temporary file left"


def test_request_token_output_file(tmdb_emulator: Emulator, tmp_path: Path) -> None:
    target = tmp_path / "request.env"
    result = shell('"$@"', "request-token", "--format", "env", "--output", str(target), env=emulator_env(tmdb_emulator))
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert target.read_text().startswith("export TMDB_REQUEST_TOKEN=")


@pytest.mark.parametrize("where", ["directory", "missing-directory", "device"])
def test_an_unusable_output_file_is_refused_before_the_token_is_spent(
    tmdb_emulator: Emulator, tmp_path: Path, where: str
) -> None:
    target = {
        "directory": str(tmp_path),
        "missing-directory": str(tmp_path / "absent" / "token.json"),
        "device": "/dev/full",  # never replaced by a regular file, even when run as root
    }[where]
    request_token = tmdb_emulator.mint_request_token(approved=True)
    result = shell('"$@"', "access-token", request_token, "--output", target, env=emulator_env(tmdb_emulator))
    line = assert_one_error_line(result, cli.EXIT_OUTPUT, request_token, tmdb_emulator.read_token)
    assert f"--output {target}" in line
    assert stat.S_ISCHR(Path("/dev/full").stat().st_mode)
    assert_still_usable(tmdb_emulator, request_token)


def planted_in_a_sticky_directory(tmp_path: Path, kind: str) -> Path:
    """What another user can leave in a shared sticky directory such as /tmp, where you may not replace it.

    As root (CI) the other user is simulated with chown to uid 65534 (nobody): root could replace the file
    anyway, so what is proved is that the check refuses a file that is not yours before anything is spent.
    """
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    planted = shared / "token.json"
    if kind == "fifo":
        os.mkfifo(planted, 0o600)
    elif kind == "symlink":
        planted.symlink_to(tmp_path / "elsewhere.json")
    else:
        planted.write_text("planted\n")
        if os.geteuid() != 0:
            pytest.skip("making a file of another user needs root")
        os.chown(planted, 65534, 65534)
    return planted


@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        ("foreign", "belongs to another user (uid 65534): it may have been put there to catch your token"),
        ("fifo", "is not a regular file"),
        ("symlink", "is a symbolic link: name the file itself, or a new file"),
    ],
)
def test_a_file_planted_in_a_shared_directory_is_refused_before_the_token_is_spent(
    tmdb_emulator: Emulator, tmp_path: Path, kind: str, reason: str
) -> None:
    planted = planted_in_a_sticky_directory(tmp_path, kind)
    request_token = tmdb_emulator.mint_request_token(approved=True)
    result = shell('"$@"', "access-token", request_token, "--output", str(planted), env=emulator_env(tmdb_emulator))
    line = assert_one_error_line(result, cli.EXIT_OUTPUT, request_token, tmdb_emulator.read_token)
    assert f"--output {planted} {reason}" in line
    assert os.path.lexists(planted)
    assert sorted(path.name for path in planted.parent.iterdir()) == ["token.json"], "nothing else left there"
    assert_still_usable(tmdb_emulator, request_token)


def test_a_name_close_to_the_255_byte_limit_works(tmdb_emulator: Emulator, tmp_path: Path) -> None:
    """The temporary file's name is short whatever FILE's is: a valid 250-byte name is not refused."""
    target = tmp_path / ("t" * 245 + ".json")
    request_token = tmdb_emulator.mint_request_token(approved=True)
    result = shell('"$@"', "access-token", request_token, "--output", str(target), env=emulator_env(tmdb_emulator))
    assert result.returncode == 0, result.stderr
    assert json.loads(target.read_text())["access_token"] in tmdb_emulator.state.access_tokens
    assert [path.name for path in tmp_path.iterdir()] == [target.name]
    too_long = tmp_path / ("t" * 256)
    refused = shell('"$@"', "access-token", "tok", "--output", str(too_long), env=emulator_env(tmdb_emulator))
    assert "File name too long" in assert_one_error_line(refused, cli.EXIT_OUTPUT)


@pytest.mark.parametrize("disk", ["read-only", "full"])
def test_an_output_directory_that_cannot_take_the_file_is_found_before_the_token_is_spent(
    tmdb_emulator: Emulator, tmp_path: Path, disk: str
) -> None:
    """Root ignores permission bits: a read-only mount and a full one stop it, and the check finds both,
    because it creates the temporary file and writes the space the result needs."""
    make = read_only_directory if disk == "read-only" else full_directory
    request_token = tmdb_emulator.mint_request_token(approved=True)
    with make(tmp_path / "out") as directory:
        target = directory / "token.json"
        result = shell('"$@"', "access-token", request_token, "--output", str(target), env=emulator_env(tmdb_emulator))
        line = assert_one_error_line(result, cli.EXIT_OUTPUT, request_token, tmdb_emulator.read_token)
        assert line.startswith(f"tmdb-auth: error: --output {target}: cannot create a file in {directory}: ")
        assert not target.exists()
    assert_still_usable(tmdb_emulator, request_token)


# --- 3. every path: a documented exit code and one line on stderr --------------------------------------


def test_stdin_closed_for_a_dash_argument(tmdb_emulator: Emulator) -> None:
    for command in (["access-token", "-"], ["logout", "-"], ["approve-url", "-"]):
        result = shell('"$@" <&-', *command, env=emulator_env(tmdb_emulator))
        line = assert_one_error_line(result, cli.EXIT_USAGE)
        assert "was - but stdin is closed" in line
    write_only = shell('"$@" 0>/dev/null', "access-token", "-", env=emulator_env(tmdb_emulator))
    assert "stdin cannot be read" in assert_one_error_line(write_only, cli.EXIT_USAGE)


def test_login_with_token_stdin_problems_are_one_line(tmdb_emulator: Emulator, tmp_path: Path) -> None:
    """`login --with-token` reads stdin as `-` arguments do, each failure in its own words."""
    env = {**emulator_env(tmdb_emulator), "TMDB_AUTH_CONFIG_DIR": str(tmp_path / "config")}
    closed = shell('"$@" <&-', "login", "--with-token", env=env)
    assert "reads the access token from stdin, which is closed" in assert_one_error_line(closed, cli.EXIT_USAGE)
    write_only = shell('"$@" 0>/dev/null', "login", "--with-token", env=env)
    assert "--with-token: stdin cannot be read" in assert_one_error_line(write_only, cli.EXIT_USAGE)
    (tmp_path / "binary").write_bytes(b"\xff\xfe token\n")
    not_text = shell(
        '"$@" < "$TOKEN_FILE"', "login", "--with-token", env={**env, "TOKEN_FILE": str(tmp_path / "binary")}
    )
    # stdin is decoded leniently, so bytes that are not UTF-8 reach the shape check, which names the problem.
    assert "that is not a TMDB access token" in assert_one_error_line(not_text, cli.EXIT_USAGE)
    (tmp_path / "endless").write_text("x" * (cli.MAX_SECRET_INPUT + 5))
    endless = shell(
        '"$@" < "$TOKEN_FILE"', "login", "--with-token", env={**env, "TOKEN_FILE": str(tmp_path / "endless")}
    )
    line = assert_one_error_line(endless, cli.EXIT_USAGE)
    assert f"--with-token: stdin's first line is over {cli.MAX_SECRET_INPUT} characters" in line
    assert not (tmp_path / "config").exists() or not any((tmp_path / "config").iterdir()), "nothing stored"


def test_read_token_file_problems_name_the_file(tmdb_emulator: Emulator, tmp_path: Path) -> None:
    env = clean_env(TMDB_BASE_URL=tmdb_emulator.base_url)
    empty = tmp_path / "empty"
    empty.write_text("\n  \n")
    result = shell('"$@"', "access-token", "tok", "--read-token-file", str(empty), env=env)
    line = assert_one_error_line(result, cli.EXIT_USAGE)
    assert f"--read-token-file {empty} is empty" in line
    assert "TMDB_READ_ACCESS_TOKEN" not in line
    for path in (tmp_path, tmp_path / "empty" / "below-a-file"):
        result = shell('"$@"', "access-token", "tok", "--read-token-file", str(path), env=env)
        assert f"cannot read --read-token-file {path}" in assert_one_error_line(result, cli.EXIT_USAGE)


@pytest.mark.skipif(not Path("/proc/self/mem").exists(), reason="needs Linux's /proc")
def test_a_read_token_file_that_fails_to_read(tmp_path: Path) -> None:
    """Opened, but read() fails (EIO), even as root."""
    result = shell('"$@"', "access-token", "tok", "--read-token-file", "/proc/self/mem", env=clean_env())
    assert "cannot read --read-token-file /proc/self/mem" in assert_one_error_line(result, cli.EXIT_USAGE)


# Root reads any file, and CI runs as root: there the CLI runs as nobody. The interpreter may sit
# where nobody cannot read it (pyenv under /root), so the child drops privileges once it has
# imported the CLI, rather than being started as nobody (it cannot import anything more after
# that: enough here, where the CLI stops at reading the file).
# The HTTP stack is imported when a command needs it: load it before the interpreter's own files
# (under root's home) become unreadable.
_AS_NOBODY = (
    "import os, sys, tmdb_auth.cli, tmdb_auth.client, tmdb_auth._transport; "
    "os.setgroups([]); os.setgid(65534); os.setuid(65534); "
    "sys.exit(tmdb_auth.cli.main())"
)


def test_an_unreadable_read_token_file() -> None:
    as_root = hasattr(os, "geteuid") and os.geteuid() == 0
    with tempfile.TemporaryDirectory() as directory:
        Path(directory).chmod(0o755)  # so the file's own mode is what refuses, not its directory's
        secret_file = Path(directory) / "read-token"
        secret_file.write_text(READ_TOKEN)
        secret_file.chmod(0)
        args = ("access-token", "tok", "--read-token-file", str(secret_file))
        if as_root:
            result = subprocess.run(
                [sys.executable, "-c", _AS_NOBODY, *args],
                env=clean_env(),
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
        else:
            result = shell('"$@"', *args, env=clean_env())
    assert "Permission denied" in assert_one_error_line(result, cli.EXIT_USAGE)


def test_a_path_with_a_newline_stays_one_line(tmp_path: Path) -> None:
    odd = tmp_path / "two\nlines"
    result = shell('"$@"', "access-token", "tok", "--read-token-file", str(odd), env=clean_env())
    assert_one_error_line(result, cli.EXIT_USAGE)


@pytest.fixture
def stored_login(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A stored login (ACCESS_TOKEN) in a private config dir; the environment for commands that read it."""
    from tmdb_auth import AccessToken
    from tmdb_auth.store import CredentialStore

    env = {"TMDB_AUTH_CONFIG_DIR": str(tmp_path / "config"), "TMDB_AUTH_KEYRING": "off"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    CredentialStore().save(AccessToken(ACCESS_TOKEN, ACCOUNT_ID), base_url="http://127.0.0.1:9")
    return clean_env(**env)


def test_token_output_file_and_full_stdout(stored_login: dict[str, str], tmp_path: Path) -> None:
    target = tmp_path / "token"
    result = shell('"$@"', "token", "--output", str(target), env=stored_login)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert target.read_text() == ACCESS_TOKEN + "\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    for command in (["token"], ["status"], ["approve-url", "abc.def"]):
        full = shell('"$@" >/dev/full', *command, env=stored_login)
        assert "no space left on device" in assert_one_error_line(full, cli.EXIT_OUTPUT)


def test_login_and_logout_check_stdout_before_doing_anything(
    tmdb_emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tmdb_auth import TMDBAuth
    from tmdb_auth.store import CredentialStore

    config = {"TMDB_AUTH_CONFIG_DIR": str(tmp_path / "config"), "TMDB_AUTH_KEYRING": "off"}
    env = {**emulator_env(tmdb_emulator), **config}
    login = shell('"$@" >&-', "login", "--no-browser", env=env)
    assert "stdout is closed" in assert_one_error_line(login, cli.EXIT_OUTPUT, tmdb_emulator.read_token)
    assert tmdb_emulator.requests == [], "no request token was created"

    for name, value in config.items():
        monkeypatch.setenv(name, value)
    with TMDBAuth(tmdb_emulator.read_token, base_url=tmdb_emulator.base_url) as auth:
        token = auth.create_access_token(tmdb_emulator.mint_request_token(approved=True))
    CredentialStore().save(token, base_url=tmdb_emulator.base_url)
    refused = shell('"$@" >/dev/full', "logout", env=env)
    assert_one_error_line(refused, cli.EXIT_OUTPUT, token.access_token, tmdb_emulator.read_token)
    assert token.access_token in tmdb_emulator.state.access_tokens, "not revoked"
    assert CredentialStore().load() is not None, "exit codes but 0 keep the stored login"

    late = shell('ulimit -f 0; "$@" > report', "logout", env=env, cwd=tmp_path)
    assert late.returncode == cli.EXIT_OK, "the logout was done: only its report could not be written"
    line = assert_one_error_line(late, cli.EXIT_OK, token.access_token, tmdb_emulator.read_token)
    assert line.startswith("tmdb-auth: warning: logged out: the token was revoked and the stored login deleted, but")
    assert token.access_token not in tmdb_emulator.state.access_tokens
    assert CredentialStore().load() is None


def test_help_lists_the_new_exit_codes() -> None:
    result = shell('"$@"', "--help", env=clean_env())  # the exit codes are in the top-level help only
    text = " ".join(result.stdout.split())
    assert "10 the output cannot be written" in text
    assert "11 access-token: the request token was consumed but the access token could not be written" in text
    assert "--output FILE" in " ".join(shell('"$@"', "access-token", "--help", env=clean_env()).stdout.split())
