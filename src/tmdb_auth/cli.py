"""The ``tmdb-auth`` command line."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Literal, TextIO, TypeAlias

from ._cli_output import OutputError, Stdout, destination, env_assignments, finish_stdout, say
from ._cli_wording import ALLOW_INSECURE_HTTP_ENV, error_line, error_text
from ._settings import (
    BASE_URL_ENV,
    DEFAULT_SITE_URL,
    DEFAULT_TIMEOUT,
    READ_TOKEN_ENV,
    SITE_URL_ENV,
    capitalized,
    is_loopback,
    server_name,
)
from ._version import __version__
from .errors import (  # the exception tree only: no HTTP library is imported before a command sends
    APIError,
    AuthenticationError,
    ConfigurationError,
    CredentialStoreError,
    InvalidAccessTokenError,
    InvalidInputError,
    InvalidRequestTokenError,
    LoginError,
    NetworkError,
    PermissionDeniedError,
    RequestTokenNotApprovedError,
    ResponseFormatError,
    TMDBError,
    one_line,
)

if TYPE_CHECKING:
    from .client import TMDBAuth
    from .login import LoginEvent, LoginInterrupted
    from .models import AccessToken, Session
    from .store import Credentials, CredentialStore

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2
EXIT_READ_TOKEN_REJECTED = 3
EXIT_REQUEST_TOKEN = 4
EXIT_UNAVAILABLE = 5
EXIT_MALFORMED_RESPONSE = 6
EXIT_ACCESS_TOKEN = 7
EXIT_NOT_LOGGED_IN = 8
EXIT_CREDENTIALS = 9
EXIT_OUTPUT = 10
EXIT_RESULT_LOST = 11
EXIT_INTERRUPTED = 130

EXIT_CODES_HELP = f"""exit codes:
  {EXIT_OK}  success
  {EXIT_USAGE}  usage error, bad input or configuration (e.g. no {READ_TOKEN_ENV}, a missing extra;
     logout: the stored login was made at another API than the configuration names)
  {EXIT_READ_TOKEN_REJECTED}  the read access token was rejected, or lacks a permission
  {EXIT_REQUEST_TOKEN}  the request token is invalid, expired, used, or not approved yet;
     login: denied, expired or refused (start again)
  {EXIT_ACCESS_TOKEN}  the access token is invalid, expired or already revoked (logout, session, status --check)
  {EXIT_UNAVAILABLE}  rate limited, server error, network error, or another API error
  {EXIT_MALFORMED_RESPONSE}  the server's response was malformed or too large
  {EXIT_NOT_LOGGED_IN}  not logged in (status, token, session, logout without ACCESS_TOKEN): run tmdb-auth login
  {EXIT_CREDENTIALS}  the stored credentials cannot be used safely (corrupt, wrong owner or permissions, a
     directory in place of the file, the keyring not answering), or login: the config directory cannot
     take a login (read-only, full), checked before a request token is created; session: the stored
     login changed while the session was created (it was ended)
  {EXIT_OUTPUT} the output cannot be written (stdout closed, read-only or full, its reader gone, --output
     not usable: a link, FIFO, another user's file, a read-only or full directory): checked before
     anything is sent, so nothing was spent
  {EXIT_RESULT_LOST} access-token: the request token was consumed but the access token could not be written;
     it was revoked (the message says if that failed): approve a new request token. session: the new
     session was stored but could not be written: run session again
  {EXIT_INTERRUPTED}  interrupted (Ctrl-C); the message says what was spent (and login revokes a token it got)
  {EXIT_INTERNAL}  an unexpected internal error
logout without ACCESS_TOKEN: any exit code but 0 means the stored login was kept.

environment:
  TMDB_READ_ACCESS_TOKEN  the app's API Read Access Token (or --read-token-file)
  TMDB_BASE_URL, TMDB_SITE_URL  the API and the approval site (default: TMDB's)
  TMDB_ALLOW_INSECURE_HTTP=1  as --allow-insecure-http
  TMDB_AUTH_CONFIG_DIR, TMDB_AUTH_KEYRING=off  where login stores credentials
  TMDB_AUTH_LOG=debug|info|warning  log to stderr (secrets redacted)
  BROWSER  the browser login opens (tried even without a display or over SSH)
  CI=true  login refuses to wait for a person to approve (unless BROWSER is set)
"""

CI_ENV = "CI"
LOG_ENV = "TMDB_AUTH_LOG"  # tmdb_auth._log.LOG_ENV, without importing logging for commands that log nothing
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("", "0", "false", "no", "off")
STDIN_HELP = (
    "or - to read it from stdin (safer: command-line arguments are visible to other users in `ps` "
    "and are kept in shell history)"
)
EMULATOR_EXTRA = "pip install 'tmdb-v4-auth[emulator]'"
DEFAULT_POLL_INTERVAL = 3.0  # tmdb_auth.login's default, without importing it for --help


class UsageError(Exception):
    """A problem with the command line itself (exit code 2)."""


class NotLoggedInError(Exception):
    """Nothing is stored: `tmdb-auth login` first (exit code 8)."""


class ResultLostError(Exception):
    """A one-time request token was spent but its result could not be delivered (exit code 11)."""


class Interrupted(Exception):
    """Ctrl-C, with what it means for the command that was running (exit code 130)."""


def exit_code_for(error: BaseException) -> int:
    """The documented exit code for an error."""
    if isinstance(error, UsageError | InvalidInputError | ConfigurationError):
        return EXIT_USAGE
    if isinstance(error, NotLoggedInError):
        return EXIT_NOT_LOGGED_IN
    if isinstance(error, OutputError):
        return EXIT_OUTPUT
    if isinstance(error, ResultLostError):
        return EXIT_RESULT_LOST
    if isinstance(error, Interrupted | KeyboardInterrupt):
        return EXIT_INTERRUPTED
    if isinstance(error, CredentialStoreError):
        return EXIT_CREDENTIALS
    if isinstance(error, LoginError):
        return EXIT_REQUEST_TOKEN
    if isinstance(error, AuthenticationError | PermissionDeniedError):
        return EXIT_READ_TOKEN_REJECTED
    if isinstance(error, InvalidRequestTokenError | RequestTokenNotApprovedError):
        return EXIT_REQUEST_TOKEN
    if isinstance(error, InvalidAccessTokenError):
        return EXIT_ACCESS_TOKEN
    if isinstance(error, APIError | NetworkError):
        return EXIT_UNAVAILABLE
    if isinstance(error, ResponseFormatError):
        return EXIT_MALFORMED_RESPONSE
    return EXIT_INTERNAL


# Far above any TMDB token: a bound on what a token file or stdin can make the CLI read.
MAX_SECRET_INPUT = 64 * 1024


def _read_token(args: argparse.Namespace) -> str | None:
    if args.read_token_file is None:
        return None  # the facade reads TMDB_READ_ACCESS_TOKEN and says so if it is missing
    path = args.read_token_file
    try:
        with Path(path).open("rb") as handle:
            raw = handle.read(MAX_SECRET_INPUT + 1)
    except OSError as exc:
        raise UsageError(f"cannot read --read-token-file {path}: {exc.strerror}") from exc
    if len(raw) > MAX_SECRET_INPUT:
        raise UsageError(f"--read-token-file {path} is over {MAX_SECRET_INPUT} bytes: it is not a read access token")
    try:
        token = raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise UsageError(f"--read-token-file {path} is not UTF-8 text: it is not a read access token") from None
    if not token:
        raise UsageError(f"--read-token-file {path} is empty: put the API Read Access Token in it")
    return token


def argv_warning(name: str) -> str:
    """The line printed when the secret argument `name` is given on the command line rather than as ``-``."""
    return (
        f"tmdb-auth: warning: {name} given on the command line can be read by other users (ps, /proc) and stays "
        "in your shell history; pass - and give it on stdin instead"
    )


def secret_argument(value: str, name: str, *, warn: bool = True) -> str:
    """A secret given on the command line, or read from stdin when it is ``-`` (one line, bounded).

    Given on the command line, it is visible to other local users while the command runs: a
    one-line warning says so and points to ``-`` (as ``docker login -p`` points to --password-stdin).
    """
    if value != "-":
        if warn:
            say(argv_warning(name))
        return value
    if sys.stdin is None:
        raise UsageError(f"{name} was - but stdin is closed")
    line = _stdin_line(sys.stdin, f"{name} was - but ")
    if not line:
        raise UsageError(f"{name} was - but stdin held no token")
    return line


def _stdin_line(stdin: TextIO, blame: str) -> str:
    """The first line of `stdin` (the callers say "closed" in their own words), bounded to MAX_SECRET_INPUT
    characters, stripped; a UsageError starting with `blame` (what took stdin) when it cannot be read as text
    or is too long."""
    try:
        line = stdin.readline(MAX_SECRET_INPUT + 1)
    except UnicodeDecodeError:
        raise UsageError(f"{blame}stdin is not text") from None
    except (OSError, ValueError) as exc:  # a directory, a write-only descriptor, a closed stream
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "it is not readable"
        raise UsageError(f"{blame}stdin cannot be read: {reason}") from None
    if len(line) > MAX_SECRET_INPUT:
        raise UsageError(f"{blame}stdin's first line is over {MAX_SECRET_INPUT} characters")
    return line.strip()


def _switch(name: str) -> bool:
    """An on/off environment variable: 1, true, yes or on; unset, empty, 0, false, no or off (UsageError else)."""
    value = os.environ.get(name, "").strip().lower()
    if value not in _TRUE + _FALSE:
        raise UsageError(f"{name} must be 1 (or true, yes, on) or 0 (or false, no, off), not {one_line(value)!r}")
    return value in _TRUE


def insecure_http_allowed(args: argparse.Namespace) -> bool:
    """--allow-insecure-http, or $TMDB_ALLOW_INSECURE_HTTP=1."""
    return bool(getattr(args, "allow_insecure_http", False)) or _switch(ALLOW_INSECURE_HTTP_ENV)


def _warn_insecure(api_url: str | None, site_url: str | None) -> None:
    """One warning line for each plain-http URL beyond loopback that --allow-insecure-http let through."""
    from urllib.parse import urlsplit

    named = {url: what for url, what in ((site_url, "the site"), (api_url, "the API")) if url}
    for url, what in named.items():
        parts = urlsplit(url)
        if parts.scheme == "http" and not is_loopback(parts.hostname or ""):
            say(
                f"tmdb-auth: warning: --allow-insecure-http: tokens travel in clear text to "
                f"{one_line(server_name(url, what))} (plain http, not loopback)"
            )


def _client(args: argparse.Namespace) -> TMDBAuth:
    """The facade configured from the common options."""
    from .client import TMDBAuth

    allow_insecure_http = insecure_http_allowed(args)
    auth = TMDBAuth(
        _read_token(args),
        base_url=args.base_url,
        site_url=args.site_url,
        timeout=args.timeout,
        allow_insecure_http=allow_insecure_http,
    )
    if allow_insecure_http:
        _warn_insecure(auth.base_url, auth.site_url)
    return auth


def _formatted(values: dict[str, str | None], format_name: str, env_names: dict[str, str]) -> str:
    """The result as one JSON line, or as ``NAME='value'`` lines for ``eval`` (every value shell-quoted)."""
    if format_name == "env":
        return env_assignments({env_names[key]: value or "" for key, value in values.items()})
    return json.dumps(values) + "\n"  # ASCII only: any character survives as an escape


def _report(text: str) -> None:
    """Write text to stdout; OutputError if it cannot be written (closed, full, its reader gone)."""
    Stdout().write(text)


def cmd_request_token(args: argparse.Namespace) -> int:
    with destination(args.output) as output, _client(args) as auth:
        output.check()
        request = auth.create_request_token(redirect_to=args.redirect_to)
        expires_at = request.expires_at.isoformat() if request.expires_at else None
        values = {
            "request_token": request.request_token,
            "approval_url": request.approval_url,
            "expires_at": expires_at,
        }
        names = {
            "request_token": "TMDB_REQUEST_TOKEN",
            "approval_url": "TMDB_APPROVAL_URL",
            "expires_at": "TMDB_REQUEST_TOKEN_EXPIRES_AT",
        }
        try:
            output.write(_formatted(values, args.format, names))
        except OutputError as error:
            raise OutputError(
                f"{error}; the request token created is not used and expires: run request-token again"
            ) from None
    return EXIT_OK


def cmd_access_token(args: argparse.Namespace) -> int:
    request_token = secret_argument(args.request_token, "REQUEST_TOKEN")
    with destination(args.output) as output, _client(args) as auth:
        output.check()  # the request token can be spent once: not before its result can be delivered
        try:
            token = auth.create_access_token(request_token)
        except KeyboardInterrupt:
            raise Interrupted(
                "interrupted during the exchange: the request token may have been consumed "
                "(if access-token then says it was used, create and approve a new one)"
            ) from None
        values: dict[str, str | None] = {"access_token": token.access_token, "account_id": token.account_id}
        try:
            output.write(
                _formatted(values, args.format, {"access_token": "TMDB_ACCESS_TOKEN", "account_id": "TMDB_ACCOUNT_ID"})
            )
        except OutputError as error:
            raise ResultLostError(
                f"the request token was consumed but the access token could not be delivered ({error}); "
                f"{_revoke_undelivered(auth, token.access_token)} Create and approve a new request token "
                "(tmdb-auth request-token), then run access-token again."
            ) from None
    return EXIT_OK


def _account_settings(server: str) -> str:
    """Where a user revokes an app's access by hand: only TMDB has account settings."""
    return " (you can revoke the app's access in your TMDB account settings)" if server == "TMDB" else ""


def _revoke_undelivered(auth: TMDBAuth, access_token: str) -> str:
    """Revoke an access token nobody received, rather than leave it valid; say which happened."""
    server = server_name(auth.base_url)
    settings = _account_settings(server)
    try:
        auth.logout(access_token)
    except TMDBError:
        return f"revoking it failed too, so it stays valid at {server} without anyone holding it{settings}."
    except KeyboardInterrupt:
        return f"revoking it was interrupted, so it may stay valid at {server} without anyone holding it{settings}."
    return "it was revoked."


def cmd_logout(args: argparse.Namespace) -> int:
    if args.access_token is None:
        return _logout_stored(args)
    if args.local_only:
        raise UsageError("--local-only forgets the stored login; it takes no ACCESS_TOKEN")
    access_token = secret_argument(args.access_token, "ACCESS_TOKEN")
    Stdout().check()
    with _client(args) as auth:
        auth.logout(access_token)
        server = server_name(auth.base_url)
    _report_done(f"Logged out: the access token is revoked at {server}.", "the access token was revoked")
    return EXIT_OK


def _report_done(text: str, done: str) -> None:
    """Report what a command did. Its exit code is about the work, done by now: when stdout fails this
    late (it was checked before starting), one warning line says what was done and the exit code stays 0."""
    try:
        _report(text + "\n")
    except OutputError as error:
        say(f"tmdb-auth: warning: {done}, but {error}")


# --- the terminal login: login, status, token, logout without ACCESS_TOKEN -----------------------
# What the server (or a credentials file) supplied, printed for people, goes through one_line first:
# control characters (ESC, BEL, CR, newlines) become spaces, so it cannot drive the terminal or
# forge a line (as gh's go-gh asciisanitizer does).
def _duration(seconds: float) -> str:
    minutes, secs = divmod(max(0, round(seconds)), 60)
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


def _store() -> CredentialStore:
    from .store import CredentialStore

    return CredentialStore()  # $TMDB_AUTH_CONFIG_DIR, else the user's config dir; $TMDB_AUTH_KEYRING


def _logged_in(store: CredentialStore) -> Credentials:
    credentials = store.load()
    if credentials is None:
        raise NotLoggedInError(f"not logged in (no credentials in {store.directory}); run: tmdb-auth login")
    return credentials


def _account(credentials: Credentials) -> str:
    return one_line(credentials.account_id)


def _client_for(args: argparse.Namespace, credentials: Credentials) -> TMDBAuth:
    """A client for the API that issued the stored login, when the configuration names that same API.

    The stored token goes only to the API that issued it, and the read token only where the current
    configuration (--base-url, else $TMDB_BASE_URL, else TMDB) says: a stored loopback URL may belong
    to another process by now. When the two differ, nothing is sent (ConfigurationError, exit 2).
    """
    auth = _client(args)
    if auth.base_url == credentials.base_url:
        return auth
    auth.close()
    if args.base_url:
        configured = f"--base-url names {auth.base_url}"
    elif os.environ.get(BASE_URL_ENV):
        configured = f"{BASE_URL_ENV} names {auth.base_url}"
    else:
        configured = f"{BASE_URL_ENV} is not set (so {auth.base_url})"
    raise ConfigurationError(
        f"the stored login was made at {credentials.base_url} but {configured}; its token is sent only to the API "
        f"that issued it, and your read token only where you configure. If that API is still there (e.g. the "
        f"emulator), set {BASE_URL_ENV}={credentials.base_url}; else forget the login: tmdb-auth logout --local-only"
    )


class _LoginReporter:
    """Tells the person at the terminal (stderr) what the login is waiting for, naming the servers truthfully."""

    def __init__(self, auth: TMDBAuth) -> None:
        self._minutes_left: int | None = None
        self._api = server_name(auth.base_url)
        self._site = server_name(auth.site_url, "the site")

    def __call__(self, event: LoginEvent) -> None:
        from .login import (
            ApprovalURLReady,
            BrowserAnswered,
            CallbackReceived,
            DenialNotConfirmed,
            NotApprovedYet,
            PollFailed,
            Waiting,
        )

        if isinstance(event, ApprovalURLReady):
            say(f"Approve this login on {self._site} within {_duration(event.seconds_left)}:")
            say(f"  {one_line(event.approval_url)}")
            if event.browser:
                say(
                    "Trying to open it in your browser; you can also open it in any browser, on this or another device."
                )
            elif event.no_browser:
                say(f"No browser is opened here: {one_line(event.no_browser)}.")
                say("Open it in a browser on any device (this one, your phone, another computer).")
            else:
                say("Open it in any browser, on this or another device.")
        elif isinstance(event, BrowserAnswered):
            if event.opened:
                say("Opened it in your browser.")
            else:
                say(
                    "Could not open a browser here: open the URL above in any browser, on this or another device "
                    "(on another device, the page it returns to after you approve does not load; this login "
                    "notices the approval anyway)."
                )
        elif isinstance(event, Waiting):
            self._minutes_left = int(event.seconds_left // 60)
            say("Waiting for your approval (Ctrl-C to cancel)...")
        elif isinstance(event, NotApprovedYet | PollFailed):
            minutes = int(event.seconds_left // 60)
            if isinstance(event, PollFailed):
                say(f"{capitalized(self._api)} did not answer ({type(event.error).__name__}); still waiting.")
            elif self._minutes_left is not None and minutes < self._minutes_left:
                say(f"Still waiting: {_duration(event.seconds_left)} left.")
            self._minutes_left = minutes
        elif isinstance(event, CallbackReceived):
            answer = f"access denied; asking {self._api} to confirm." if event.denied else "approved."
            say(f"The browser came back: {answer}")
        elif isinstance(event, DenialNotConfirmed):
            say(
                f"{capitalized(self._api)} says the request token still waits for approval: that denial did not "
                "come from the approval page (any program on this machine can send one). Still waiting."
            )


def _cancelled_login(auth: TMDBAuth, interrupt: LoginInterrupted) -> str:
    """What a Ctrl-C during the login left, in one line; an access token the API issued is revoked."""
    server = server_name(auth.base_url)
    if interrupt.exchange == "issued" and interrupt.token is not None:
        revoked = _revoke_undelivered(auth, interrupt.token.access_token)
        return f"Login cancelled after {server} issued the access token; nothing was stored and {revoked}"
    if interrupt.exchange == "uncertain":
        return (
            f"Login cancelled during the exchange; nothing was stored. {capitalized(server)} may have processed it: "
            f"if you had approved, an access token may exist that nobody holds{_account_settings(server)}."
        )
    return "Login cancelled; nothing was stored, and no access token was issued (the request token expires unused)."


def _refuse_under_ci() -> None:
    """`login` waits for a person; a CI job ($CI set to anything but 0, false, no or off: GitHub Actions and
    most CI services set CI=true) has nobody to approve, unless $BROWSER names a program that answers the
    page (a headless browser, as this project's own CI uses)."""
    ci = os.environ.get(CI_ENV, "").strip().lower() not in _FALSE  # CI=true, CI=1, CI=woodpecker...
    if ci and not os.environ.get("BROWSER"):
        raise UsageError(
            "login waits for a person to approve it in a browser, and CI is set (nobody is there to approve): log "
            "in on a machine with a browser and store that token here with tmdb-auth login --with-token < FILE, "
            "or script the steps with tmdb-auth request-token and tmdb-auth access-token (unset CI to wait anyway)"
        )


def cmd_login(args: argparse.Namespace) -> int:
    if args.with_token or args.token_argument is not None:
        return _login_with_token(args)
    from .login import LoginInterrupted, login
    from .store import Credentials

    _refuse_under_ci()
    store = _store()
    store.prepare()  # an unusable config directory fails now, before the user approves anything
    Stdout().check()  # and so does an output that cannot say the login worked
    try:
        previous = store.load()
    except CredentialStoreError as error:
        say(f"tmdb-auth: the stored login cannot be used ({one_line(str(error))}); logging in replaces it.")
        previous = None
    if previous is not None:
        say(
            f"Already logged in as account {_account(previous)}; logging in again replaces that login "
            "(its token stays valid: `tmdb-auth logout` first would revoke it)."
        )
    with _client(args) as auth:
        token = None
        pending: Credentials | None = None
        try:
            token = login(
                auth,
                port=args.port,
                open_browser=not args.no_browser,
                on_progress=_LoginReporter(auth),
                poll_interval=args.poll_interval,
            )
            pending = Credentials.new(token, base_url=auth.base_url)
            credentials = store.put(pending)
        except LoginInterrupted as interrupt:
            raise Interrupted(_cancelled_login(auth, interrupt)) from None
        except KeyboardInterrupt:  # TMDB issued the token: Ctrl-C while storing it (a keyring may hang)
            if pending is not None and store.holds(pending):
                raise Interrupted(
                    f"Interrupted, but the login was stored: logged in as account {_account(pending)}."
                ) from None
            left = LoginInterrupted("issued" if token is not None else "uncertain", token)
            raise Interrupted(_cancelled_login(auth, left)) from None
        except CredentialStoreError as error:
            # The new token could not be kept: revoke it rather than leave a live token nobody holds.
            assert token is not None
            try:
                auth.logout(token)
            except (TMDBError, KeyboardInterrupt):
                server = server_name(auth.base_url)
                raise CredentialStoreError(
                    f"{error}. Revoking the new token failed too, so it stays valid at {server} without being "
                    f"stored{_account_settings(server)}.",
                    path=error.path,
                ) from None
            raise CredentialStoreError(f"{error}. The new login was revoked; log in again.", path=error.path) from None
    scopes = one_line(", ".join(credentials.scopes)) or "none"
    where = one_line(store.describe(credentials))
    server = one_line(server_name(credentials.base_url))
    try:
        _report_done(
            f"Logged in to {server} as account {_account(credentials)} (scopes: {scopes}).\n"
            f"Credentials stored in {where}.",
            f"logged in as account {_account(credentials)}, stored in {where}",
        )
    except KeyboardInterrupt:
        raise Interrupted(
            f"Interrupted, but the login was stored: logged in as account {_account(credentials)}."
        ) from None
    return EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    store = _store()
    credentials = _logged_in(store)
    checked, rejected = _status_check(args, credentials)
    _report(
        f"Logged in to {one_line(server_name(credentials.base_url))} as account {_account(credentials)}\n"
        f"  scopes:    {one_line(', '.join(credentials.scopes)) or 'none'}\n"
        f"  since:     {credentials.created_at:%Y-%m-%d %H:%M:%S} UTC\n"
        f"  API:       {one_line(credentials.base_url)}\n"
        f"  stored in: {one_line(store.describe(credentials))}\n"
        f"  session:   {_session_status(credentials)}\n"
        f"  checked:   {checked}\n"
    )
    if rejected is not None:
        say(error_line(rejected, args))
        return exit_code_for(rejected)
    return EXIT_OK


def cmd_token(args: argparse.Namespace) -> int:
    with destination(args.output) as output:
        output.check()
        output.write(_logged_in(_store()).access_token + "\n")
    return EXIT_OK


def _logout_stored(args: argparse.Namespace) -> int:
    """Revoke the stored token at the API that issued it, then forget it; on failure keep it (nothing is lost)."""
    store = _store()
    if args.local_only:
        return _forget_stored(store)
    credentials = _logged_in(store)
    server = one_line(server_name(credentials.base_url))
    Stdout().check()  # before revoking: any exit code but 0 means the stored login was kept
    session: SessionOutcome = None
    try:
        with _client_for(args, credentials) as auth:  # the API that issued it, and only if configured there
            credentials, session = _end_stored_session(store, auth, credentials)
            auth.logout(credentials.access_token)
    except KeyboardInterrupt:
        raise Interrupted(
            f"Interrupted during the revocation: {server} may have revoked the token, and the stored login was kept "
            "(run tmdb-auth logout again: a token already revoked is then forgotten)."
        ) from None
    except InvalidAccessTokenError as error:
        if isinstance(session, TMDBError):
            return _session_not_ended(args, credentials, session, error, server)
        already = f"The token of account {_account(credentials)} was already invalid or revoked at {server}"
        if _forget_revoked(store, credentials, server):
            _report_done(
                f"{already}; forgot it.",
                f"the token was already invalid at {server} and the stored login was forgotten",
            )
        else:
            _report_done(f"{already}; {_KEPT}.", f"the token was already invalid at {server}; {_KEPT}")
        return EXIT_OK
    except TMDBError as error:
        say(error_line(error, args))
        if isinstance(session, TMDBError):
            say(f"tmdb-auth: {_session_failure(session, args)}")
        say(
            "tmdb-auth: the stored login was kept. Run tmdb-auth logout again, or tmdb-auth logout --local-only "
            "to forget it without revoking it."
        )
        return exit_code_for(error)
    if isinstance(session, TMDBError):
        return _session_not_ended(args, credentials, session, None, server)
    logged_out = f"Logged out account {_account(credentials)}: the token is revoked at {server}"
    if _forget_revoked(store, credentials, server):
        _report_done(
            f"{logged_out} and the stored login deleted.",
            "logged out: the token was revoked and the stored login deleted",
        )
    else:
        _report_done(f"{logged_out}; {_KEPT}.", f"logged out: the token was revoked; {_KEPT}")
    return EXIT_OK


_KEPT = "a login stored meanwhile (by another tmdb-auth login) was kept"


def _forget_revoked(store: CredentialStore, credentials: Credentials, server: str) -> bool:
    """Delete the stored login whose token is revoked, unless another login was stored meanwhile (False)."""
    try:
        deleted = store.delete(if_current=credentials)
    except CredentialStoreError as error:
        raise CredentialStoreError(
            f"the token of account {_account(credentials)} is revoked at {server}, but the stored login could not "
            f"be deleted: {error}",
            path=error.path,
        ) from None
    return deleted


def _forget_stored(store: CredentialStore) -> int:
    """logout --local-only: forget the stored login without revoking it."""
    try:
        known: Credentials | None = _logged_in(store)
    except CredentialStoreError:
        known = None  # unreadable or unsafe: forgetting it is still right
    Stdout().check()
    if known is None:
        if not store.delete():
            raise NotLoggedInError(f"not logged in (no credentials in {store.directory})")
        _report_done("Forgot the stored login. Its token was not revoked.", "forgot the stored login")
    elif store.delete(if_current=known):
        server = one_line(server_name(known.base_url))
        not_ended = "token was not revoked" if known.session_id is None else "token and v3 session were not ended"
        _report_done(
            f"Forgot the stored login of account {_account(known)}. Its {not_ended} at {server}.",
            "forgot the stored login",
        )
    else:
        _report_done(
            f"Nothing forgotten: {_KEPT}; run tmdb-auth logout --local-only again to forget it.",
            f"nothing forgotten: {_KEPT}",
        )
    return EXIT_OK


# --- v3 sessions, tokens from elsewhere, and checks: session, login --with-token, status --check ------------

SessionOutcome: TypeAlias = "Literal['ended'] | TMDBError | None"


def _session_output(session_id: str, format_name: str) -> str:
    if format_name == "json":
        return json.dumps({"session_id": session_id}) + "\n"
    if format_name == "env":
        return env_assignments({"TMDB_SESSION_ID": session_id})
    return session_id + "\n"


def cmd_session(args: argparse.Namespace) -> int:
    """Print the stored login's v3 session id, creating it (once) and storing it with the login first."""
    store = _store()
    credentials = _logged_in(store)
    Stdout().check()  # before a session is created: one that cannot be delivered is not made
    if credentials.session_id is not None:
        _report(_session_output(credentials.session_id, args.format))
        return EXIT_OK
    with _client_for(args, credentials) as auth:  # the API that issued the token, and only if configured there
        try:
            session = auth.create_session(credentials.access_token)
        except KeyboardInterrupt:
            raise Interrupted(
                f"interrupted while {one_line(server_name(auth.base_url))} created the session: it may have made one "
                "that nobody received; run tmdb-auth session again"
            ) from None
        _store_session(store, auth, credentials, session)
    try:
        _report(_session_output(session.session_id, args.format))
    except OutputError as error:
        raise ResultLostError(
            f"the v3 session was created and stored with the login, but could not be written ({error}); "
            "run tmdb-auth session again to print it (tmdb-auth logout ends it)"
        ) from None
    return EXIT_OK


def _store_session(store: CredentialStore, auth: TMDBAuth, credentials: Credentials, session: Session) -> None:
    """Add `session` to the stored login `credentials` (compare-and-swap); where that cannot be done, end the
    session at TMDB rather than leave it live with nobody holding it, and say so."""
    import attrs

    updated = attrs.evolve(credentials, session_id=session.session_id)
    try:
        if store.update(credentials, updated):
            return
    except CredentialStoreError as error:
        raise CredentialStoreError(
            f"{error}; the v3 session just created {_end_undelivered_session(auth, session)}", path=error.path
        ) from None
    except KeyboardInterrupt:
        if _stored_session_id(store) == session.session_id:
            raise Interrupted("interrupted, but the v3 session was stored: tmdb-auth session prints it") from None
        raise Interrupted(
            f"interrupted while storing the v3 session; it {_end_undelivered_session(auth, session)}"
        ) from None
    raise CredentialStoreError(
        "the stored login changed while the v3 session was created (another tmdb-auth login or logout ran); the "
        f"session {_end_undelivered_session(auth, session)} Run tmdb-auth session again.",
        path=store.path,
    )


def _stored_session_id(store: CredentialStore) -> str | None:
    try:
        credentials = store.load()
    except (CredentialStoreError, KeyboardInterrupt):
        return None
    return None if credentials is None else credentials.session_id


def _end_undelivered_session(auth: TMDBAuth, session: Session) -> str:
    """End a session nobody holds, rather than leave it acting for the user; say which happened."""
    server = one_line(server_name(auth.base_url))
    try:
        auth.delete_session(session)
    except TMDBError as error:
        return (
            f"could not be ended ({type(error).__name__}), so it stays live at {server} without anyone holding it (it "
            "ends when you revoke the app's access in your TMDB account settings)."
        )
    except KeyboardInterrupt:
        return f"may stay live at {server} without anyone holding it (ending it was interrupted)."
    return f"was ended at {server}."


def _end_stored_session(
    store: CredentialStore, auth: TMDBAuth, credentials: Credentials
) -> tuple[Credentials, SessionOutcome]:
    """logout: end the stored login's v3 session first (it outlives the token), and forget it once ended.

    Returns the login as now stored and the outcome: None (there was no session), "ended", or the error
    that kept it from ending (then the session stays stored, for the next logout)."""
    import attrs

    from .errors import InvalidSessionError

    session = credentials.to_session()
    if session is None:
        return credentials, None
    server = one_line(server_name(auth.base_url))
    try:
        auth.delete_session(session)
    except InvalidSessionError:
        pass  # ended already (elsewhere, or by a logout interrupted after TMDB answered): nothing left to end
    except TMDBError as error:
        return credentials, error
    except KeyboardInterrupt:
        raise Interrupted(
            f"Interrupted while ending the v3 session: {server} may have ended it; the stored login was kept, and "
            "the token was not revoked (run tmdb-auth logout again)."
        ) from None
    _report_done(
        f"Ended the v3 session of account {_account(credentials)} at {server}.", f"the v3 session was ended at {server}"
    )
    without = attrs.evolve(credentials, session_id=None)
    try:
        store.update(credentials, without)  # False when another login replaced it: logout keeps that one anyway
    except CredentialStoreError:
        return credentials, "ended"  # stored still, ended at TMDB: the next logout finds it ended (code 37)
    return without, "ended"


def _session_failure(error: TMDBError, args: argparse.Namespace) -> str:
    return f"its v3 session could not be ended ({error_text(error, args)})."


def _session_not_ended(
    args: argparse.Namespace,
    credentials: Credentials,
    session_error: TMDBError,
    token_error: TMDBError | None,
    server: str,
) -> int:
    """logout: the token is revoked (or was already) but the v3 session could not be ended: keep the login."""
    token = "was already invalid or revoked" if token_error is not None else "is revoked"
    say(f"tmdb-auth: error: {_session_failure(session_error, args)}")
    _report_done(
        f"The token of account {_account(credentials)} {token} at {server}, but its v3 session could not be ended: "
        "the stored login was kept with it. Run tmdb-auth logout again to end it (or tmdb-auth logout --local-only "
        "to forget it).",
        f"the token {token} at {server}; the v3 session could not be ended and the stored login was kept",
    )
    return exit_code_for(session_error)


def _session_status(credentials: Credentials) -> str:
    if credentials.session_id is None:
        return "none (tmdb-auth session creates one)"
    return "a v3 session is stored with the login (tmdb-auth session prints it)"


def _status_check(args: argparse.Namespace, credentials: Credentials) -> tuple[str, TMDBError | None]:
    """The status line saying what was checked, and the error when the server rejected the token (status --check)."""
    server = one_line(server_name(credentials.base_url))
    if not args.check:
        return f"stored; not checked with {server} (tmdb-auth status --check asks it)", None
    with _client_for(args, credentials) as auth:
        try:
            auth.check_access_token(credentials.to_access_token())
        except InvalidAccessTokenError as error:
            return f"{server} rejected the access token just now (invalid, expired or revoked): log in again", error
    return (
        f"{server} accepted the access token just now (GET /4/account/.../lists, which changes nothing); "
        "the v3 session is not checked"
    ), None


def _read_token_from_stdin() -> str:
    """The first line of stdin (bounded), stripped: where login --with-token takes the token."""
    if sys.stdin is None:
        raise UsageError("--with-token reads the access token from stdin, which is closed")
    token = _stdin_line(sys.stdin, "--with-token: ")
    if not token:
        raise UsageError(
            "--with-token reads the access token from stdin, which held none (e.g. tmdb-auth login "
            "--with-token < token.txt)"
        )
    return token


def access_token_from_input(token: str, read_token: str | None) -> AccessToken:
    """`token` as an AccessToken if it is shaped like a TMDB v4 user access token (a JWT whose payload names the
    account in ``sub`` and has ``scopes``), else UsageError saying what it is instead (never quoting it)."""
    import time

    from .models import AccessToken, decode_jwt_payload

    if len(token) > 4096 or not all("!" <= char <= "~" for char in token):
        raise UsageError(
            "that is not a TMDB access token: it has spaces, control or non-ASCII characters, or is over 4096 long"
        )
    if read_token is not None and token == read_token:
        raise UsageError(
            f"that is the app's API Read Access Token (${READ_TOKEN_ENV}), not a user's access token: log in "
            "with tmdb-auth login to get one"
        )
    claims = decode_jwt_payload(token)
    if not claims:
        raise UsageError("that is not a TMDB access token: TMDB's are JWTs (three dot-separated parts, eyJ...)")
    scopes = claims.get("scopes")
    if not isinstance(scopes, list) or not scopes or not all(isinstance(scope, str) for scope in scopes):
        raise UsageError("that JWT is not a TMDB access token: its payload has no 'scopes' list")
    if "pending_request_token" in scopes:
        raise UsageError(
            "that is a request token, not an access token: have the user approve it, then exchange it "
            "(tmdb-auth access-token -), or log in with tmdb-auth login"
        )
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject or not all("!" <= char <= "~" for char in subject):
        raise UsageError("that JWT is not a TMDB access token: its payload names no account ('sub')")
    expires = claims.get("exp")
    if isinstance(expires, int | float) and not isinstance(expires, bool) and expires <= time.time():
        raise UsageError("that access token has expired (its 'exp' claim is past): log in again")
    return AccessToken(access_token=token, account_id=subject)


def _login_with_token(args: argparse.Namespace) -> int:
    """login --with-token: store a v4 access token obtained elsewhere, read from stdin; offline."""
    if args.token_argument is not None:
        raise UsageError(
            "login takes no token on the command line: other users can read it (ps, /proc) and it stays in your "
            "shell history. Give it on stdin: tmdb-auth login --with-token < FILE"
        )
    from ._settings import resolve_base_url

    allow_insecure_http = insecure_http_allowed(args)
    base_url = resolve_base_url(args.base_url, allow_insecure_http, os.environ)  # where the token goes later
    if allow_insecure_http:
        _warn_insecure(base_url, None)
    read_token = _read_token(args) or os.environ.get(READ_TOKEN_ENV)
    token = access_token_from_input(_read_token_from_stdin(), read_token.strip() if read_token else None)
    store = _store()
    store.prepare()
    Stdout().check()
    try:
        previous = store.load()
    except CredentialStoreError:
        previous = None  # unusable: replaced
    if previous is not None:
        say(
            f"Replacing the login of account {_account(previous)} (its token stays valid at "
            f"{one_line(server_name(previous.base_url))}: `tmdb-auth logout` first would revoke it)."
        )
    credentials = store.save(token, base_url=base_url)
    scopes = one_line(", ".join(credentials.scopes))
    where = one_line(store.describe(credentials))
    _report_done(
        f"Stored the access token of account {_account(credentials)} (scopes: {scopes}), for "
        f"{one_line(base_url)}, in {where}.\n"
        f"Not checked with {one_line(server_name(base_url))} (nothing was sent): tmdb-auth status --check asks it.",
        f"stored the access token of account {_account(credentials)} in {where}",
    )
    return EXIT_OK


def cmd_approve_url(args: argparse.Namespace) -> int:
    from .client import approval_url

    request_token = secret_argument(args.request_token, "REQUEST_TOKEN")
    allow_insecure_http = insecure_http_allowed(args)
    url = approval_url(
        request_token, site_url=args.site_url, redirect_to=args.redirect_to, allow_insecure_http=allow_insecure_http
    )
    if allow_insecure_http:
        _warn_insecure(None, url)
    _report(url + "\n")
    return EXIT_OK


def emulator_module() -> ModuleType:
    """`tmdb_auth.emulator`, or a UsageError naming the extra to install when its dependencies are missing."""
    import importlib

    try:
        return importlib.import_module(f"{__package__}.emulator")
    except ImportError as exc:
        missing = f" ({exc.name} is not installed)" if exc.name else ""
        raise UsageError(f"this command needs the emulator extra{missing}: {EMULATOR_EXTRA}") from exc


def cmd_emulator(args: argparse.Namespace) -> int:
    emulator_mod = emulator_module()
    try:
        rate_limit = emulator_mod.parse_rate_limit(args.rate_limit) if args.rate_limit else None
        faults = [emulator_mod.parse_fault(spec) for spec in args.fault]
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    # The emulator's read token and API key are made up for offline tests, not TMDB credentials: no warning.
    read_token = secret_argument(args.read_token, "--read-token", warn=False) if args.read_token else None
    api_key = secret_argument(args.api_key, "--api-key", warn=False) if args.api_key else None
    try:  # every option is checked here (ConfigurationError), before anything listens
        emulator = emulator_mod.Emulator(
            args.host,
            args.port,
            read_token=read_token,
            api_key=api_key,
            rate_limit=rate_limit,
            auto_approve=args.auto_approve,
        )
        for fault, count in faults:
            emulator.inject(fault.kind, count, fault.seconds)
        emulator.start()
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        raise UsageError(f"cannot listen on {args.host} port {args.port}: {exc.strerror or exc}") from None
    warning = emulator.exposure_warning()
    if warning:
        say(f"tmdb-auth: warning: {warning}")
    try:
        _report(f"TMDB v4 auth emulator listening on {emulator.base_url}\n")
        _report(
            env_assignments(
                {
                    "TMDB_BASE_URL": emulator.base_url,
                    "TMDB_READ_ACCESS_TOKEN": emulator.read_token,
                    "TMDB_API_KEY": emulator.api_key,
                    "TMDB_SITE_URL": emulator.base_url,
                }
            )
        )
        _report("Press Ctrl-C to stop.\n")
        _wait_for_signal()
    finally:
        emulator.stop()
    _report("emulator stopped\n")
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
    emulator_module()
    from .demo import run_demo

    return run_demo(lambda line: _report(line + "\n"))


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every sub-command."""
    parser = argparse.ArgumentParser(
        prog="tmdb-auth",
        description="TMDB API v4 user login from the command line, and a local TMDB auth emulator.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.set_defaults(handler=None)  # no command: print this help
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, handler: Callable[[argparse.Namespace], int], help_text: str) -> argparse.ArgumentParser:
        # The exit codes and variables are in `tmdb-auth --help` only: each command's help stays short.
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(handler=handler)
        return sub

    def insecure_option(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            "--allow-insecure-http",
            action="store_true",
            help=f"allow plain http to a host that is not loopback (an emulator on another machine): tokens travel "
            f"in clear text (also ${ALLOW_INSECURE_HTTP_ENV}=1)",
        )

    def site_url_option(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            "--site-url",
            metavar="URL",
            help=f"the TMDB website serving the approval page (default: ${SITE_URL_ENV}, else {DEFAULT_SITE_URL})",
        )

    def output_option(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            "--output",
            metavar="FILE",
            help="write the result to FILE instead of stdout: atomically (whole or not at all), readable by you only "
            "(mode 0600); its directory is checked before anything is sent",
        )

    def api_options(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            "--read-token-file",
            metavar="PATH",
            help=f"file holding the API Read Access Token (default: ${READ_TOKEN_ENV})",
        )
        sub.add_argument("--base-url", help="API root (default: $TMDB_BASE_URL, else https://api.themoviedb.org)")
        site_url_option(sub)
        sub.add_argument(
            "--timeout", type=float, default=DEFAULT_TIMEOUT, help=f"seconds per request (default: {DEFAULT_TIMEOUT:g})"
        )
        insecure_option(sub)
        sub.add_argument("-v", "--verbose", action="store_true", help=f"log requests and retries (as {LOG_ENV}=info)")

    request = add("request-token", cmd_request_token, "Create a request token for the user to approve.")
    request.add_argument("--redirect-to", metavar="URL", help="where TMDB sends the user after approving")
    request.add_argument("--format", choices=["json", "env"], default="json", help="output format (default: json)")
    output_option(request)
    api_options(request)

    access = add("access-token", cmd_access_token, "Exchange an approved request token for a user access token.")
    access.add_argument("request_token", metavar="REQUEST_TOKEN", help=f"the approved request token, {STDIN_HELP}")
    access.add_argument("--format", choices=["json", "env"], default="json", help="output format (default: json)")
    output_option(access)
    api_options(access)

    login = add(
        "login",
        cmd_login,
        "Log in from the terminal: approve in a browser (this device or another), then the access token is stored.",
    )
    login.add_argument(
        "--no-browser",
        action="store_true",
        help="print the approval URL without opening a browser, to approve on any device (no return to this machine)",
    )
    login.add_argument(
        "--port", type=int, default=0, help="loopback port for the browser's return (default: 0, any free port)"
    )
    login.add_argument(
        "--poll-interval",
        type=float,
        default=DEFAULT_POLL_INTERVAL,
        metavar="SECONDS",
        help=f"how often to ask the API whether the login was approved (default: {DEFAULT_POLL_INTERVAL:g})",
    )
    login.add_argument(
        "--with-token",
        action="store_true",
        help="store a v4 access token obtained elsewhere, read from stdin (never an argument); nothing is sent "
        "to TMDB (tmdb-auth status --check asks it)",
    )
    login.add_argument("token_argument", nargs="?", help=argparse.SUPPRESS)  # refused: see --with-token
    api_options(login)

    status = add(
        "status",
        cmd_status,
        "Show who is logged in, with which scopes, since when, and where it is stored; offline unless --check.",
    )
    status.add_argument(
        "--check",
        action="store_true",
        help="ask TMDB whether it still accepts the stored access token, with a call that changes nothing",
    )
    api_options(status)
    session = add(
        "session",
        cmd_session,
        "Print a v3 session id for the stored login (created once, then stored with it), e.g. "
        'eval "$(tmdb-auth session --format env)".',
    )
    session.add_argument(
        "--format",
        choices=["text", "json", "env"],
        default="text",
        help='text: the id alone; json: {"session_id": ...}; env: export TMDB_SESSION_ID=... (default: text)',
    )
    api_options(session)
    token = add("token", cmd_token, "Print the stored access token, e.g. export TMDB_ACCESS_TOKEN=$(tmdb-auth token).")
    output_option(token)

    logout = add(
        "logout",
        cmd_logout,
        "Log out: end the stored login's v3 session and revoke its access token at TMDB, then forget them (or revoke "
        "the ACCESS_TOKEN given).",
    )
    logout.add_argument(
        "access_token",
        metavar="ACCESS_TOKEN",
        nargs="?",
        help=f"a user access token to revoke instead of the stored one, {STDIN_HELP}",
    )
    logout.add_argument("--local-only", action="store_true", help="forget the stored login without revoking it at TMDB")
    api_options(logout)

    approve = add("approve-url", cmd_approve_url, "Print the TMDB page where the user approves a request token.")
    approve.add_argument("request_token", metavar="REQUEST_TOKEN", help=f"the request token, {STDIN_HELP}")
    approve.add_argument("--redirect-to", metavar="URL", help="where TMDB sends the user after approving")
    site_url_option(approve)
    insecure_option(approve)

    emulator = add(
        "emulator", cmd_emulator, f"Run the local TMDB v4 auth emulator in the foreground ({EMULATOR_EXTRA})."
    )
    emulator.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    emulator.add_argument("--port", type=int, default=8000, help="port (default: 8000; 0 picks a free one)")
    emulator.add_argument(
        "--read-token", help=f"the read access token to accept (default: a random one, printed), {STDIN_HELP}"
    )
    emulator.add_argument(
        "--api-key", help=f"the v3 API key to accept on the v3 routes (default: a random one, printed), {STDIN_HELP}"
    )
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

    add("demo", cmd_demo, f"Run the whole login flow against a local emulator and show each step ({EMULATOR_EXTRA}).")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``tmdb-auth`` console script; returns the exit code."""
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if args.handler is None:  # bare `tmdb-auth`: what it can do, and nothing wrong about it
            args.handler = _print_help(parser)
        return _run(args)
    finally:
        finish_stdout()  # a reader gone by now is not worth an "Exception ignored" at exit


def _print_help(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    """The handler of bare `tmdb-auth`: the help on stdout (a stdout that cannot take it is exit 10, as for
    any command)."""

    def handler(args: argparse.Namespace) -> int:
        _report(parser.format_help())
        return EXIT_OK

    return handler


def _configure_logging(args: argparse.Namespace) -> None:
    """$TMDB_AUTH_LOG (-v: info): log to stderr, secrets redacted. Without either, logging is not even imported."""
    value = os.environ.get(LOG_ENV, "").strip().lower()
    verbose = bool(getattr(args, "verbose", False))
    if not value and not verbose:
        return
    from . import _log

    if value not in _log.LEVELS:
        if value:
            say(f"tmdb-auth: warning: {LOG_ENV} must be one of {', '.join(_log.LEVELS)}, not {one_line(value)!r}")
        value = "info" if verbose else ""
    if value:
        _log.configure(value, secrets=[os.environ.get(READ_TOKEN_ENV, "")])


def _run(args: argparse.Namespace) -> int:
    """Run the command; every outcome is an exit code and, on failure, one line on stderr."""
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        _configure_logging(args)
        return handler(args)
    except Interrupted as error:
        say(f"tmdb-auth: {one_line(str(error))}")
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:
        say("tmdb-auth: interrupted")
        return EXIT_INTERRUPTED
    except (TMDBError, UsageError, NotLoggedInError, OutputError, ResultLostError) as error:
        say(error_line(error, args))
        return exit_code_for(error)
    except Exception as error:  # no traceback for users; the type says what to report
        say(f"tmdb-auth: internal error ({type(error).__name__}); please report it")
        if os.environ.get("TMDB_AUTH_DEBUG"):
            raise
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
