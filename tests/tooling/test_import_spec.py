"""`make import-spec`: pages and documents merged into openapi/tmdb-v4.yaml, every other line kept.

Every test starts from a fixture spec in a temporary directory, never from the live openapi/,
so a legitimate spec update cannot break them.
"""

from __future__ import annotations

import difflib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from scripts import yamlio
from scripts.import_spec import import_sources
from scripts.importer import ImportProblem
from scripts.specfile import SpecError, read_source
from tests.helpers import FIXTURES, ROOT, run_script

SPEC = Path("openapi/tmdb-v4.yaml")
BASELINE = FIXTURES / "baseline" / "tmdb-v4.yaml"
SUPPLIED = FIXTURES / "supplied" / "000_8a1ac04b69cd6e93.txt"
UPSTREAM = FIXTURES / "upstream"
OFFICIAL = UPSTREAM / "tmdb-api-v3-official.json"
V4_SERVER = FIXTURES / "v4-server" / "lists.json"
LISTS = FIXTURES / "lists"
PAGES = FIXTURES / "pages"
SESSION_OPS = {"authentication-create-session-from-v4-token", "authentication-delete-session"}


def spec_root(tmp_path: Path, text: str | None = None, rules: Path | None = None) -> Path:
    """A directory with scripts/, openapi/tmdb-v4.yaml (the baseline, or `text`) and optionally openapi/import.yaml."""
    root = tmp_path / "repo"
    (root / "openapi").mkdir(parents=True)
    shutil.copytree(ROOT / "scripts", root / "scripts", ignore=shutil.ignore_patterns("__pycache__"))
    (root / SPEC).write_text(text if text is not None else BASELINE.read_text(encoding="utf-8"), encoding="utf-8")
    if rules is not None:
        shutil.copy(rules, root / "openapi" / "import.yaml")
    return root


def spec_of(root: Path) -> dict[str, Any]:
    document: dict[str, Any] = yamlio.load((root / SPEC).read_text(encoding="utf-8"))
    return document


def supplied_block() -> str:
    return read_source(SUPPLIED).text


def operation_lines(text: str, path: str, method: str) -> list[str]:
    """The lines of `paths: <path>: <method>:` as written (the key line and everything indented under it)."""
    lines = text.splitlines()
    start = lines.index(f"    {method}:", lines.index(f"  {path}:"))
    end = start + 1
    while end < len(lines) and lines[end].startswith("      "):
        end += 1
    return lines[start:end]


def only_insertions(before: str, after: str) -> list[str]:
    """The lines `after` adds to `before`; fails if any line of `before` changed or went."""
    matcher = difflib.SequenceMatcher(a=before.splitlines(keepends=True), b=after.splitlines(keepends=True))
    changes = [op for op in matcher.get_opcodes() if op[0] != "equal"]
    assert all(op[0] == "insert" for op in changes), [op for op in changes if op[0] != "insert"]
    return [line for op in changes for line in after.splitlines(keepends=True)[op[3] : op[4]]]


# --- the supplied page ------------------------------------------------------------------------------


def test_importing_the_supplied_page_as_delivered_is_an_identity(tmp_path: Path) -> None:
    root = spec_root(tmp_path)
    before = (root / SPEC).read_bytes()
    result = run_script(root, "import_spec", str(SUPPLIED))
    assert result.returncode == 0, result.stderr
    assert f"{SUPPLIED}: page (```yaml block), OpenAPI 3.0.3; picked 1 of 1 operation(s)" in result.stdout
    assert "openapi/tmdb-v4.yaml: no changes" in result.stdout
    assert "  unchanged: POST /4/auth/access_token (createAnAccessToken)" in result.stdout
    assert (root / SPEC).read_bytes() == before


def test_the_supplied_operation_is_written_as_its_page_wrote_it(tmp_path: Path) -> None:
    without = yamlio.load(supplied_block())
    del without["paths"]["/4/auth/access_token"]
    root = spec_root(tmp_path, yamlio.dump(without))
    import_sources(root, [SUPPLIED])
    written = (root / SPEC).read_text(encoding="utf-8")
    page_lines = operation_lines(supplied_block(), "/4/auth/access_token", "post")
    assert len(page_lines) > 100
    assert operation_lines(written, "/4/auth/access_token", "post") == page_lines
    assert spec_of(root) == yamlio.load(supplied_block())


