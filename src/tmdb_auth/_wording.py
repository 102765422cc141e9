"""Messages in parts, so that each front end names options in its own words.

The facade's messages name its Python options ("pass allow_insecure_http=True"); the command
line has flags and environment variables instead ("--allow-insecure-http"). A message built
with `phrase` is a ``str`` holding the Python wording (what ``str(error)`` shows) that keeps
its parts; each `Term` among them names an option, or gives advice that depends on the front
end, under a `key`. `render` rebuilds the message with another front end's words for those
keys (the command line's are in ``_cli_wording``), so no message is ever rewritten by
pattern. Standard library only: the command line imports it at start-up.
"""

from __future__ import annotations

from collections.abc import Mapping


class Term(str):
    """An option or a piece of advice in a message: the ``str`` is how a Python caller reads it, `key`
    what another front end looks its own words up by. Every term made is listed in `Term.known`."""

    key: str
    known: dict[str, str] = {}  # noqa: RUF012 (the registry of every term, key -> Python wording)

    def __new__(cls, key: str, python: str | None = None) -> Term:
        term = super().__new__(cls, key if python is None else python)
        term.key = key
        cls.known[key] = str(term)
        return term


class Phrase(str):
    """A message (its Python wording) that remembers its parts, `Term`s included."""

    parts: tuple[str, ...]


def phrase(*parts: str) -> Phrase:
    """The message made of `parts` (strings, `Term`s, other phrases), as a `Phrase`."""
    flat: list[str] = []
    for part in parts:
        flat.extend(part.parts if isinstance(part, Phrase) else (part,))
    message = Phrase("".join(flat))
    message.parts = tuple(flat)
    return message


def render(message: object, words: Mapping[str, str]) -> str:
    """`message` (an exception or its text) with each `Term` in the words `words` gives for its key
    (the Python wording where it gives none); a message not built by `phrase` as it is."""
    if isinstance(message, BaseException):
        message = message.args[0] if len(message.args) == 1 else str(message)
    if not isinstance(message, Phrase):
        return str(message)
    return "".join(words.get(part.key, part) if isinstance(part, Term) else part for part in message.parts)
