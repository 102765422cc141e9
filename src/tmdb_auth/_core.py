"""The sans-I/O core of every operation: arguments in, generated request model out; status,
headers and body (or the generated layer's parsed model) in, result or typed error out.

No I/O and no HTTP library here: the sync and async shells in `client.py` share all of it,
and it can be tested with plain values.
"""

from __future__ import annotations

import enum
import itertools
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode, urlsplit

import attrs

from tmdb_v4_client.models import (
    AccountListsV4Response200,
    AuthenticationCreateSessionFromV4TokenBody,
    AuthenticationCreateSessionFromV4TokenResponse200,
    AuthenticationDeleteSessionBody,
    AuthenticationDeleteSessionResponse200,
    CreateAnAccessTokenBody,
    CreateAnAccessTokenResponse200,
    CreateARequestTokenBody,
    CreateARequestTokenResponse200,
    LogoutBody,
    LogoutResponse200,
)
from tmdb_v4_client.types import Unset

from ._settings import BASE_URL, READ_TOKEN_ENV, capitalized
from ._wording import Phrase, Term, phrase
from .errors import (
    APIError,
    AuthenticationError,
    InvalidAccessTokenError,
    InvalidInputError,
    InvalidRequestTokenError,
    InvalidSessionError,
    NetworkError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RedactedCause,
    RequestTokenNotApprovedError,
    ResponseFormatError,
    ServerError,
    ServiceUnavailableError,
    TMDBError,
    one_line,
)
from .models import AccessToken, RequestToken, Session, decode_jwt_payload, jwt_expiry


class Operation(enum.Enum):
    """The facade's operations; the retry policy and the error messages depend on which one ran."""

    CREATE_REQUEST_TOKEN = "create_request_token"  # noqa: S105 (an operation name)
    CREATE_ACCESS_TOKEN = "create_access_token"  # noqa: S105 (an operation name)
    LOGOUT = "logout"
    CREATE_SESSION = "create_session"
    DELETE_SESSION = "delete_session"
    CHECK_ACCESS_TOKEN = "check_access_token"  # noqa: S105 (an operation name)


# What messages name, in a Python caller's words (see _wording; the CLI has its own).
REQUEST_TOKEN = Term("request_token")
ACCESS_TOKEN = Term("access_token")
REDIRECT_TO = Term("redirect_to")
READ_TOKEN_CHECK = Term("read_token.check", f"{READ_TOKEN_ENV} or read_access_token")
LOGIN_STEPS = Term("login.steps", "create_request_token -> the user approves -> create_access_token")
PENDING_APPROVAL = Term(
    "approval.pending",
    "Send the user to its approval page (RequestToken.approval_url) and call again once they have approved it",
)
EXCHANGE_MAY_HAVE_RUN = Term(
    "exchange.may_have_run",
    "do not retry blindly; if a retry fails with InvalidRequestTokenError, start the login again with a new "
    "request token",
)
LOGOUT_MAY_HAVE_RUN = Term(
    "logout.may_have_run",
    "call logout again; if that answers InvalidAccessTokenError, the access token is already revoked",
)
DELETE_SESSION_MAY_HAVE_RUN = Term(
    "delete_session.may_have_run",
    "call delete_session again; if that answers InvalidSessionError, the session is ended",
)
NEW_SESSION = Term("session.new", "create_session makes a new one")
ACCOUNT_ID_SOURCE = Term("account_id.source", "AccessToken.account_id")


# --- tokens and inputs ------------------------------------------------------------------------

MAX_TOKEN_LENGTH = 4096
MAX_URL_LENGTH = 2048
_TOKEN = re.compile(r"[\x21-\x7e]+")  # visible ASCII: no whitespace, control or non-ASCII characters
_REDACTED = "<redacted>"
_MAX_MESSAGE = 200


