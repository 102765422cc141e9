"""Every README code block runs as written, or says why not.

Each fenced block is one test (tests/helpers/readme.py finds them): a Python block runs in a fresh
interpreter and a shell block in bash, both in a temporary HOME, against the emulator (API and
approval site), with TMDB_READ_ACCESS_TOKEN, TMDB_BASE_URL, TMDB_SITE_URL and an approved
TMDB_REQUEST_TOKEN set, as a reader following the README would have them. Whatever a block
prints that is an approval URL, the `User` opens (the emulator approves on that GET), follows
back to this machine if the page redirects there (the login's callback), then presses Enter.
JSON and YAML blocks must parse; an untagged block is text (a layout, an output). A block marked
``<!-- README sketch: WHY -->`` is reported as skipped with WHY; one marked ``run by tests/...``
is run by that file.

To run a new kind of block, add a runner to RUNNERS. The finishing example's error branches
also run here against a scripted server.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
import yaml

from tests.helpers import environment_without_tmdb
from tests.helpers.loopback import LoopbackServer, Reply
from tests.helpers.readme import Block, block_after, blocks
from tests.helpers.tokens import ACCOUNT_ID, READ_TOKEN, REQUEST_TOKEN, assert_no_secret, success_body, tmdb_error
from tmdb_auth._settings import is_loopback
from tmdb_auth.emulator import Emulator

pytestmark = pytest.mark.slow
FINISHING_MARKER = (
    "<!-- README example: run by tests/product/test_readme.py against the emulator and a scripted server -->"
)
SECONDS = 60


class User:
    """The person at the terminal: opens each approval URL a block prints, comes back if the page redirects
    to this machine, then presses Enter (for a block that waits with input() or read)."""

    def __init__(self, process: subprocess.Popen[str], emulator: Emulator) -> None:
        self.process = process
        self.output: list[str] = []
        self._approval = re.compile(re.escape(emulator.base_url) + r"/auth/access\?request_token=\S+")
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line)
            for url in self._approval.findall(line):
                self._approve(url)

    def _approve(self, url: str) -> None:
        with httpx.Client(timeout=10) as browser:
            page = browser.get(url)
            location = page.headers.get("location")
            if page.status_code == 302 and location and is_loopback(urlsplit(location).hostname or ""):
                browser.get(location)  # the login's callback on this machine (never a site beyond loopback)
        assert self.process.stdin is not None
        try:
            self.process.stdin.write("\n")
            self.process.stdin.flush()
        except OSError:  # the block did not wait for Enter and is gone
            pass

    def finish(self) -> tuple[int, str]:
        try:
            code = self.process.wait(timeout=SECONDS)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
        self._thread.join(timeout=10)
        return code, "".join(self.output)


def reader_env(emulator: Emulator, home: Path) -> dict[str, str]:
    """What a reader has set, in a fresh HOME: the emulator as TMDB, the file store, a browser that does
    nothing (the User opens the pages). This machine's display, SSH and CI variables are already gone
    (tests/conftest.py)."""
    base = environment_without_tmdb()
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        base.pop(name, None)
    return {
        **base,
        "HOME": str(home),
        "PATH": f"{Path(sys.executable).parent}:{base.get('PATH', '/usr/bin:/bin')}",
        "TMDB_READ_ACCESS_TOKEN": emulator.read_token,
        "TMDB_BASE_URL": emulator.base_url,
        "TMDB_SITE_URL": emulator.base_url,
        "TMDB_REQUEST_TOKEN": emulator.mint_request_token(approved=True),
        "TMDB_AUTH_KEYRING": "off",
        "BROWSER": f"{shlex.quote(sys.executable)} -c pass %s",
    }


def run(command: list[str], emulator: Emulator, tmp_path: Path) -> str:
    home = tmp_path / "home"
    home.mkdir()
    process = subprocess.Popen(
        command,
        cwd=home,
        env=reader_env(emulator, home),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    code, output = User(process, emulator).finish()
    assert code == 0, output
    assert "Traceback" not in output
    for secret in (emulator.read_token, *emulator.state.access_tokens):
        assert secret not in output
    return output


def run_python(block: Block, emulator: Emulator, tmp_path: Path) -> None:
    run([sys.executable, "-u", "-c", block.code], emulator, tmp_path)


def run_shell(block: Block, emulator: Emulator, tmp_path: Path) -> None:
    run(["bash", "-e", "-o", "pipefail", "-c", block.code], emulator, tmp_path)


def parse_json(block: Block, emulator: Emulator, tmp_path: Path) -> None:
    assert isinstance(json.loads(block.code), dict)


def parse_yaml(block: Block, emulator: Emulator, tmp_path: Path) -> None:
    assert yaml.safe_load(block.code) is not None


def text(block: Block, emulator: Emulator, tmp_path: Path) -> None:
    """An untagged block is text: a layout, an output. Nothing to run."""


RUNNERS: dict[str, Callable[[Block, Emulator, Path], None]] = {
    "python": run_python,
    "sh": run_shell,
    "bash": run_shell,
    "json": parse_json,
    "yaml": parse_yaml,
    "": text,
}


@pytest.mark.parametrize("block", blocks(), ids=lambda block: block.name)
def test_the_readme_block_runs_as_written(block: Block, tmdb_emulator: Emulator, tmp_path: Path) -> None:
    if block.sketch is not None:
        pytest.skip(f"README sketch, on purpose: {block.sketch}")
    if block.run_by is not None:
        assert block.run_by.exists(), f"the README says {block.run_by} runs its block at line {block.line}"
        assert block.marker is not None
        assert block.marker in block.run_by.read_text(encoding="utf-8"), f"{block.run_by} does not look for it"
        return
    runner = RUNNERS.get(block.language)
    if runner is None:
        pytest.fail(
            f"the README block at line {block.line} ({block.language}) has no runner: add one to RUNNERS in "
            "tests/product/test_readme.py, or mark the block <!-- README sketch: why -->"
        )
    tmdb_emulator.set_auto_approve(True)  # the User's GET of an approval page approves it
    runner(block, tmdb_emulator, tmp_path)


def test_the_readme_has_runnable_blocks_of_each_kind() -> None:
    """The parser sees the blocks (a broken fence would hide them all, and every test above would pass)."""
    found = blocks()
    runnable = [block for block in found if block.sketch is None and block.run_by is None]
    assert {"python", "sh", "json", "yaml"} <= {block.language for block in runnable}
    assert len(runnable) >= 8
    assert all(block.code.strip() for block in found)


# --- the finishing example, also against a scripted server (its error branches) ---------------------


def run_finishing_example(server: LoopbackServer) -> subprocess.CompletedProcess[str]:
    env = {
        **environment_without_tmdb(),
        "TMDB_READ_ACCESS_TOKEN": READ_TOKEN,
        "TMDB_BASE_URL": server.url,
        "TMDB_REQUEST_TOKEN": REQUEST_TOKEN,
    }
    code = block_after(FINISHING_MARKER).code
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=SECONDS, check=False
    )


def test_the_finishing_example_logs_in(server: LoopbackServer) -> None:
    server.reply(Reply(200, success_body()))
    result = run_finishing_example(server)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"Logged in as account {ACCOUNT_ID} with scopes ('api_read', 'api_write')\n"
    assert server.received[0].json() == {"request_token": REQUEST_TOKEN}


def test_the_finishing_example_handles_an_unapproved_token(server: LoopbackServer) -> None:
    server.reply(Reply(422, tmdb_error(41, "The request token has not been approved.")))
    result = run_finishing_example(server)
    assert result.stdout == "Ask the user to approve the request token first.\n"
    server.reply(Reply(401, tmdb_error(7, "Invalid API key.")))
    result = run_finishing_example(server)
    assert result.stdout.startswith(f"Login failed: The emulator at {server.url[7:]} rejected the app's API Read")
    assert_no_secret(result.stdout + result.stderr)
