"""The emulator under attack (issue 19, item 11): one answer per request token, requests whose
framing is ambiguous, stalled connections, and more connections than it has file descriptors."""

from __future__ import annotations

import contextlib
import logging
import resource
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.helpers.pages import the_form
from tmdb_auth._connection_guard import FD_RESERVE
from tmdb_auth.emulator import AlreadyAnsweredError, Emulator, SeenRequest, UnanswerableTokenError

# --- one outcome per request token ----------------------------------------------------------------


def answer(emulator: Emulator, token: str, action: str) -> httpx.Response:
    return httpx.post(f"{emulator.base_url}/auth/access", data={"request_token": token, "action": action})


def exchange(emulator: Emulator, token: str) -> httpx.Response:
    return httpx.post(
        f"{emulator.base_url}/4/auth/access_token",
        json={"request_token": token},
        headers={"Authorization": f"Bearer {emulator.read_token}"},
    )


@pytest.mark.parametrize(("first", "second"), [("approve", "deny"), ("deny", "approve"), ("approve", "approve")])
def test_a_second_answer_on_the_page_is_refused_and_the_first_stands(
    tmdb_emulator: Emulator, first: str, second: str
) -> None:
    token = tmdb_emulator.mint_request_token(approved=False, redirect_to="http://127.0.0.1:9/callback")
    page = httpx.get(tmdb_emulator.approval_url(token))
    form = the_form(page.text)
    assert answer(tmdb_emulator, token, first).status_code == 302
    again = httpx.post(f"{tmdb_emulator.base_url}{form.action}", data=form.submission(second))
    assert again.status_code == 409
    assert "already answered" in again.text
    assert f"you {'approved' if first == 'approve' else 'denied'} it" in again.text
    assert "<form" not in again.text, "no buttons for a second answer"
    assert token not in again.text
    reload = httpx.get(tmdb_emulator.approval_url(token))
    assert (reload.status_code, "<form" in reload.text) == (409, False), "the page no longer offers the buttons"
    exchanged = exchange(tmdb_emulator, token)
    if first == "approve":
        assert exchanged.status_code == 200, "the approval stands"
    else:
        assert (exchanged.status_code, exchanged.json()["status_code"]) == (401, 33), "the denial stands"


@pytest.mark.parametrize(("first", "second"), [("approve", "deny"), ("deny", "approve"), ("approve", "approve")])
def test_a_second_answer_from_the_fixture_raises_already_answered(
    tmdb_emulator: Emulator, first: str, second: str
) -> None:
    token = tmdb_emulator.mint_request_token(approved=False)
    getattr(tmdb_emulator, first)(token)
    with pytest.raises(AlreadyAnsweredError, match="already answered") as caught:
        getattr(tmdb_emulator, second)(token)
    assert isinstance(caught.value, UnanswerableTokenError)
    assert isinstance(caught.value, ValueError)
    assert token not in str(caught.value)
    expected = 200 if first == "approve" else 401
    assert exchange(tmdb_emulator, token).status_code == expected, "the first answer stands"


def test_a_token_minted_approved_has_its_answer(tmdb_emulator: Emulator) -> None:
    token = tmdb_emulator.mint_request_token(approved=True)
    with pytest.raises(AlreadyAnsweredError, match="the user approved it"):
        tmdb_emulator.deny(token)
    assert exchange(tmdb_emulator, token).status_code == 200


def test_auto_approve_answers_once(tmdb_emulator: Emulator) -> None:
    tmdb_emulator.set_auto_approve()
    token = tmdb_emulator.mint_request_token(approved=False)
    assert httpx.get(tmdb_emulator.approval_url(token)).status_code == 200
    again = httpx.get(tmdb_emulator.approval_url(token))
    assert again.status_code == 409
    assert "already answered" in again.text
    assert exchange(tmdb_emulator, token).status_code == 200