def token_problem(value: object) -> str | None:
    """What is wrong with the shape of a token (any of TMDB's), or None if it is plausible.

    Tokens travel in JSON bodies and in the Authorization header: anything outside visible
    ASCII would be rejected by httpx with an error that may quote it, or allow header injection.
    """
    if not isinstance(value, str):
        return f"must be a str, not {type(value).__name__}"
    if not value:
        return "is empty"
    if len(value) > MAX_TOKEN_LENGTH:
        return f"is {len(value)} characters long, more than {MAX_TOKEN_LENGTH}: this is not a TMDB token"
    if not _TOKEN.fullmatch(value):
        return (
            "contains whitespace, control or non-ASCII characters: pass the token exactly as TMDB returned it "
            "(check for a trailing newline)"
        )
    return None


def check_token(value: object, name: str) -> str:
    """`value` if it is shaped like a token, else InvalidInputError naming `name` (never the value)."""
    problem = token_problem(value)
    if problem is not None:
        raise InvalidInputError(phrase(name, f" {problem}"))
    assert isinstance(value, str)
    return value


def check_redirect_to(redirect_to: object) -> str | None:
    """`redirect_to` if it is None or an absolute http(s) URL, else InvalidInputError."""
    if redirect_to is None:
        return None
    if not isinstance(redirect_to, str):
        raise InvalidInputError(
            phrase(REDIRECT_TO, f" must be a str (an absolute http(s) URL), not {type(redirect_to).__name__}")
        )
    shown = redirect_to[:100]
    if len(redirect_to) > MAX_URL_LENGTH or not redirect_to.isprintable() or not redirect_to.isascii():
        raise InvalidInputError(
            phrase(
                REDIRECT_TO,
                f" {shown!r} must be a printable ASCII URL of at most {MAX_URL_LENGTH} characters "
                "(percent-encode anything else)",
            )
        )
    try:
        parts = urlsplit(redirect_to)
        absolute = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:  # a malformed port or IPv6 literal
        absolute = False
    if not absolute or " " in redirect_to:
        raise InvalidInputError(
            phrase(
                REDIRECT_TO,
                f" {shown!r} must be an absolute http(s) URL such as 'https://example.com/tmdb/callback': "
                "TMDB sends the user's browser there after approval",
            )
        )
    return redirect_to


def request_token_body(redirect_to: str | None) -> CreateARequestTokenBody:
    """The body of POST /4/auth/request_token (``{}`` or ``{"redirect_to": ...}``)."""
    checked = check_redirect_to(redirect_to)
    return CreateARequestTokenBody() if checked is None else CreateARequestTokenBody(redirect_to=checked)


def access_token_body(request_token: object) -> CreateAnAccessTokenBody:
    """The body of POST /4/auth/access_token; InvalidInputError if the request token is malformed."""
    return CreateAnAccessTokenBody(request_token=check_token(request_token, REQUEST_TOKEN))


def logout_body(access_token: object) -> LogoutBody:
    """The body of DELETE /4/auth/access_token; InvalidInputError if the access token is malformed."""
    return LogoutBody(access_token=check_token(access_token, ACCESS_TOKEN))


def create_session_body(access_token: object) -> AuthenticationCreateSessionFromV4TokenBody:
    """The body of POST /3/authentication/session/convert/4; InvalidInputError if the access token is malformed."""
    return AuthenticationCreateSessionFromV4TokenBody(access_token=check_token(access_token, ACCESS_TOKEN))


def delete_session_body(session_id: object) -> AuthenticationDeleteSessionBody:
    """The body of DELETE /3/authentication/session; InvalidInputError if the session id is malformed."""
    return AuthenticationDeleteSessionBody(session_id=check_token(session_id, "session_id"))


def token_account(access_token: str, account_id: str | None) -> str:
    """The v4 account an access token acts for: `account_id` when known, else the token's ``sub`` claim.

    InvalidInputError (naming neither value) when neither says: the check needs the account.
    """
    if account_id is None:
        subject = decode_jwt_payload(access_token).get("sub")
        if not isinstance(subject, str) or not subject:
            raise InvalidInputError(
                "the access token does not say which account it is for (it is not a JWT with a 'sub' claim, as "
                "TMDB's are): pass the AccessToken that create_access_token returned"
            )
        account_id = subject
    return check_token(account_id, "the account id")


