"""A scripted stand-in for the user's browser on the emulator's approval page (httpx, no JavaScript).

It does what a person does: opens the approval link, reads the form, clicks Approve or
Deny, and follows the redirect back to the application's callback. The real-Chromium test
lives elsewhere; this one keeps the rest of the suite browser-free and fast.
"""

from __future__ import annotations

import re
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
