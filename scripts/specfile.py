"""Read and validate OpenAPI documents: the pure helpers behind the spec scripts.

A document reaches this project in one of three shapes, told apart by content, never by
file extension (the supplied page is a ``.txt``; developer.themoviedb.org serves ``.md``;
others serve ``.mdx``):

- a JSON document (the first character that is not white space is ``{``);
- a YAML document (a top-level ``openapi:`` line comes before any fenced block);
- a documentation page: Markdown with the document inside a fenced ```` ```yaml ```` or
  ```` ```json ```` block (the first such block that holds an OpenAPI document is used).

Validation reports every error at once, each as ``<source>#<JSON pointer>: <message>``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scripts import yamlio

# An opening fence: three or more backticks (or tildes), a language word, then anything (the
# supplied page has "````yaml post /4/auth/access_token").
_FENCE_OPEN = re.compile(r"^(?P<fence>`{3,}|~{3,})[ \t]*(?P<lang>yaml|yml|json)\b[^\n]*$", re.IGNORECASE)
_TOP_LEVEL_OPENAPI = re.compile(r"^(?:openapi|swagger)[ \t]*:", re.MULTILINE)


class SpecError(Exception):
    """An OpenAPI source could not be read, extracted or validated; the message says where."""


@dataclass(frozen=True)
class Source:
    """One OpenAPI document as found in a file."""

    label: str  # the file as named on the command line (for messages)
    kind: str  # "JSON document", "YAML document", "page (```yaml block)", "page (```json block)"
    language: str  # "json" or "yaml"
    text: str  # the document's text: the whole file, or the fenced block's body
    first_line: int  # the file line the text starts on (1-based), for messages
    document: dict[str, Any]


def pointer(parts: Iterator[Any] | list[Any] | tuple[Any, ...]) -> str:
    """A JSON pointer (RFC 6901) from path parts."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in parts)


def _fenced_blocks(text: str, label: str) -> Iterator[tuple[str, str, int]]:
    """(language, body, first body line) of each fenced yaml/json block, in order."""
    lines = text.splitlines(keepends=True)
    index = 0
    while index < len(lines):
        opening = _FENCE_OPEN.match(lines[index].rstrip("\r\n"))
        if not opening:
            index += 1
            continue
        fence = opening.group("fence")
        for end in range(index + 1, len(lines)):
            stripped = lines[end].strip()
            if stripped and set(stripped) == {fence[0]} and len(stripped) >= len(fence):
                language = "json" if opening.group("lang").lower() == "json" else "yaml"
                yield language, "".join(lines[index + 1 : end]), index + 2
                index = end + 1
                break
        else:
            raise SpecError(
                f"{label}: the {fence}{opening.group('lang')} block opened on line {index + 1} is never closed"
            )


def parse(text: str, label: str, language: str, first_line: int = 1) -> Any:
    """Parse JSON or YAML (1.2 core schema) text; errors name the file line."""
    if language == "json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise SpecError(
                f"{label}: invalid JSON at line {exc.lineno + first_line - 1}, column {exc.colno}: {exc.msg}"
            ) from None
    try:
        return yamlio.load(text)
    except yamlio.YAMLReadError as exc:
        message = str(exc)
        if exc.line is not None and first_line != 1:
            message = message.replace(f"at line {exc.line},", f"at line {exc.line + first_line - 1},", 1)
        raise SpecError(f"{label}: {message}") from None


def _is_openapi(value: Any) -> bool:
    return isinstance(value, dict) and ("openapi" in value or "swagger" in value)


