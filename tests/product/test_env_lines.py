"""Env lines (``--format env``, the emulator's start lines) evaluated by real shells: every value
reaches the shell's child processes byte for byte, and nothing in a value is run.

Without ``export``, ``eval`` sets shell variables that a child process never sees: a script
would then run ``tmdb-auth`` (or anything else) with no TMDB_BASE_URL, against
api.themoviedb.org, holding the emulator's token.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.helpers import environment_without_tmdb
from tmdb_auth._cli_output import env_assignments
from tmdb_auth.emulator import Emulator

pytestmark = pytest.mark.slow
TMDB_AUTH = [sys.executable, "-m", "tmdb_auth.cli"]
SHELLS = [shell for shell in ("sh", "dash", "bash", "zsh", "ksh") if shutil.which(shell)]

# What no value may do to a shell that evaluates it: substitutions, both quotes, backslashes,
# newlines (a trailing one too), a glob, a tab, a leading dash, a non-ASCII letter, nothing at all.
HOSTILE = {
    "TMDB_A": "$(touch MARK)",
    "TMDB_B": "`touch MARK`; touch MARK",
    "TMDB_C": 'it\'s "quoted" \\ and \\\\ back\\n',
    "TMDB_D": "line one\nline two\n",
    "TMDB_E": "* ? [a-z] ~ $HOME ${IFS}",
    "TMDB_F": "\ttab -n -e é ünïcode",
    "TMDB_G": "",
    "TMDB_H": "'",
    "TMDB_I": "-n",
}


def readback(names: list[str], directory: Path) -> str:
    """A shell command that writes each variable, as a child process sees it, to a file of its name."""
    return "; ".join(f"sh -c 'printf %s \"${name}\"' > {name}" for name in names)


def read_files(names: list[str], directory: Path) -> dict[str, str]:
    return {name: (directory / name).read_bytes().decode("utf-8") for name in names}


@pytest.mark.parametrize("shell", SHELLS)
def test_env_assignments_reach_child_processes_byte_for_byte(shell: str, tmp_path: Path) -> None:
    lines = env_assignments(HOSTILE)
    words = shlex.split(lines)  # POSIX shell words: `export` then one NAME=value per variable
    assert words[0::2] == ["export"] * len(HOSTILE)
    assert dict(word.split("=", 1) for word in words[1::2]) == HOSTILE
    (tmp_path / "lines.env").write_text(lines, encoding="utf-8")
    names = list(HOSTILE)
    script = f'eval "$(cat lines.env)"; {readback(names, tmp_path)}; . ./lines.env && {readback(names, tmp_path)}'
    environment = environment_without_tmdb()
    result = subprocess.run(
        [shell, "-c", script], cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert read_files(names, tmp_path) == HOSTILE
    assert not (tmp_path / "MARK").exists(), "a value ran a command"


def test_the_request_and_access_token_lines_reach_a_child_process(tmp_path: Path) -> None:
    """`eval "$(tmdb-auth ... --format env)"`, then a child process (here: another shell) uses them."""
    with Emulator() as emulator:
        env = environment_without_tmdb()
        env.update(
            TMDB_READ_ACCESS_TOKEN=emulator.read_token, TMDB_BASE_URL=emulator.base_url, TMDB_SITE_URL=emulator.base_url
        )
        request = subprocess.run(
            [*TMDB_AUTH, "request-token", "--format", "env"], env=env, capture_output=True, text=True, timeout=60
        )
        assert request.returncode == 0, request.stderr
        (tmp_path / "request.env").write_text(request.stdout)
        names = ["TMDB_REQUEST_TOKEN", "TMDB_APPROVAL_URL", "TMDB_REQUEST_TOKEN_EXPIRES_AT"]
        subprocess.run(
            ["sh", "-c", f'eval "$(cat request.env)"; {readback(names, tmp_path)}'], cwd=tmp_path, env=env, check=True
        )
        seen = read_files(names, tmp_path)
        assert seen["TMDB_APPROVAL_URL"] == emulator.approval_url(seen["TMDB_REQUEST_TOKEN"])
        assert seen["TMDB_REQUEST_TOKEN_EXPIRES_AT"].endswith("+00:00")
        emulator.approve(seen["TMDB_REQUEST_TOKEN"])

        # The child exchanges the request token it was handed through the environment, then prints env lines.
        exchange = f"{shlex.join(TMDB_AUTH)} access-token - --format env"
        script = f'eval "$(cat request.env)"; printf %s "$TMDB_REQUEST_TOKEN" | {exchange}'
        access = subprocess.run(["sh", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
        assert access.returncode == 0, access.stderr
        (tmp_path / "access.env").write_text(access.stdout)
        names = ["TMDB_ACCESS_TOKEN", "TMDB_ACCOUNT_ID"]
        subprocess.run(
            ["sh", "-c", f'eval "$(cat access.env)"; {readback(names, tmp_path)}'], cwd=tmp_path, env=env, check=True
        )
        seen = read_files(names, tmp_path)
        assert emulator.access_token_alive(seen["TMDB_ACCESS_TOKEN"])
        assert seen["TMDB_ACCOUNT_ID"] == emulator.account_id


def test_the_emulator_start_lines_point_a_script_at_the_emulator(tmp_path: Path) -> None:
    """Pasted or eval'ed, the start lines make every child process use the emulator, hostile credentials too."""
    read_token = "read-$(touch${IFS}MARK)'\"`;touch${IFS}MARK`|&<>"
    api_key = "key-$(touch${IFS}MARK)'\\\"*?"
    env = environment_without_tmdb()
    process = subprocess.Popen(
        [*TMDB_AUTH, "emulator", "--port", "0", "--read-token", read_token, "--api-key", api_key],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    try:
        assert process.stdout is not None
        watchdog = threading.Timer(30, process.kill)  # a silent emulator fails the test instead of hanging it
        watchdog.start()
        try:
            lines = []
            while not (line := process.stdout.readline()).startswith("Press Ctrl-C") and line:
                lines.append(line)
        finally:
            watchdog.cancel()
        base_url = lines[0].rsplit(" ", 1)[1].strip()
        env_lines = "".join(lines[1:])
        assert [line.split("=", 1)[0] for line in lines[1:]] == [
            "export TMDB_BASE_URL",
            "export TMDB_READ_ACCESS_TOKEN",
            "export TMDB_API_KEY",
            "export TMDB_SITE_URL",
        ]
        (tmp_path / "emulator.env").write_text(env_lines)
        names = ["TMDB_BASE_URL", "TMDB_READ_ACCESS_TOKEN", "TMDB_API_KEY", "TMDB_SITE_URL"]
        # Then a script creates a request token with tmdb-auth, which reads everything from the environment.
        script = (
            f'eval "$(cat emulator.env)"; {readback(names, tmp_path)}; '
            f"{shlex.join(TMDB_AUTH)} request-token --format env > request.env"
        )
        result = subprocess.run(["sh", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        assert read_files(names, tmp_path) == {
            "TMDB_BASE_URL": base_url,
            "TMDB_READ_ACCESS_TOKEN": read_token,
            "TMDB_API_KEY": api_key,
            "TMDB_SITE_URL": base_url,
        }
        assert f"{base_url}/auth/access?request_token=" in (tmp_path / "request.env").read_text(), "the emulator's"
        assert not (tmp_path / "MARK").exists(), "a credential ran a command"
    finally:
        process.terminate()
        process.communicate(timeout=15)
