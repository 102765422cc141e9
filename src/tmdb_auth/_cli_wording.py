"""The command line's words: its flags and variables where the library's messages name a Python option,
and its one error line.

The library's messages name what a Python caller passes ("pass allow_insecure_http=True",
"check base_url"); each such option or piece of advice is a `Term` in the message (see
``_wording``). Here the command line gives its own words for every term, from the command
that ran: the flag given (``--base-url``) or else the variable read (``TMDB_BASE_URL``), the
file the read token came from, what to run next. Nothing here imports an HTTP library.
"""

from __future__ import annotations

import argparse

from ._settings import BASE_URL_ENV, READ_TOKEN_ENV, SITE_URL_ENV
from ._wording import render
from .errors import one_line

ALLOW_INSECURE_HTTP_ENV = "TMDB_ALLOW_INSECURE_HTTP"


def _given(args: argparse.Namespace, option: str) -> object:
    return getattr(args, option, None)


def words(args: argparse.Namespace) -> dict[str, str]:
    """The command line's words for every `Term` key, for the command `args` ran."""
    token_file = _given(args, "read_token_file")
    base_url = "--base-url" if _given(args, "base_url") else f"{BASE_URL_ENV} (or --base-url)"
    site_url = "--site-url" if _given(args, "site_url") else f"{SITE_URL_ENV} (or --site-url)"
    command = _given(args, "command")
    if command == "login":
        exchange = "start again (tmdb-auth login)"
    else:
        exchange = (
            "if access-token then says the request token is invalid or used, create and approve a new one "
            "(tmdb-auth request-token)"
        )
    return {
        "read_token.supply": f"set {READ_TOKEN_ENV}, or give --read-token-file FILE",
        "read_token.argument": f"--read-token-file {token_file}",
        "read_token.check": f"--read-token-file {token_file}" if token_file else READ_TOKEN_ENV,
        "base_url": base_url,
        "site_url": site_url,
        "allow_insecure_http": f"use --allow-insecure-http (or set {ALLOW_INSECURE_HTTP_ENV}=1)",
        "timeout": "--timeout",
        "attempt_timeout": "--timeout",
        "max_response_bytes": "the response size limit",
        "poll_interval": "--poll-interval",
        "port": "--port",
        "request_token": "REQUEST_TOKEN",
        "access_token": "ACCESS_TOKEN",
        "redirect_to": "--redirect-to",
        "approval.pending": (
            "Have the user approve it on its approval page (tmdb-auth approve-url prints it), then run "
            "access-token again"
        ),
        "exchange.may_have_run": exchange,
        "logout.may_have_run": (
            "run tmdb-auth logout again; if it then says the token is invalid or already revoked, it is revoked"
        ),
        "delete_session.may_have_run": (
            "run tmdb-auth logout again; if it then says the session is not found, it is ended"
        ),
        "session.new": "tmdb-auth session makes a new one",
        "account_id.source": "the account tmdb-auth status shows",
        "login.steps": "tmdb-auth login",
        "login.start_again": "start again (tmdb-auth login)",
        "login.timeout": "the login's time limit",
    }


def error_text(error: BaseException, args: argparse.Namespace) -> str:
    """What `error` says, in the command line's words, on one printable line."""
    return one_line(render(error, words(args)))


def error_line(error: BaseException, args: argparse.Namespace) -> str:
    """The line a failed command prints on stderr."""
    return f"tmdb-auth: error: {error_text(error, args)}"
