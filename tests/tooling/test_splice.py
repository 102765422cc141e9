"""scripts/splice.py: the spec's text edited in place, entry by entry, in canonical order."""

from __future__ import annotations

import copy

from scripts import yamlio
from scripts.splice import splice

SPEC = """\
openapi: 3.0.3   # the version the generator reads best
info: {title: T, version: '1'}
# the operations
paths:
  # the first path
  /b:
    get:
      operationId: b
      responses: {'200': {description: ok}}
x-notes: keep me
components: {securitySchemes: {bearerAuth: {type: http, scheme: bearer}}}
"""

OPERATION = {"operationId": "new", "responses": {"200": {"description": "NO"}}}


def edited(change: dict[str, object]) -> tuple[str, dict[str, object]]:
    old = yamlio.load(SPEC)
    new = copy.deepcopy(old)
    for key, value in change.items():
        target = new
        *parents, last = key.split(">")
        for parent in parents:
            target = target.setdefault(parent, {})
        target[last] = value
    return splice(SPEC, old, new), new


def test_a_new_path_goes_in_sorted_order_and_every_other_line_stays() -> None:
    text, new = edited({"paths>/a": {"get": OPERATION}, "paths>/c": {"post": OPERATION}})
    assert yamlio.load(text) == new
    assert (
        text.replace(
            "  /a:\n    get:\n      operationId: new\n      responses:\n        '200':\n          description: 'NO'\n",
            "",
        ).replace(
            "  /c:\n    post:\n      operationId: new\n      responses:\n        '200':\n          description: 'NO'\n",
            "",
        )
        == SPEC
    )
    assert text.index("  /a:") < text.index("  # the first path") < text.index("  /b:") < text.index("  /c:")


def test_a_new_method_goes_in_openapi_order_within_its_path() -> None:
    text, _ = edited({"paths>/b>delete": OPERATION, "paths>/b>parameters": [{"name": "x", "in": "query"}]})
    methods = [line.strip() for line in text.splitlines() if line.startswith("    ") and not line.startswith("     ")]
    assert methods == ["parameters:", "get:", "delete:"]


def test_a_changed_operation_replaces_its_lines_only() -> None:
    text, _ = edited({"paths>/b>get": {**OPERATION, "operationId": "b"}})
    assert text.splitlines()[:6] == SPEC.splitlines()[:6]
    assert text.splitlines()[-2:] == SPEC.splitlines()[-2:]


def test_a_flow_style_container_is_rewritten_in_block_style() -> None:
    text, new = edited({"components>schemas": {"S": {"type": "string", "example": "yes"}}})
    assert yamlio.load(text) == new
    assert text.startswith(SPEC.split("components:")[0])
    assert text.endswith(
        "components:\n  schemas:\n    S:\n      type: string\n      example: 'yes'\n"
        "  securitySchemes:\n    bearerAuth:\n      type: http\n      scheme: bearer\n"
    )


def test_a_new_top_level_key_goes_where_openapi_orders_it() -> None:
    text, _ = edited({"servers": [{"url": "https://api.themoviedb.org"}]})
    assert "info: {title: T, version: '1'}\nservers:\n  - url: https://api.themoviedb.org\n# the operations\n" in text
