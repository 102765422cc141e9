"""openapi/tmdb-v4.yaml is the document from the supplied page, unchanged, and valid."""

from __future__ import annotations

import pytest
import yaml

from scripts.specfile import SpecError, extract_fenced_block, parse_document, validate
from tests.helpers import ROOT, SPEC_PATH, load_spec

SUPPLIED_PAGE = ROOT / "openapi" / "sources" / "create-an-access-token.md"


def test_the_supplied_operation_is_in_the_spec_exactly_as_supplied() -> None:
    language, body = extract_fenced_block(SUPPLIED_PAGE.read_text(encoding="utf-8"), str(SUPPLIED_PAGE))
    assert language == "yaml"
    supplied = yaml.safe_load(body)
    spec = load_spec()
    assert spec["paths"]["/4/auth/access_token"]["post"] == supplied["paths"]["/4/auth/access_token"]["post"]
    for key in ("openapi", "info", "servers", "security"):
        assert spec[key] == supplied[key], key
    assert spec["components"]["securitySchemes"] == supplied["components"]["securitySchemes"]


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
