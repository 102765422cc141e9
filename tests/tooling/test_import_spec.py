"""`make import-spec`: extraction, copying into openapi/sources, conflicts, atomicity; and the facade guard.

Every test here starts from tests/fixtures/baseline (the spec and sources as first supplied),
never from the live openapi/, so a legitimate spec update cannot break them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from scripts.facade_contract import contract_problems
from scripts.import_spec import describe_changes, operations
from scripts.specfile import SpecError, load_source
from tests.helpers import FIXTURES, run_script, tree_bytes

PAGES = FIXTURES / "pages"
BASELINE = FIXTURES / "baseline" / "tmdb-v4.yaml"
SUPPLIED_PAGE = FIXTURES / "baseline" / "sources" / "create-an-access-token.md"
SPEC = Path("openapi/tmdb-v4.yaml")
SOURCES = Path("openapi/sources")
GENERATED = Path("generated/tmdb_v4_client")


def spec_of(root: Path) -> dict:
    return yaml.safe_load((root / SPEC).read_text(encoding="utf-8"))


def import_into(root: Path, *sources: Path | str, replace: bool = False) -> subprocess.CompletedProcess[str]:
    return run_script(root, "import_spec", *map(str, sources), *(["--replace"] if replace else []))


def openapi_bytes(root: Path) -> dict[str, bytes]:
    return tree_bytes(root / "openapi")


# --- extraction ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["create_request_token.md", "create_request_token.json", "logout.md", "logout.yaml"])
def test_each_source_shape_loads_and_validates(name: str) -> None:
    document = load_source(PAGES / name)
    assert document["openapi"] == "3.0.3"
    assert len(operations(document)) == 1


def test_markdown_and_plain_variants_are_the_same_document() -> None:
    assert load_source(PAGES / "logout.md") == load_source(PAGES / "logout.yaml")
    assert load_source(PAGES / "create_request_token.md") == load_source(PAGES / "create_request_token.json")


def test_a_page_without_an_openapi_block() -> None:
    with pytest.raises(SpecError, match=r"no_openapi\.md: no fenced ```yaml or ```json block"):
        load_source(PAGES / "no_openapi.md")


def test_an_invalid_document_names_source_and_location() -> None:
    with pytest.raises(SpecError, match=r"invalid\.md: invalid OpenAPI document at \$\.paths\['/4/x'\]\.post"):
        load_source(PAGES / "invalid.md")


def test_describe_changes_names_added_changed_and_removed_operations() -> None:
    before = yaml.safe_load(BASELINE.read_text(encoding="utf-8"))
    after = yaml.safe_load(BASELINE.read_text(encoding="utf-8"))
    after["paths"]["/4/auth/access_token"]["post"]["summary"] = "Exchange"
    after["paths"]["/4/auth/request_token"] = load_source(PAGES / "create_request_token.md")["paths"][
        "/4/auth/request_token"
    ]
    assert describe_changes(before, after) == [
        "  added:   POST /4/auth/request_token (createARequestToken)",
        "  changed: POST /4/auth/access_token (createAnAccessToken)",
    ]
    assert describe_changes(after, before)[-1] == "  removed: POST /4/auth/request_token (createARequestToken)"


# --- the script, in throwaway repository copies of the baseline ---------------------------------


def test_importing_the_supplied_page_changes_nothing(baseline_repo: Path) -> None:
    before = openapi_bytes(baseline_repo)
    result = import_into(baseline_repo, SUPPLIED_PAGE)
    assert result.returncode == 0, result.stderr
    assert "no changes" in result.stdout
    assert openapi_bytes(baseline_repo) == before


def test_multi_source_import_copies_sources_reports_and_reimport_is_identity(baseline_repo: Path) -> None:
    sources = [PAGES / "logout.md", PAGES / "create_request_token.json"]
    result = import_into(baseline_repo, *sources)
    assert result.returncode == 0, result.stderr
    assert "  added:   DELETE /4/auth/access_token (logout)" in result.stdout
    assert "  added:   POST /4/auth/request_token (createARequestToken)" in result.stdout
    assert "  source added openapi/sources/logout.md" in result.stdout
    for source in sources:
        assert (baseline_repo / SOURCES / source.name).read_bytes() == source.read_bytes()
    first = openapi_bytes(baseline_repo)
    again = import_into(baseline_repo, *sources)
    assert again.returncode == 0, again.stderr
    assert "no changes" in again.stdout
    assert openapi_bytes(baseline_repo) == first
    rebuilt = run_script(baseline_repo, "build_spec", "--check")
    assert rebuilt.returncode == 0, rebuilt.stderr


def test_updating_a_page_under_its_name_reports_the_changed_operation(baseline_repo: Path, tmp_path: Path) -> None:
    assert import_into(baseline_repo, PAGES / "logout.yaml").returncode == 0
    page = load_source(PAGES / "logout.yaml")
    page["paths"]["/4/auth/access_token"]["delete"]["description"] = "Revoke the access token."
    updated = tmp_path / "logout.yaml"
    updated.write_text(json.dumps(page), encoding="utf-8")  # JSON is YAML: a page in another layout
    result = import_into(baseline_repo, updated)
    assert result.returncode == 0, result.stderr
    assert "  source updated openapi/sources/logout.yaml" in result.stdout
    assert "  changed: DELETE /4/auth/access_token (logout)" in result.stdout
    assert spec_of(baseline_repo)["paths"]["/4/auth/access_token"]["delete"]["description"] == (
        "Revoke the access token."
    )


def test_replace_keeps_only_the_given_sources_and_reports_removed_operations(baseline_repo: Path) -> None:
    result = import_into(baseline_repo, PAGES / "logout.md", replace=True)
    assert result.returncode == 0, result.stderr
    assert "  removed: POST /4/auth/access_token (createAnAccessToken)" in result.stdout
    assert "  source removed openapi/sources/create-an-access-token.md" in result.stdout
    assert sorted(path.name for path in (baseline_repo / SOURCES).iterdir()) == ["logout.md"]
    assert "warning: the facade's contract is broken" in result.stdout


@pytest.mark.parametrize(
    ("sources", "message"),
    [
        (["logout.md", "logout_conflicting.yaml"], "conflicting definitions of operation DELETE /4/auth/access_token"),
        (["logout.md", "invalid.md"], "invalid.md: invalid OpenAPI document"),
        (["logout.md", "no_openapi.md"], "no_openapi.md: no fenced"),
        (["logout.md", "absent.md"], "absent.md: cannot read"),
    ],
    ids=["conflict", "invalid", "no-openapi-block", "missing-file"],
)
def test_a_failed_import_leaves_spec_and_sources_byte_identical(
    baseline_repo: Path, sources: list[str], message: str
) -> None:
    before = openapi_bytes(baseline_repo)
    result = import_into(baseline_repo, *(PAGES / name for name in sources))
    assert result.returncode == 1
    assert message in result.stderr
    assert "left unchanged" in result.stderr
    if "conflict" in message:
        assert str(PAGES / "logout.md") in result.stderr
        assert str(PAGES / "logout_conflicting.yaml") in result.stderr
    assert openapi_bytes(baseline_repo) == before
    assert not [p for p in (baseline_repo / "openapi").iterdir() if p.name.startswith(".")], "no temp file left"


def test_a_page_conflicting_with_an_imported_one_names_the_file_in_openapi_sources(baseline_repo: Path) -> None:
    assert import_into(baseline_repo, PAGES / "logout.md").returncode == 0
    before = openapi_bytes(baseline_repo)
    result = import_into(baseline_repo, PAGES / "logout_conflicting.yaml")
    assert result.returncode == 1
    assert f"openapi/sources/logout.md and {PAGES / 'logout_conflicting.yaml'} define it differently" in result.stderr
    assert "import its new version under the same file name" in result.stderr
    assert openapi_bytes(baseline_repo) == before


# --- the breaking-change guard ----------------------------------------------------------------


def edit_spec(root: Path, edit: str) -> None:
    spec = spec_of(root)
    operation = spec["paths"]["/4/auth/access_token"]["post"]
    request = operation["requestBody"]["content"]["application/json"]["schema"]["properties"]
    response = operation["responses"]["200"]["content"]["application/json"]["schema"]["properties"]
    if edit == "removed-operation":
        del spec["paths"]["/4/auth/access_token"]["post"]
        spec["paths"]["/4/auth/access_token"]["get"] = {"responses": {"200": {"description": "ok"}}}
    elif edit == "renamed-operation":
        operation["operationId"] = "exchangeToken"
    elif edit == "renamed-request-field":
        request["requestToken"] = request.pop("request_token")
    elif edit == "removed-response-field":
        del response["account_id"]
    elif edit == "additive":
        response["expires_at"] = {"type": "string"}
    (root / SPEC).write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ("removed-operation", "operation POST /4/auth/access_token is missing"),
        ("renamed-operation", "has operationId 'exchangeToken', the facade calls 'createAnAccessToken'"),
        ("renamed-request-field", "POST /4/auth/access_token: request body field 'request_token' (application/json)"),
        ("removed-response-field", "POST /4/auth/access_token: 200 response field 'account_id' (application/json)"),
    ],
)
def test_generate_refuses_a_spec_that_breaks_the_facade(baseline_repo: Path, edit: str, message: str) -> None:
    before = tree_bytes(baseline_repo / GENERATED)
    edit_spec(baseline_repo, edit)
    result = run_script(baseline_repo, "generate", "generate")
    assert result.returncode == 1
    assert message in result.stderr
    assert "The facade must be updated together with this spec change" in result.stderr
    assert tree_bytes(baseline_repo / GENERATED) == before


def test_additive_changes_pass_the_guard(baseline_repo: Path) -> None:
    edit_spec(baseline_repo, "additive")
    result = run_script(baseline_repo, "generate", "generate")
    assert result.returncode == 0, result.stderr
    assert "expires_at" in (baseline_repo / GENERATED / "models/create_an_access_token_response_200.py").read_text()


def test_an_override_renaming_the_facades_operation_is_caught_at_import(baseline_repo: Path) -> None:
    (baseline_repo / "openapi" / "overrides.yaml").write_text(
        'operations:\n  "POST /4/auth/access_token":\n    operationId: exchange\n', encoding="utf-8"
    )
    result = import_into(baseline_repo, PAGES / "logout.md")
    assert result.returncode == 0, result.stderr
    assert "warning: the facade's contract is broken" in result.stdout
    assert "has operationId 'exchange', the facade calls 'createAnAccessToken'" in result.stdout


# --- the whole round trip -----------------------------------------------------------------------


@pytest.mark.slow
def test_import_generate_and_use_the_new_module_with_the_facade(baseline_repo: Path) -> None:
    assert import_into(baseline_repo, PAGES / "logout.md", PAGES / "create_request_token.md").returncode == 0
    generated = run_script(baseline_repo, "generate", "generate")
    assert generated.returncode == 0, generated.stderr
    assert run_script(baseline_repo, "generate", "check").returncode == 0
    probe = """
