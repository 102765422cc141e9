"""The command line speaks its own language: flags and variables, never the library's Python parameters.

Every error path below runs in-process (``cli.main``) against the emulator or a loopback stand-in,
and its one error line must name what the user typed or set (``--base-url``, ``TMDB_BASE_URL``,
``--read-token-file FILE``), never ``base_url``, ``read_access_token=...`` or a Python class to
catch. Also: ``--allow-insecure-http`` and its warning, servers named truthfully, and the help.
"""

from __future__ import annotations

import re
import socket
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.helpers import ROOT, without_argv_warnings
from tests.helpers.loopback import raw_server
from tests.helpers.terminal import TMDB_AUTH, Run, command_env, run_in_process
from tests.helpers.tokens import ACCESS_TOKEN, ACCOUNT_ID, request_token_success
from tmdb_auth import AccessToken, CredentialStore, TMDBAuth, cli
from tmdb_auth._wording import Term
from tmdb_auth.emulator import Emulator

# The facade's option names and Python advice: none may reach a command line error line.
PYTHON_WORDS = re.compile(
    r"\b(read_access_token|allow_insecure_http|client_options|base_url|site_url|attempt_timeout|max_response_bytes"
    r"|max_retries|max_retry_after|poll_interval|redirect_to|request_token|access_token|open_browser|on_progress"
    r"|create_request_token|create_access_token)\b"
    r"|\b[a-z_]+=\.\.\.|InvalidRequestTokenError|InvalidAccessTokenError|RequestToken\.approval_url"
)
WRONG_READ_TOKEN = "WRONG-read-token-2c9d-must-not-leak"


