"""Repairs of known, harmless defects in published OpenAPI documents, applied on import.

Each rule fixes one kind of defect TMDB's published documents really have, the same way every
time, and the import lists every repair it made (rule, source, JSON pointer, before -> after).
``openapi/import.yaml`` names the rules the import applies (``repairs:``); a rule left out
there is not applied, and its defects stop the import as validation errors. Nothing else in
an imported document is changed by these rules.

mistyped-default
    A schema's ``default`` that is not of the schema's ``type`` (TMDB's v3 document: ``null``
    for ``integer``, the string ``'false'`` for ``boolean``). If it is a string that spells a
    JSON value of the right type (``'false'``, ``'1'``) it becomes that value; otherwise it is
    removed (a default only documents what the server assumes; a wrong-typed one would be
    generated into the client as a wrong-typed Python default).
array-without-items
    An ``array`` schema without ``items`` (valid JSON Schema in 3.1, invalid in 3.0, and
    refused by the generator) gets ``items: {}``: items of any type, what the document says.
string-required
    ``required: "true"`` / ``"false"`` (a string) on a parameter, header or request body becomes
    the boolean.
readme-raw-body
    A request body's schema that is exactly ReadMe's placeholder for a raw JSON body,
    ``{type: object, required: [RAW_BODY], properties: {RAW_BODY: {type: string, format: json}}}``
    (``required`` may be absent), which is what TMDB's v3 document (exported from ReadMe) gives
    for all 12 of its request bodies. Generated as written, the client would send
    ``{"RAW_BODY": "..."}``, which TMDB does not read. Beside it, the same media type's request
    example (``examples: {...: {value: {...}}}`` or ``example``) shows the body TMDB documents:
    the schema becomes an object with one property per example key, typed from its example
    value (string, integer, number, boolean, array, nested object; a ``null`` value: any type),
    required when every example has it. A placeholder without a JSON-object example (none, or
    examples whose values disagree in type) is left as it is.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from scripts.specfile import pointer, structure

RULES = ("mistyped-default", "array-without-items", "string-required", "readme-raw-body")
_TYPES: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer()),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
    "null": lambda v: v is None,
}


@dataclass(frozen=True)
class Repair:
    """One change a rule made: where, and what it was and became."""

    rule: str
    source: str
    where: str  # JSON pointer in the source document
    change: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.source}#{self.where}: {self.change}"


def _schema_types(node: dict[str, Any]) -> list[str] | None:
    declared = node.get("type")
    types = [declared] if isinstance(declared, str) else declared
    if not isinstance(types, list) or not types or not all(isinstance(t, str) and t in _TYPES for t in types):
        return None
    return [*types, "null"] if node.get("nullable") is True else types


def _mistyped_default(node: dict[str, Any]) -> str | None:
    types = _schema_types(node)
    if types is None or "default" not in node:
        return None
    value = node["default"]
    if any(_TYPES[t](value) for t in types):
        return None
    expected = " or ".join(types)
    if isinstance(value, str):
        try:
            spelled = json.loads(value)
        except ValueError:
            spelled = None
        if spelled is not None and any(_TYPES[t](spelled) for t in types):
            node["default"] = spelled
            return f"default {value!r} is not {expected}: replaced by {json.dumps(spelled)}"
    del node["default"]
    return f"default {json.dumps(value)} is not {expected}: removed"


def _array_without_items(node: dict[str, Any]) -> str | None:
    types = _schema_types(node)
    if types is None or "array" not in types or "items" in node:
        return None
    node["items"] = {}
    return "array without items: added items: {} (items of any type)"


def _string_required(node: dict[str, Any]) -> str | None:
    value = node.get("required")
    is_parameter_like = "in" in node or "schema" in node or "content" in node
    if not isinstance(value, str) or value.lower() not in ("true", "false") or not is_parameter_like:
        return None
    node["required"] = value.lower() == "true"
    return f"required {value!r} (a string): replaced by {json.dumps(node['required'])}"


_RAW_BODY = {"type": "string", "format": "json"}


def _is_raw_body_placeholder(schema: Any) -> bool:
    """ReadMe's schema for "a raw JSON body": one string property RAW_BODY of format json, nothing else."""
    if not isinstance(schema, dict) or set(schema) - {"type", "required", "properties"}:
        return False
    return (
        schema.get("type") == "object"
        and schema.get("properties") == {"RAW_BODY": _RAW_BODY}
        and schema.get("required", ["RAW_BODY"]) == ["RAW_BODY"]
    )


