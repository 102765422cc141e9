"""What the facade's messages say about where a request went and which option is at fault.

- A network error names the host and port of the request, never its user info, path or query
  (a query may carry an api_key), nor any token.
- The server is named truthfully: "TMDB" only for TMDB's own hosts; "the emulator at
  127.0.0.1:PORT" for a loopback one; "the API at HOST:PORT" otherwise.
- Messages are built in parts (`tmdb_auth._wording`): a Python caller reads its option names
  ("pass read_access_token=..."), and another front end can give its own words for them.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from tests.helpers import Call
from tests.helpers.leaks import assert_no_secret_in_error
from tests.helpers.loopback import raw_server
from tests.helpers.tokens import READ_TOKEN, REQUEST_TOKEN
from tmdb_auth import (
    AuthenticationError,
    ConfigurationError,
    NetworkError,
    RequestTimeoutError,
    TMDBAuth,
)
from tmdb_auth._core import Operation, api_error
from tmdb_auth._settings import host_and_port, server_name
from tmdb_auth._wording import Term, phrase, render
from tmdb_auth.emulator import Emulator


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://api.themoviedb.org", "api.themoviedb.org:443"),
        ("http://127.0.0.1:8765/", "127.0.0.1:8765"),
        ("http://localhost", "localhost:80"),
        ("https://user:secret-password@api.example:8443/base/path?api_key=0123456789abcdef#frag", "api.example:8443"),
        ("http://[::1]:9000/x", "[::1]:9000"),
        ("http://127.0.0.1:99999", "an unparsable URL"),
    ],
)
def test_host_and_port(url: str, expected: str) -> None:
    assert host_and_port(url) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://api.themoviedb.org", "TMDB"),
        ("https://www.themoviedb.org", "TMDB"),
        ("https://api.themoviedb.org.evil.example", "the API at api.themoviedb.org.evil.example:443"),
        ("https://themoviedb.org.example:8443", "the API at themoviedb.org.example:8443"),
        ("http://127.0.0.1:8765", "the emulator at 127.0.0.1:8765"),
        ("http://127.9.9.9:1", "the emulator at 127.9.9.9:1"),
        ("http://localhost:8000", "the emulator at localhost:8000"),
        ("http://[::1]:8000", "the emulator at [::1]:8000"),
        ("http://192.168.1.20:8000", "the API at 192.168.1.20:8000"),
    ],
)
def test_servers_are_named_truthfully(url: str, expected: str) -> None:
    assert server_name(url) == expected


def test_api_errors_name_the_server_that_answered(tmdb_emulator: Emulator) -> None:
    wrong = TMDBAuth("WRONG-read-token-7f3e-must-not-leak", base_url=tmdb_emulator.base_url)
    with wrong as auth, pytest.raises(AuthenticationError) as caught:
        auth.create_request_token()
    port = tmdb_emulator.base_url.rsplit(":", 1)[1]
    assert str(caught.value).startswith(f"The emulator at 127.0.0.1:{port} rejected the app's API Read Access Token")
    assert "WRONG-read-token-7f3e-must-not-leak" not in str(caught.value)
    # TMDB's own hosts (and only they) are "TMDB": the pure core, as the facade calls it for them.
    tmdb = api_error(Operation.CREATE_REQUEST_TOKEN, 401, {}, {"status_code": 7}, (), server="TMDB")
    assert str(tmdb).startswith("TMDB rejected the app's API Read Access Token")
    other = api_error(Operation.LOGOUT, 429, {}, None, (), server="the API at api.example:443")
    assert str(other).startswith("Rate limit of the API at api.example:443 exceeded")


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        yield probe.getsockname()[1]


def test_a_refused_connection_names_host_and_port_only(call: Call, closed_port: int) -> None:
    base_url = f"http://127.0.0.1:{closed_port}/api/root-path"
    with pytest.raises(NetworkError) as caught:
        call("create_access_token", REQUEST_TOKEN, base_url=base_url, max_retries=0)
    message = str(caught.value)
    assert message.startswith(f"Could not connect to 127.0.0.1:{closed_port} (ConnectError")
    assert "root-path" not in message
    assert caught.value.request_sent is False
    assert_no_secret_in_error(caught.value)


def test_a_redirect_names_where_the_request_went(call: Call, closed_port: int) -> None:
    """httpx attaches the failed request: its URL (after a redirect) is the one named, not base_url's."""
    moved = (
        f"HTTP/1.1 307 Temporary Redirect\r\nLocation: http://127.0.0.1:{closed_port}/4/auth/access_token"
        "?api_key=0123456789abcdef0123456789abcdef\r\nContent-Length: 0\r\n\r\n"
    ).encode()
    with raw_server(moved) as server, pytest.raises(NetworkError) as caught:
        call(
            "create_access_token",
            REQUEST_TOKEN,
            base_url=server.url,
            max_retries=0,
            client_options={"follow_redirects": True},
        )
    message = str(caught.value)
    assert f"Could not connect to 127.0.0.1:{closed_port} " in message
    assert server.url.rsplit(":", 1)[1] + " " not in message
    assert "api_key" not in message
    assert "0123456789abcdef" not in message


def test_a_timeout_names_host_and_port(call: Call) -> None:
    def stall(connection: socket.socket) -> None:
        connection.recv(1)  # the request was sent; no answer comes, the client gives up

    with raw_server(stall) as server, pytest.raises(RequestTimeoutError) as caught:
        call("create_request_token", base_url=server.url, timeout=0.3, max_retries=0)
    assert server.url.removeprefix("http://") in str(caught.value)
    assert_no_secret_in_error(caught.value)


def test_library_users_read_python_words() -> None:
    with pytest.raises(ConfigurationError) as missing:
        TMDBAuth(None, base_url="http://127.0.0.1:9")
    assert "pass read_access_token=... or set TMDB_READ_ACCESS_TOKEN" in str(missing.value)
    with pytest.raises(ConfigurationError) as insecure:
        TMDBAuth(READ_TOKEN, base_url="http://api.example.test")
    assert str(insecure.value).startswith("base_url 'http://api.example.test' uses plain http")
    assert "pass allow_insecure_http=True" in str(insecure.value)


def test_the_same_message_in_other_words() -> None:
    """`render` swaps each Term for another front end's words; the Python wording is the str."""
    option = Term("test.option", "my_option=")
    message = phrase("set ", option, " to a number of seconds, not {curly} $dollar")
    assert str(message) == "set my_option= to a number of seconds, not {curly} $dollar"
    assert (
        render(message, {"test.option": "--my-option"}) == "set --my-option to a number of seconds, not {curly} $dollar"
    )
    assert render(ValueError(message), {}) == str(message)  # an exception's, and no words: the Python ones
    assert render(ValueError("plain text"), {"test.option": "x"}) == "plain text"
    assert Term.known["test.option"] == "my_option="


def test_a_url_with_a_query_is_refused_without_quoting_the_query() -> None:
    with pytest.raises(ConfigurationError) as caught:
        TMDBAuth(READ_TOKEN, base_url="http://127.0.0.1:9/?api_key=0123456789abcdef0123456789abcdef")
    assert "must not carry credentials, a query or a fragment" in str(caught.value)
    assert "0123456789abcdef" not in str(caught.value)
