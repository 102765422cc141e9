"""scripts/specfile.py: pages and documents recognised by content, whatever the file extension;
every validation error reported at once, each with its file and JSON pointer."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from scripts.specfile import SpecError, read_source, validation_errors
from tests.helpers import FIXTURES

PAGES = FIXTURES / "pages"
SUPPLIED = FIXTURES / "supplied" / "000_8a1ac04b69cd6e93.txt"
OFFICIAL = FIXTURES / "upstream" / "tmdb-api-v3-official.json"


def test_the_supplied_page_as_delivered_is_a_yaml_page() -> None:
    source = read_source(SUPPLIED)
    assert source.kind == "page (```yaml block)"
    assert source.first_line == 14
    assert source.text.startswith("openapi: 3.0.3\n")
    assert source.document["paths"]["/4/auth/access_token"]["post"]["operationId"] == "createAnAccessToken"


@pytest.mark.parametrize("suffix", [".txt", ".md", ".mdx", ".yaml", ""])
def test_the_extension_does_not_matter(tmp_path: Path, suffix: str) -> None:
    copy = tmp_path / f"page{suffix}"
    shutil.copy(SUPPLIED, copy)
    assert read_source(copy).document == read_source(SUPPLIED).document


def test_a_json_page_skips_the_example_block_and_reads_the_document() -> None:
    source = read_source(PAGES / "create_request_token.mdx")
    assert source.kind == "page (```json block)"
    assert source.document == json.loads((PAGES / "create_request_token.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("name", "kind"),
    [("create_request_token.json", "JSON document"), ("logout.yaml", "YAML document"), ("logout.md", "page")],
)
def test_plain_documents_and_pages(name: str, kind: str, tmp_path: Path) -> None:
    assert read_source(PAGES / name).kind.startswith(kind)
    renamed = tmp_path / "document.txt"  # the same content under an extension that says nothing
    shutil.copy(PAGES / name, renamed)
    assert read_source(renamed).kind.startswith(kind)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("# Notes\n\nNothing to see.\n", "no OpenAPI document found: expected a JSON or YAML document"),
        ('# A\n\n```json\n{"a": 1}\n```\n', "(1 fenced yaml/json block(s), none an OpenAPI document)"),
        ("# A\n\n````yaml\nopenapi: 3.0.3\n", "the ````yaml block opened on line 3 is never closed"),
        ("# A\n\n```yaml\nopenapi: 3.0.3\ninfo: [\n```\n", "page.txt: invalid YAML at line 6, column 1"),
        ('{"openapi": "3.0.3",\n "info": }', "page.txt: invalid JSON at line 2, column 10"),
        ("swagger: '2.0'\ninfo: {}\n", "a Swagger 2.0 document; OpenAPI 3.0 and 3.1 are supported"),
    ],
    ids=["no-document", "example-only", "unclosed", "yaml-error-line-in-file", "json-error", "swagger"],
)
def test_unreadable_sources_say_why(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "page.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        read_source(path)
    assert message in str(caught.value)


@pytest.mark.slow
def test_every_validation_error_of_the_official_document_at_once_with_pointers() -> None:
    document = read_source(OFFICIAL).document
    errors = validation_errors(document, "v3.json")
    assert len(errors) == 13  # 11 `default: null` for integers, 2 `default: 'false'` for booleans
    assert (
        "v3.json#/paths/~13~1account~1{account_id}/get/parameters/0/schema/default: None is not of type 'integer'"
        in (errors)
    )
    assert (
        "v3.json#/paths/~13~1movie~1{movie_id}/get/responses/200/content/application~1json/schema/properties/adult"
        "/default: 'false' is not of type 'boolean'"
    ) in errors


def test_a_schema_error_is_placed_in_the_document() -> None:
    document = read_source(PAGES / "logout.yaml").document
    response = document["paths"]["/4/auth/access_token"]["delete"]["responses"]["200"]
    response["content"]["application/json"]["schema"]["properties"]["success"]["type"] = "bool"
    del document["info"]["title"]
    errors = validation_errors(document, "x.yaml")
    assert "x.yaml#/info: 'title' is a required property" in errors
    where = "x.yaml#/paths/~14~1auth~1access_token/delete/responses/200/content/application~1json/schema/properties"
    types = "['array', 'boolean', 'integer', 'null', 'number', 'object', 'string']"
    assert f"{where}/success/type: 'bool' is not one of {types}" in errors


def test_an_unsupported_version_is_an_error() -> None:
    assert validation_errors({"openapi": "3.2.0"}, "x") == [
        "x#/openapi: OpenAPI version '3.2.0' is not supported (3.0.x and 3.1.x are)"
    ]
