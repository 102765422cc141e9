"""The committed openapi/tmdb-v4.yaml: valid, the supplied operation exactly as supplied, and importing
the supplied page into it changes nothing. (Cheap: nothing here grows with the size of the spec
beyond one read and one validation.)"""

from __future__ import annotations

import importlib
import pkgutil
import shutil
import typing
from pathlib import Path

import tmdb_v4_client.api
from scripts import yamlio
from scripts.import_spec import import_sources
from scripts.importer import is_bearer
from scripts.specfile import read_source, validation_errors
from tests.helpers import FIXTURES, SPEC_PATH
from tmdb_v4_client import AuthenticatedClient

SUPPLIED = FIXTURES / "supplied" / "000_8a1ac04b69cd6e93.txt"


def live_spec() -> dict[str, typing.Any]:
    document: dict[str, typing.Any] = yamlio.load(SPEC_PATH.read_text(encoding="utf-8"))
    return document


def operation_lines(text: str, path: str, method: str) -> list[str]:
    """The lines of `paths: <path>: <method>:` as written (the key line and everything indented under it)."""
    lines = text.splitlines()
    start = lines.index(f"    {method}:", lines.index(f"  {path}:"))
    end = start + 1
    while end < len(lines) and lines[end].startswith("      "):
        end += 1
    return lines[start:end]


def test_the_supplied_page_fixture_is_the_page_as_delivered() -> None:
    seed = Path(__file__).resolve().parents[3] / "shared" / "seeds" / "000_8a1ac04b69cd6e93.txt"
    if seed.is_file():  # beside a checkout with ../shared; the fixture is what the tests use
        assert SUPPLIED.read_bytes() == seed.read_bytes()
    assert SUPPLIED.read_bytes().startswith(b"> ## Documentation Index\n")


def test_the_supplied_operation_is_in_the_spec_exactly_as_supplied() -> None:
    page = read_source(SUPPLIED)
    supplied = page.document["paths"]["/4/auth/access_token"]["post"]
    assert live_spec()["paths"]["/4/auth/access_token"]["post"] == supplied
    written = operation_lines(SPEC_PATH.read_text(encoding="utf-8"), "/4/auth/access_token", "post")
    assert len(written) > 100
    assert written == operation_lines(page.text, "/4/auth/access_token", "post"), "byte for byte, as the page wrote it"


def test_importing_the_supplied_page_into_the_spec_is_an_identity(tmp_path: Path) -> None:
    (tmp_path / "openapi").mkdir()
    shutil.copy(SPEC_PATH, tmp_path / "openapi" / "tmdb-v4.yaml")
    lines = import_sources(tmp_path, [SUPPLIED])
    assert "openapi/tmdb-v4.yaml: no changes" in lines
    assert (tmp_path / "openapi" / "tmdb-v4.yaml").read_bytes() == SPEC_PATH.read_bytes()


def test_the_spec_is_valid() -> None:
    assert validation_errors(live_spec(), str(SPEC_PATH)) == []


def test_the_spec_requires_a_bearer_token_by_default() -> None:
    spec = live_spec()
    schemes = spec["components"]["securitySchemes"]
    assert spec["security"]
    assert all(is_bearer(schemes[name]) for requirement in spec["security"] for name in requirement)


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
