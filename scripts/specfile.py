"""Read, extract and validate OpenAPI documents: the pure helpers behind the spec scripts.

An OpenAPI document reaches this project in one of three shapes: a documentation page
(Markdown with the document inside a fenced ```yaml or ```json block, as the supplied
page has it), a plain YAML file, or a JSON file. Everything here turns any of them into
a parsed mapping, or raises SpecError with a message that names the source and where
it went wrong.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

# An opening fence of three or more backticks, a language word, then anything (the
# supplied page has "````yaml post /4/auth/access_token").
_FENCE_OPEN = re.compile(r"^(?P<ticks>`{3,})[ \t]*(?P<lang>yaml|yml|json)\b[^\n]*$", re.IGNORECASE)


class SpecError(Exception):
    """An OpenAPI source could not be read, extracted or validated; the message says where."""


def extract_fenced_block(text: str, source: str) -> tuple[str, str]:
    """Return (language, body) of the first fenced yaml/json block in a Markdown page.

    The closing fence is a line of at least as many backticks as the opening one. The
    body is returned byte for byte as it stands between the fences.
    """
    lines = text.splitlines(keepends=True)
    for index, line in enumerate(lines):
        opening = _FENCE_OPEN.match(line.rstrip("\r\n"))
        if not opening:
            continue
        ticks = len(opening.group("ticks"))
        body: list[str] = []
        for inner in lines[index + 1 :]:
            stripped = inner.strip()
            if stripped and set(stripped) == {"`"} and len(stripped) >= ticks:
                return opening.group("lang").lower(), "".join(body)
            body.append(inner)
        raise SpecError(f"{source}: the ```{opening.group('lang')} block opened on line {index + 1} is never closed")
    raise SpecError(f"{source}: no fenced ```yaml or ```json block with an OpenAPI document was found in this page")


def parse_document(text: str, source: str, language: str = "yaml") -> dict[str, Any]:
    """Parse YAML or JSON text into a mapping, naming the source and line on failure."""
    try:
        document = json.loads(text) if language == "json" else yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise SpecError(f"{source}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise SpecError(f"{source}: invalid YAML{where}: {problem}") from exc
    if not isinstance(document, dict):
        raise SpecError(f"{source}: expected an OpenAPI document (a mapping), found {type(document).__name__}")
    return document


def source_text_and_language(path: Path) -> tuple[str, str]:
    """The OpenAPI text inside a source file and its language, whatever the file's shape."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"{path}: cannot read: {exc.strerror}") from exc
    suffix = path.suffix.lower()
    if suffix == ".json":
        return text, "json"
    if suffix in {".yaml", ".yml"}:
        return text, "yaml"
    language, body = extract_fenced_block(text, str(path))
    return body, language


def load_source(path: Path) -> dict[str, Any]:
    """Parse and validate one OpenAPI source: a Markdown page, a YAML file or a JSON file."""
    text, language = source_text_and_language(path)
    document = parse_document(text, str(path), language)
    validate(document, str(path))
    return document


def validate(document: dict[str, Any], source: str) -> None:
    """Validate with openapi-spec-validator; the error names the source and the failing location."""
    from openapi_spec_validator import validate as validate_openapi
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

    try:
        validate_openapi(document)
    except OpenAPIValidationError as exc:
        message = exc.message if len(exc.message) <= 300 else exc.message[:300] + "..."
        raise SpecError(f"{source}: invalid OpenAPI document at {exc.json_path}: {message}") from exc
    except Exception as exc:  # the validator raises other types for documents it cannot classify
        raise SpecError(f"{source}: invalid OpenAPI document: {exc}") from exc
