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
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from scripts.specfile import pointer, structure

RULES = ("mistyped-default", "array-without-items", "string-required")
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


_APPLY: dict[str, Callable[[dict[str, Any]], str | None]] = {
    "mistyped-default": _mistyped_default,
    "array-without-items": _array_without_items,
    "string-required": _string_required,
}


def apply(document: dict[str, Any], rules: tuple[str, ...] | list[str], source: str) -> list[Repair]:
    """Apply `rules` to `document` in place; return every repair made, in document order."""
    unknown = [rule for rule in rules if rule not in _APPLY]
    if unknown:
        raise ValueError(f"unknown repair rule(s) {', '.join(unknown)}; the rules are {', '.join(RULES)}")
    repairs = []
    for node, where in structure(document):
        for rule in rules:
            change = _APPLY[rule](node)
            if change is not None:
                target = "/default" if rule == "mistyped-default" else "/required" if rule == "string-required" else ""
                repairs.append(Repair(rule, source, pointer(where) + target, change))
    return repairs
