"""`make import-spec`: extraction, merging, conflicts, determinism, atomicity; and the facade guard."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from scripts.import_spec import describe_changes, merge, operations
from scripts.specfile import SpecError, load_source
from tests.helpers import FIXTURES, ROOT, run_script, tree_bytes

PAGES = FIXTURES / "pages"
# The spec as first supplied (one operation): import tests start from it, never from the live spec.
BASELINE = FIXTURES / "baseline" / "tmdb-v4.yaml"
SUPPLIED_PAGE = ROOT / "openapi" / "sources" / "create-an-access-token.md"
SPEC = Path("openapi/tmdb-v4.yaml")
GENERATED = Path("generated/tmdb_v4_client")


def spec_of(root: Path) -> dict:
    return yaml.safe_load((root / SPEC).read_text(encoding="utf-8"))


def import_into(root: Path, *sources: Path | str, replace: bool = False) -> subprocess.CompletedProcess[str]:
    return run_script(root, "import_spec", *map(str, sources), *(["--replace"] if replace else []))


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


# --- merging (pure) ---------------------------------------------------------------------------


def test_merge_is_a_union_keeping_info_servers_and_security() -> None:
    current = yaml.safe_load(BASELINE.read_text(encoding="utf-8"))
    page = load_source(PAGES / "create_request_token.md")
    page["info"] = {"title": "Other", "version": "9"}
    page["servers"] = [{"url": "https://elsewhere.invalid"}]
    merged = merge(current, [("page", page), ("logout", load_source(PAGES / "logout.md"))])
    assert merged["info"] == current["info"]
    assert merged["servers"] == current["servers"]
    assert merged["security"] == current["security"]
    assert set(operations(merged)) == {
        ("POST", "/4/auth/access_token"),
        ("DELETE", "/4/auth/access_token"),
        ("POST", "/4/auth/request_token"),
    }
    assert [tag["name"] for tag in merged["tags"]] == ["ACCOUNT", "AUTH", "LISTS"]
    assert merged["tags"][2]["description"] == "For this folder, you will need to create an access token"
    assert describe_changes(current, merged) == [
        "  added:   DELETE /4/auth/access_token (logout)",
        "  added:   POST /4/auth/request_token (createARequestToken)",
    ]


def test_an_identical_duplicate_is_fine() -> None:
    logout = load_source(PAGES / "logout.md")
    merged = merge(
        yaml.safe_load(BASELINE.read_text(encoding="utf-8")),
        [("a.md", logout), ("b.yaml", load_source(PAGES / "logout.yaml"))],
    )
    assert ("DELETE", "/4/auth/access_token") in operations(merged)


def test_conflicting_tags_and_components_between_imports_stop_the_import() -> None:
    from scripts.import_spec import ImportError_

    first, second = load_source(PAGES / "logout.md"), load_source(PAGES / "logout.md")
    first["tags"] = [{"name": "AUTH", "description": "one"}]
    second["tags"] = [{"name": "AUTH", "description": "two"}]
    with pytest.raises(ImportError_, match=r"conflicting definitions of tag AUTH: a\.md and b\.md"):
        merge(yaml.safe_load(BASELINE.read_text(encoding="utf-8")), [("a.md", first), ("b.md", second)])
    second = load_source(PAGES / "logout.md")
    second["components"]["securitySchemes"]["bearerAuth"]["bearerFormat"] = "JWT"
    with pytest.raises(ImportError_, match=r"component securitySchemes/bearerAuth: a\.md and b\.md"):
        merge(
            yaml.safe_load(BASELINE.read_text(encoding="utf-8")),
            [("a.md", load_source(PAGES / "logout.md")), ("b.md", second)],
        )


def test_replace_reports_removed_operations() -> None:
    current = yaml.safe_load(BASELINE.read_text(encoding="utf-8"))
    merged = merge(current, [("logout", load_source(PAGES / "logout.md"))], replace=True)
    assert describe_changes(current, merged)[:2] == [
        "  added:   DELETE /4/auth/access_token (logout)",
        "  removed: POST /4/auth/access_token (createAnAccessToken)",
    ]


# --- the script, in throwaway repository copies ----------------------------------------------


@pytest.fixture
def repo_copy(repo_copy: Path) -> Path:
    """A repository copy whose spec is the baseline, so these tests hold whatever the live spec holds."""
    shutil.copy(BASELINE, repo_copy / SPEC)
    return repo_copy


def test_importing_the_supplied_page_changes_nothing(repo_copy: Path) -> None:
    before = (repo_copy / SPEC).read_bytes()
    result = import_into(repo_copy, SUPPLIED_PAGE)
    assert result.returncode == 0, result.stderr
    assert "no changes" in result.stdout
    assert (repo_copy / SPEC).read_bytes() == before


def test_multi_source_import_reports_and_reimport_is_identity(repo_copy: Path) -> None:
    sources = [PAGES / "logout.md", PAGES / "create_request_token.json"]
    result = import_into(repo_copy, *sources)
    assert result.returncode == 0, result.stderr
    assert "  added:   DELETE /4/auth/access_token (logout)" in result.stdout
    assert "  added:   POST /4/auth/request_token (createARequestToken)" in result.stdout
    first = (repo_copy / SPEC).read_bytes()
    again = import_into(repo_copy, *sources)
    assert "no changes" in again.stdout
    assert (repo_copy / SPEC).read_bytes() == first


def test_output_is_deterministic(repo_copy: Path, tmp_path: Path) -> None:
    import shutil

    other = tmp_path / "other"
    shutil.copytree(repo_copy, other)
    sources = [PAGES / "create_request_token.md", PAGES / "logout.yaml"]
    assert import_into(repo_copy, *sources).returncode == 0
    assert import_into(other, *sources).returncode == 0
    assert (repo_copy / SPEC).read_bytes() == (other / SPEC).read_bytes()


def test_a_changed_operation_is_reported(repo_copy: Path, tmp_path: Path) -> None:
    page = load_source(PAGES / "logout.md")
    assert import_into(repo_copy, PAGES / "logout.md").returncode == 0
    page["paths"]["/4/auth/access_token"]["delete"]["description"] = "Revoke the access token."
    changed = tmp_path / "logout_v2.json"
    changed.write_text(__import__("json").dumps(page), encoding="utf-8")
    result = import_into(repo_copy, changed)
    assert "  changed: DELETE /4/auth/access_token (logout)" in result.stdout


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
def test_a_failed_import_leaves_the_spec_byte_identical(repo_copy: Path, sources: list[str], message: str) -> None:
    before = (repo_copy / SPEC).read_bytes()
    result = import_into(repo_copy, *(PAGES / name for name in sources))
    assert result.returncode == 1
    assert message in result.stderr
    assert "left unchanged" in result.stderr
    if "conflict" in message:
        assert str(PAGES / "logout.md") in result.stderr
        assert str(PAGES / "logout_conflicting.yaml") in result.stderr
    assert (repo_copy / SPEC).read_bytes() == before
    assert not [p for p in (repo_copy / "openapi").iterdir() if p.name.startswith(".")], "no temp file left"


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
        ("renamed-request-field", "request body field 'request_token' (application/json) is missing"),
        ("removed-response-field", "200 response field 'account_id' (application/json) is missing"),
    ],
)
def test_generate_refuses_a_spec_that_breaks_the_facade(repo_copy: Path, edit: str, message: str) -> None:
    before = tree_bytes(repo_copy / GENERATED)
    edit_spec(repo_copy, edit)
    result = run_script(repo_copy, "generate", "generate")
    assert result.returncode == 1
    assert message in result.stderr
    assert "The facade must be updated together with this spec change" in result.stderr
    assert tree_bytes(repo_copy / GENERATED) == before


def test_additive_changes_pass_the_guard(repo_copy: Path) -> None:
    edit_spec(repo_copy, "additive")
    result = run_script(repo_copy, "generate", "generate")
    assert result.returncode == 0, result.stderr
    assert "expires_at" in (repo_copy / GENERATED / "models/create_an_access_token_response_200.py").read_text()


def test_import_warns_when_the_result_breaks_the_facade(repo_copy: Path) -> None:
    result = import_into(repo_copy, PAGES / "logout.md", replace=True)
    assert result.returncode == 0
    assert "warning: the facade's contract is broken" in result.stdout


# --- the whole round trip -----------------------------------------------------------------------


@pytest.mark.slow
def test_import_generate_and_use_the_new_module_with_the_facade(repo_copy: Path) -> None:
    assert import_into(repo_copy, PAGES / "logout.md", PAGES / "create_request_token.md").returncode == 0
    generated = run_script(repo_copy, "generate", "generate")
    assert generated.returncode == 0, generated.stderr
    assert run_script(repo_copy, "generate", "check").returncode == 0
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
    env = {**os.environ, "PYTHONPATH": str(repo_copy / "generated")}
    result = subprocess.run(
        [sys.executable, "-c", probe, str(repo_copy / "generated")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["13", "True"]
