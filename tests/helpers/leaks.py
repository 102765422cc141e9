"""Assertions that no secret shows anywhere an error or a log can take it: the whole exception
chain (``__cause__``, ``__context__``, groups, notes), its printed traceback, and log records.

The secrets default to `tokens.SECRETS`; pass others (generated tokens, a server's own).
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterable, Iterator

from tests.helpers.tokens import SECRETS


def exception_chain(error: BaseException) -> Iterator[BaseException]:
    """`error` and every exception reachable from it (cause, context, group members), each once."""
    seen: set[int] = set()
    pending = [error]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        linked = [current.__cause__, current.__context__]
        if isinstance(current, BaseExceptionGroup):
            linked.extend(current.exceptions)
        pending.extend(found for found in linked if found is not None)


def _views(error: BaseException) -> Iterator[tuple[str, str]]:
    """(where, text) for everything about one exception that a user could print or inspect."""
    yield "str", str(error)
    yield "repr", repr(error)
    for index, arg in enumerate(error.args):
        yield f"args[{index}]", repr(arg)
    for name, value in vars(error).items():
        yield f"attribute {name}", repr(value)
    for note in getattr(error, "__notes__", ()):
        yield "note", str(note)


def find_secret(text: str, secrets: Iterable[str]) -> str | None:
    """The first of `secrets` (non-empty) found in `text`, or None."""
    return next((secret for secret in secrets if secret and secret in text), None)


def assert_no_secret_in_error(error: BaseException, secrets: Iterable[str] = SECRETS) -> None:
    """No secret in any exception of `error`'s chain (str, repr, args, attributes, notes) nor in its traceback."""
    secrets = tuple(secrets)
    for position, linked in enumerate(exception_chain(error)):
        for where, text in _views(linked):
            leaked = find_secret(text, secrets)
            assert leaked is None, (
                f"secret {leaked[:12]!r}... leaked in the {where} of {type(linked).__qualname__} "
                f"(exception {position} of the chain of {type(error).__qualname__})"
            )
    printed = "".join(traceback.format_exception(error))
    leaked = find_secret(printed, secrets)
    assert leaked is None, f"secret {leaked[:12]!r}... leaked in the printed traceback of {type(error).__qualname__}"


def assert_no_secret_in_logs(records: Iterable[logging.LogRecord], secrets: Iterable[str] = SECRETS) -> None:
    """No secret in any record's message, arguments or attached exception (as a handler would format it)."""
    secrets = tuple(secrets)
    formatter = logging.Formatter()
    for record in records:
        texts = [record.getMessage(), repr(record.args)]
        if record.exc_info and record.exc_info[1] is not None:
            texts.append(formatter.formatException(record.exc_info))
            assert_no_secret_in_error(record.exc_info[1], secrets)
        for text in texts:
            leaked = find_secret(text, secrets)
            assert leaked is None, f"secret {leaked[:12]!r}... leaked in a log record of {record.name!r}"
