"""scripts/repairs.py and openapi/import.yaml: known harmless defects repaired by rule, each repair listed."""

from __future__ import annotations

import copy
import json
from collections import Counter
from typing import Any

import pytest

from scripts import repairs
from scripts.importer import ImportProblem, parse_rules
from scripts.specfile import validation_errors
from tests.helpers import FIXTURES, ROOT

OFFICIAL = FIXTURES / "upstream" / "tmdb-api-v3-official.json"


def official() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(OFFICIAL.read_text(encoding="utf-8"))
    return document


@pytest.mark.slow
def test_the_official_documents_defects_are_repaired_and_listed() -> None:
    document = official()
    made = repairs.apply(document, repairs.RULES, "v3.json")
    assert Counter(repair.rule for repair in made) == {"mistyped-default": 13, "array-without-items": 20}
    assert Counter(repair.change.rsplit(":", 1)[1] for repair in made if repair.rule == "mistyped-default") == {
        " removed": 11,
        " replaced by false": 2,
    }
    assert str(made[0]) == (
        "mistyped-default: v3.json#/paths/~13~1account~1{account_id}/get/parameters/0/schema/default: "
        "default null is not integer: removed"
    )
    assert validation_errors(document, "v3.json") == []
    again = copy.deepcopy(document)
    assert repairs.apply(again, repairs.RULES, "v3.json") == []
    assert again == document, "a repaired document needs no repair: re-imports give the same result"


@pytest.mark.slow
def test_nothing_but_the_defects_changes() -> None:
    document, before = official(), official()
    made = repairs.apply(document, repairs.RULES, "v3.json")
    touched = {repair.where.removesuffix("/default") for repair in made}  # the schemas repaired

    def without(node: Any, where: str = "") -> Any:
        if where in touched and isinstance(node, dict):
            return {k: v for k, v in node.items() if k not in ("default", "items")}
        if isinstance(node, dict):
            return {k: without(v, f"{where}/{str(k).replace('~', '~0').replace('/', '~1')}") for k, v in node.items()}
        if isinstance(node, list):
            return [without(v, f"{where}/{i}") for i, v in enumerate(node)]
        return node

    assert without(document) == without(before)
    assert document != before


@pytest.mark.parametrize(
    ("node", "rule", "after", "change"),
    [
        ({"type": "integer", "default": "1"}, "mistyped-default", {"type": "integer", "default": 1}, "replaced by 1"),
        ({"type": "string", "default": None, "nullable": True}, "mistyped-default", None, None),
        ({"type": ["integer", "null"], "default": None}, "mistyped-default", None, None),
        ({"type": "number", "default": "fast"}, "mistyped-default", {"type": "number"}, "removed"),
        ({"type": "array"}, "array-without-items", {"type": "array", "items": {}}, "added items"),
        (
            {"name": "q", "in": "query", "required": "true", "schema": {"type": "string"}},
            "string-required",
            {"name": "q", "in": "query", "required": True, "schema": {"type": "string"}},
            "required 'true' (a string): replaced by true",
        ),
    ],
    ids=["spelled-int", "nullable-ok", "31-null-ok", "unspellable", "array", "required"],
)
def test_each_rule(node: dict[str, Any], rule: str, after: dict[str, Any] | None, change: str | None) -> None:
    document = {"paths": {"/x": {"get": {"parameters": [{"name": "p", "in": "query", "schema": node}]}}}}
    if rule == "string-required":
        document["paths"]["/x"]["get"]["parameters"] = [node]
    original = copy.deepcopy(node)
    made = repairs.apply(document, [rule], "d")
    if change is None:
        assert made == []
        assert node == original
    else:
        assert len(made) == 1
        assert change in made[0].change
        assert node == after


def test_examples_and_defaults_are_data_never_repaired() -> None:
    data = {"type": "array", "default": None}
    schema = {
        "type": "object",
        "example": data,
        "default": {"type": "array"},
        "properties": {"default": {"type": "array"}},  # a property named `default` is a schema
    }
    made = repairs.apply({"components": {"schemas": {"S": schema}}}, repairs.RULES, "d")
    assert [repair.where for repair in made] == ["/components/schemas/S/properties/default"]
    assert data == {"type": "array", "default": None}


def test_the_live_rules_file_names_every_rule() -> None:
    rules = parse_rules((ROOT / "openapi" / "import.yaml").read_text(encoding="utf-8"), "openapi/import.yaml")
    assert rules.repairs == repairs.RULES
    assert rules.operation_ids == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("repairs: [tidy-up]\n", "repairs: unknown rule 'tidy-up'"),
        ("renames: {}\n", "expected a mapping with the keys 'repairs' and 'operationIds'"),
        ('operationIds: {"/4/list": x}\n', "operationIds: '/4/list' is not 'METHOD /path'"),
        ('operationIds: {"GET /4/list": ""}\n', "operationIds: 'GET /4/list': expected a new operationId"),
    ],
)
def test_a_malformed_rules_file_is_an_error(text: str, message: str) -> None:
    with pytest.raises(ImportProblem, match=r"r\.yaml") as caught:
        parse_rules(text, "r.yaml")
    assert message in str(caught.value)
