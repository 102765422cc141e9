"""Start-up a terminal user feels: commands that send nothing import no HTTP library, and
``from tmdb_auth import TMDBAuth`` imports what a first call needs but nothing of the CLI or emulator.

Checked in fresh interpreters through ``sys.modules`` (make bench times the same commands).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.tokens import ACCESS_TOKEN, ACCOUNT_ID
from tmdb_auth import AccessToken, CredentialStore

SENDERS = ("httpx", "httpcore", "h11", "anyio", "asyncio", "subprocess", "ssl", "tmdb_v4_client", "tmdb_auth.client")
EMULATOR = ("tmdb_auth.emulator", "starlette", "uvicorn", "jwt")
CLI = ("tmdb_auth.cli", "argparse", "tmdb_auth.login", "webbrowser")
LOGGING = ("logging", "tmdb_auth._log")
MODELS = ("attrs", "attr")  # a quarter of `tmdb-auth --help`'s start-up in a runtime-only venv (make bench)
PROBE = """
import json, sys
sys.argv = ["tmdb-auth", *sys.argv[1:]]
from tmdb_auth.cli import main
try:
    code = main()
except SystemExit as exit:
    code = exit.code
print(json.dumps([code, sorted(name for name in json.loads(sys.stdin.read()) if name in sys.modules)]), file=sys.stderr)
"""


def loaded(code: str, *args: str, env: dict[str, str] | None = None) -> tuple[object, list[str]]:
    """Run `code` with `args` in a fresh interpreter: its exit code and which watched modules it imported."""
    result = subprocess.run(
        [sys.executable, "-c", code, *args],
        input=json.dumps([*SENDERS, *EMULATOR, *CLI, *LOGGING, *MODELS]),
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    status, modules = json.loads(result.stderr.strip().splitlines()[-1])
    return status, modules


@pytest.mark.parametrize("args", [["--help"], ["status"], ["token"], ["logout", "--local-only"]], ids=" ".join)
def test_commands_that_send_nothing_import_no_http_library(args: list[str], tmp_path: Path) -> None:
    CredentialStore(tmp_path, keyring=False).save(AccessToken(ACCESS_TOKEN, ACCOUNT_ID), base_url="https://x.example")
    env = {**os.environ, "TMDB_AUTH_CONFIG_DIR": str(tmp_path), "TMDB_AUTH_KEYRING": "off"}
    status, modules = loaded(PROBE, *args, env=env)
    assert status in (0, None), f"tmdb-auth {' '.join(args)} exited {status}"
    assert [name for name in modules if name in SENDERS + EMULATOR] == []


def test_help_imports_no_model_library() -> None:
    """--help reads the settings' constants only: attrs (the stored credentials', the tokens') stays unloaded."""
    status, modules = loaded(PROBE, "--help")
    assert status in (0, None)
    assert [name for name in modules if name in MODELS] == []


def test_the_library_imports_what_a_first_call_needs_and_nothing_of_the_cli_or_emulator() -> None:
    code = (
        "import json, sys; from tmdb_auth import TMDBAuth; "
        "print(json.dumps([0, sorted(m for m in json.loads(sys.stdin.read()) if m in sys.modules)]), file=sys.stderr)"
    )
    _, modules = loaded(code)
    assert [name for name in modules if name in EMULATOR + CLI] == []
    assert {"httpx", "tmdb_v4_client", "tmdb_auth.client"} <= set(modules), "a first call's imports are loaded"


@pytest.mark.parametrize(("level", "logs"), [("", False), ("debug", True)])
def test_logging_is_imported_only_when_tmdb_auth_log_asks(level: str, logs: bool, tmp_path: Path) -> None:
    env = {**os.environ, "TMDB_AUTH_CONFIG_DIR": str(tmp_path), "TMDB_AUTH_KEYRING": "off", "TMDB_AUTH_LOG": level}
    status, modules = loaded(PROBE, "status", env=env)
    assert status == 8  # not logged in: the command ran
    assert ("logging" in modules, "tmdb_auth._log" in modules) == (logs, logs)