def test_racing_answers_give_one_outcome(tmdb_emulator: Emulator) -> None:
    """Approve and Deny sent at once, many times: exactly one answer wins each time."""
    for _ in range(20):
        token = tmdb_emulator.mint_request_token(approved=False)
        barrier = threading.Barrier(2)
        statuses: dict[str, int] = {}

        def send(
            action: str, token: str = token, barrier: threading.Barrier = barrier, statuses: dict[str, int] = statuses
        ) -> None:
            barrier.wait()
            statuses[action] = answer(tmdb_emulator, token, action).status_code

        threads = [threading.Thread(target=send, args=(action,)) for action in ("approve", "deny")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(statuses.values()) == [200, 409]
        winner = "approve" if statuses["approve"] == 200 else "deny"
        assert exchange(tmdb_emulator, token).status_code == (200 if winner == "approve" else 401)


# --- request framing (RFC 9112 section 6.1) ---------------------------------------------------------


def read_until_closed(connection: socket.socket) -> bytes:
    """Everything the emulator sends until it closes the connection (a timeout fails the test)."""
    received = b""
    while chunk := connection.recv(65536):
        received += chunk
    return received


@pytest.mark.parametrize("order", ["length-first", "encoding-first"])
def test_content_length_with_transfer_encoding_is_400_and_the_smuggled_request_never_served(
    tmdb_emulator: Emulator, order: str
) -> None:
    bearer = f"Authorization: Bearer {tmdb_emulator.read_token}\r\n"
    smuggled = f"POST /4/auth/request_token HTTP/1.1\r\nHost: 127.0.0.1\r\n{bearer}Content-Length: 0\r\n\r\n"
    body = b"0\r\n\r\n" + smuggled.encode()  # the chunked body ends at once: the rest reads as a second request
    framing = [f"Content-Length: {len(body)}\r\n", "Transfer-Encoding: chunked\r\n"]
    if order == "encoding-first":
        framing.reverse()
    head = (
        f"POST /4/auth/request_token HTTP/1.1\r\nHost: 127.0.0.1\r\n{bearer}Content-Type: application/json\r\n"
        f"{''.join(framing)}\r\n"
    )
    with socket.create_connection(("127.0.0.1", tmdb_emulator.port), timeout=10) as connection:  # a safety net
        connection.sendall(head.encode() + body)
        response = read_until_closed(connection)  # today's emulator kept the connection: a timeout here
    assert response.startswith(b"HTTP/1.1 400 "), response[:100]
    assert response.count(b"HTTP/1.1 ") == 1, "one answer, then the connection was closed"
    assert b"connection: close" in response.lower()
    assert b'"status_code":47' in response
    assert tmdb_emulator.requests == [SeenRequest("POST", "/4/auth/request_token", 400)]
    assert tmdb_emulator.state.request_tokens == {}, "the request hidden in the body created nothing"


# --- stalled connections ------------------------------------------------------------------------------


@pytest.fixture
def quick_emulator() -> Iterator[Emulator]:
    """An emulator that drops a connection stalled for half a second."""
    with Emulator(idle_timeout=0.5) as emulator:
        yield emulator


def closed_by_server_within(connection: socket.socket, seconds: float) -> bool:
    """True once the server closes `connection` (EOF or reset) within `seconds`, False if it stays open."""
    connection.settimeout(seconds)
    try:
        while connection.recv(65536):
            pass
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True
    return True


@pytest.mark.parametrize(
    "sent",
    [b"", b"POST /4/auth/request_token HTTP/1.1\r\nHost: 127.0.0.1\r\n"],
    ids=["nothing", "unfinished-headers"],
)
def test_a_connection_that_sends_no_complete_request_is_dropped(quick_emulator: Emulator, sent: bytes) -> None:
    with socket.create_connection(("127.0.0.1", quick_emulator.port)) as connection:
        connection.sendall(sent)
        assert closed_by_server_within(connection, 10), "the emulator kept a stalled connection"


def test_headers_trickled_a_byte_at_a_time_do_not_keep_a_connection(quick_emulator: Emulator) -> None:
    """Each byte arrives well within the timeout, but the headers never finish: the connection is dropped."""
    head = b"POST /4/auth/request_token HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 200
    with socket.create_connection(("127.0.0.1", quick_emulator.port)) as connection:
        sent = 0
        try:
            for byte in head:
                connection.sendall(bytes([byte]))
                sent += 1
                time.sleep(0.05)
        except (BrokenPipeError, ConnectionResetError):
            pass
        assert sent < len(head), "the headers took 10 s and the connection was still open"
        assert closed_by_server_within(connection, 10)


def test_a_stalled_body_is_answered_408_and_the_connection_closed(quick_emulator: Emulator) -> None:
    head = (
        "POST /4/auth/access_token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {quick_emulator.read_token}\r\nContent-Length: 100\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", quick_emulator.port), timeout=10) as connection:
        connection.sendall(head.encode() + b'{"request_token": ')  # 18 of the 100 bytes promised
        response = read_until_closed(connection)
    assert response.startswith(b"HTTP/1.1 408 ")
    assert quick_emulator.requests == [SeenRequest("POST", "/4/auth/access_token", 408)]


def test_a_slow_answer_is_not_a_stalled_connection(quick_emulator: Emulator) -> None:
    """The timeout is for the client's side: a delay fault longer than it still gets its answer."""
    quick_emulator.inject("delay", seconds=1.5)
    headers = {"Authorization": f"Bearer {quick_emulator.read_token}"}
    with httpx.Client(base_url=quick_emulator.base_url, headers=headers) as http:
        assert http.post("/4/auth/request_token", json={}).status_code == 200
        time.sleep(0.2)  # well within the timeout: the kept-alive connection is reused
        assert http.post("/4/auth/request_token", json={}).status_code == 200


# --- more connections than file descriptors -------------------------------------------------------------


