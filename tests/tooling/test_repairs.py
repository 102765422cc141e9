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


def request_schema(document: dict[str, Any], path: str, method: str) -> Any:
    return document["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]


def official() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(OFFICIAL.read_text(encoding="utf-8"))
    return document


@pytest.mark.slow
def test_the_official_documents_defects_are_repaired_and_listed() -> None:
    document = official()
    made = repairs.apply(document, repairs.RULES, "v3.json")
    assert Counter(repair.rule for repair in made) == {
        "mistyped-default": 13,
        "array-without-items": 20,
        "readme-raw-body": 12,  # every request body of the document
    }
    assert Counter(repair.change.rsplit(":", 1)[1] for repair in made if repair.rule == "mistyped-default") == {
        " removed": 11,
        " replaced by false": 2,
    }
    assert str(made[0]) == (
        "mistyped-default: v3.json#/paths/~13~1account~1{account_id}/get/parameters/0/schema/default: "
        "default null is not integer: removed"
    )
    # every request body (ReadMe's RAW_BODY placeholder) typed from its example
    favorite = request_schema(document, "/3/account/{account_id}/favorite", "post")
    assert favorite == {
        "type": "object",
        "required": ["media_type", "media_id", "favorite"],
        "properties": {
            "media_type": {"type": "string"},
            "media_id": {"type": "integer"},
            "favorite": {"type": "boolean"},
        },
    }
    assert request_schema(document, "/3/movie/{movie_id}/rating", "post")["properties"] == {"value": {"type": "number"}}
    # list-add-movie's placeholder does not require RAW_BODY: still ReadMe's placeholder, still repaired
    assert request_schema(document, "/3/list/{list_id}/add_item", "post")["required"] == ["media_id"]
    assert validation_errors(document, "v3.json") == []
    again = copy.deepcopy(document)
    assert repairs.apply(again, repairs.RULES, "v3.json") == []
    assert again == document, "a repaired document needs no repair: re-imports give the same result"


@pytest.mark.slow
def test_nothing_but_the_defects_changes() -> None:
    document, before = official(), official()
    made = repairs.apply(document, repairs.RULES, "v3.json")
    touched = {repair.where.removesuffix("/default").removesuffix("/schema") for repair in made}  # the nodes repaired

    def without(node: Any, where: str = "") -> Any:
        if where in touched and isinstance(node, dict):
            return {k: v for k, v in node.items() if k not in ("default", "items", "schema")}
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
    assert rules.operation_ids == {("GET", "/4/account/{account_object_id}/lists"): "accountListsV4"}
    assert rules.operation_tags == {
        ("POST", "/3/authentication/session/convert/4"): ("AUTH",),
        ("DELETE", "/3/authentication/session"): ("AUTH",),
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("repairs: [tidy-up]\n", "repairs: unknown rule 'tidy-up'"),
        ("renames: {}\n", "expected a mapping with the keys 'repairs', 'operationIds' and 'operationTags'"),
        ('operationTags: {"/4/list": [LISTS]}\n', "operationTags: '/4/list' is not 'METHOD /path'"),
        ('operationTags: {"GET /4/list": LISTS}\n', "operationTags: 'GET /4/list': expected a list of tag names"),
        ('operationTags: {"GET /4/list": []}\n', "operationTags: 'GET /4/list': expected a list of tag names"),
        ('operationIds: {"/4/list": x}\n', "operationIds: '/4/list' is not 'METHOD /path'"),
        ('operationIds: {"GET /4/list": ""}\n', "operationIds: 'GET /4/list': expected a new operationId"),
    ],
)
def test_a_malformed_rules_file_is_an_error(text: str, message: str) -> None:
    with pytest.raises(ImportProblem, match=r"r\.yaml") as caught:
        parse_rules(text, "r.yaml")
    assert message in str(caught.value)


# --- readme-raw-body: ReadMe's placeholder for a raw JSON request body ---------------------------------

SESSION_OPERATIONS = FIXTURES / "tmdb-v3-session-operations.json"
PLACEHOLDER = {
    "type": "object",
    "required": ["RAW_BODY"],
    "properties": {"RAW_BODY": {"type": "string", "format": "json"}},
}


def session_operations() -> dict[str, Any]:
    """TMDB's two v3 session operations, copied verbatim from its official document."""
    document: dict[str, Any] = json.loads(SESSION_OPERATIONS.read_text(encoding="utf-8"))
    return document