def approval_url(site_url: str, request_token: object, redirect_to: str | None = None) -> str:
    """The TMDB page where the user approves `request_token`: ``<site_url>/auth/access?request_token=...``.

    `site_url` must already be validated (see `_settings.resolve_site_url`).
    """
    query = {"request_token": check_token(request_token, REQUEST_TOKEN)}
    checked = check_redirect_to(redirect_to)
    if checked is not None:
        query["redirect_to"] = checked
    return f"{site_url}/auth/access?{urlencode(query)}"


# What a token looks like when a server quotes one the client does not know (its own fresh
# access token, a session id): a JWT, a long run of hex or base64(url) characters mixing
# letters and digits, or whatever follows a word such as "token", "Bearer" or "api_key".
_JWT_SHAPE = re.compile(r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*")
_LONG_RUN = re.compile(r"[A-Za-z0-9_+/-]{24,}={0,2}")
_AFTER_KEYWORD = re.compile(
    r"(?i)\b(?P<key>bearer|authorization|[a-z_]*token|[a-z_]*secret|password|api[_ -]?key|session[_ -]?id)s?\b"
    r"(?P<sep>[\"']?\s*[:=]\s*[\"']?|\s+[\"']?)"
    r"(?P<value>(?:bearer\s+)?[^\s\"'<>,;]+)"
)
_REDACT_WINDOW = 64 * 1024  # server text longer than this is cut (at a space) before redaction


def _mixes_letters_and_digits(run: str) -> bool:
    return any(char.isdigit() for char in run) and any(char.isalpha() for char in run)


def _redact_long_run(match: re.Match[str]) -> str:
    return _REDACTED if _mixes_letters_and_digits(match[0]) else match[0]


def _redact_keyword_value(match: re.Match[str]) -> str:
    word = match["value"].rstrip(".!?)]}")
    if word.isalpha() and len(word) < 16:  # "the request token has expired", "Invalid API key: You must..."
        return match[0]
    return match[0][: match.start("value") - match.start()] + _REDACTED


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` (server-provided, or an exception message quoting it) without secrets.

    Every known secret (the tokens this call sent) and anything shaped like a token (a JWT,
    a long hex or base64 run mixing letters and digits, the value after "token", "Bearer",
    "api_key"...) becomes ``<redacted>``: a server may quote tokens the client never knew,
    such as the access token it just issued.
    """
    if len(text) > _REDACT_WINDOW:  # cut, dropping the last word: it may be half a token
        words = text[:_REDACT_WINDOW].rsplit(maxsplit=1)
        text = words[0] if len(words) == 2 else ""
    for secret in secrets:
        if secret:
            text = text.replace(secret, _REDACTED)
    text = _JWT_SHAPE.sub(_REDACTED, text)
    text = _LONG_RUN.sub(_redact_long_run, text)
    return _AFTER_KEYWORD.sub(_redact_keyword_value, text)


# --- errors -------------------------------------------------------------------------------------

# TMDB status codes (https://developer.themoviedb.org/docs/errors) that concern auth.
AUTH_FAILED_NO_PERMISSION = 3
INVALID_API_KEY = 7
SERVICE_OFFLINE = 9
SUSPENDED_API_KEY = 10
AUTHENTICATION_FAILED = 14
SESSION_DENIED = 17
RATE_LIMIT = 25
INVALID_REQUEST_TOKEN = 33
INVALID_TOKEN = 35
NO_WRITE_PERMISSION = 36
NO_EDIT_PERMISSION = 38
SESSION_NOT_FOUND = 37
RESOURCE_PRIVATE = 39
NOT_APPROVED = 41
USER_SUSPENDED = 45
MAINTENANCE = 46
# What TMDB answers for a Bearer it does not accept (on a call whose only credential is the user's access token).
_REJECTED_BEARER = (AUTH_FAILED_NO_PERMISSION, INVALID_API_KEY, AUTHENTICATION_FAILED, SESSION_DENIED, INVALID_TOKEN)

READ_TOKEN = "the app's API Read Access Token"  # noqa: S105 (how messages name it)
_CHECK_READ_CREDENTIAL = phrase(
    "Check ",
    READ_TOKEN_CHECK,
    ": it must be the 'API Read Access Token' from https://www.themoviedb.org/settings/api, not the v3 API key.",
)
_WRITE_PERMISSION_HELP = phrase(
    f"{READ_TOKEN} is read-only: acting for a user (writing lists, ratings...) needs that user's access token "
    "as the Bearer, from the v4 login (",
    LOGIN_STEPS,
    "). If that was a user access token, the user approved it without write access: log in again.",
)

_MAY_HAVE_RUN = {
    Operation.CREATE_REQUEST_TOKEN: phrase("Creating a request token is harmless to repeat: try again."),
    Operation.CREATE_ACCESS_TOKEN: phrase(
        "The server may have processed the request, so the request token may already be consumed: ",
        EXCHANGE_MAY_HAVE_RUN,
        ".",
    ),
    Operation.LOGOUT: phrase("The server may have processed the logout: ", LOGOUT_MAY_HAVE_RUN, "."),
    Operation.CREATE_SESSION: phrase(
        "The server may have created a session nobody received (it acts for the user until deleted, but its id "
        "was never sent to anyone): try again for a new one."
    ),
    Operation.DELETE_SESSION: phrase("The server may have ended the session: ", DELETE_SESSION_MAY_HAVE_RUN, "."),
    Operation.CHECK_ACCESS_TOKEN: phrase("The check changes nothing: try again."),
}
_NOT_SENT = {
    Operation.CREATE_REQUEST_TOKEN: "no request token was created",
    Operation.CREATE_ACCESS_TOKEN: "the request token was not used",
    Operation.LOGOUT: "the access token was not revoked",
    Operation.CREATE_SESSION: "no session was created",
    Operation.DELETE_SESSION: "the session was not ended",
    Operation.CHECK_ACCESS_TOKEN: "the access token was not checked",
}


def may_have_run_hint(operation: Operation) -> Phrase:
    """What a failure after the request was sent means for `operation`, and what to do."""
    return _MAY_HAVE_RUN[operation]


def not_sent_note(operation: Operation) -> str:
    """What a failure before the request was sent means for `operation`."""
    return _NOT_SENT[operation]


def json_or_none(content: bytes) -> Any:
    """The JSON value of `content`, or None if it is not JSON."""
    try:
        return json.loads(content)
    except (ValueError, RecursionError):  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        return None


def _tmdb_code(payload: Any) -> int | None:
    code = payload.get("status_code") if isinstance(payload, dict) else None
    if isinstance(code, bool) or not isinstance(code, int | float) or not math.isfinite(code):
        return None
    return int(code) if code == int(code) else None


def _tmdb_message(payload: Any, secrets: Iterable[str]) -> str | None:
    message = payload.get("status_message") if isinstance(payload, dict) else None
    if not isinstance(message, str):
        return None
    printable = redact(one_line(message[: _REDACT_WINDOW + 1]), secrets)
    return printable if len(printable) <= _MAX_MESSAGE else printable[:_MAX_MESSAGE] + "..."


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date), or None."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if math.isfinite(seconds) else None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    current = now or datetime.now(UTC)
    return max(0.0, (moment - current).total_seconds())


def _describe(status: int, code: int | None, message: str | None) -> str:
    detail = f"HTTP {status}"
    if code is not None:
        detail += f", TMDB status_code {code}"
    if message:
        detail += f": {message!r}"
    return detail


def _permission_message(operation: Operation, code: int | None, what: str, server: str) -> Phrase:
    if code == NO_WRITE_PERMISSION:
        return phrase(
            f"{capitalized(server)} says the Bearer token has not been granted write permission ({what}). ",
            _WRITE_PERMISSION_HELP,
        )
    if code == AUTH_FAILED_NO_PERMISSION:
        return phrase(
            f"{capitalized(server)} accepted {READ_TOKEN} but it has no permission for this service ({what}). "
            "Check the API settings of the app at https://www.themoviedb.org/settings/api."
        )
    if code == RESOURCE_PRIVATE:
        return phrase(f"The resource is private ({what}): only its owner's access token can reach it.")
    if code == NO_EDIT_PERMISSION:
        return phrase(f"The credential may not edit this resource ({what}): use its owner's access token.")
    if code == USER_SUSPENDED:
        return phrase(f"The user's TMDB account is suspended ({what}): the user must contact TMDB.")
    return phrase(f"{capitalized(server)} refused the request: the credential lacks a permission ({what}).")


def _authentication_message(operation: Operation, code: int | None, what: str, server: str) -> Phrase:
    if code == SUSPENDED_API_KEY:
        return phrase(f"{capitalized(server)} suspended the API key behind {READ_TOKEN} ({what}): contact TMDB.")
    if code is None and operation in (Operation.LOGOUT, Operation.CREATE_SESSION):
        being = "logged out" if operation is Operation.LOGOUT else "turned into a session"
        return phrase(
            f"{capitalized(server)} rejected a credential ({what}): {READ_TOKEN} (the Bearer) or the user's access "
            f"token being {being}. ",
            _CHECK_READ_CREDENTIAL,
        )
    return phrase(f"{capitalized(server)} rejected {READ_TOKEN} ({what}). ", _CHECK_READ_CREDENTIAL)


def api_error(
    operation: Operation,
    status: int,
    headers: Mapping[str, str],
    payload: Any,
    secrets: Iterable[str],
    now: datetime | None = None,
    *,
    server: str = "TMDB",
) -> APIError:
    """The typed error for a non-2xx response to `operation`, naming the credential at fault and the server
    that answered (`server`: "TMDB", or e.g. "the emulator at 127.0.0.1:8000"; see `_settings.server_name`)."""
    secrets = tuple(secrets)
    code = _tmdb_code(payload)
    message = _tmdb_message(payload, secrets)
    retry_after = parse_retry_after(headers.get("retry-after"), now)
    fields: dict[str, Any] = {"http_status": status, "tmdb_code": code, "tmdb_message": message}
    what = _describe(status, code, message)
    who = capitalized(server)
    if status == 429 or code == RATE_LIMIT:
        wait = f"retry in {retry_after:g} seconds" if retry_after is not None else "wait a little and retry"
        return RateLimitError(f"Rate limit of {server} exceeded ({what}): {wait}.", retry_after=retry_after, **fields)
    if status == 503 or code in (SERVICE_OFFLINE, MAINTENANCE):
        why = "is under maintenance" if code == MAINTENANCE else "is temporarily unavailable"
        return ServiceUnavailableError(
            f"{who} {why} ({what}); the request was not processed: try again later.", retry_after=retry_after, **fields
        )
    if status >= 500:
        if payload is None:
            what += f" with a non-JSON body (an error page from {server} or a proxy in front of it)"
        return ServerError(phrase(f"Server error at {server} ({what}). ", may_have_run_hint(operation)), **fields)
    if code == INVALID_REQUEST_TOKEN:
        return InvalidRequestTokenError(
            f"{who} rejected the request token: it is expired, unknown or was already exchanged ({what}). "
            "Create a new request token and have the user approve it again.",
            **fields,
        )
    if code == NOT_APPROVED:
        return RequestTokenNotApprovedError(
            phrase(f"The user has not approved the request token yet ({what}). ", PENDING_APPROVAL, "."), **fields
        )
    if operation is Operation.LOGOUT and code in (INVALID_TOKEN, SESSION_DENIED):
        return InvalidAccessTokenError(
            f"{who} rejected the user's access token: it is invalid, expired or already revoked ({what}). "
            "There is nothing to log out; to act for the user again, log in again.",
            **fields,
        )
    if operation is Operation.CREATE_SESSION and code in (INVALID_TOKEN, SESSION_DENIED):
        return InvalidAccessTokenError(
            f"{who} rejected the user's access token: it is invalid, expired or revoked, so it makes no session "
            f"({what}). Log in again for a new access token.",
            **fields,
        )
    if operation is Operation.CHECK_ACCESS_TOKEN and (status == 401 or code in _REJECTED_BEARER):
        # The user's access token is the Bearer of the check and the only credential sent.
        return InvalidAccessTokenError(
            f"{who} rejected the user's access token: it is invalid, expired or revoked ({what}). Log in again.",
            **fields,
        )
    if code == SESSION_NOT_FOUND or (operation is Operation.DELETE_SESSION and code == SESSION_DENIED):
        return InvalidSessionError(
            phrase(
                f"{who} does not know the v3 session id: it was already ended, or never created ({what}). "
                "There is nothing to end; ",
                NEW_SESSION,
                ".",
            ),
            **fields,
        )
    if code in (NO_WRITE_PERMISSION, AUTH_FAILED_NO_PERMISSION, RESOURCE_PRIVATE, NO_EDIT_PERMISSION, USER_SUSPENDED):
        return PermissionDeniedError(_permission_message(operation, code, what, server), **fields)
    if status == 401 or code in (INVALID_API_KEY, SUSPENDED_API_KEY, AUTHENTICATION_FAILED, INVALID_TOKEN):
        return AuthenticationError(_authentication_message(operation, code, what, server), **fields)
    if code == SESSION_DENIED:
        return AuthenticationError(phrase(f"{who} denied the session ({what}). ", _CHECK_READ_CREDENTIAL), **fields)
    if status == 403:
        return PermissionDeniedError(_permission_message(operation, code, what, server), **fields)
    if status == 404 and operation is Operation.CHECK_ACCESS_TOKEN:
        return NotFoundError(
            phrase(
                f"{who} answered not found ({what}): it has no such account, or ",
                BASE_URL,
                " is wrong; the account id is the one the access token was issued for (",
                ACCOUNT_ID_SOURCE,
                ").",
            ),
            **fields,
        )
    if status == 404:
        return NotFoundError(
            phrase(
                f"{who} answered not found ({what}): check ",
                BASE_URL,
                "; it should be the API root, e.g. https://api.themoviedb.org (without /3 or /4).",
            ),
            **fields,
        )
    return APIError(f"{who} answered with an error ({what}).", **fields)


_MAX_CAUSE_MESSAGE = 500
_MAX_CHAIN = 8


def redacted_cause(exc: BaseException, secrets: Iterable[str] = ()) -> BaseException:
    """A stand-in for `exc` (and the exceptions chained to it) to keep as a TMDBError's ``__cause__``.

    Low-level exceptions quote what the server sent (h11 quotes a malformed status line
    whole, Authorization header included if the server echoes it) and hold the request.
    Each one in the chain is rebuilt as the same type from its message passed through
    `redact` alone (so ``isinstance(error.__cause__, httpx.ConnectError)`` still works),
    or, where the type cannot be rebuilt from a message, a `RedactedCause` naming it; each
    keeps the original's traceback, so debugging keeps the where and the what.
    """
    secrets = tuple(secrets)
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and len(chain) < _MAX_CHAIN and all(current is not seen for seen in chain):
        chain.append(current)
        follow_context = current.__cause__ is None and not current.__suppress_context__
        current = current.__context__ if follow_context else current.__cause__
    stand_ins = [_stand_in(original, secrets) for original in chain]
    for stand_in, next_one in itertools.pairwise(stand_ins):
        stand_in.__cause__ = next_one
    return stand_ins[0]


def _stand_in(original: BaseException, secrets: tuple[str, ...]) -> BaseException:
    kind = type(original)
    try:
        message = redact(str(original), secrets)[:_MAX_CAUSE_MESSAGE]
    except Exception:  # a broken __str__ must not hide the error being reported
        message = ""
    try:
        rebuilt = kind(message)
        same = type(rebuilt) is kind and rebuilt.args == (message,) and str(rebuilt) == message
    except Exception:  # a constructor that wants more than a message
        same = False
    if not same:
        name = kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
        rebuilt = RedactedCause(f"{name}: {message}" if message else name, original_type=name)
    return rebuilt.with_traceback(original.__traceback__)


def unexpected_error(operation: Operation, exc: Exception, status: int | None) -> TMDBError:
    """The typed error for an exception that is neither httpx's nor ours, raised by an attempt.

    With a response received (`status`), it came from parsing it in the generated layer
    (e.g. RecursionError on deeply nested JSON); without, from a transport. The message
    names the exception type, never its text or the body.
    """
    kind = type(exc).__name__
    if status is None:
        return NetworkError(
            phrase(f"The request failed unexpectedly ({kind} from the transport). ", may_have_run_hint(operation)),
            request_sent=True,
        )
    why = ": JSON nested too deeply" if isinstance(exc, RecursionError) else ""
    return ResponseFormatError(
        phrase(
            f"The HTTP {status} response's body could not be parsed ({kind}{why}): it does not match the API spec. ",
            may_have_run_hint(operation),
        ),
        http_status=status,
    )


# --- responses ----------------------------------------------------------------------------------


M = TypeVar("M")  # a generated response model; TMDB's envelope (success, status_code, status_message) is optional
R = TypeVar("R")


@attrs.frozen
class Spec(Generic[M, R]):
    """What the core needs to know about one operation's 2xx response."""

    operation: Operation
    parse: Callable[[Mapping[str, Any]], M]
    """Builds the generated response model from a JSON object (its ``from_dict``)."""
    result: Callable[[M, int], R]
    """Turns the validated model into the facade's result; raises ResponseFormatError."""


def _unusable(status: int, detail: str) -> ResponseFormatError:
    return ResponseFormatError(f"The HTTP {status} response does not match the API spec: {detail}.", http_status=status)


def _model_from_body(spec: Spec[M, R], status: int, content: bytes, server: str) -> M:
    """The generated model for a 2xx body the generated layer did not parse (not JSON, or not a 200)."""
    try:
        payload = json.loads(content)
    except RecursionError as exc:  # valid JSON, nested deeper than the parser goes: not "not JSON"
        raise unexpected_error(spec.operation, exc, status) from None
    except ValueError:  # JSONDecodeError and UnicodeDecodeError
        payload = None
    if payload is None:
        raise ResponseFormatError(
            phrase(
                f"{capitalized(server)} answered HTTP {status} but the body is not JSON ({len(content)} bytes): check ",
                BASE_URL,
                " points at the TMDB API, not a website or proxy page.",
            ),
            http_status=status,
        )
    if not isinstance(payload, dict):
        raise ResponseFormatError(
            f"{capitalized(server)} answered HTTP {status} with a JSON {type(payload).__name__}, not an object: "
            f"this is not a {spec.operation.value} response.",
            http_status=status,
        )
    try:
        return spec.parse(payload)
    except (ValueError, TypeError, LookupError, AttributeError, RecursionError) as exc:  # a nested field of the
        # wrong shape, which the generated layer refused too (it gave parsed=None)
        raise unexpected_error(spec.operation, exc, status) from None


def interpret(
    spec: Spec[M, R],
    status: int,
    headers: Mapping[str, str],
    content: bytes,
    parsed: M | None,
    secrets: Iterable[str] = (),
    now: datetime | None = None,
    *,
    server: str = "TMDB",
) -> R:
    """Turn one response into the operation's result, or raise the matching TMDBError.

    `parsed` is the generated layer's model (it parses a documented 200); the body is parsed
    here only when it did not (an error, another 2xx, or a body that is not a JSON object).
    Messages name the server that answered as `server` (see `_settings.server_name`).
    """
    if not 200 <= status < 300:
        raise api_error(spec.operation, status, headers, json_or_none(content), secrets, now, server=server)
    model = parsed if parsed is not None else _model_from_body(spec, status, content, server)
    if getattr(model, "success", None) is False:
        code = getattr(model, "status_code", None)
        code = code if isinstance(code, int | float) else None
        message = getattr(model, "status_message", None)
        message = message if isinstance(message, str) else None
        what = _describe(status, _tmdb_code({"status_code": code}), _tmdb_message({"status_message": message}, secrets))
        raise ResponseFormatError(
            f"{capitalized(server)} answered with success=false ({what}); the call had no effect.", http_status=status
        )
    return spec.result(model, status)


def _string_field(model: object, name: str, status: int) -> str:
    """A non-empty string field of a generated model (which does not check the types it carries)."""
    value = getattr(model, name)
    if isinstance(value, Unset):
        raise _unusable(status, f"{name!r} is missing")
    if not isinstance(value, str) or not value:
        raise _unusable(status, f"{name!r} is a {type(value).__name__}, not a non-empty string")
    return value


def _request_token(model: CreateARequestTokenResponse200, status: int) -> str:
    token = _string_field(model, "request_token", status)
    problem = token_problem(token)
    if problem is not None:
        raise _unusable(status, f"'request_token' {problem.split(':')[0]}")
    return token


def _access_token(model: CreateAnAccessTokenResponse200, status: int) -> AccessToken:
    return AccessToken(
        access_token=_string_field(model, "access_token", status),
        account_id=_string_field(model, "account_id", status),
    )


def _logged_out(model: LogoutResponse200, status: int) -> None:
    return None


CREATE_REQUEST_TOKEN: Spec[CreateARequestTokenResponse200, str] = Spec(
    Operation.CREATE_REQUEST_TOKEN, CreateARequestTokenResponse200.from_dict, _request_token
)
CREATE_ACCESS_TOKEN: Spec[CreateAnAccessTokenResponse200, AccessToken] = Spec(
    Operation.CREATE_ACCESS_TOKEN, CreateAnAccessTokenResponse200.from_dict, _access_token
)
LOGOUT: Spec[LogoutResponse200, None] = Spec(Operation.LOGOUT, LogoutResponse200.from_dict, _logged_out)


def _session(model: AuthenticationCreateSessionFromV4TokenResponse200, status: int) -> Session:
    session_id = _string_field(model, "session_id", status)
    problem = token_problem(session_id)
    if problem is not None:
        raise _unusable(status, f"'session_id' {problem.split(':')[0]}")
    return Session(session_id=session_id)


def _session_ended(model: AuthenticationDeleteSessionResponse200, status: int) -> None:
    return None


def _accepted(model: AccountListsV4Response200, status: int) -> None:
    return None  # any JSON object TMDB answers 2xx with: the Bearer was accepted (the lists are not read)


CREATE_SESSION: Spec[AuthenticationCreateSessionFromV4TokenResponse200, Session] = Spec(
    Operation.CREATE_SESSION, AuthenticationCreateSessionFromV4TokenResponse200.from_dict, _session
)
DELETE_SESSION: Spec[AuthenticationDeleteSessionResponse200, None] = Spec(
    Operation.DELETE_SESSION, AuthenticationDeleteSessionResponse200.from_dict, _session_ended
)
CHECK_ACCESS_TOKEN: Spec[AccountListsV4Response200, None] = Spec(
    Operation.CHECK_ACCESS_TOKEN, AccountListsV4Response200.from_dict, _accepted
)


def request_token_result(request_token: str, redirect_to: str | None, site_url: str) -> RequestToken:
    """The `RequestToken` for a token TMDB just created."""
    return RequestToken(
        request_token=request_token,
        expires_at=jwt_expiry(request_token),
        redirect_to=redirect_to,
        approval_url=approval_url(site_url, request_token),
    )