@contextlib.contextmanager
def uvicorn_warnings() -> Iterator[list[str]]:
    """The messages logged on uvicorn's server logger (which does not propagate to pytest's caplog).
    Enter it once the emulator runs: starting one reconfigures uvicorn's loggers, removing handlers."""
    messages: list[str] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = lambda record: messages.append(record.getMessage())  # type: ignore[method-assign]
    logging.getLogger("uvicorn.error").addHandler(handler)
    try:
        yield messages
    finally:
        logging.getLogger("uvicorn.error").removeHandler(handler)


def test_at_the_cap_the_longest_idle_connection_makes_room() -> None:
    with Emulator(max_connections=3) as emulator:
        idle = [socket.create_connection(("127.0.0.1", emulator.port), timeout=10) for _ in range(3)]
        try:
            headers = {"Authorization": f"Bearer {emulator.read_token}"}
            response = httpx.post(f"{emulator.base_url}/4/auth/request_token", headers=headers, timeout=10)
            assert response.status_code == 200
            assert closed_by_server_within(idle[0], 10), "the oldest idle connection was closed"
            assert not closed_by_server_within(idle[2], 0.2), "the others stay"
        finally:
            for connection in idle:
                connection.close()


def test_at_the_cap_a_request_in_progress_is_never_cut() -> None:
    """Every connection busy: the newcomer is closed, and the answer in progress still arrives."""
    with Emulator(max_connections=1) as emulator, uvicorn_warnings() as warnings:
        emulator.inject("delay", seconds=1)
        headers = {"Authorization": f"Bearer {emulator.read_token}"}
        statuses: list[int] = []
        busy = threading.Thread(
            target=lambda: statuses.append(
                httpx.post(f"{emulator.base_url}/4/auth/request_token", headers=headers, timeout=10).status_code
            )
        )
        busy.start()
        deadline = time.monotonic() + 10
        while not emulator.state.faults and time.monotonic() < deadline:  # wait until the delay started
            time.sleep(0.01)
        time.sleep(0.2)
        with socket.create_connection(("127.0.0.1", emulator.port), timeout=10) as newcomer:
            assert closed_by_server_within(newcomer, 10)
        busy.join(timeout=10)
    assert statuses == [200]
    (warning,) = warnings
    assert "at its limit of 1 open connections" in warning
    assert "every one has a request in progress: closed the new connection" in warning


IDLE_CONNECTIONS = 1_100  # more than a process with 1,024 file descriptors can hold
EMULATOR_FD_LIMIT = 1_024


@contextlib.contextmanager
def file_descriptors(needed: int) -> Iterator[None]:
    """Raise this process's soft RLIMIT_NOFILE to `needed` for the block (skip if the hard limit is lower)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < needed:
        pytest.skip(f"needs {needed} file descriptors; the hard limit is {hard}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, needed), hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def limit_file_descriptors() -> None:  # runs in the child, before exec
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    resource.setrlimit(resource.RLIMIT_NOFILE, (EMULATOR_FD_LIMIT, hard))


@pytest.mark.slow
def test_idle_connections_from_another_process_cannot_lock_the_emulator_out() -> None:
    """1,100 idle connections against a `tmdb-auth emulator` limited to 1,024 file descriptors: a real
    request is still answered (today's emulator ran out of descriptors and never accepted it)."""
    command = [sys.executable, "-m", "tmdb_auth.cli", "emulator", "--port", "0", "--read-token", "fd-read-token"]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=limit_file_descriptors,  # only setrlimit, before exec
    )
    idle: list[socket.socket] = []
    try:
        assert process.stdout is not None
        watchdog = threading.Timer(30, process.kill)  # a silent emulator fails the test instead of hanging it
        watchdog.start()
        try:
            base_url = process.stdout.readline().rsplit(" ", 1)[1].strip()
        finally:
            watchdog.cancel()
        port = int(base_url.rsplit(":", 1)[1])
        with file_descriptors(IDLE_CONNECTIONS + 256):
            for _ in range(IDLE_CONNECTIONS):
                idle.append(socket.create_connection(("127.0.0.1", port), timeout=10))
            headers = {"Authorization": "Bearer fd-read-token"}
            # The timeout is the bound: far less than the emulator's 10 s idle timeout, so the answer
            # comes from the cap making room, not from the idle connections timing out.
            response = httpx.post(f"{base_url}/4/auth/request_token", headers=headers, timeout=5)
            assert response.status_code == 200
            assert response.json()["success"] is True
            dropped = sum(closed_by_server_within(connection, 0.001) for connection in idle[:50])
            assert dropped > 0, "the oldest idle connections made room"
    finally:
        for connection in idle:
            connection.close()
        process.terminate()
        _, stderr = process.communicate(timeout=15)
    assert f"at its limit of {EMULATOR_FD_LIMIT - FD_RESERVE} open connections" in stderr, stderr
    assert "fd-read-token" not in stderr
