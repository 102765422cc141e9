"""Headless Chromium for the real-browser tests: Debian's ``chromium`` driven by selenium.

Used two ways:

- in a test: ``with headless_chromium(tmp_path) as driver: ...``
- as the user's browser, for a program that opens a URL with Python's `webbrowser`:
  ``BROWSER="python -m tests.helpers.chromium %s"`` (run from the repository root). It opens
  the URL, clicks Approve (or the button named by ``$TMDB_TEST_BROWSER_CLICK``) on the
  emulator's approval page, follows the redirect, waits for the page that says the tab can
  be closed, writes what it saw as JSON to ``$TMDB_TEST_BROWSER_REPORT`` and quits. It
  prints nothing: whoever started it may be checked for secrets on its output, and the URL
  holds a request token.

Selenium is pointed at ``/usr/bin/chromedriver`` and ``/usr/bin/chromium`` (override with
``$TMDB_TEST_CHROMEDRIVER`` / ``$TMDB_TEST_CHROMIUM``), so Selenium Manager never downloads
a browser or a driver.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver

CLOSE_TAB_TEXT = "close this tab"
FLAGS = (
    "--headless",
    "--no-sandbox",  # root in a container: Chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1000,800",
)
WAIT_SECONDS = 30.0


def chromium_path() -> str:
    return os.environ.get("TMDB_TEST_CHROMIUM", "/usr/bin/chromium")


def chromedriver_path() -> str:
    return os.environ.get("TMDB_TEST_CHROMEDRIVER", "/usr/bin/chromedriver")


def unavailable_reason() -> str | None:
    """Why the real-browser tests cannot run here, or None when they can."""
    if importlib.util.find_spec("selenium") is None:
        return "selenium is not installed (it is in the dev extra: make install)"
    for what, path in (("Chromium", chromium_path()), ("chromedriver", chromedriver_path())):
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            return (
                f"{what} is not installed at {path}: apt-get install chromium chromium-driver (.ci/run does this in CI)"
            )
    return None


@contextlib.contextmanager
def headless_chromium(profile_dir: Path | None = None) -> Iterator[WebDriver]:
    """A headless Chromium with a fresh profile, quit (and its profile removed) on exit."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    with contextlib.ExitStack() as stack:
        if profile_dir is None:
            profile_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="tmdb-chromium-")))
        options = webdriver.ChromeOptions()
        options.binary_location = chromium_path()
        for flag in (*FLAGS, f"--user-data-dir={profile_dir}"):
            options.add_argument(flag)
        service = Service(executable_path=chromedriver_path(), log_output=subprocess.DEVNULL)
        driver = webdriver.Chrome(options=options, service=service)
        stack.callback(driver.quit)
        driver.set_page_load_timeout(WAIT_SECONDS)
        yield driver


def wait_for(driver: WebDriver, condition: Any, seconds: float = WAIT_SECONDS) -> Any:
    """Wait until `condition(driver)` is truthy. While a navigation replaces the page, Chromium may
    answer a probe with a transient "unhandled inspector error" (the old page's JavaScript context is
    gone): that is retried too, not only a stale element."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, seconds, poll_frequency=0.1, ignored_exceptions=(WebDriverException,)).until(condition)


def page_text(driver: WebDriver) -> str:
    from selenium.webdriver.common.by import By

    text: str = driver.find_element(By.TAG_NAME, "body").text
    return text


def click_on_approval_page(
    driver: WebDriver, url: str, button: str, seen: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Open the approval page at `url`, click `button` (approve or deny) and wait until the
    browser shows the page after it (the app's callback page, or the emulator's answer).

    Returns what it saw; `seen` (when given) is filled as it goes, so a failure shows the step."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions

    seen = {} if seen is None else seen
    seen["step"] = "open the approval page"
    driver.get(url)
    seen.update(approval_page_title=driver.title, approval_page_text=page_text(driver), step=f"click {button}")
    clicked = driver.find_element(By.ID, button)
    try:
        clicked.click()
    except WebDriverException as error:  # the navigation it started can break the click's own reply
        seen["click_error"] = f"{type(error).__name__}: {str(error)[:200]}"
    seen["step"] = "wait for the next page"
    wait_for(driver, expected_conditions.staleness_of(clicked))  # the next page replaced this one
    wait_for(driver, lambda d: d.execute_script("return document.readyState") == "complete")
    seen["step"] = "read the next page"
    seen.update(final_url=driver.current_url, final_text=page_text(driver), step="done")
    return seen


def main(argv: Sequence[str] | None = None) -> int:
    """The ``$BROWSER`` command: answer the approval page at the URL, then wait for the callback page."""
    args = list(sys.argv[1:] if argv is None else argv)
    report_path = os.environ.get("TMDB_TEST_BROWSER_REPORT")
    report: dict[str, Any] = {"argv_count": len(args), "started": time.time(), "step": "start Chromium"}
    code = 1
    try:
        (url,) = args
        with headless_chromium() as driver:
            seen: dict[str, Any] = {}
            try:
                seen = click_on_approval_page(driver, url, os.environ.get("TMDB_TEST_BROWSER_CLICK", "approve"), seen)
            finally:
                report.update(seen)
            if CLOSE_TAB_TEXT in report["final_text"].lower():
                code = 0
            else:
                report["error"] = f"the page after the click does not say {CLOSE_TAB_TEXT!r}"
    except Exception as error:  # reported to the test through the file, never printed
        report["error"] = f"{type(error).__name__}: {str(error)[:500]}"
    report.update(finished=time.time(), exit_code=code)
    if report_path:
        Path(report_path).write_text(json.dumps(report), encoding="utf-8")
    return code


def browser_command() -> str:
    """A ``$BROWSER`` value that runs `main` with this interpreter (from the repository root)."""
    python = shutil.which(sys.executable) or sys.executable
    if os.pathsep in python or " " in python:
        raise RuntimeError("$BROWSER is split on os.pathsep and spaces: the interpreter's path has one")
    return f"{python} -m tests.helpers.chromium %s"


if __name__ == "__main__":
    sys.exit(main())