def _example_values(media: dict[str, Any]) -> list[Any]:
    """The request examples of a media type object: each Example's ``value`` (JSON text parsed), or ``example``."""
    values = []
    examples = media.get("examples")
    if isinstance(examples, dict):
        values = [example["value"] for example in examples.values() if isinstance(example, dict) and "value" in example]
    elif "example" in media:
        values = [media["example"]]
    parsed = []
    for value in values:
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                return []
        parsed.append(value)
    return parsed


def _schema_of(value: Any) -> dict[str, Any] | None:
    """A schema typed from an example value (valid in OpenAPI 3.0 and 3.1); None for a value no schema fits."""
    if value is None:
        return {}
    if isinstance(value, bool):
        return {"type": "boolean"}
    if isinstance(value, int):
        return {"type": "integer"}
    if isinstance(value, float):
        return {"type": "number"}
    if isinstance(value, str):
        return {"type": "string"}
    if isinstance(value, list):
        return {"type": "array", "items": {}}
    if isinstance(value, dict):
        return _object_schema([value])
    return None


def _object_schema(examples: list[Any]) -> dict[str, Any] | None:
    """An object schema every example (a JSON object) fits: a property per key, required when all have it."""
    if not examples or not all(isinstance(example, dict) and example for example in examples):
        return None
    properties: dict[str, Any] = {}
    for example in examples:
        for key, value in example.items():
            schema = _schema_of(value)
            if schema is None or not isinstance(key, str):
                return None
            if key not in properties or properties[key] == {}:  # new, or only null so far: this value's type
                properties[key] = schema
            elif schema not in ({}, properties[key]):
                return None  # the examples disagree on its type: no schema from them
    required = [key for key in properties if all(key in example for example in examples)]
    return {"type": "object", **({"required": required} if required else {}), "properties": properties}


def _readme_raw_body(node: dict[str, Any], where: tuple[Any, ...]) -> str | None:
    in_request_body = len(where) >= 3 and where[-2] == "content" and where[-3] == "requestBody"
    in_component = (
        len(where) >= 5 and where[-2] == "content" and where[-4] == "requestBodies" and where[0] == "components"
    )
    if not (in_request_body or in_component) or not _is_raw_body_placeholder(node.get("schema")):
        return None
    schema = _object_schema(_example_values(node))
    if schema is None:
        return None
    node["schema"] = schema
    fields = ", ".join(
        f"{name} ({value.get('type', 'any type')}{', required' if name in schema.get('required', []) else ''})"
        for name, value in schema["properties"].items()
    )
    return f"ReadMe's RAW_BODY placeholder: replaced by an object schema from the request example: {fields}"


def _at_node(rule: Callable[[dict[str, Any]], str | None]) -> Callable[[dict[str, Any], tuple[Any, ...]], str | None]:
    return lambda node, where: rule(node)


_APPLY: dict[str, Callable[[dict[str, Any], tuple[Any, ...]], str | None]] = {
    "mistyped-default": _at_node(_mistyped_default),
    "array-without-items": _at_node(_array_without_items),
    "string-required": _at_node(_string_required),
    "readme-raw-body": _readme_raw_body,
}
_TARGETS = {"mistyped-default": "/default", "string-required": "/required", "readme-raw-body": "/schema"}


def apply(document: dict[str, Any], rules: tuple[str, ...] | list[str], source: str) -> list[Repair]:
    """Apply `rules` to `document` in place; return every repair made, in document order."""
    unknown = [rule for rule in rules if rule not in _APPLY]
    if unknown:
        raise ValueError(f"unknown repair rule(s) {', '.join(unknown)}; the rules are {', '.join(RULES)}")
    repairs = []
    for node, where in structure(document):
        for rule in rules:
            change = _APPLY[rule](node, where)
            if change is not None:
                repairs.append(Repair(rule, source, pointer(where) + _TARGETS.get(rule, ""), change))
    return repairs
