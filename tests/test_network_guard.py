"""The suite's network guard (tests/helpers/network_guard.py) catches what would leave the machine,
lets loopback through, and fails a test whose code swallowed the error, here or in a subprocess.

Nothing here reaches the network: every refused access is refused before the system resolves
or sends anything (api.themoviedb.org is never looked up; 203.0.113.7 is a documentation address).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import socket
import subprocess
import sys
import threading

import httpx
import pytest

from tests.helpers import ROOT, pythonpath_first
from tests.helpers.network_guard import BlockedConnection, BlockedLookup
from tests.helpers.network_guard_plugin import LOG_VARIABLE, SUBPROCESS_SITE, refused_accesses

pytest_plugins = ["pytester"]
TMDB_HOST = "api.themoviedb.org"
OUTSIDE = "203.0.113.7"  # TEST-NET-3 (RFC 5737): never routed


@pytest.mark.parametrize(
    "call",
    [
        lambda: socket.getaddrinfo(TMDB_HOST, 443),
        lambda: socket.getaddrinfo(OUTSIDE, 443),
        lambda: socket.gethostbyname(TMDB_HOST),
        lambda: socket.gethostbyname_ex("www.themoviedb.org"),
    ],
    ids=["getaddrinfo-name", "getaddrinfo-ip", "gethostbyname", "gethostbyname_ex"],
)
def test_a_lookup_beyond_loopback_is_refused_and_recorded(call: object) -> None:
    with (
        refused_accesses() as refused,
        pytest.raises(BlockedLookup, match="tests must not leave the machine") as caught,
    ):
        call()  # type: ignore[operator]
    assert isinstance(caught.value, socket.gaierror), "callers handle it as a failed lookup"
    assert len(refused) == 1
    assert refused[0].startswith("lookup of ")


def test_a_connection_beyond_loopback_is_refused_before_anything_is_sent() -> None:
    with refused_accesses() as refused:
        with pytest.raises(BlockedConnection):
            socket.create_connection((OUTSIDE, 443), timeout=1)
        with pytest.raises(BlockedLookup):
            socket.create_connection((TMDB_HOST, 443), timeout=1)
        for family, address in ((socket.AF_INET, (OUTSIDE, 443)), (socket.AF_INET6, ("2001:db8::1", 443, 0, 0))):
            try:
                sock = socket.socket(family, socket.SOCK_STREAM)
            except OSError:  # no IPv6 here
                continue
            with sock:
                with pytest.raises(BlockedConnection):
                    sock.connect(address)
                assert sock.connect_ex(address) == errno.ECONNREFUSED
                with pytest.raises(OSError, match=r"not connected|Transport endpoint"):
                    sock.getpeername()  # the socket never connected: nothing was sent
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp, pytest.raises(BlockedConnection):
            udp.sendto(b"\x00" * 12, ("8.8.8.8", 53))  # a DNS query by hand
    assert len(refused) >= 6
    assert all(line.startswith(("connection to ", "lookup of ")) for line in refused)
    assert any(OUTSIDE in line for line in refused)


def test_http_clients_sync_and_async_are_stopped_at_the_lookup() -> None:
    with refused_accesses() as refused:
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"https://{TMDB_HOST}/3/configuration", timeout=2)

        async def fetch() -> None:
            async with httpx.AsyncClient(timeout=2) as client:
                await client.get(f"https://{TMDB_HOST}/3/configuration")

        with pytest.raises(httpx.ConnectError):
            asyncio.run(fetch())
    assert refused == [f"lookup of {TMDB_HOST!r}"] * 2


def test_loopback_and_local_sockets_pass() -> None:
    with refused_accesses() as refused:
        with socket.socket() as server:
            server.bind(("127.0.0.1", 0))
            server.listen()
            port = server.getsockname()[1]
            for host in ("127.0.0.1", "localhost"):
                with socket.create_connection((host, port), timeout=5):
                    server.accept()[0].close()
            with pytest.raises(ConnectionRefusedError) as caught:  # let through: the system itself refuses
                socket.create_connection(("127.0.0.2", port), timeout=5)  # 127/8 is loopback
            assert not isinstance(caught.value, BlockedConnection)
        assert socket.getaddrinfo("localhost", 80)
        assert socket.getaddrinfo(None, 80, flags=socket.AI_PASSIVE)
        assert socket.getaddrinfo("0.0.0.0", 80)  # noqa: S104 - what a server binds to
        left, right = socket.socketpair()  # AF_UNIX
        left.close()
        right.close()
    assert refused == []


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1", "localhost"])
def test_every_loopback_form_is_allowed(host: str) -> None:
    from tests.helpers.network_guard import address_allowed, lookup_allowed

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    assert lookup_allowed(host)
    assert address_allowed(family, (host, 80))


@pytest.mark.parametrize("host", [TMDB_HOST, OUTSIDE, "10.1.2.3", "0.0.0.0", "::", "2001:db8::1", "localhost.evil"])  # noqa: S104
def test_every_other_address_is_refused(host: str) -> None:
    from tests.helpers.network_guard import address_allowed

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    assert not address_allowed(family, (host, 80))


def test_a_refused_access_from_a_background_thread_is_recorded() -> None:
    with refused_accesses() as refused:
        thread = threading.Thread(target=_swallow)
        thread.start()
        thread.join(timeout=10)
    assert refused == [f"lookup of {TMDB_HOST!r}"]


def _swallow() -> None:
    with contextlib.suppress(OSError):
        socket.getaddrinfo(TMDB_HOST, 443)


def test_python_subprocesses_are_guarded_too() -> None:
    """The CLI as a test would run it, but without TMDB_BASE_URL: it would go to api.themoviedb.org."""
    assert os.environ["PYTHONPATH"].split(os.pathsep)[0] == str(SUBPROCESS_SITE)
    env = {key: value for key, value in os.environ.items() if not key.startswith("TMDB_")}
    env[LOG_VARIABLE] = os.environ[LOG_VARIABLE]
    with refused_accesses() as refused:
        result = subprocess.run(
            [sys.executable, "-m", "tmdb_auth.cli", "request-token"],
            env={**env, "TMDB_READ_ACCESS_TOKEN": "guard-read-token"},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 5, result.stderr  # a network error, as the guard refused the lookup
    assert "guard-read-token" not in result.stderr
    assert len(refused) >= 1
    assert all(f"lookup of {TMDB_HOST!r} (in subprocess " in line for line in refused)


SWALLOWING_TESTS = f'''
import socket, subprocess, sys

def test_swallows_a_lookup():
    try:
        socket.getaddrinfo("{TMDB_HOST}", 443)
    except OSError:
        pass

def test_swallows_a_connection():
    try:
        socket.create_connection(("{OUTSIDE}", 443), timeout=1)
    except OSError:
        pass

def test_ignores_a_subprocess_that_looked_up_tmdb():
    code = "import socket\\ntry:\\n    socket.getaddrinfo('{TMDB_HOST}', 443)\\nexcept OSError:\\n    pass\\n"
    subprocess.run([sys.executable, "-c", code], check=True)

def test_stays_on_loopback():
    socket.getaddrinfo("localhost", 80)
'''


@pytest.mark.slow
def test_a_test_that_swallows_the_error_still_fails(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """A suite using the plugin: each test that tried to leave the machine fails, though it caught the error."""
    monkeypatch.setenv("PYTHONPATH", pythonpath_first(ROOT))
    pytester.makepyfile(test_outside=SWALLOWING_TESTS)
    result = pytester.runpytest_subprocess("-p", "tests.helpers.network_guard_plugin", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=3)
    output = result.stdout.str()
    assert f"tried to leave the machine during the test (tests reach loopback only): lookup of {TMDB_HOST!r}" in output
    assert f"connection to {OUTSIDE}:443" in output
    assert "(in subprocess " in output
