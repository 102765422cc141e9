"""Real-browser tests: headless Chromium clicks the emulator's approval page, alone and as the
user's browser ($BROWSER) behind `tmdb-auth login`, end to end through the CLI's callback.

They need Debian's ``chromium`` and ``chromium-driver`` and selenium (dev extra). ``make test``
skips them with the reason when one is missing; ``.ci/run`` installs Chromium first and runs
with CI=true, where a missing browser fails instead of skipping, so CI always runs them.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.helpers import ROOT, environment_without_tmdb
from tests.helpers.chromium import browser_command, click_on_approval_page, headless_chromium, unavailable_reason
from tmdb_auth import InvalidRequestTokenError, TMDBAuth
from tmdb_auth.emulator import DEFAULT_APP_NAME, Emulator, SeenRequest

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver

UNAVAILABLE = unavailable_reason()
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        UNAVAILABLE is not None and not os.environ.get("CI"), reason=f"no real browser here: {UNAVAILABLE}"
    ),
]
OPEN_WITH_WEBBROWSER = "import sys, webbrowser; sys.exit(0 if webbrowser.open(sys.argv[1]) else 3)"
CLOSE_TAB_PAGE = b"<!DOCTYPE html><title>Done</title><p>Logged in. You can close this tab.</p>"


class CallbackServer:
    """An app's loopback callback (127.0.0.1, a free port): answers a "close this tab" page to
    GET /callback and remembers each request's path and query."""

    def __init__(self) -> None:
        self.received: list[tuple[str, dict[str, list[str]]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlsplit(self.path)
                server.received.append((url.path, parse_qs(url.query)))
                status = 200 if url.path == "/callback" else 404
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(CLOSE_TAB_PAGE)))
                self.end_headers()
                self.wfile.write(CLOSE_TAB_PAGE)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._http.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._http.server_address[1]}/callback"

    def callbacks(self) -> list[dict[str, list[str]]]:
        """The queries of the requests to /callback (a browser may also ask for /favicon.ico)."""
        return [query for path, query in self.received if path == "/callback"]

    def __enter__(self) -> CallbackServer:
        threading.Thread(target=self._http.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._http.shutdown()
        self._http.server_close()


@pytest.fixture(scope="module")
def driver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    if UNAVAILABLE is not None:  # only reached with CI set: there the browser must be installed
        pytest.fail(f"CI must run the real-browser tests: {UNAVAILABLE}")
    with headless_chromium(tmp_path_factory.mktemp("chromium-profile")) as chromium:
        yield chromium


@pytest.fixture
def callback() -> Iterator[CallbackServer]:
    with CallbackServer() as server:
        yield server


def exchange(emulator: Emulator, request_token: str) -> str:
    with TMDBAuth(emulator.read_token, base_url=emulator.base_url) as auth:
        return auth.create_access_token(request_token).account_id


def test_approve_in_chromium(tmdb_emulator: Emulator, callback: CallbackServer, driver: WebDriver) -> None:
    request_token = tmdb_emulator.mint_request_token(approved=False, redirect_to=f"{callback.url}?state=s1")
    seen = click_on_approval_page(driver, tmdb_emulator.approval_url(request_token), "approve")
    assert seen["approval_page_title"] == f"Approve {DEFAULT_APP_NAME} - TMDB"
    assert f"Allow {DEFAULT_APP_NAME} to use your TMDB account?" in seen["approval_page_text"]
    assert "api_read" in seen["approval_page_text"]
    assert "api_write" in seen["approval_page_text"]
    assert callback.callbacks() == [{"state": ["s1"]}], "the browser followed the 302 to redirect_to"
    assert seen["final_url"] == f"{callback.url}?state=s1"
    assert "You can close this tab." in seen["final_text"]
    assert SeenRequest("POST", "/auth/access", 302) in tmdb_emulator.requests, "a real click, a real form POST"
    assert exchange(tmdb_emulator, request_token) == tmdb_emulator.account_id


def test_deny_in_chromium(tmdb_emulator: Emulator, callback: CallbackServer, driver: WebDriver) -> None:
    request_token = tmdb_emulator.mint_request_token(approved=False, redirect_to=f"{callback.url}?state=s2")
    seen = click_on_approval_page(driver, tmdb_emulator.approval_url(request_token), "deny")
    assert callback.callbacks() == [{"state": ["s2"], "denied": ["true"]}]
    assert seen["final_url"] == f"{callback.url}?state=s2&denied=true"
    with pytest.raises(InvalidRequestTokenError) as caught:
        exchange(tmdb_emulator, request_token)
    assert caught.value.tmdb_code == 33


def test_without_redirect_to_chromium_shows_the_emulator_page(tmdb_emulator: Emulator, driver: WebDriver) -> None:
    request_token = tmdb_emulator.mint_request_token(approved=False)
    seen = click_on_approval_page(driver, tmdb_emulator.approval_url(request_token), "approve")
    assert seen["final_url"] == f"{tmdb_emulator.base_url}/auth/access"
    assert seen["final_text"].splitlines()[1:2] == ["Approved"]
    assert exchange(tmdb_emulator, request_token) == tmdb_emulator.account_id


def test_chromium_as_browser_through_pythons_webbrowser(
    tmdb_emulator: Emulator, callback: CallbackServer, tmp_path: Path
) -> None:
    """The harness the login test uses: $BROWSER runs tests/helpers/chromium.py, which answers the page.

    A stand-in for the app opens the approval URL with `webbrowser.open`, as `tmdb-auth login` does."""
    if UNAVAILABLE is not None:
        pytest.fail(f"CI must run the real-browser tests: {UNAVAILABLE}")
    request_token = tmdb_emulator.mint_request_token(approved=False, redirect_to=callback.url)
    report = tmp_path / "browser.json"
    opened = subprocess.run(
        [sys.executable, "-c", OPEN_WITH_WEBBROWSER, tmdb_emulator.approval_url(request_token)],
        cwd=ROOT,
        env={**os.environ, "BROWSER": browser_command(), "TMDB_TEST_BROWSER_REPORT": str(report)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    seen = json.loads(report.read_text(encoding="utf-8"))
    assert opened.returncode == 0, seen
    assert (opened.stdout, opened.stderr) == ("", ""), "the browser helper prints nothing (the URL holds a token)"
    assert seen["argv_count"] == 1
    assert seen["exit_code"] == 0
    assert "You can close this tab." in seen["final_text"]
    assert callback.callbacks() == [{}]
    assert exchange(tmdb_emulator, request_token) == tmdb_emulator.account_id


# --- tmdb-auth login with Chromium as the user's browser -----------------------------------------

JWT = re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]+")


def tmdb_auth(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tmdb_auth.cli", *args],
        cwd=ROOT,  # $BROWSER runs `python -m tests.helpers.chromium` from here
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def login_env(emulator: Emulator, tmp_path: Path, click: str) -> dict[str, str]:
    """The environment of a person logging in: TMDB is the emulator (API and website), the browser is Chromium."""
    if UNAVAILABLE is not None:
        pytest.fail(f"CI must run the real-browser tests: {UNAVAILABLE}")
    # CI is inherited on purpose: how `login` behaves under CI is part of what runs here.
    inherited = environment_without_tmdb()
    return {
        **inherited,
        "TMDB_BASE_URL": emulator.base_url,
        "TMDB_SITE_URL": emulator.base_url,
        "TMDB_READ_ACCESS_TOKEN": emulator.read_token,
        "TMDB_AUTH_CONFIG_DIR": str(tmp_path / "config"),
        "TMDB_AUTH_KEYRING": "0",  # the file store, whatever keyring backend this machine has
        "BROWSER": browser_command(),
        "TMDB_TEST_BROWSER_REPORT": str(tmp_path / "browser.json"),
        "TMDB_TEST_BROWSER_CLICK": click,
    }


def browser_report(tmp_path: Path, login: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    """What tests/helpers/chromium.py saw; it fails the test, with the CLI's stderr, when the browser never ran."""
    report = tmp_path / "browser.json"
    assert report.exists(), f"the browser was never opened (exit {login.returncode}): {login.stderr}"
    seen: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    return seen


def assert_only_the_approval_url_shows_a_token(output: str, emulator: Emulator) -> None:
    """The read token and access tokens never show; a request token only inside the approval URL."""
    assert emulator.read_token not in output
    for access_token in emulator.state.access_tokens:
        assert access_token not in output
    for line in output.splitlines():
        for match in JWT.finditer(line):
            assert line[: match.start()].endswith("/auth/access?request_token="), f"a token outside the URL: {line!r}"


def test_tmdb_auth_login_in_chromium(tmdb_emulator: Emulator, tmp_path: Path) -> None:
    env = login_env(tmdb_emulator, tmp_path, "approve")
    login = tmdb_auth("login", env=env)
    seen = browser_report(tmp_path, login)
    assert login.returncode == 0, (login.stderr, seen)
    assert seen["exit_code"] == 0, seen
    assert f"Allow {DEFAULT_APP_NAME} to use your TMDB account?" in seen["approval_page_text"]
    assert "close this tab" in seen["final_text"].lower(), "Chromium followed the 302 to the CLI's callback"
    assert seen["final_url"].startswith("http://127.0.0.1:")
    assert SeenRequest("GET", "/auth/access", 200) in tmdb_emulator.requests, "the page was shown, not auto-approved"
    assert SeenRequest("POST", "/auth/access", 302) in tmdb_emulator.requests, "Chromium clicked Approve"
    assert f"{tmdb_emulator.base_url}/auth/access?request_token=" in login.stderr, "the approval URL is on stderr"
    assert tmdb_emulator.account_id in login.stdout + login.stderr

    status = tmdb_auth("status", env=env)
    assert status.returncode == 0, status.stderr
    assert tmdb_emulator.account_id in status.stdout + status.stderr

    token = tmdb_auth("token", env=env)
    assert token.returncode == 0, token.stderr
    assert token.stdout.strip() in tmdb_emulator.state.access_tokens, "the stored token is the live one"
    for result in (login, status):
        assert_only_the_approval_url_shows_a_token(result.stdout + result.stderr, tmdb_emulator)

    logout = tmdb_auth("logout", env=env)  # the four commands of a person's terminal login, end to end
    assert logout.returncode == 0, logout.stderr
    assert tmdb_emulator.state.access_tokens == set(), "revoked at the emulator"
    assert SeenRequest("DELETE", "/4/auth/access_token", 200) in tmdb_emulator.requests
    assert token.stdout.strip() not in logout.stdout + logout.stderr
    assert tmdb_auth("status", env=env).returncode != 0


def test_tmdb_auth_login_denied_in_chromium(tmdb_emulator: Emulator, tmp_path: Path) -> None:
    env = login_env(tmdb_emulator, tmp_path, "deny")
    login = tmdb_auth("login", env=env)
    seen = browser_report(tmp_path, login)
    assert login.returncode == 4, (login.stderr, seen)
    assert "start again (tmdb-auth login)" in login.stderr.lower()
    assert "close this tab" in seen["final_text"].lower(), "the callback still answered the browser"
    assert "denied=true" in seen["final_url"]
    assert SeenRequest("POST", "/auth/access", 302) in tmdb_emulator.requests
    assert tmdb_emulator.state.access_tokens == set()
    assert_only_the_approval_url_shows_a_token(login.stdout + login.stderr, tmdb_emulator)
    status = tmdb_auth("status", env=env)
    assert status.returncode != 0, "nothing was stored"
