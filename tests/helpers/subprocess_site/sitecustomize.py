"""The network guard in every Python subprocess the tests start (CLI runs, scripts, probes).

The test session's plugin (tests/helpers/network_guard_plugin.py) puts this directory first on
PYTHONPATH, so Python imports this module at start-up. It loads ../network_guard.py by path
(nothing here edits sys.path) and appends each refused access to the file named by
TMDB_AUTH_TESTS_NETWORK_LOG, which the plugin reads after every test to fail the one whose
subprocess tried to leave the machine. Without that variable (this directory on PYTHONPATH by
accident) it does nothing.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

_LOG = os.environ.get("TMDB_AUTH_TESTS_NETWORK_LOG")


def _append(line: str) -> None:
    assert _LOG is not None
    with open(_LOG, "a", encoding="utf-8") as log:  # one short line per write: appends do not interleave
        log.write(f"{line} (in subprocess {os.getpid()})\n")


if _LOG:
    _spec = importlib.util.spec_from_file_location(
        "_tmdb_auth_tests_network_guard", Path(__file__).resolve().parent.parent / "network_guard.py"
    )
    assert _spec is not None
    assert _spec.loader is not None
    _guard = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(_guard)
    _guard.install(_append)
