"""The command line's log switch: ``TMDB_AUTH_LOG=debug|info|warning`` (as openai-python's ``OPENAI_LOG``).

`configure` sends the ``tmdb_auth`` logger's records (retries, the login's steps) to stderr at
that level, and httpx's (one line per request) too; at ``debug`` also httpcore's, which the
facade's transport already keeps quiet during its own exchanges (they would quote response
headers). Every line goes through `_core.redact` first: the secrets the command knows and
anything shaped like a token become ``<redacted>``; a URL keeps its host, port and path, and
loses every query value (a query may carry an api_key). The command line imports this module, and
`logging`, only when the variable (or ``-v``) asks for logs.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlsplit, urlunsplit

LOG_ENV = "TMDB_AUTH_LOG"
LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING}
_HANDLER = "tmdb-auth-cli"
_FORMAT = "tmdb-auth: %(levelname)s %(name)s: %(message)s"


_URL = re.compile(r"[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_REDACTED = "<redacted>"


def _url(text: str, secrets: tuple[str, ...]) -> str:
    """A URL for a log line: scheme, host, port and path as they are (a path such as /4/auth/access_token
    would look like a token to `redact`), no user info, and every query value ``<redacted>`` (a query may
    carry an api_key or a session_id)."""
    parts = urlsplit(text)
    host = parts.hostname or ""
    netloc = (f"[{host}]" if ":" in host else host) + (f":{parts.port}" if parts.port else "")
    query = "&".join(f"{name}={_REDACTED}" for name, _ in parse_qsl(parts.query, keep_blank_values=True))
    shown = urlunsplit((parts.scheme, netloc, parts.path, query, ""))
    for secret in secrets:
        shown = shown.replace(secret, _REDACTED)
    return shown


class _Redacting(logging.Filter):
    """Rewrites each record's message (and traceback) without secrets before any handler formats it: the
    message and each of its arguments through `_core.redact`, a URL argument through `_url`."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = tuple(secret for secret in secrets if secret)

    def _argument(self, value: object) -> object:
        from ._core import redact

        if isinstance(value, bool | int | float):
            return value  # a number, as %d and %.2f want it
        text = str(value)
        if _URL.match(text):
            try:
                return _url(text, self._secrets)
            except ValueError:  # a malformed port or IPv6 literal
                pass
        return redact(text, self._secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        from ._core import redact  # imported once a record is emitted: the command is sending by then

        try:
            if isinstance(record.args, tuple) and record.args:
                message = redact(str(record.msg), self._secrets) % tuple(map(self._argument, record.args))
            else:
                message = redact(record.getMessage(), self._secrets)
        except (TypeError, ValueError):  # arguments that do not fit the message: the whole line, redacted
            message = redact(record.getMessage(), self._secrets)
        record.msg = message
        record.args = None
        if record.exc_info:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info), self._secrets)
            record.exc_info = None
        return True


def configure(level_name: str, secrets: Iterable[str] = ()) -> None:
    """Log at `level_name` (a key of `LEVELS`) to stderr; calling it again replaces the previous set-up."""
    level = LEVELS[level_name]
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(_HANDLER)
    handler.setFormatter(logging.Formatter(_FORMAT))
    handler.addFilter(_Redacting(secrets))
    names = ("tmdb_auth", "httpx", "httpcore") if level == logging.DEBUG else ("tmdb_auth", "httpx")
    for name in ("tmdb_auth", "httpx", "httpcore"):
        logger = logging.getLogger(name)
        for old in [old for old in logger.handlers if old.get_name() == _HANDLER]:
            logger.removeHandler(old)
        if name in names:
            logger.setLevel(level)
            logger.addHandler(handler)