def read_text(text: str, label: str) -> Source:
    """Find and parse the OpenAPI document in a file's text, whatever the file's shape."""
    text = text.removeprefix("\ufeff")
    if text.lstrip().startswith("{"):
        return _checked(Source(label, "JSON document", "json", text, 1, parse(text, label, "json")))
    first_fence = next((m.start() for m in re.finditer(r"^(`{3,}|~{3,})", text, re.MULTILINE)), len(text))
    top_level = _TOP_LEVEL_OPENAPI.search(text)
    if top_level is not None and top_level.start() < first_fence:
        return _checked(Source(label, "YAML document", "yaml", text, 1, parse(text, label, "yaml")))
    blocks = 0
    for language, body, first_line in _fenced_blocks(text, label):
        blocks += 1
        if language == "yaml" and not _TOP_LEVEL_OPENAPI.search(body):
            continue  # an example, not the document: skip it without parsing
        if language == "json" and not re.search(r'"(?:openapi|swagger)"\s*:', body):
            continue
        document = parse(body, label, language, first_line)
        if _is_openapi(document):
            return _checked(Source(label, f"page (```{language} block)", language, body, first_line, document))
    found = f" ({blocks} fenced yaml/json block(s), none an OpenAPI document)" if blocks else ""
    raise SpecError(
        f"{label}: no OpenAPI document found{found}: expected a JSON or YAML document, or a page with a "
        "```yaml or ```json block holding one"
    )


def _checked(source: Source) -> Source:
    if not isinstance(source.document, dict):
        raise SpecError(
            f"{source.label}: expected an OpenAPI document (a mapping), found {type(source.document).__name__}"
        )
    if "swagger" in source.document and "openapi" not in source.document:
        raise SpecError(
            f"{source.label}: a Swagger {source.document['swagger']} document; OpenAPI 3.0 and 3.1 are supported"
        )
    return source


def read_source(path: Path, label: str | None = None) -> Source:
    """Read one source file (page, YAML or JSON, any extension)."""
    label = label or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"{label}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise SpecError(f"{label}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    return read_text(text, label)


# --- validation ----------------------------------------------------------------------------------------


def _node_pointers(document: Any) -> dict[int, str]:
    """id(node) -> JSON pointer, for every mapping and list in the document."""
    found: dict[int, str] = {}
    stack: list[tuple[Any, str]] = [(document, "")]
    while stack:
        node, where = stack.pop()
        if isinstance(node, dict):
            found[id(node)] = where
            stack.extend((value, f"{where}/{pointer([key])[1:]}") for key, value in node.items())
        elif isinstance(node, list):
            found[id(node)] = where
            stack.extend((value, f"{where}/{index}") for index, value in enumerate(node))
    return found


def _resolves(node: Any, parts: Any, instance: Any) -> bool:
    """True when `parts`, followed from `node`, lead to a value equal to `instance`."""
    for part in parts:
        if (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        ):
            node = node[part]
        else:
            return False
    return bool(node == instance)


def _schema_relative(document: Any, parts: list[Any], instance: Any) -> str:
    """Place an error the validator reports relative to a schema it checked on its own (no location given).

    The candidates are the outermost schemas (``.../schema`` and ``/components/schemas/X``) in
    which the relative path leads to the offending value.
    """
    candidates = []
    stack: list[tuple[Any, str]] = [(document, "")]
    while stack:
        node, where = stack.pop()
        if isinstance(node, dict):
            outermost = where.endswith("/schema") or where.rsplit("/", 1)[0] == "/components/schemas"
            if outermost and _resolves(node, parts, instance):
                candidates.append(where + pointer(parts))
            stack.extend((value, f"{where}/{pointer([key])[1:]}") for key, value in node.items())
        elif isinstance(node, list):
            stack.extend((value, f"{where}/{index}") for index, value in enumerate(node))
    if not candidates:
        return "(in a schema) " + pointer(parts)
    candidates.sort()
    more = f" (and {len(candidates) - 1} more alike)" if len(candidates) > 1 else ""
    return candidates[0] + more


def _specific(error: Any) -> Any:
    """For "not valid under any of the given schemas", the most specific reason (the deepest sub-error).

    A sub-error saying "'$ref' is a required property" only says the object is not a Reference
    Object, which it never meant to be: those are passed over when there is anything else.
    """
    reasons = [
        reason for reason in error.context or [] if not (reason.validator == "required" and "'$ref'" in reason.message)
    ]
    if not reasons:
        return error
    deepest = max(reasons, key=lambda reason: len(reason.absolute_path))
    return _specific(deepest)