# --- hand edits and existing operations -------------------------------------------------------------

HAND_EDITED = (
    BASELINE.read_text(encoding="utf-8")
    .replace("paths:\n", "# reviewed by hand\npaths:\n  # the v4 auth operations\n", 1)
    .replace("      summary: Logout\n", '      summary: "Log out"   # clearer\n', 1)
    .replace("components:\n", "x-maintainer: NO\ncomponents:\n", 1)
)


def test_hand_edits_elsewhere_survive_an_import_byte_for_byte(tmp_path: Path) -> None:
    root = spec_root(tmp_path, HAND_EDITED)
    lines = import_sources(root, sorted(LISTS.glob("*.md")))
    assert "  added:     GET /4/list/{list_id} (details)" in lines
    added = only_insertions(HAND_EDITED, (root / SPEC).read_text(encoding="utf-8"))
    assert added, "the list operations were inserted"
    assert spec_of(root)["x-maintainer"] == "NO"


def test_an_existing_operation_that_differs_is_refused_without_replace(tmp_path: Path) -> None:
    root = spec_root(tmp_path, HAND_EDITED)
    result = run_script(root, "import_spec", str(UPSTREAM / "logout.md"))
    assert result.returncode == 1
    assert (
        f"DELETE /4/auth/access_token (logout) is in openapi/tmdb-v4.yaml and differs from {UPSTREAM / 'logout.md'} "
        "(in: summary); to overwrite it, import with --replace (make import-spec ... REPLACE=1)"
    ) in result.stderr
    assert "openapi/tmdb-v4.yaml was left unchanged." in result.stderr
    assert (root / SPEC).read_text(encoding="utf-8") == HAND_EDITED

    replaced = run_script(root, "import_spec", "--replace", str(UPSTREAM / "logout.md"))
    assert replaced.returncode == 0, replaced.stderr
    assert "  replaced:  DELETE /4/auth/access_token (logout) (differed in: summary)" in replaced.stdout
    text = (root / SPEC).read_text(encoding="utf-8")
    page = read_source(UPSTREAM / "logout.md").text
    assert operation_lines(text, "/4/auth/access_token", "delete") == operation_lines(
        page, "/4/auth/access_token", "delete"
    )
    assert "# reviewed by hand\n" in text
    assert "x-maintainer: NO\n" in text


def test_every_conflict_is_reported_at_once_and_nothing_is_written(tmp_path: Path) -> None:
    root = spec_root(tmp_path, HAND_EDITED)
    other = read_source(PAGES / "create_request_token.json").document
    other["servers"] = [{"url": "https://example.invalid/4"}]
    other["components"]["securitySchemes"]["apiKey"] = {"type": "apiKey", "in": "query", "name": "api_key"}
    other["paths"]["/4/auth/request_token"]["post"]["security"] = [{"apiKey": []}]
    (root / "openapi" / "import.yaml").write_text("repairs: []\n", encoding="utf-8")
    clash = dict(other, components={"securitySchemes": {"bearerAuth": {"type": "apiKey", "in": "query", "name": "k"}}})
    first, second = tmp_path / "other.json", tmp_path / "clash.json"
    first.write_text(json.dumps(other), encoding="utf-8")
    clash["servers"] = [{"url": "https://api.themoviedb.org"}]
    clash["paths"] = {"/4/auth/request_token": {"post": dict(other["paths"]["/4/auth/request_token"]["post"])}}
    clash["paths"]["/4/auth/request_token"]["post"]["security"] = [{"bearerAuth": []}]
    second.write_text(json.dumps(clash), encoding="utf-8")
    result = run_script(root, "import_spec", str(first), str(second), str(UPSTREAM / "logout.md"))
    assert result.returncode == 1
    for problem in (
        f"{first}: server https://example.invalid/4 is on another host than the spec's server https://api.themoviedb.org",
        f"{second}: security scheme bearerAuth (apiKey in query k) differs from the spec's bearerAuth (http bearer)",
        "DELETE /4/auth/access_token (logout) is in openapi/tmdb-v4.yaml and differs from",
    ):
        assert problem in result.stderr
    assert "cannot import (" in result.stderr
    assert (root / SPEC).read_text(encoding="utf-8") == HAND_EDITED
    assert sorted(path.name for path in (root / "openapi").iterdir()) == ["import.yaml", "tmdb-v4.yaml"]


