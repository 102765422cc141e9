"""Whether the terminal login can show the user a browser here, and opening one.

`unavailable_reason` is pure: a Linux or BSD machine without ``DISPLAY`` or ``WAYLAND_DISPLAY``
has no window to open (Python's `webbrowser` would start a console browser there, fighting the
login for the terminal), and over SSH a browser would open on the remote machine, not in front
of the user. An explicit ``$BROWSER`` is always tried: a terminal browser, a CI job's headless
browser, a test's stand-in are the user's choice. `webbrowser` is imported only to open one.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping

BROWSER_ENV = "BROWSER"
DISPLAY_ENVS = ("DISPLAY", "WAYLAND_DISPLAY")
SSH_ENVS = ("SSH_CONNECTION", "SSH_TTY")
_NEEDS_A_DISPLAY = ("linux", "freebsd", "openbsd", "netbsd", "dragonfly")


def unavailable_reason(environ: Mapping[str, str], platform: str = sys.platform) -> str | None:
    """Why no browser can be shown to the user here (no display, an SSH session), or None when one can
    be tried. An explicit ``$BROWSER`` is always tried."""
    if environ.get(BROWSER_ENV):
        return None
    ssh = next((name for name in SSH_ENVS if environ.get(name)), None)
    if ssh is not None:
        return f"this is an SSH session ({ssh} is set): a browser would open on the remote machine"
    if platform.startswith(_NEEDS_A_DISPLAY) and not any(environ.get(name) for name in DISPLAY_ENVS):
        return "there is no display here (neither DISPLAY nor WAYLAND_DISPLAY is set)"
    return None


def missing_browser(environ: Mapping[str, str]) -> str | None:
    """Why `webbrowser` has no browser to try here, or None when it has one (an explicit ``$BROWSER``
    is tried as it is)."""
    if environ.get(BROWSER_ENV):
        return None
    import webbrowser

    try:
        webbrowser.get()
    except webbrowser.Error:
        return f"no browser was found here (set {BROWSER_ENV} to the command of one)"
    return None


def open_url(url: str) -> bool:
    """Open `url` with `webbrowser` (``$BROWSER`` first); True when it says a browser took it. A
    ``$BROWSER`` command answers only once it exits."""
    import webbrowser

    return webbrowser.open(url)
