"""Contains some shared types for properties"""

from collections.abc import Mapping, MutableMapping
from http import HTTPStatus
from typing import IO, Any, BinaryIO, Generic, Literal, TypeVar

from attrs import define, fields


class Unset:
    def __bool__(self) -> Literal[False]:
        return False

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Unset = Unset()

# The types that `httpx.Client(files=)` can accept, copied from that library.
FileContent = IO[bytes] | bytes | str
FileTypes = (
    # (filename, file (or bytes), content_type)
    tuple[str | None, FileContent, str | None]
    # (filename, file (or bytes), content_type, headers)
    | tuple[str | None, FileContent, str | None, Mapping[str, str]]
)
RequestFiles = list[tuple[str, FileTypes]]


@define
class File:
    """Contains information for file uploads"""

    payload: BinaryIO
    file_name: str | None = None
    mime_type: str | None = None

    def to_tuple(self) -> FileTypes:
        """Return a tuple representation that httpx will accept for multipart/form-data"""
        return self.file_name, self.payload, self.mime_type


T = TypeVar("T")


def http_status(code: int) -> HTTPStatus | int:
    """The HTTPStatus member for `code`, or the plain int when Python does not know it (e.g. 520)"""
    try:
        return HTTPStatus(code)
    except ValueError:
        return code


_REDACTED = "<redacted>"
"""What a repr shows instead of a value that may be a credential."""

_SENSITIVE_WORDS = (
    "token",
    "authorization",
    "secret",
    "password",
    "cookie",
    "session",
    "credential",
    "api_key",
    "apikey",
)
# A shorter secret value is not searched for inside other fields: it would blank out ordinary words.
_MIN_SCRUBBED_LENGTH = 8
_MODELS_PACKAGE = __name__.rpartition(".")[0] + ".models."


def _is_sensitive(name: str) -> bool:
    """Whether a field, property or header called `name` may hold a credential."""
    lowered = name.lower()
    return any(word in lowered for word in _SENSITIVE_WORDS)


def _redacted_mapping(mapping: Mapping[str, Any]) -> str:
    """A mapping shown by its keys only: any value may carry a credential."""
    return "{" + ", ".join(f"{key!r}: {_REDACTED}" for key in mapping) + "}"


def _model_repr(model: Any) -> str:
    """The repr of a generated (attrs) model, with every value that may be a credential redacted."""
    secrets: list[str] = []
    shown: list[str] = []
    for attribute in fields(type(model)):
        value = getattr(model, attribute.name)
        if attribute.name == "additional_properties":
            secrets.extend(
                v for k, v in value.items() if isinstance(v, str) and _is_sensitive(k)
            )
            if value:
                shown.append(f"additional_properties={_redacted_mapping(value)}")
        elif _is_sensitive(attribute.name) and value is not UNSET and value is not None:
            if isinstance(value, str):
                secrets.append(value)
            shown.append(f"{attribute.name}={_REDACTED}")
        else:
            shown.append(f"{attribute.name}={value!r}")
    text = f"{type(model).__name__}({', '.join(shown)})"
    for secret in secrets:
        if len(secret) >= _MIN_SCRUBBED_LENGTH:
            # as it is, and as the repr of a string quoting it escapes it
            text = text.replace(secret, _REDACTED).replace(
                repr(secret)[1:-1], _REDACTED
            )
    return text


@define
class Response(Generic[T]):
    """A response from an endpoint

    Its repr shows the status, the size of the body, the header names and a parsed model,
    never the body or a header value: those carry tokens and cookies. The attributes hold
    everything as received.
    """

    status_code: HTTPStatus | int
    content: bytes
    headers: MutableMapping[str, str]
    parsed: T | None

    def __repr__(self) -> str:
        parsed = self.parsed
        if parsed is None or type(parsed).__module__.startswith(_MODELS_PACKAGE):
            parsed_text = repr(parsed)
        else:
            parsed_text = f"<{type(parsed).__name__}>"
        return (
            f"Response(status_code={self.status_code!r}, content=<{len(self.content)} bytes>, "
            f"headers={_redacted_mapping(self.headers)}, parsed={parsed_text})"
        )


__all__ = [
    "UNSET",
    "File",
    "FileTypes",
    "RequestFiles",
    "Response",
    "Unset",
    "http_status",
]
