"""The README's usage example runs as written, against a loopback server."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.helpers import ROOT
from tests.helpers.loopback import LoopbackServer, Reply
from tests.helpers.tokens import ACCOUNT_ID, READ_TOKEN, REQUEST_TOKEN, assert_no_secret, success_body, tmdb_error

MARKER = "<!-- README example: run by tests/test_readme.py against a loopback server -->"


def readme_example() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(re.escape(MARKER) + r"\n```python\n(.*?)```", text, re.DOTALL)
    assert match, "the README example block is missing"
    return match.group(1)


def run_example(server: LoopbackServer) -> subprocess.CompletedProcess[str]:
    env = {
        "TMDB_READ_ACCESS_TOKEN": READ_TOKEN,
        "TMDB_BASE_URL": server.url,
        "TMDB_REQUEST_TOKEN": REQUEST_TOKEN,
        "PATH": "",
    }
    return subprocess.run(
        [sys.executable, "-c", readme_example()], env=env, capture_output=True, text=True, timeout=60, check=False
    )


@pytest.mark.slow
def test_readme_example_logs_in(server: LoopbackServer) -> None:
    server.reply(Reply(200, success_body()))
    result = run_example(server)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"Logged in as account {ACCOUNT_ID} with scopes ('api_read', 'api_write')\n"
    assert server.received[0].json() == {"request_token": REQUEST_TOKEN}


@pytest.mark.slow
def test_readme_example_handles_an_unapproved_token(server: LoopbackServer) -> None:
    server.reply(Reply(422, tmdb_error(41, "The request token has not been approved.")))
    result = run_example(server)
    assert result.stdout == "Ask the user to approve the request token first.\n"
    server.reply(Reply(401, tmdb_error(7, "Invalid API key.")))
    result = run_example(server)
    assert result.stdout.startswith(f"Login failed: The emulator at {server.url[7:]} rejected the app's API Read")
    assert_no_secret(result.stdout + result.stderr)
