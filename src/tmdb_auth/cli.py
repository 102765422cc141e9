"""The ``tmdb-auth`` command line."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from urllib.parse import urlencode

from ._settings import READ_TOKEN_ENV
from ._version import __version__
from .errors import (
    APIError,
    AuthenticationError,
    ConfigurationError,
    InvalidInputError,
    InvalidRequestTokenError,
    NetworkError,
    RequestTokenNotApprovedError,
    ResponseFormatError,
    TMDBError,
)

SITE_URL = "https://www.themoviedb.org"

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2
EXIT_READ_TOKEN_REJECTED = 3
EXIT_REQUEST_TOKEN = 4
EXIT_UNAVAILABLE = 5
EXIT_MALFORMED_RESPONSE = 6

EXIT_CODES_HELP = f"""exit codes:
  {EXIT_OK}  success
  {EXIT_USAGE}  usage error, bad input or configuration (e.g. no {READ_TOKEN_ENV})
  {EXIT_READ_TOKEN_REJECTED}  the read access token was rejected
  {EXIT_REQUEST_TOKEN}  the request token is invalid, expired, used, or not approved yet
  {EXIT_UNAVAILABLE}  rate limited, server error, network error, or another API error
  {EXIT_MALFORMED_RESPONSE}  the server's response was malformed
  {EXIT_INTERNAL}  an unexpected internal error
