"""Keeps server-supplied text out of the log records httpx and httpcore write for the facade.

httpcore's DEBUG trace prints the repr of every exception (h11 quotes a malformed status
line whole, so a server echoing the Authorization header puts the read access token in a
log record) and every response's headers (``Set-Cookie`` and any echo a server adds);
httpx's INFO line quotes the server's reason phrase. A log record is out of the facade's
exceptions' reach, so the records themselves are trimmed: the event name, the exception's
type, the status code. Nothing else of the transport's logging changes.
"""

from __future__ import annotations

import logging
import re
from http import HTTPStatus

HTTPCORE_LOGGERS = ("httpcore.connection", "httpcore.http11", "httpcore.http2", "httpcore.proxy", "httpcore.socks")
_EXCEPTION = re.compile(r"exception=([A-Za-z_][\w.]*)")
_STATUS = re.compile(r"return_value=\(\s*(?:b'[^']*',\s*)?(\d{3})\b")


def _trimmed_trace(message: str) -> str:
    """One httpcore trace message without what the server sent (exception text, response headers)."""
    event, _, detail = message.partition(" ")
    if event.endswith(".failed"):
        found = _EXCEPTION.search(detail)
        return f"{event} exception={found.group(1) if found else 'unknown'}"
    if event.startswith("receive_response") and "return_value=" in detail:
        found = _STATUS.search(detail)
        return f"{event} status={found.group(1)}" if found else f"{event} (response not logged)"
    return message


class _HttpcoreTraceFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and not record.args:
            record.msg = _trimmed_trace(record.msg)
        return True


class _HttpxReasonFilter(logging.Filter):
    """httpx's ``HTTP Request: POST url "HTTP/1.1 200 OK"``: a reason phrase other than the standard one is dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[3], int):
            try:
                standard = HTTPStatus(args[3]).phrase
            except ValueError:
                standard = ""
            if args[4] != standard:
                record.args = (*args[:4], "<reason not logged>")
        return True


def install() -> None:
    """Add the filters once per process (idempotent)."""
    for name in HTTPCORE_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(each, _HttpcoreTraceFilter) for each in logger.filters):
            logger.addFilter(_HttpcoreTraceFilter())
    httpx_logger = logging.getLogger("httpx")
    if not any(isinstance(each, _HttpxReasonFilter) for each in httpx_logger.filters):
        httpx_logger.addFilter(_HttpxReasonFilter())
