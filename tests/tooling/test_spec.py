"""The committed openapi/tmdb-v4.yaml: what its sources give, the supplied operation exactly as supplied, valid."""

from __future__ import annotations

import importlib
import pkgutil
import typing

import pytest
import yaml

import tmdb_v4_client.api
from scripts.build_spec import build_from, read_overrides
from scripts.specfile import SpecError, extract_fenced_block, parse_document, validate
from tests.helpers import ROOT, SPEC_PATH, load_spec
from tmdb_v4_client import AuthenticatedClient

SUPPLIED_PAGE = ROOT / "openapi" / "sources" / "create-an-access-token.md"


def supplied_block() -> str:
    language, body = extract_fenced_block(SUPPLIED_PAGE.read_text(encoding="utf-8"), str(SUPPLIED_PAGE))
    assert language == "yaml"
    return body


def test_the_spec_is_what_its_sources_and_overrides_give() -> None:
    assert SPEC_PATH.read_text(encoding="utf-8") == build_from(ROOT), "run `make spec` and commit the result"


def test_the_supplied_operation_is_in_the_spec_exactly_as_supplied() -> None:
    supplied = yaml.safe_load(supplied_block())
    spec = load_spec()
    assert spec["paths"]["/4/auth/access_token"]["post"] == supplied["paths"]["/4/auth/access_token"]["post"]
    for key in ("openapi", "info", "servers", "security"):
        assert spec[key] == supplied[key], key
    assert spec["components"]["securitySchemes"] == supplied["components"]["securitySchemes"]


def operation_lines(text: str, path: str, method: str) -> list[str]:
    """The lines of `paths: <path>: <method>:` as written (the key line and everything indented under it)."""
    lines = text.splitlines()
    start = lines.index(f"  {path}:")
    start = lines.index(f"    {method}:", start)
    end = start + 1
    while end < len(lines) and lines[end].startswith("      "):
        end += 1
    return lines[start:end]


def test_the_supplied_operation_keeps_the_pages_lines_byte_for_byte() -> None:
    supplied = operation_lines(supplied_block(), "/4/auth/access_token", "post")
    assert len(supplied) > 100
    assert operation_lines(SPEC_PATH.read_text(encoding="utf-8"), "/4/auth/access_token", "post") == supplied


def test_the_live_overrides_file_exists_shows_its_format_and_parses() -> None:
    path = ROOT / "openapi" / "overrides.yaml"
    text = path.read_text(encoding="utf-8")
    assert '#   operations:\n#     "GET /4/list/{list_id}/clear":\n#       operationId: clearList' in text
    read_overrides(path)  # raises on a malformed file


def test_every_generated_operation_requires_the_bearer_token() -> None:
    """The document's `security: [bearerAuth]` applies to every operation: no unauthenticated Client."""
    checked = []
    for module_info in pkgutil.walk_packages(tmdb_v4_client.api.__path__, "tmdb_v4_client.api."):
        module = importlib.import_module(module_info.name)
        for name in ("sync", "sync_detailed", "asyncio", "asyncio_detailed"):
            function = getattr(module, name, None)
            if function is not None:
                assert typing.get_type_hints(function)["client"] is AuthenticatedClient, module_info.name
                checked.append(f"{module_info.name}.{name}")
    assert len(checked) >= 12, checked


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
