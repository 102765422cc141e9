"""`tmdb-auth login` and the browser: it says "opened" only when a browser said so, tries none where none can
be shown (no display, SSH) unless $BROWSER is set, sends no browser back to this machine when none was
opened here, and refuses to wait for a person under CI.

The browser here is tests/helpers/fake_browser.py (it records the URL and exits as told); the user is
played by the emulator's helpers.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.helpers.terminal import Login, assert_no_secret, emulator_name, run_in_process, start, with_browser
from tmdb_auth import NetworkError, TMDBAuth, cli
from tmdb_auth.emulator import Emulator
from tmdb_auth.login import ApprovalURLReady, BrowserAnswered, CallbackReceived, PollFailed
from tmdb_auth.models import decode_jwt_payload

pytestmark = pytest.mark.slow
CI_REFUSAL = "login waits for a person to approve it in a browser, and CI is set"


def redirect_to(login: Login) -> object:
    """The request token's redirect_to claim (None when it has none)."""
    return decode_jwt_payload(login.request_token).get("redirect_to")


# --- what the terminal is told --------------------------------------------------------------------


def report(auth: TMDBAuth, *events: object, capsys: pytest.CaptureFixture[str]) -> list[str]:
    reporter = cli._LoginReporter(auth)
    for event in events:
        reporter(event)  # type: ignore[arg-type]
    return capsys.readouterr().err.splitlines()


def ready(*, browser: bool, no_browser: str | None = None) -> ApprovalURLReady:
    return ApprovalURLReady(
        "https://www.themoviedb.org/auth/access?request_token=x.y", None, 899.0, browser, no_browser
    )


def test_opened_only_once_the_browser_said_so(capsys: pytest.CaptureFixture[str]) -> None:
    with TMDBAuth("read-token", base_url="https://api.themoviedb.org") as auth:
        lines = report(auth, ready(browser=True), capsys=capsys)
        assert lines[0] == "Approve this login on TMDB within 14 min 59 s:"
        assert (
            lines[2]
            == "Trying to open it in your browser; you can also open it in any browser, on this or another device."
        )
        assert not any("Opening it in your browser" in line or "Opened" in line for line in lines)
        assert report(auth, BrowserAnswered(opened=True), capsys=capsys) == ["Opened it in your browser."]
        (failed,) = report(auth, BrowserAnswered(opened=False), capsys=capsys)
        assert failed.startswith("Could not open a browser here: open the URL above in any browser")
        polled = report(auth, PollFailed(NetworkError("x", request_sent=False), 60.0), capsys=capsys)
        assert polled == ["TMDB did not answer (NetworkError); still waiting."]


def test_no_browser_says_why_and_where_to_open_it(capsys: pytest.CaptureFixture[str]) -> None:
    with TMDBAuth("read-token", base_url="http://127.0.0.1:8765", site_url="http://127.0.0.1:8765") as auth:
        why = "there is no display here (neither DISPLAY nor WAYLAND_DISPLAY is set)"
        lines = report(auth, ready(browser=False, no_browser=why), CallbackReceived(denied=True), capsys=capsys)
    assert lines[0] == "Approve this login on the emulator at 127.0.0.1:8765 within 14 min 59 s:"
    assert lines[2] == f"No browser is opened here: {why}."
    assert lines[3] == "Open it in a browser on any device (this one, your phone, another computer)."
    assert lines[4] == "The browser came back: access denied; asking the emulator at 127.0.0.1:8765 to confirm."


# --- CI -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["true", "1", "True", "woodpecker"])
def test_login_under_ci_refuses_to_wait_for_a_person(
    value: str,
    tmdb_emulator: Emulator,
    env: dict[str, str],
    config_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CI", value)
    for args in (["login"], ["login", "--no-browser"]):
        result = run_in_process(capsys, *args)
        assert result.returncode == cli.EXIT_USAGE == 2
        assert result.stdout == ""
        (line,) = result.stderr.splitlines()
        assert line.startswith(f"tmdb-auth: error: {CI_REFUSAL}")
        assert "tmdb-auth request-token and tmdb-auth access-token" in line
    assert tmdb_emulator.requests == []  # no request token was created for nobody
    assert not config_dir.exists()


@pytest.mark.parametrize(("variables"), [{"CI": "false"}, {"CI": "0"}, {"CI": ""}, {"CI": "true", "BROWSER": "w3m %s"}])
def test_login_waits_outside_ci_or_with_a_browser_program(
    variables: dict[str, str],
    env: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Past the CI check, a bad --port is the next thing refused: proof the command went on."""
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    result = run_in_process(capsys, "login", "--port", "70000")
    assert result.returncode == 2
    assert CI_REFUSAL not in result.stderr
    assert "--port must be an int from 0 to 65535" in result.stderr


# --- the browser, end to end -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("exit_code", "says"), [(0, "Opened it in your browser."), (1, "Could not open a browser here")]
)
def test_login_reports_what_the_browser_said(
    exit_code: int,
    says: str,
    tmdb_emulator: Emulator,
    env: dict[str, str],
    tmp_path: Path,
    logins: list[Login],
) -> None:
    log = tmp_path / "browser.log"
    login = start(logins, with_browser(env, log, exit_code), "--poll-interval", "0.1")
    login.wait_for(says)
    assert log.read_text().splitlines() == [login.approval_url]
    assert str(redirect_to(login)).startswith("http://127.0.0.1:")  # a browser here comes back to the callback
    tmdb_emulator.approve(login.request_token)
    result = login.finish()
    assert result.returncode == 0, result.stderr
    assert "Trying to open it in your browser" in result.stderr
    assert "Opening it" not in result.stderr
    assert_no_secret(tmdb_emulator, result.stdout, result.stderr)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the display rule is for Linux and the BSDs")
def test_no_display_means_no_browser_and_no_redirect(
    tmdb_emulator: Emulator, env: dict[str, str], logins: list[Login]
) -> None:
    """No DISPLAY, no WAYLAND_DISPLAY, no $BROWSER (env has none): nothing is opened, and the request token has
    no redirect_to, so a phone approving it lands on the approval page's own answer."""
    login = start(logins, env, "--poll-interval", "0.1")
    login.wait_for("Open it in a browser on any device")
    assert redirect_to(login) is None
    tmdb_emulator.approve(login.request_token)
    result = login.finish()
    assert result.returncode == 0, result.stderr
    assert "No browser is opened here: there is no display here (neither DISPLAY nor WAYLAND_DISPLAY is set)." in (
        result.stderr
    )
    assert "Trying to open" not in result.stderr
    assert f"Logged in to {emulator_name(tmdb_emulator.base_url)} as account" in result.stdout


def test_no_browser_sets_no_loopback_redirect(
    tmdb_emulator: Emulator, env: dict[str, str], logins: list[Login], tmp_path: Path
) -> None:
    """--no-browser: even where a browser could open (a $BROWSER here), none is, and the approval page does not
    send the user's other device to this machine."""
    log = tmp_path / "browser.log"
    login = start(logins, with_browser(env, log), "--no-browser", "--poll-interval", "0.1")
    assert redirect_to(login) is None
    record = tmdb_emulator.state.request_token_record(login.request_token)
    assert record is not None
    assert record.redirect_to is None  # what the emulator was asked for, too
    tmdb_emulator.approve(login.request_token)
    result = login.finish()
    assert result.returncode == 0, result.stderr
    assert "Open it in any browser, on this or another device." in result.stderr
    assert not log.exists(), "no browser was started"
