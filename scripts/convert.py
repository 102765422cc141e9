"""OpenAPI 3.1 -> 3.0: rewrite what an imported 3.1 document writes differently, in the spec's version.

The spec stays OpenAPI 3.0.3 (the version of the supplied page, and the one openapi-python-client
and the validator agree on best). An imported 3.1 document's operations and components are
converted on import, each change listed in the import's output:

- ``type: [T, "null"]`` -> ``type: T`` + ``nullable: true`` (``type: [T]`` -> ``type: T``);
- a schema's ``examples: [a, ...]`` (a list) -> ``example: a``;
- ``const: v`` -> ``enum: [v]``;
- ``exclusiveMinimum: n`` / ``exclusiveMaximum: n`` (numbers) -> ``minimum: n`` /
  ``maximum: n`` with ``exclusiveMinimum: true`` / ``exclusiveMaximum: true``.

Anything else 3.1 allows and 3.0 does not (several non-null types, ``$ref`` into
``pathItems``, ...) is left as it is: validating the spec after the import then reports it,
with its location, and nothing is written.
"""

from __future__ import annotations

import json
from typing import Any

from scripts.specfile import pointer, structure


def _convert_schema(node: dict[str, Any]) -> list[str]:
    changes = []
    types = node.get("type")
    if isinstance(types, list):
        others = [t for t in types if t != "null"]
        if len(others) == 1:
            node["type"] = others[0]
            if "null" in types:
                node["nullable"] = True
            changes.append(
                f"type {json.dumps(types)} -> type {others[0]!r}" + (", nullable" if "null" in types else "")
            )
    examples = node.get("examples")
    if isinstance(examples, list) and examples and ("type" in node or "properties" in node or "items" in node):
        del node["examples"]
        node.setdefault("example", examples[0])
        changes.append("examples [...] -> example (the first)")
    if "const" in node and "enum" not in node:
        node["enum"] = [node.pop("const")]
        changes.append("const -> enum of one")
    for bound, keyword in (("minimum", "exclusiveMinimum"), ("maximum", "exclusiveMaximum")):
        value = node.get(keyword)
        if isinstance(value, int | float) and not isinstance(value, bool):
            node[bound] = value
            node[keyword] = True
            changes.append(f"{keyword}: {value} -> {bound}: {value}, {keyword}: true")
    return changes


def to_openapi_30(document: dict[str, Any], source: str) -> list[str]:
    """Convert a 3.1 document's schemas in place; return one line per change (``source#pointer: change``)."""
    lines = []
    for node, where in structure({key: value for key, value in document.items() if key in ("paths", "components")}):
        for change in _convert_schema(node):
            lines.append(f"{source}#{pointer(where)}: {change}")
    return lines