import tmdb_v4_client, sys
assert tmdb_v4_client.__file__.startswith(sys.argv[1]), tmdb_v4_client.__file__
from tmdb_v4_client import AuthenticatedClient
from tmdb_v4_client.api.auth import create_a_request_token, logout
from tmdb_v4_client.models import CreateARequestTokenBody, LogoutBody
from tmdb_auth import TMDBAuth
from tmdb_auth.emulator import Emulator

with Emulator() as emulator:
    client = AuthenticatedClient(base_url=emulator.base_url, token=emulator.read_token)
    created = create_a_request_token.sync(client=client, body=CreateARequestTokenBody())
    emulator.state.request_token_record(created.request_token).approved = True
    with TMDBAuth(emulator.read_token, base_url=emulator.base_url) as auth:
        token = auth.create_access_token(created.request_token)
    out = logout.sync(client=client, body=LogoutBody(access_token=token.access_token))
    print(out.status_code, out.success)
"""
    env = {**os.environ, "PYTHONPATH": str(baseline_repo / "generated")}
    result = subprocess.run(
        [sys.executable, "-c", probe, str(baseline_repo / "generated")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["13", "True"]


def test_the_guard_covers_every_operation_the_facade_calls() -> None:
    logout_page = load_source(PAGES / "logout.md")
    assert contract_problems(logout_page) == ["operation POST /4/auth/access_token is missing"]
    operation = logout_page["paths"]["/4/auth/access_token"]["delete"]
    operation["operationId"] = "deleteAccessToken"
    del operation["requestBody"]["content"]["application/json"]["schema"]["properties"]["access_token"]
    problems = contract_problems(logout_page)
    assert "DELETE /4/auth/access_token has operationId 'deleteAccessToken', the facade calls 'logout'" in problems[1]
    assert problems[2] == "DELETE /4/auth/access_token: request body field 'access_token' (application/json) is missing"
    request_token_page = load_source(PAGES / "create_request_token.md")
    schema = request_token_page["paths"]["/4/auth/request_token"]["post"]["responses"]["200"]["content"]
    del schema["application/json"]["schema"]["properties"]["request_token"]
    assert contract_problems(request_token_page)[1:] == [
        "POST /4/auth/request_token: 200 response field 'request_token' (application/json) is missing"
    ]
