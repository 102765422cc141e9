"""Document-level `security` reaches the generated signatures (scripts/generate.py's with_inherited_security)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from scripts import yamlio
from scripts.generate import with_inherited_security
from tests.helpers import FIXTURES, run_script

BEARER = [{"bearerAuth": []}]
SPEC = Path("openapi/tmdb-v4.yaml")
AUTH_API = Path("generated/tmdb_v4_client/api/auth")


def document(top_level: Any, **operation_security: Any) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for name in ("a", "b", "c"):
        operation: dict[str, Any] = {"operationId": name, "responses": {"200": {"description": "ok"}}}
        if name in operation_security:
            operation["security"] = operation_security[name]
        paths[f"/{name}"] = {"get": operation, "parameters": []}
    result: dict[str, Any] = {"openapi": "3.0.3", "paths": paths}
    if top_level is not None:
        result["security"] = top_level
    return result


def securities(resolved: dict[str, Any]) -> dict[str, Any]:
    return {path: item["get"].get("security", "absent") for path, item in resolved["paths"].items()}


def test_operations_without_their_own_security_inherit_the_documents() -> None:
    source = document(BEARER, b=[], c=[{"other": []}])
    resolved = with_inherited_security(source)
    assert securities(resolved) == {"/a": BEARER, "/b": [], "/c": [{"other": []}]}
    assert "security" not in source["paths"]["/a"]["get"], "the input is not modified"


@pytest.mark.parametrize("top_level", [None, [], [{}], [{}, {"bearerAuth": []}]], ids=["none", "empty", "anon", "opt"])
def test_a_document_that_allows_anonymous_calls_is_left_alone(top_level: Any) -> None:
    source = document(top_level)
    assert with_inherited_security(source) == source


@pytest.mark.slow
@pytest.mark.parametrize("top_level_security", [True, False], ids=["document-requires-bearer", "no-document-security"])
def test_the_generated_client_parameter_follows_the_effective_security(
    repo_copy: Path, top_level_security: bool
) -> None:
    spec = yamlio.load((FIXTURES / "baseline" / "tmdb-v4.yaml").read_text(encoding="utf-8"))
    assert spec["security"] == BEARER
    if not top_level_security:
        del spec["security"]
        spec["paths"]["/4/auth/access_token"]["delete"]["security"] = BEARER  # its own requirement still counts
    shutil.rmtree(repo_copy / "generated")
    (repo_copy / SPEC).write_text(yamlio.dump(spec), encoding="utf-8")
    result = run_script(repo_copy, "generate", "generate")
    assert result.returncode == 0, result.stderr
    exchange = (repo_copy / AUTH_API / "create_an_access_token.py").read_text(encoding="utf-8")
    logout = (repo_copy / AUTH_API / "logout.py").read_text(encoding="utf-8")
    assert logout.count("    client: AuthenticatedClient,\n") == 4  # sync, sync_detailed, asyncio, asyncio_detailed
    if top_level_security:
        assert exchange.count("    client: AuthenticatedClient,\n") == 4
        assert "    client: AuthenticatedClient | Client,\n" not in exchange
    else:
        assert exchange.count("    client: AuthenticatedClient | Client,\n") == 4
