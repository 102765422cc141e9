"""A stand-in for the user's browser that only records what it was asked to open.

``BROWSER="python -m tests.helpers.fake_browser %s"`` (run from the repository root): Python's
`webbrowser` runs it with the URL; it appends the URL as one line to the file named by
``$TMDB_TEST_BROWSER_LOG`` (if set) and exits with ``$TMDB_TEST_BROWSER_EXIT`` (default 0: the
browser took the page; anything else: it failed to start). It answers nothing: the test plays
the user (the emulator's ``approve``), or requests the callback itself. It prints nothing.
"""

from __future__ import annotations

import os
import sys

COMMAND = f"{sys.executable} -m tests.helpers.fake_browser %s"


def main(argv: list[str]) -> int:
    log = os.environ.get("TMDB_TEST_BROWSER_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(" ".join(argv) + "\n")
    return int(os.environ.get("TMDB_TEST_BROWSER_EXIT", "0"))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
