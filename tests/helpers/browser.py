"""A scripted stand-in for the user's browser on the emulator's approval page (httpx, no JavaScript).

It does what a person does: opens the approval link, reads the form, clicks Approve or
Deny, and follows the redirect back to the application's callback. The real-Chromium test
lives elsewhere; this one keeps the rest of the suite browser-free and fast.
"""

from __future__ import annotations

import os
import re
import sys
from html import unescape
from urllib.parse import urljoin

import httpx

_FORM = re.compile(r"<form[^>]*action=\"([^\"]+)\"", re.IGNORECASE)
_HIDDEN = re.compile(r"<input[^>]*name=\"([^\"]+)\"[^>]*value=\"([^\"]*)\"", re.IGNORECASE)


def answer_approval_page(approval_url: str, *, approve: bool = True, timeout: float = 10.0) -> httpx.Response:
    """Open ``approval_url``, click Approve (or Deny), follow the redirects; returns the last response."""
    with httpx.Client(timeout=timeout, follow_redirects=True) as browser:
        page = browser.get(approval_url)
        page.raise_for_status()
        action = _FORM.search(page.text)
        assert action is not None, "the approval page has no form"
        fields = {name: unescape(value) for name, value in _HIDDEN.findall(page.text) if name != "action"}
        fields["action"] = "approve" if approve else "deny"
        return browser.post(urljoin(str(page.url), unescape(action.group(1))), data=fields)


def main(argv: list[str]) -> int:
    """``BROWSER="python -m tests.helpers.browser %s"``: answer the page as ``$TMDB_TEST_BROWSER_CLICK`` says.

    Prints nothing (its output would mix with the program under test, and the URL holds a token).
    """
    click = os.environ.get("TMDB_TEST_BROWSER_CLICK", "approve")
    try:
        response = answer_approval_page(argv[0], approve=click == "approve")
    except (httpx.HTTPError, AssertionError):
        return 1
    return 0 if response.status_code == 200 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