@pytest.fixture
def cli_env(tmdb_emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The emulator as TMDB (API and site), a private config dir, nothing else of the caller's terminal."""
    return command_env(
        monkeypatch,
        {
            "TMDB_READ_ACCESS_TOKEN": tmdb_emulator.read_token,
            "TMDB_BASE_URL": tmdb_emulator.base_url,
            "TMDB_SITE_URL": tmdb_emulator.base_url,
            "TMDB_AUTH_CONFIG_DIR": str(tmp_path / "config"),
            "TMDB_AUTH_KEYRING": "off",
        },
    )


@pytest.fixture
def closed_port() -> Iterator[int]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        yield probe.getsockname()[1]


def error_line(result: Run, code: int) -> str:
    """The one error line of a failed command, checked for Python words and secrets."""
    assert result.returncode == code, result.stderr
    assert result.stdout == ""
    lines = without_argv_warnings(result.stderr)
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert line.startswith("tmdb-auth: error: "), line
    assert not PYTHON_WORDS.search(line), f"a Python name in a CLI line: {line}"
    return line


@dataclass
class Case:
    args: list[str]
    says: list[str]
    code: int = cli.EXIT_USAGE
    env: dict[str, str | None] = field(default_factory=dict)
    setup: Callable[[Emulator, Path, int], list[str]] | None = None
    """Returns extra arguments (a token minted, a file written) from the emulator, tmp_path and a closed port."""


def token_file(content: str) -> Callable[[Emulator, Path, int], list[str]]:
    def write(emulator: Emulator, tmp_path: Path, port: int) -> list[str]:
        path = tmp_path / "read-token"
        path.write_text(content)
        return ["--read-token-file", str(path)]

    return write


def unapproved(emulator: Emulator, tmp_path: Path, port: int) -> list[str]:
    return [emulator.mint_request_token(approved=False)]


def approved_behind_a_bad_gateway(emulator: Emulator, tmp_path: Path, port: int) -> list[str]:
    token = emulator.mint_request_token(approved=True)
    emulator.inject("bad-gateway")
    return [token]


def live_token_behind_a_bad_gateway(emulator: Emulator, tmp_path: Path, port: int) -> list[str]:
    token = emulator.mint_access_token()
    emulator.inject("bad-gateway")
    return [token]


def refused(emulator: Emulator, tmp_path: Path, port: int) -> list[str]:
    return ["--base-url", f"http://127.0.0.1:{port}/api"]


def not_found(emulator: Emulator, tmp_path: Path, port: int) -> list[str]:
    return ["--base-url", f"{emulator.base_url}/not-the-api-root"]


CASES = {
    "no read token": Case(
        ["request-token"],
        ["set TMDB_READ_ACCESS_TOKEN, or give --read-token-file FILE"],
        env={"TMDB_READ_ACCESS_TOKEN": None},
    ),
    "malformed read token file": Case(
        ["request-token"],
        ["The read access token (from --read-token-file ", "contains whitespace"],
        setup=token_file("ab cd"),
    ),
    "http --base-url": Case(
        ["request-token", "--base-url", "http://api.example.test"],
        [
            "--base-url 'http://api.example.test' uses plain http",
            "use --allow-insecure-http (or set TMDB_ALLOW_INSECURE_HTTP=1)",
        ],
    ),
    "http TMDB_BASE_URL": Case(
        ["request-token"],
        ["TMDB_BASE_URL 'http://api.example.test' uses plain http", "--allow-insecure-http"],
        env={"TMDB_BASE_URL": "http://api.example.test"},
    ),
    "http TMDB_SITE_URL": Case(
        ["request-token"],
        ["TMDB_SITE_URL 'http://site.example.test' uses plain http"],
        env={"TMDB_SITE_URL": "http://site.example.test"},
    ),
    "not an http URL": Case(
        ["request-token", "--base-url", "ftp://x.example"], ["--base-url 'ftp://x.example' must be an http(s) URL"]
    ),
    "zero --timeout": Case(["request-token", "--timeout", "0"], ["--timeout must be a positive number of seconds"]),
    "nan --timeout": Case(["request-token", "--timeout", "nan"], ["--timeout must be a positive number of seconds"]),
    "bad --poll-interval": Case(
        ["login", "--no-browser", "--poll-interval", "0"], ["--poll-interval must be a positive number"]
    ),
    "bad --port": Case(["login", "--no-browser", "--port", "70000"], ["--port must be an int from 0 to 65535"]),
    "malformed REQUEST_TOKEN": Case(["access-token", "has space"], ["REQUEST_TOKEN contains whitespace"]),
    "malformed ACCESS_TOKEN": Case(["logout", "has space"], ["ACCESS_TOKEN contains whitespace"]),
    "bad --redirect-to": Case(
        ["request-token", "--redirect-to", "not a url"], ["--redirect-to 'not a url' must be an absolute"]
    ),
    "bad TMDB_ALLOW_INSECURE_HTTP": Case(
        ["request-token"],
        ["TMDB_ALLOW_INSECURE_HTTP must be 1 (or true, yes, on) or 0"],
        env={"TMDB_ALLOW_INSECURE_HTTP": "maybe"},
    ),
    "http site for approve-url": Case(
        ["approve-url", "abc.def", "--site-url", "http://site.example.test"],
        ["--site-url 'http://site.example.test'", "--allow-insecure-http"],
    ),
    "read token rejected": Case(
        ["request-token"],
        [
            "The emulator at 127.0.0.1:",
            "rejected the app's API Read Access Token",
            "Check TMDB_READ_ACCESS_TOKEN: it must be",
        ],
        code=cli.EXIT_READ_TOKEN_REJECTED,
        env={"TMDB_READ_ACCESS_TOKEN": WRONG_READ_TOKEN},
    ),
    "read token file rejected": Case(
        ["request-token"],
        ["Check --read-token-file "],
        code=cli.EXIT_READ_TOKEN_REJECTED,
        setup=token_file(WRONG_READ_TOKEN),
    ),
    "not approved yet": Case(
        ["access-token"],
        ["(tmdb-auth approve-url prints it), then run access-token again"],
        code=cli.EXIT_REQUEST_TOKEN,
        setup=unapproved,
    ),
    "exchange may have run": Case(
        ["access-token"],
        [
            "Server error at the emulator at 127.0.0.1:",
            "if access-token then says the request token is invalid or used",
        ],
        code=cli.EXIT_UNAVAILABLE,
        setup=approved_behind_a_bad_gateway,
    ),
    "logout may have run": Case(
        ["logout"],
        ["run tmdb-auth logout again; if it then says"],
        code=cli.EXIT_UNAVAILABLE,
        setup=live_token_behind_a_bad_gateway,
    ),
    "connection refused": Case(
        ["request-token"],
        ["Could not connect to 127.0.0.1:", "Check --base-url, the proxy and your network"],
        code=cli.EXIT_UNAVAILABLE,
        setup=refused,
    ),
    "not the API root": Case(
        ["request-token"],
        ["The emulator at 127.0.0.1:", "answered not found", "check --base-url; it should be the API root"],
        code=cli.EXIT_UNAVAILABLE,
        setup=not_found,
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_every_cli_error_names_flags_and_variables(
    name: str,
    cli_env: dict[str, str],
    tmdb_emulator: Emulator,
    tmp_path: Path,
    closed_port: int,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    case = CASES[name]
    for variable, value in case.env.items():
        if value is None:
            monkeypatch.delenv(variable, raising=False)
        else:
            monkeypatch.setenv(variable, value)
    extra = case.setup(tmdb_emulator, tmp_path, closed_port) if case.setup else []
    line = error_line(run_in_process(capsys, *case.args, *extra), case.code)
    for text in case.says:
        assert text in line, line
    if name == "connection refused":
        assert f"127.0.0.1:{closed_port} " in line
        assert "/api" not in line  # host and port only
    assert tmdb_emulator.read_token not in line
    assert WRONG_READ_TOKEN not in line


def test_every_term_has_command_line_words() -> None:
    """A term the library adds without words here would reach users in Python; this lists them all."""
    import tmdb_auth.login  # noqa: F401 (its terms register on import)
    from tmdb_auth import _transport  # noqa: F401
    from tmdb_auth._cli_wording import words

    args = cli.build_parser().parse_args(["access-token", "-"])
    assert set(Term.known) - {key for key in Term.known if key.startswith("test.")} <= set(words(args))


def test_a_slow_server_is_named_with_the_timeout_flag(
    cli_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    def stall(connection: socket.socket) -> None:
        connection.recv(1)

    with raw_server(stall) as server:
        result = run_in_process(capsys, "request-token", "--base-url", server.url, "--timeout", "0.3")
    line = error_line(result, cli.EXIT_UNAVAILABLE)
    assert server.url.removeprefix("http://") in line


def test_a_response_too_large_is_named_without_the_python_option(
    cli_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    huge = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5000000\r\n\r\n{"
    with raw_server(huge) as server:
        result = run_in_process(capsys, "request-token", "--base-url", server.url)
    line = error_line(result, cli.EXIT_MALFORMED_RESPONSE)
    assert "is larger than the response size limit (1048576 bytes)" in line


# --- --allow-insecure-http -------------------------------------------------------------------------


def recorded_requests(monkeypatch: pytest.MonkeyPatch) -> list[httpx.Request]:
    """Every client the command line builds sends through an in-memory transport answering a request token:
    what a request to a LAN emulator would do, without leaving the machine."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=request_token_success())

    original = TMDBAuth.__init__

    def with_transport(self: TMDBAuth, *args: object, **options: object) -> None:
        original(self, *args, transport=httpx.MockTransport(handler), **options)  # type: ignore[arg-type]

    monkeypatch.setattr(TMDBAuth, "__init__", with_transport)
    return seen


@pytest.mark.parametrize("how", ["flag", "variable"])
def test_allow_insecure_http_sends_to_a_lan_emulator_with_a_warning(
    how: str, cli_env: dict[str, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = recorded_requests(monkeypatch)
    lan = "http://emulator.lan.example:8000"
    monkeypatch.setenv("TMDB_SITE_URL", lan)
    args = ["request-token", "--base-url", lan]
    if how == "flag":
        args.append("--allow-insecure-http")
    else:
        monkeypatch.setenv("TMDB_ALLOW_INSECURE_HTTP", "1")
    result = run_in_process(capsys, *args)
    assert result.returncode == 0, result.stderr
    assert [request.url.host for request in seen] == ["emulator.lan.example"]
    assert result.stderr.splitlines() == [
        "tmdb-auth: warning: --allow-insecure-http: tokens travel in clear text to the API at "
        "emulator.lan.example:8000 (plain http, not loopback)"
    ]


def test_allow_insecure_http_is_quiet_where_nothing_is_insecure(
    cli_env: dict[str, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    recorded_requests(monkeypatch)
    result = run_in_process(capsys, "request-token", "--allow-insecure-http")  # the loopback emulator
    assert (result.returncode, result.stderr) == (0, "")


def test_approve_url_takes_the_flag_too(cli_env: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    result = run_in_process(
        capsys, "approve-url", "abc.def", "--site-url", "http://10.0.0.7:8000", "--allow-insecure-http"
    )
    assert result.returncode == 0
    assert result.stdout == "http://10.0.0.7:8000/auth/access?request_token=abc.def\n"
    assert "warning: --allow-insecure-http: tokens travel in clear text to the site at 10.0.0.7:8000" in result.stderr


# --- servers named truthfully --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("base_url", "name"),
    [
        ("https://api.themoviedb.org", "TMDB"),
        ("http://127.0.0.1:8765", "the emulator at 127.0.0.1:8765"),
        ("https://tmdb-proxy.example:8443", "the API at tmdb-proxy.example:8443"),
    ],
)
def test_status_names_the_api_that_issued_the_login(
    base_url: str, name: str, cli_env: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    CredentialStore(tmp_path / "config", keyring=False).save(AccessToken(ACCESS_TOKEN, ACCOUNT_ID), base_url=base_url)
    status = run_in_process(capsys, "status")
    assert status.stdout.splitlines()[0] == f"Logged in to {name} as account {ACCOUNT_ID}"
    forgot = run_in_process(capsys, "logout", "--local-only")
    assert forgot.stdout == f"Forgot the stored login of account {ACCOUNT_ID}. Its token was not revoked at {name}.\n"


# --- help ----------------------------------------------------------------------------------------


def test_bare_tmdb_auth_prints_the_help(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_in_process(capsys)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.startswith("usage: tmdb-auth ")
    assert "exit codes:" in result.stdout
    for command in ("request-token", "access-token", "login", "status", "token", "logout", "approve-url"):
        assert f"    {command}" in result.stdout


def test_bare_tmdb_auth_into_a_closed_stdout_is_one_error_line() -> None:
    result = subprocess.run(
        ["bash", "-c", '"$@" >&-', "_", *TMDB_AUTH], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == cli.EXIT_OUTPUT
    assert result.stderr.splitlines() == ["tmdb-auth: error: stdout is closed"], result.stderr


def subcommands() -> list[str]:
    parser = cli.build_parser()
    action = next(action for action in parser._actions if action.dest == "command")
    assert action.choices is not None
    return list(action.choices)


@pytest.mark.parametrize("command", subcommands())
def test_each_command_help_is_short_and_has_no_exit_code_table(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main([command, "--help"])
    assert exited.value.code == 0
    text = capsys.readouterr().out
    assert "exit codes:" not in text
    assert not re.search(r"^\s+130\s", text, re.MULTILINE)
    assert len(text.splitlines()) <= 40, f"{command} --help is {len(text.splitlines())} lines"


def test_the_readme_and_the_help_give_the_same_exit_codes() -> None:
    help_codes = {int(code) for code in re.findall(r"^  (\d+) ", cli.EXIT_CODES_HELP, re.MULTILINE)}
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    readme_codes = {int(code) for code in re.findall(r"^\| (\d+) \| ", readme, re.MULTILINE)}
    constants = {value for name, value in vars(cli).items() if name.startswith("EXIT_") and isinstance(value, int)}
    assert help_codes == readme_codes == constants