def test_two_sources_defining_an_operation_differently_is_a_conflict(tmp_path: Path) -> None:
    root = spec_root(tmp_path)
    with pytest.raises(ImportProblem, match=r"4/auth/access_token/delete: .*logout\.yaml and .*logout_conflicting"):
        import_sources(root, [PAGES / "logout.yaml", PAGES / "logout_conflicting.yaml"], replace=True)


def test_an_operation_id_used_twice_is_a_conflict(tmp_path: Path) -> None:
    root = spec_root(tmp_path)
    document = read_source(PAGES / "create_request_token.json").document
    document["paths"]["/4/auth/request_token"]["post"]["operationId"] = "logout"
    document["paths"] = {"/4/auth/other": document["paths"]["/4/auth/request_token"]}
    source = tmp_path / "dup.json"
    source.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(ImportProblem, match="operationId logout would be used twice: DELETE /4/auth/access_token and"):
        import_sources(root, [source])


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (PAGES / "invalid.md", "invalid.md#/paths/~14~1x/post/responses/200: 'description' is a required property"),
        (PAGES / "no_openapi.md", "no_openapi.md: no OpenAPI document found"),
        (PAGES / "absent.md", "absent.md: cannot read"),
    ],
    ids=["invalid", "no-document", "missing"],
)
def test_a_failed_import_leaves_the_spec_byte_identical(tmp_path: Path, source: Path, message: str) -> None:
    root = spec_root(tmp_path)
    before = (root / SPEC).read_bytes()
    result = run_script(root, "import_spec", str(UPSTREAM / "logout.md"), str(source))
    assert result.returncode == 1
    assert message in result.stderr
    assert "left unchanged" in result.stderr
    assert (root / SPEC).read_bytes() == before
    assert [path.name for path in (root / "openapi").iterdir()] == ["tmdb-v4.yaml"], "no temporary file left"


# --- picking operations -----------------------------------------------------------------------------


def test_ops_picks_operations_and_what_they_reference_transitively(tmp_path: Path) -> None:
    root = spec_root(tmp_path)
    lines = import_sources(root, [V4_SERVER], wanted={"listDetails"})
    assert f"{V4_SERVER}: JSON document, OpenAPI 3.1.0; picked 1 of 4 operation(s)" in lines
    spec = spec_of(root)
    assert set(spec["paths"]) == {"/4/auth/access_token", "/4/auth/request_token", "/4/list/{list_id}"}
    assert set(spec["paths"]["/4/list/{list_id}"]) == {"parameters", "get"}
    assert set(spec["components"]["schemas"]) == {"List", "ListItem", "ListSortBy"}  # List -> ListItem: transitive
    assert set(spec["components"]["parameters"]) == {"ListId"}
    assert set(spec["components"]["securitySchemes"]) == {"bearerAuth"}


def test_ops_picks_the_session_operations_from_the_official_document(tmp_path: Path) -> None:
    root = spec_root(tmp_path)
    before = (root / SPEC).read_text(encoding="utf-8")
    lines = import_sources(root, [OFFICIAL], wanted=SESSION_OPS)
    assert f"{OFFICIAL}: JSON document, OpenAPI 3.1.0; picked 2 of 152 operation(s)" in lines
    assert "  security scheme sec0 (apiKey in header Authorization) -> the spec's bearerAuth" in lines
    assert "  added:     DELETE /3/authentication/session (authentication-delete-session)" in lines
    spec = spec_of(root)
    assert "security" not in spec["paths"]["/3/authentication/session"]["delete"], "inherits the spec's bearerAuth"
    assert spec["components"] == {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}}
    added = only_insertions(before, (root / SPEC).read_text(encoding="utf-8"))
    assert added[0] == "  /3/authentication/session:\n"


def test_an_unknown_operation_is_an_error_with_close_matches(tmp_path: Path) -> None:
    root = spec_root(tmp_path)
    with pytest.raises(ImportProblem, match=r"no operation 'authentication-delete-sesion' in .*did you mean .*"):
        import_sources(root, [OFFICIAL], wanted={"authentication-delete-sesion"})


