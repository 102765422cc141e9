"""``TMDB_AUTH_LOG=debug|info|warning``: the command line's logs on stderr, with no secret in them.

A whole login and logout run at debug level against the emulator: the logs show (the login's steps,
httpx's request lines), and neither the read token, the API key, an access token nor the request
token appears anywhere but in the approval URL the user must open.
"""

from __future__ import annotations

import logging
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import ROOT
from tests.helpers.terminal import TMDB_AUTH, Login, run_in_process, start, stored_token
from tests.helpers.tokens import ACCESS_CLAIMS, make_jwt
from tmdb_auth import _log
from tmdb_auth.emulator import Emulator

pytestmark = pytest.mark.slow


def test_a_whole_login_at_debug_level_logs_no_secret(
    tmdb_emulator: Emulator, env: dict[str, str], config_dir: Path, logins: list[Login]
) -> None:
    debug = {**env, "TMDB_AUTH_LOG": "debug", "TMDB_API_KEY": tmdb_emulator.api_key}
    login = start(logins, debug, "--no-browser", "--poll-interval", "0.1")
    login.wait_for("Waiting for your approval")
    tmdb_emulator.approve(login.request_token)
    result = login.finish()
    assert result.returncode == 0, result.stderr
    access_token = stored_token(config_dir)
    logout = subprocess.run(
        [*TMDB_AUTH, "logout"], env=debug, cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    assert logout.returncode == 0, logout.stderr

    logged = result.stderr + logout.stderr
    log_lines = [line for line in logged.splitlines() if line.startswith("tmdb-auth: DEBUG ") or " INFO " in line]
    assert any(line.startswith("tmdb-auth: DEBUG tmdb_auth: login: exchange:") for line in log_lines), logged
    assert any("INFO httpx: HTTP Request: POST http://127.0.0.1:" in line for line in log_lines), logged
    assert any("INFO httpx: HTTP Request: DELETE" in line for line in logout.stderr.splitlines()), logout.stderr
    for secret in (tmdb_emulator.read_token, tmdb_emulator.api_key, access_token):
        assert secret not in logged + result.stdout + logout.stdout
    assert result.stderr.count(login.request_token) == 1  # the approval URL only, which the user needs
    assert not [line for line in log_lines if login.request_token in line]
    assert "Traceback" not in logged


@pytest.fixture
def restore_loggers() -> Iterator[None]:
    """_log.configure changes process-wide loggers: put them back."""
    names = ("tmdb_auth", "httpx", "httpcore")
    before = {name: (logging.getLogger(name).level, list(logging.getLogger(name).handlers)) for name in names}
    yield
    for name, (level, handlers) in before.items():
        logger = logging.getLogger(name)
        logger.setLevel(level)
        logger.handlers[:] = handlers


@pytest.mark.usefixtures("restore_loggers")
def test_every_line_is_redacted(capsys: pytest.CaptureFixture[str]) -> None:
    """Whatever a record says (a library's message, an exception's text), secrets and token shapes go."""
    known = "READ-secret-4e1b-must-not-leak"
    issued = make_jwt({**ACCESS_CLAIMS, "jti": "log"}, "LOGGED-9d2c-must-not-leak")
    session_id = "0123456789abcdef0123456789abcdef01234567"
    _log.configure("debug", secrets=[known])
    _log.configure("debug", secrets=[known])  # again: one handler, not two
    logging.getLogger("httpx").debug("sent %s, got %s", known, issued)
    logging.getLogger("tmdb_auth").info("session_id=%s api_key=%s", session_id, "abcdef0123456789abcdef0123456789")
    try:
        raise ValueError(f"the server quoted Bearer {issued}")
    except ValueError:
        logging.getLogger("tmdb_auth").exception("failed")
    logging.getLogger("httpcore").debug("at debug, httpcore too")
    url = f"https://user:{known}@api.example:8443/3/account/{known}?api_key=0a1b2c&session_id={session_id}"
    logging.getLogger("httpx").info('HTTP Request: %s %s "%s %d %s"', "GET", url, "HTTP/1.1", 200, "OK")
    err = capsys.readouterr().err
    assert err.count("tmdb-auth: DEBUG httpx: sent <redacted>, got <redacted>") == 1
    assert "tmdb-auth: INFO tmdb_auth: session_id=<redacted> api_key=<redacted>" in err
    assert "ValueError: the server quoted Bearer <redacted>" in err
    assert "tmdb-auth: DEBUG httpcore: at debug, httpcore too" in err
    assert (  # httpx's request line: host, port and path kept, user info and every query value gone
        "tmdb-auth: INFO httpx: HTTP Request: GET https://api.example:8443/3/account/<redacted>?api_key=<redacted>"
        '&session_id=<redacted> "HTTP/1.1 200 OK"'
    ) in err
    for secret in (known, issued, "LOGGED-9d2c", session_id, "abcdef0123456789abcdef0123456789", "0a1b2c"):
        assert secret not in err


@pytest.mark.usefixtures("restore_loggers")
def test_info_leaves_httpcore_quiet(capsys: pytest.CaptureFixture[str]) -> None:
    _log.configure("info")
    logging.getLogger("httpcore").debug("not shown")
    logging.getLogger("tmdb_auth").debug("not shown either")
    logging.getLogger("tmdb_auth").info("shown")
    assert capsys.readouterr().err == "tmdb-auth: INFO tmdb_auth: shown\n"


@pytest.mark.usefixtures("env", "restore_loggers")
def test_an_unknown_level_is_a_warning_not_a_failure(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TMDB_AUTH_LOG", "verbose")
    result = run_in_process(capsys, "status")
    assert result.returncode == 8  # the command ran: not logged in
    assert result.stderr.splitlines()[0] == (
        "tmdb-auth: warning: TMDB_AUTH_LOG must be one of debug, info, warning, not 'verbose'"
    )