"""


class UsageError(Exception):
    """A problem with the command line itself (exit code 2)."""


def exit_code_for(error: BaseException) -> int:
    """The documented exit code for an error."""
    if isinstance(error, UsageError | InvalidInputError | ConfigurationError):
        return EXIT_USAGE
    if isinstance(error, AuthenticationError):
        return EXIT_READ_TOKEN_REJECTED
    if isinstance(error, InvalidRequestTokenError | RequestTokenNotApprovedError):
        return EXIT_REQUEST_TOKEN
    if isinstance(error, APIError | NetworkError):
        return EXIT_UNAVAILABLE
    if isinstance(error, ResponseFormatError):
        return EXIT_MALFORMED_RESPONSE
    return EXIT_INTERNAL


def _read_token(args: argparse.Namespace) -> str | None:
    if args.read_token_file is None:
        return None  # the facade reads TMDB_READ_ACCESS_TOKEN and says so if it is missing
    try:
        return Path(args.read_token_file).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise UsageError(f"cannot read --read-token-file {args.read_token_file}: {exc.strerror}") from exc


def _request_token_argument(value: str) -> str:
    if value == "-":
        return sys.stdin.readline().strip()
    return value


def cmd_access_token(args: argparse.Namespace) -> int:
    from .client import TMDBAuth

    if args.verbose:
        import logging

        logging.basicConfig(level=logging.INFO, format="tmdb-auth: %(message)s", stream=sys.stderr)
    request_token = _request_token_argument(args.request_token)
    with TMDBAuth(_read_token(args), base_url=args.base_url, timeout=args.timeout) as auth:
        token = auth.create_access_token(request_token)
    if args.format == "env":
        print(f"TMDB_ACCESS_TOKEN={token.access_token}\nTMDB_ACCOUNT_ID={token.account_id}")
    else:
        print(json.dumps({"access_token": token.access_token, "account_id": token.account_id}))
    return EXIT_OK


def approve_url(request_token: str, redirect_to: str | None = None, site_url: str = SITE_URL) -> str:
    """The page where the user approves `request_token`."""
    from ._exchange import build_request_body

    build_request_body(request_token)  # the same validation as the exchange
    query = {"request_token": request_token}
    if redirect_to:
        query["redirect_to"] = redirect_to
    return f"{site_url.rstrip('/')}/auth/access?{urlencode(query)}"


def cmd_approve_url(args: argparse.Namespace) -> int:
    print(approve_url(_request_token_argument(args.request_token), args.redirect_to, args.site_url))
    return EXIT_OK


def cmd_emulator(args: argparse.Namespace) -> int:
    from .emulator import Emulator, parse_fault, parse_rate_limit

    try:
        rate_limit = parse_rate_limit(args.rate_limit) if args.rate_limit else None
        faults = [parse_fault(spec) for spec in args.fault]
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    emulator = Emulator(
        args.host, args.port, read_token=args.read_token, rate_limit=rate_limit, auto_approve=args.auto_approve
    )
    for fault, count in faults:
        emulator.inject(fault.kind, count, fault.seconds)
    emulator.start()
    print(f"TMDB v4 auth emulator listening on {emulator.base_url}", flush=True)
    print(f"TMDB_BASE_URL={emulator.base_url}", flush=True)
    print(f"TMDB_READ_ACCESS_TOKEN={emulator.read_token}", flush=True)
    print("Press Ctrl-C to stop.", flush=True)
    try:
        _wait_for_signal()
    finally:
        emulator.stop()
        print("emulator stopped", flush=True)
    return EXIT_OK


def _wait_for_signal() -> None:
    """Block until SIGINT or SIGTERM."""
    import signal
    import threading

    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    while not stop.wait(0.5):
        pass


def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    return run_demo(print)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every sub-command."""
    parser = argparse.ArgumentParser(
        prog="tmdb-auth",
        description="TMDB API v4 user login from the command line, and a local TMDB auth emulator.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, handler: Callable[[argparse.Namespace], int], help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(
            name,
            help=help_text,
            description=help_text,
            epilog=EXIT_CODES_HELP,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        sub.set_defaults(handler=handler)
        return sub

    access = add("access-token", cmd_access_token, "Exchange an approved request token for a user access token.")
    access.add_argument("request_token", metavar="REQUEST_TOKEN", help="the approved request token, or - for stdin")
    access.add_argument(
        "--read-token-file", metavar="PATH", help=f"file holding the API Read Access Token (default: ${READ_TOKEN_ENV})"
    )
    access.add_argument("--base-url", help="API root (default: $TMDB_BASE_URL, else https://api.themoviedb.org)")
    access.add_argument("--timeout", type=float, default=10.0, help="seconds per request (default: 10)")
    access.add_argument("--format", choices=["json", "env"], default="json", help="output format (default: json)")
    access.add_argument("-v", "--verbose", action="store_true", help="report retries on stderr")

    approve = add("approve-url", cmd_approve_url, "Print the TMDB page where the user approves a request token.")
    approve.add_argument("request_token", metavar="REQUEST_TOKEN", help="the request token, or - for stdin")
    approve.add_argument("--redirect-to", metavar="URL", help="where TMDB sends the user after approving")
    approve.add_argument("--site-url", default=SITE_URL, help=f"the TMDB website (default: {SITE_URL})")

    emulator = add("emulator", cmd_emulator, "Run the local TMDB v4 auth emulator in the foreground.")
    emulator.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    emulator.add_argument("--port", type=int, default=8000, help="port (default: 8000; 0 picks a free one)")
    emulator.add_argument("--read-token", help="the read access token to accept (default: a random one, printed)")
    emulator.add_argument("--rate-limit", metavar="N/SECONDS", help="answer 429 beyond N requests per SECONDS")
    emulator.add_argument(
        "--auto-approve", action="store_true", help="approve request tokens on GET /auth/access, without the page"
    )
    emulator.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="KIND[:COUNT]",
        help="fail the next COUNT requests: unavailable, bad-gateway, drop, or delay=SECONDS (repeatable)",
    )

    add("demo", cmd_demo, "Run the whole login flow against a local emulator and show each step.")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``tmdb-auth`` console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except (TMDBError, UsageError) as error:
        print(f"tmdb-auth: error: {error}", file=sys.stderr)
        return exit_code_for(error)
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # no traceback for users; the type says what to report
        print(f"tmdb-auth: internal error ({type(error).__name__}); please report it", file=sys.stderr)
        if os.environ.get("TMDB_AUTH_DEBUG"):
            raise
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