def validation_errors(document: dict[str, Any], label: str) -> list[str]:
    """Every error openapi-spec-validator finds, each as ``label#/pointer: message`` (empty when valid).

    The validator's checks of `default` values carry no location; they are placed by the
    identity of the schema they were checked against.
    """
    from openapi_spec_validator import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator

    version = str(document.get("openapi", ""))
    validators = {"3.0": OpenAPIV30SpecValidator, "3.1": OpenAPIV31SpecValidator}
    validator_class = validators.get(version[:3]) if re.fullmatch(r"3\.[01]\.\d+", version) else None
    if validator_class is None:
        return [f"{label}#/openapi: OpenAPI version {version!r} is not supported (3.0.x and 3.1.x are)"]
    nodes: dict[int, str] | None = None
    errors: list[str] = []
    try:
        for error in validator_class(document).iter_errors():
            chosen = _specific(error)
            where = pointer(chosen.absolute_path)
            if isinstance(error.schema, dict):
                nodes = nodes if nodes is not None else _node_pointers(document)
                found = nodes.get(id(error.schema))
                if found is not None:  # a `default` checked against the schema it belongs to
                    where = found + ("/default" if "default" in error.schema else "") + where
                elif where and not _resolves(document, chosen.absolute_path, chosen.instance):
                    where = _schema_relative(document, list(chosen.absolute_path), chosen.instance)
            message = chosen.message if len(chosen.message) <= 300 else chosen.message[:300] + "..."
            line = f"{label}#{where}: {message}"
            if line not in errors:
                errors.append(line)
    except Exception as exc:
        errors.append(f"{label}: the validator stopped: {type(exc).__name__}: {exc}")
    return errors


def validate(document: dict[str, Any], label: str) -> None:
    """Raise SpecError listing every validation error of the document."""
    errors = validation_errors(document, label)
    if errors:
        listed = "\n".join(f"  {error}" for error in errors)
        raise SpecError(f"{label}: {len(errors)} validation error(s):\n{listed}")


# --- walking a document's structure ----------------------------------------------------------------

# Keywords whose values are data (examples, defaults, enums), never schemas, parameters or operations.
_DATA_KEYWORDS = frozenset(("example", "default", "enum", "const", "value"))
# Keywords whose values map names (of properties, paths, responses, media types...) to objects.
_NAME_MAPS = frozenset(
    ("properties", "patternProperties", "$defs", "definitions", "paths", "webhooks", "responses", "content")
) | frozenset(("headers", "callbacks", "links", "encoding", "variables", "mapping"))


def structure(
    node: Any, where: tuple[Any, ...] = (), names: bool = False
) -> Iterator[tuple[dict[str, Any], tuple[Any, ...]]]:
    """Every object of an OpenAPI document (schemas, parameters, operations...) with its path, parents first.

    Data values (``example``, ``default``, ``enum``, ``const``, an Example's ``value``, a
    schema's list of ``examples``) and ``x-`` extensions are not entered, so an example that
    happens to look like a schema is never taken for one; a property *named* ``default`` is.
    """
    if isinstance(node, list):
        for index, value in enumerate(node):
            yield from structure(value, (*where, index))
        return
    if not isinstance(node, dict):
        return
    if names:
        for key, value in list(node.items()):
            yield from structure(value, (*where, key))
        return
    yield node, where
    for key, value in list(node.items()):
        path = (*where, key)
        if not isinstance(key, str) or key.startswith("x-") or key in _DATA_KEYWORDS:
            continue
        if key == "examples":
            if isinstance(value, dict):  # a map of Example Objects (a schema's `examples` is a list of data)
                yield from structure(value, path, names=True)
        elif key == "components" and not where and isinstance(value, dict):
            for kind, entries in value.items():
                yield from structure(entries, (*path, kind), names=True)
        else:
            yield from structure(value, path, names=key in _NAME_MAPS)