# --- document-level reconciliation --------------------------------------------------------------------


def test_a_4_server_document_lands_under_4_with_the_specs_bearer_scheme(tmp_path: Path) -> None:
    root = spec_root(tmp_path)
    lines = import_sources(root, [V4_SERVER])
    assert (
        "  server https://api.themoviedb.org/4: paths prefixed with /4 (the spec's server is https://api.themoviedb.org)"
        in lines
    )
    assert "  security scheme BearerAuth (http bearer) -> the spec's bearerAuth" in lines
    assert "  converted to OpenAPI 3.0 (6):" in lines
    spec = spec_of(root)
    assert {"/4/list", "/4/list/{list_id}", "/4/list/{list_id}/clear"} <= set(spec["paths"])
    assert spec["components"]["securitySchemes"] == {"bearerAuth": {"type": "http", "scheme": "bearer"}}
    assert all("security" not in op for op in spec["paths"]["/4/list/{list_id}"].values() if "operationId" in op)
    assert spec["components"]["schemas"]["List"]["properties"]["description"] == {"type": "string", "nullable": True}
    assert spec["tags"][-1] == {"name": "Lists", "description": "Lists a user owns (a user access token is the Bearer)"}
    assert spec["openapi"] == "3.0.3"
    assert spec["info"]["title"] == "Version 4", "the spec's info wins"
    text = (root / SPEC).read_text(encoding="utf-8")
    again = import_sources(root, [V4_SERVER])
    assert "openapi/tmdb-v4.yaml: no changes" in again
    assert (root / SPEC).read_text(encoding="utf-8") == text


def test_a_document_requiring_nothing_keeps_its_operations_anonymous(tmp_path: Path) -> None:
    root = spec_root(tmp_path)
    document = read_source(PAGES / "create_request_token.json").document
    del document["security"]
    document["paths"] = {"/4/open": document["paths"]["/4/auth/request_token"]}
    document["paths"]["/4/open"]["post"]["operationId"] = "open"
    source = tmp_path / "open.json"
    source.write_text(json.dumps(document), encoding="utf-8")
    lines = import_sources(root, [source])
    assert any("document-level security none differs from the spec's [{'bearerAuth': []}]" in line for line in lines)
    assert spec_of(root)["paths"]["/4/open"]["post"]["security"] == []


def test_renames_in_import_yaml_apply_to_imported_operations(tmp_path: Path) -> None:
    root = spec_root(tmp_path, rules=LISTS / "import.yaml")
    lines = import_sources(root, sorted(LISTS.glob("*.md")))
    assert "  GET /4/list/{list_id}/clear: operationId create -> clearList (openapi/import.yaml)" in lines
    assert "  added:     POST /4/list (createList)" in lines
    text = (root / SPEC).read_text(encoding="utf-8")
    assert "no changes" in import_sources(root, [LISTS / "list-clear.md"])[-2]
    assert (root / SPEC).read_text(encoding="utf-8") == text


def test_a_rule_left_out_of_import_yaml_turns_its_defects_into_errors(tmp_path: Path) -> None:
    root = spec_root(tmp_path)
    (root / "openapi" / "import.yaml").write_text("repairs: [array-without-items]\n", encoding="utf-8")
    with pytest.raises(ImportProblem) as caught:
        import_sources(root, [OFFICIAL], wanted={"account-details"})
    assert (
        f"{OFFICIAL}#/paths/~13~1account~1{{account_id}}/get/parameters/0/schema/default: None is not of type"
        in str(caught.value)
    )


def test_an_import_that_breaks_the_facades_contract_warns(tmp_path: Path) -> None:
    root = spec_root(tmp_path)
    page = read_source(UPSTREAM / "logout.md").document
    page["paths"]["/4/auth/access_token"]["delete"]["operationId"] = "deleteAccessToken"
    source = tmp_path / "logout.json"
    source.write_text(json.dumps(page), encoding="utf-8")
    lines = import_sources(root, [source], replace=True)
    assert "warning: the facade's contract is broken; `make generate` will refuse until it is fixed:" in lines


def test_a_source_error_is_a_spec_error() -> None:
    with pytest.raises(SpecError):
        read_source(PAGES / "no_openapi.md")
