"""`tmdb-auth` as the person at the terminal runs it: a login subprocess read line by line, commands in-process.

`login` runs as a real subprocess (its waiting, its browser and its Ctrl-C are the point);
`status`, `token` and `logout` can run in-process through `cli.main`, which is the same code
and much faster.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.helpers import ROOT
from tests.helpers.fake_browser import COMMAND as FAKE_BROWSER
from tmdb_auth import cli
from tmdb_auth.emulator import Emulator

TMDB_AUTH = [sys.executable, "-m", "tmdb_auth.cli"]
URL_LINE = re.compile(r"^  (http://\S+/auth/access\?request_token=([^&\s]+))$")


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str


def emulator_name(base_url: str) -> str:
    """How the command line names a loopback API (the emulator, or a test's server standing in for TMDB)."""
    return f"the emulator at {urlsplit(base_url).netloc}"


def with_browser(env: dict[str, str], log: Path | None = None, exit_code: int = 0) -> dict[str, str]:
    """`env` with a $BROWSER that only records the URL (tests/helpers/fake_browser.py): `login` then serves
    its callback, which the test requests itself, and plays the user with the emulator's helpers."""
    browser = {"BROWSER": FAKE_BROWSER, "TMDB_TEST_BROWSER_EXIT": str(exit_code)}
    if log is not None:
        browser["TMDB_TEST_BROWSER_LOG"] = str(log)
    return {**env, **browser}


def command_env(monkeypatch: pytest.MonkeyPatch, values: dict[str, str]) -> dict[str, str]:
    """`values` and no other TMDB_* variable (but the test suite's own), in this process (for in-process
    commands) and in the environment returned for subprocesses. The terminal variables (CI, DISPLAY, ...) are
    already gone: tests/conftest.py removes them around every test."""
    for name in list(os.environ):
        # TMDB_AUTH_TESTS_* stay: the network guard of the subprocesses logs through one of them.
        if name.startswith("TMDB_") and not name.startswith("TMDB_AUTH_TESTS_"):
            monkeypatch.delenv(name)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return {**os.environ, **values}


class Login:
    """A running ``tmdb-auth login``: read its stderr up to the approval URL, then let it finish."""

    def __init__(self, env: dict[str, str], *args: str) -> None:
        self.process = subprocess.Popen(
            [*TMDB_AUTH, "login", *args],
            env=env,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line)
            match = URL_LINE.match(line.rstrip("\n"))
            if match:
                self.approval_url, self.request_token = match.groups()
                break
        else:
            raise AssertionError(f"no approval URL in: {''.join(self.lines)}")

    def wait_for(self, text: str) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line)
            if text in line:
                return
        raise AssertionError(f"{text!r} never came: {''.join(self.lines)}")

    def finish(self, timeout: float = 30) -> Run:
        assert self.process.stdout is not None
        assert self.process.stderr is not None
        self.process.wait(timeout=timeout)
        stderr = "".join(self.lines) + self.process.stderr.read()
        stdout = self.process.stdout.read()
        self.process.stdout.close()
        self.process.stderr.close()
        return Run(self.process.returncode, stdout, stderr)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def start(logins: list[Login], env: dict[str, str], *args: str) -> Login:
    """A Login, recorded in `logins` (the fixture that kills what a test left running)."""
    login = Login(env, *args)
    logins.append(login)
    return login


def run_in_process(capsys: pytest.CaptureFixture[str], *args: str) -> Run:
    code = cli.main(list(args))
    captured = capsys.readouterr()
    return Run(code, captured.out, captured.err)


def exchanges(emulator: Emulator) -> int:
    return sum(1 for seen in emulator.requests if seen.method == "POST" and seen.path == "/4/auth/access_token")


def assert_no_secret(emulator: Emulator, *outputs: str, also: tuple[str, ...] = ()) -> None:
    """Neither the read token nor any live access token (nor those in `also`, e.g. revoked ones) in any output."""
    secrets = {emulator.read_token, *emulator.state.access_tokens, *also}
    for output in outputs:
        for secret in secrets:
            assert secret not in output, f"a secret leaked into: {output[:300]!r}"
        assert "Traceback" not in output


def log_in(logins: list[Login], env: dict[str, str], emulator: Emulator) -> Run:
    """A headless login approved through the emulator's fixture helper."""
    login = start(logins, env, "--no-browser", "--poll-interval", "0.1")
    emulator.approve(login.request_token)
    result = login.finish()
    assert result.returncode == 0, result.stderr
    return result


def stored_token(config_dir: Path) -> str:
    token = json.loads((config_dir / "credentials.json").read_text())["access_token"]
    assert isinstance(token, str)
    return token
