"""openapi/tmdb-v4.yaml is the document from the supplied page, unchanged, and valid."""

from __future__ import annotations

import pytest
import yaml
from conftest import SPEC_PATH, SUPPLIED_PAGE, load_spec
from specfile import SpecError, extract_fenced_block, parse_document, validate


@pytest.mark.skipif(not SUPPLIED_PAGE.is_file(), reason="the supplied page (../shared/seeds) is not beside this clone")
def test_spec_is_the_yaml_inside_the_supplied_page() -> None:
    language, body = extract_fenced_block(SUPPLIED_PAGE.read_text(encoding="utf-8"), str(SUPPLIED_PAGE))
    assert language == "yaml"
    assert yaml.safe_load(body) == load_spec()
    assert body == SPEC_PATH.read_text(encoding="utf-8"), "the spec must be the fenced YAML byte for byte"


def test_spec_passes_openapi_spec_validator() -> None:
    validate(load_spec(), str(SPEC_PATH))


def test_spec_describes_the_exchange_operation() -> None:
    operation = load_spec()["paths"]["/4/auth/access_token"]["post"]
    assert operation["operationId"] == "createAnAccessToken"
    assert load_spec()["components"]["securitySchemes"]["bearerAuth"] == {"type": "http", "scheme": "bearer"}


def test_invalid_document_names_source_and_location() -> None:
    document = load_spec()
    document["paths"]["/4/auth/access_token"]["post"]["responses"] = {"200": {"content": {}}}
    with pytest.raises(SpecError) as caught:
        validate(document, "some/spec.yaml")
    message = str(caught.value)
    assert message.startswith("some/spec.yaml: invalid OpenAPI document at $.paths")
    assert "'/4/auth/access_token'" in message


def test_invalid_yaml_names_line() -> None:
    with pytest.raises(SpecError, match=r"x\.yaml: invalid YAML at line 2"):
        parse_document("openapi: 3.0.3\n  bad: [\n", "x.yaml")