def test_the_session_operations_bodies_become_what_their_examples_send() -> None:
    document = session_operations()
    assert request_schema(document, "/3/authentication/session", "delete") == PLACEHOLDER, "as published"
    made = repairs.apply(document, ["readme-raw-body"], "v3.json")
    assert [str(repair) for repair in made] == [
        "readme-raw-body: v3.json#/paths/~13~1authentication~1session~1convert~14/post/requestBody/content/"
        "application~1json/schema: ReadMe's RAW_BODY placeholder: replaced by an object schema from the request "
        "example: access_token (string, required)",
        "readme-raw-body: v3.json#/paths/~13~1authentication~1session/delete/requestBody/content/application~1json/"
        "schema: ReadMe's RAW_BODY placeholder: replaced by an object schema from the request example: "
        "session_id (string, required)",
    ]
    assert request_schema(document, "/3/authentication/session/convert/4", "post") == {
        "type": "object",
        "required": ["access_token"],
        "properties": {"access_token": {"type": "string"}},
    }
    assert request_schema(document, "/3/authentication/session", "delete") == {
        "type": "object",
        "required": ["session_id"],
        "properties": {"session_id": {"type": "string"}},
    }
    examples = document["paths"]["/3/authentication/session"]["delete"]["requestBody"]["content"]["application/json"]
    assert examples["examples"]["Request Example"]["value"] == {
        "session_id": "2629f70fb498edc263a0adb99118ac41f0053e8c"
    }
    assert validation_errors(document, "v3.json") == []
    assert repairs.apply(document, ["readme-raw-body"], "v3.json") == [], "a repaired body needs no repair"


def media(schema: Any, **more: Any) -> dict[str, Any]:
    return {"paths": {"/x": {"post": {"requestBody": {"content": {"application/json": {"schema": schema, **more}}}}}}}


@pytest.mark.parametrize(
    ("document", "schema"),
    [
        (
            media(PLACEHOLDER, example='{"name": "x", "tags": ["a"], "meta": {"n": 1}, "note": null}'),
            {
                "type": "object",
                "required": ["name", "tags", "meta", "note"],
                "properties": {
                    "name": {"type": "string"},
                    "tags": {"type": "array", "items": {}},
                    "meta": {"type": "object", "required": ["n"], "properties": {"n": {"type": "integer"}}},
                    "note": {},
                },
            },
        ),
        (
            media(PLACEHOLDER, examples={"a": {"value": {"id": 1, "x": None}}, "b": {"value": {"id": 2, "x": 1.5}}}),
            {
                "type": "object",
                "required": ["id", "x"],
                "properties": {"id": {"type": "integer"}, "x": {"type": "number"}},
            },
        ),
        (
            media(PLACEHOLDER, examples={"a": {"value": {"id": 1}}, "b": {"value": {"id": 2, "page": 3}}}),
            {
                "type": "object",
                "required": ["id"],
                "properties": {"id": {"type": "integer"}, "page": {"type": "integer"}},
            },
        ),
    ],
    ids=["json-text-example", "null-then-typed", "optional-key"],
)
def test_the_schema_is_typed_from_every_example(document: dict[str, Any], schema: dict[str, Any]) -> None:
    made = repairs.apply(document, ["readme-raw-body"], "d")
    assert len(made) == 1
    assert made[0].where == "/paths/~1x/post/requestBody/content/application~1json/schema"
    assert document["paths"]["/x"]["post"]["requestBody"]["content"]["application/json"]["schema"] == schema


@pytest.mark.parametrize(
    "document",
    [
        media(PLACEHOLDER),  # no example: nothing to build from
        media(PLACEHOLDER, example=[1, 2]),  # not an object
        media(PLACEHOLDER, example={}),  # an empty object says nothing
        media(PLACEHOLDER, example="not json"),
        media(PLACEHOLDER, examples={"a": {"value": {"id": 1}}, "b": {"value": {"id": "one"}}}),  # types disagree
        media({**PLACEHOLDER, "description": "hand-written"}, example={"id": 1}),  # not exactly the placeholder
        media({"type": "object", "properties": {"RAW_BODY": {"type": "string"}}}, example={"id": 1}),
        {
            "paths": {
                "/x": {
                    "get": {
                        "responses": {
                            "200": {"content": {"application/json": {"schema": PLACEHOLDER, "example": {"id": 1}}}}
                        }
                    }
                }
            }
        },
    ],
    ids=["no-example", "array", "empty", "json-text-not-json", "disagreeing", "extra-keyword", "no-format", "response"],
)
def test_what_is_not_exactly_a_placeholder_with_an_object_example_is_left_alone(document: dict[str, Any]) -> None:
    before = copy.deepcopy(document)
    assert repairs.apply(document, ["readme-raw-body"], "d") == []
    assert document == before
