"""The emulator's HTML pages (pure functions): the approval page and what follows an answer.

Everything interpolated is escaped: the app name, the account id, the redirect target and
the request token all come from configuration or from whoever created the token.
"""

from __future__ import annotations

import time
from html import escape
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# What each scope of a v4 user access token lets the app do (TMDB's own wording is not public).
SCOPE_DESCRIPTIONS = {
    "api_read": "read your account's lists, ratings, favourites and watchlists",
    "api_write": "create, change and delete your lists, ratings, favourites and watchlists",
}

# The page carries a request token: never cache it, never send it on as a Referer, never frame it.
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
}

_STYLE = (
    "body{font-family:system-ui,sans-serif;background:#0d253f;color:#fff;margin:0}"
    "main{max-width:34rem;margin:3rem auto;padding:2rem;background:#fff;color:#0d253f;border-radius:.5rem}"
    ".emulator{font-size:.8rem;color:#555;border-bottom:1px solid #ddd;padding-bottom:.5rem}"
    "button{font-size:1rem;padding:.6rem 1.6rem;margin-right:1rem;border-radius:.3rem;border:0;cursor:pointer}"
    "#approve{background:#01b4e4;color:#fff}#deny{background:#ddd;color:#0d253f}"
)


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body><main>"
        '<p class="emulator">TMDB v4 auth emulator: a local stand-in for themoviedb.org</p>'
        f"{body}</main></body></html>\n"
    )


def approval_page(
    *,
    app_name: str,
    account_id: str,
    scopes: tuple[str, ...],
    request_token: str,
    redirect_to: str | None,
    expires: float,
) -> str:
    """The page asking the user to approve or deny `request_token` for `app_name`."""
    app = escape(app_name)
    items = "".join(
        f"<li><code>{escape(scope)}</code>: {escape(SCOPE_DESCRIPTIONS.get(scope, 'access'))}</li>" for scope in scopes
    )
    seconds_left = expires - time.time()
    left = f"in about {round(seconds_left / 60)} minutes" if seconds_left >= 90 else "in less than two minutes"
    until = time.strftime("%H:%M:%S UTC", time.gmtime(expires))
    back = ""
    if redirect_to:
        back = f'<p>Then you will be sent back to <code id="redirect-to">{escape(_origin(redirect_to))}</code>.</p>'
    return _page(
        f"Approve {app_name} - TMDB",
        f'<h1>Allow <span id="app-name">{app}</span> to use your TMDB account?</h1>'
        f'<p><strong>{app}</strong> asks to act on behalf of account <code id="account-id">{escape(account_id)}'
        f'</code>. It will be able to:</p><ul id="scopes">{items}</ul>{back}'
        f"<p>This request expires at {escape(until)} ({left}).</p>"
        '<form method="post" action="/auth/access">'
        f'<input type="hidden" name="request_token" value="{escape(request_token)}">'
        '<button type="submit" id="approve" name="action" value="approve">Approve</button>'
        '<button type="submit" id="deny" name="action" value="deny">Deny</button>'
        "</form>",
    )


def answered_page(*, app_name: str, approved: bool) -> str:
    """What the user sees after answering when the request token has no ``redirect_to``."""
    app = escape(app_name)
    if approved:
        return _page(
            "Approved - TMDB",
            f'<h1 id="result">Approved</h1><p>You allowed <strong>{app}</strong> to use your account. '
            "You can close this page and return to the application.</p>",
        )
    return _page(
        "Denied - TMDB",
        f'<h1 id="result">Denied</h1><p><strong>{app}</strong> will not get access to your account. '
        "You can close this page.</p>",
    )


def error_page(message: str) -> str:
    """A clear error page (the request token is unknown, expired, denied or used; a malformed form)."""
    return _page("Error - TMDB", f'<h1 id="result">Cannot approve this request</h1><p id="error">{escape(message)}</p>')


def denied_redirect(redirect_to: str) -> str:
    """`redirect_to` with ``denied=true`` added to its query (its other parameters and fragment kept)."""
    parts = urlsplit(redirect_to)
    query = [*parse_qsl(parts.query, keep_blank_values=True), ("denied", "true")]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _origin(url: str) -> str:
    """Scheme and host of `url` (its path may carry a secret, e.g. a loopback callback's)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else url
