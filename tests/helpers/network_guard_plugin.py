"""pytest plugin (tests/conftest.py loads it): a test that looks up or connects beyond loopback fails.

In this process, `network_guard.install` refuses the access and records it; in Python
subprocesses the tests start (the CLI, scripts), ``subprocess_site/sitecustomize.py`` does the
same, recording into a file this plugin names in TMDB_AUTH_TESTS_NETWORK_LOG, with that
directory put first on PYTHONPATH for the session. After each test's setup, call and teardown,
whatever was recorded meanwhile fails that phase, even when the code under test caught the
error (a ``ConnectError``, a CLI's exit 5). A subprocess given an environment without this
PYTHONPATH entry is not guarded: build subprocess environments from ``os.environ``.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest

from tests.helpers import network_guard

SUBPROCESS_SITE = Path(__file__).resolve().parent / "subprocess_site"
LOG_VARIABLE = "TMDB_AUTH_TESTS_NETWORK_LOG"

_refused: list[str] = []
_refused_lock = threading.Lock()
_log: Path | None = None
_log_read = 0


def _record(line: str) -> None:
    with _refused_lock:
        _refused.append(line)


def _take() -> list[str]:
    """Everything refused since the last call, in this process and in its subprocesses."""
    global _log_read
    with _refused_lock:
        taken = list(_refused)
        _refused.clear()
    if _log is not None and _log.exists():
        with _log.open("rb") as log:
            log.seek(_log_read)
            data = log.read()
        complete = data[: data.rfind(b"\n") + 1]  # a line still being written is read next time
        _log_read += len(complete)
        taken += complete.decode("utf-8", "replace").splitlines()
    return taken


@contextlib.contextmanager
def refused_accesses() -> Iterator[list[str]]:
    """For tests of the guard itself: the accesses refused inside the block, which then fail nothing."""
    _take_before = _take()
    found: list[str] = []
    try:
        yield found
    finally:
        found += _take()
        with _refused_lock:
            _refused[:0] = _take_before  # what happened before the block still fails the test


def pytest_configure(config: pytest.Config) -> None:
    global _log
    network_guard.install(_record)
    descriptor, name = tempfile.mkstemp(prefix="tmdb-auth-tests-network-", suffix=".log")
    os.close(descriptor)
    _log = Path(name)
    previous = {name: os.environ.get(name) for name in ("PYTHONPATH", LOG_VARIABLE)}
    paths = [str(SUBPROCESS_SITE), *filter(None, (previous["PYTHONPATH"] or "").split(os.pathsep))]
    os.environ["PYTHONPATH"] = os.pathsep.join(paths)
    os.environ[LOG_VARIABLE] = name

    def restore() -> None:
        for variable, value in previous.items():
            if value is None:
                os.environ.pop(variable, None)
            else:
                os.environ[variable] = value
        if _log is not None:
            _log.unlink(missing_ok=True)

    config.add_cleanup(restore)


def _guarded(phase: str) -> Generator[None, object, object]:
    # What a subprocess of an earlier test refused after that test ended is reported here, late,
    # rather than lost.
    try:
        result = yield
    except BaseException as error:
        refused = _take()
        if refused:
            error.add_note(f"the test also tried to leave the machine during {phase}: {'; '.join(refused)}")
        raise
    refused = _take()
    if refused:
        pytest.fail(
            f"the test tried to leave the machine during {phase} (tests reach loopback only): " + "; ".join(refused),
            pytrace=False,
        )
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, object, object]:
    return (yield from _guarded("setup"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    return (yield from _guarded("the test"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None, object, object]:
    return (yield from _guarded("teardown"))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Accesses refused after the last test (a lingering subprocess) fail the session."""
    refused = _take()
    if refused:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line("network guard: tried to leave the machine after the tests: " + "; ".join(refused))
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
