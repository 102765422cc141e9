"""scripts/build_spec.py: sources + overrides -> one canonical spec, whatever the order.

Pure tests on fixtures (tests/fixtures/baseline, pages, lists); nothing here reads the live spec.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import stat
from pathlib import Path

import pytest
import yaml

from scripts.build_spec import (
    HEADER,
    BuildError,
    Overrides,
    Source,
    build,
    parse_overrides,
    read_overrides,
    read_source,
    write_atomically,
)
from scripts.import_spec import import_sources, operations
from scripts.specfile import extract_fenced_block
from tests.helpers import FIXTURES, run_script

BASELINE = FIXTURES / "baseline"
SUPPLIED_PAGE = BASELINE / "sources" / "create-an-access-token.md"
PAGES = FIXTURES / "pages"
LISTS = FIXTURES / "lists"
LIST_PAGES = sorted(LISTS.glob("*.md"))
NO_OVERRIDES = Overrides({})
SPEC = Path("openapi/tmdb-v4.yaml")


def source(path: Path) -> Source:
    return read_source(path)


def block(text: str, *keys: str) -> str:
    """The lines of the node at `keys` (e.g. "paths", "/4/auth/access_token", "post"), as written."""
    lines = text.splitlines(keepends=True)
    start, indent = 0, 0
    for key in keys:
        for index in range(start, len(lines)):
            if lines[index] in (f"{' ' * indent}{key}:\n", f"{' ' * indent}'{key}':\n"):
                start = index
                break
        else:
            raise AssertionError(f"{key} not found at indent {indent}")
        indent += 2
    end = start + 1
    while end < len(lines) and (lines[end].startswith(" " * indent) or not lines[end].strip()):
        end += 1
    return "".join(lines[start:end])


def test_the_baseline_spec_is_what_the_supplied_page_gives_byte_for_byte() -> None:
    text = build([source(SUPPLIED_PAGE)], NO_OVERRIDES)
    _, page_block = extract_fenced_block(SUPPLIED_PAGE.read_text(encoding="utf-8"), str(SUPPLIED_PAGE))
    assert text == HEADER + page_block
    assert text == (BASELINE / "tmdb-v4.yaml").read_text(encoding="utf-8")


def test_adding_pages_keeps_the_supplied_operation_byte_for_byte() -> None:
    before = build([source(SUPPLIED_PAGE)], NO_OVERRIDES)
    after = build(
        [source(SUPPLIED_PAGE), source(PAGES / "logout.md"), *map(source, LIST_PAGES)],
        NO_OVERRIDES,
    )
    supplied = block(before, "paths", "/4/auth/access_token", "post")
    assert supplied.count("\n") > 100
    assert supplied in after
    # and the whole file before the new operations is unchanged, bar what sorts ahead of /4/auth
    assert before.split("paths:\n")[0] == after.split("paths:\n")[0]


def test_a_json_source_is_written_in_the_pages_block_layout() -> None:
    text = build([source(SUPPLIED_PAGE), source(PAGES / "create_request_token.json")], NO_OVERRIDES)
    request_token = block(text, "paths", "/4/auth/request_token")
    assert '"' not in request_token.split("examples:")[0]
    assert "      tags:\n        - AUTH\n" in request_token
    assert (
        yaml.safe_load(text)["paths"]["/4/auth/request_token"]
        == yaml.safe_load((PAGES / "create_request_token.json").read_text(encoding="utf-8"))["paths"][
            "/4/auth/request_token"
        ]
    )


def test_paths_are_sorted_and_methods_in_a_fixed_order() -> None:
    text = build([source(SUPPLIED_PAGE), *map(source, reversed(LIST_PAGES))], NO_OVERRIDES)
    document = yaml.safe_load(text)
    assert list(document["paths"]) == sorted(document["paths"])
    assert list(document["paths"]["/4/list/{list_id}"]) == ["parameters", "get", "put", "delete"]
    assert [tag["name"] for tag in document["tags"]] == ["ACCOUNT", "AUTH", "LISTS"]


def test_the_merge_is_a_union_with_one_copy_of_shared_parts() -> None:
    text = build([source(SUPPLIED_PAGE), *map(source, LIST_PAGES)], NO_OVERRIDES)
    document = yaml.safe_load(text)
    assert len(operations(document)) == 9
    assert text.count("securitySchemes:") == 1
    assert text.count("    parameters:\n      - name: list_id") == 1  # the path-level parameter, once
    assert document["security"] == [{"bearerAuth": []}]


ORDER_SOURCES = [SUPPLIED_PAGE, PAGES / "logout.md", PAGES / "create_request_token.json", LISTS / "list-details.md"]


def test_any_order_of_the_same_sources_gives_the_same_bytes() -> None:
    loaded = [source(path) for path in ORDER_SOURCES]
    every_order = {build(list(order), NO_OVERRIDES) for order in itertools.permutations(loaded)}
    assert len(every_order) == 1
    for size in range(1, len(loaded)):  # every subset with the supplied page, forwards and backwards
        for subset in itertools.combinations(loaded[1:], size):
            forwards = build([loaded[0], *subset], NO_OVERRIDES)
            assert forwards == build([*reversed(subset), loaded[0]], NO_OVERRIDES), [s.name for s in subset]


def test_importing_one_page_at_a_time_in_any_order_gives_the_same_bytes(tmp_path: Path) -> None:
    pages = [PAGES / "logout.md", LISTS / "list-details.md", LISTS / "list-delete.md"]
    results = set()
    for number, order in enumerate(itertools.permutations(pages)):
        root = tmp_path / str(number)
        (root / "openapi").mkdir(parents=True)
        shutil.copytree(BASELINE / "sources", root / "openapi" / "sources")
        shutil.copy(BASELINE / "tmdb-v4.yaml", root / SPEC)
        for page in order:
            import_sources(root, [page])
        results.add((root / SPEC).read_bytes())
        assert import_sources(root, list(order))[0].endswith("no changes (imported 3 source(s))")
    assert len(results) == 1


def test_reimport_of_the_cli_is_an_identity_for_all_fixture_pages(baseline_repo: Path) -> None:
    first = run_script(baseline_repo, "import_spec", *map(str, LIST_PAGES), str(PAGES / "logout.md"))
    assert first.returncode == 0, first.stderr
    spec = (baseline_repo / SPEC).read_bytes()
    again = run_script(baseline_repo, "import_spec", *map(str, reversed(LIST_PAGES)))
    assert again.returncode == 0, again.stderr
    assert "no changes" in again.stdout
    assert (baseline_repo / SPEC).read_bytes() == spec
    assert run_script(baseline_repo, "build_spec", "--check").returncode == 0


# --- conflicts ----------------------------------------------------------------------------------


def edited(path: Path, tmp_path: Path, name: str, edit: str, replacement: str) -> Source:
    text = path.read_text(encoding="utf-8")
    assert edit in text
    target = tmp_path / name
    target.write_text(text.replace(edit, replacement), encoding="utf-8")
    return read_source(target)


def test_an_operation_defined_differently_by_two_sources_stops_the_build() -> None:
    with pytest.raises(BuildError, match=r"operation DELETE /4/auth/access_token: .*logout\.md and .*conflicting"):
        build([source(PAGES / "logout.md"), source(PAGES / "logout_conflicting.yaml")], NO_OVERRIDES)


def test_identical_duplicates_are_fine() -> None:
    text = build([source(SUPPLIED_PAGE), source(PAGES / "logout.md"), source(PAGES / "logout.yaml")], NO_OVERRIDES)
    assert ("DELETE", "/4/auth/access_token") in operations(yaml.safe_load(text))


@pytest.mark.parametrize(
    ("edit", "replacement", "message"),
    [
        ("    description: For this folder", "    description: Another folder", r"tag LISTS: "),
        (
            "      scheme: bearer",
            "      scheme: bearer\n      bearerFormat: JWT",
            r"component securitySchemes/bearerAuth",
        ),
        ("  version: 1.0.0", "  version: 1.0.1", r"conflicting definitions of info: "),
        (
            "          type: integer\n          example: 8500001",
            "          type: string",
            r"path field /4/list/\{list_id\} parameters",
        ),
    ],
    ids=["tag", "component", "info", "path-level-parameter"],
)
def test_conflicting_shared_parts_stop_the_build(tmp_path: Path, edit: str, replacement: str, message: str) -> None:
    other = edited(LISTS / "list-details.md", tmp_path, "zz-details.md", edit, replacement)
    with pytest.raises(BuildError, match=message) as caught:
        build([source(LISTS / "list-update.md"), other], NO_OVERRIDES)
    assert "list-update.md" in str(caught.value)
    assert "zz-details.md" in str(caught.value)


def test_a_bare_tag_adds_nothing_to_a_described_one() -> None:
    text = build([source(PAGES / "logout.yaml"), source(SUPPLIED_PAGE)], NO_OVERRIDES)  # logout.yaml: bare AUTH
    assert yaml.safe_load(text)["tags"][2] == {
        "name": "LISTS",
        "description": "For this folder, you will need to create an access token",
    }


def test_no_sources_is_an_error() -> None:
    with pytest.raises(BuildError, match=r"no sources: openapi/sources/ is empty"):
        build([], NO_OVERRIDES)


def test_a_stray_file_in_the_sources_directory_is_an_error(baseline_repo: Path) -> None:
    (baseline_repo / "openapi" / "sources" / "notes.txt").write_text("x", encoding="utf-8")
    result = run_script(baseline_repo, "build_spec")
    assert result.returncode == 1
    assert "notes.txt: not a source" in result.stderr


# --- overrides ----------------------------------------------------------------------------------


def test_overrides_rename_operations_and_keep_every_other_line() -> None:
    sources = [source(SUPPLIED_PAGE), *map(source, LIST_PAGES)]
    plain = build(sources, NO_OVERRIDES)
    renamed = build(sources, read_overrides(LISTS / "overrides.yaml"))
    document = yaml.safe_load(renamed)
    assert document["paths"]["/4/list/{list_id}/clear"]["get"]["operationId"] == "clearList"
    assert document["paths"]["/4/list"]["post"]["operationId"] == "createList"
    assert yaml.safe_load(plain)["paths"]["/4/list/{list_id}/clear"]["get"]["operationId"] == "create"
    changed = [(old, new) for old, new in zip(plain.splitlines(), renamed.splitlines(), strict=True) if old != new]
    assert changed == [
        ("      operationId: create1", "      operationId: createList"),
        ("      operationId: create", "      operationId: clearList"),
    ]
    assert build(sources, read_overrides(LISTS / "overrides.yaml")) == renamed  # overrides do not leak into sources


def test_an_override_for_an_operation_no_source_has_is_an_error() -> None:
    overrides = parse_overrides('operations: {"GET /4/list/{list_id}/clear": {operationId: clearList}}', "o.yaml")
    with pytest.raises(BuildError, match=r"o\.yaml: operations: 'GET /4/list/\{list_id\}/clear' is not defined"):
        build([source(SUPPLIED_PAGE)], overrides, "o.yaml")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("renames: {}", "expected a mapping with only the key 'operations'"),
        ('operations: {"/4/list": {operationId: x}}', "is not 'METHOD /path'"),
        ('operations: {"GET /4/list": {summary: x}}', "expected {operationId: newName}"),
        ('operations: {"GET /4/list": {operationId: " "}}', "operationId is empty"),
        ("operations: [", "invalid YAML"),
    ],
)
def test_malformed_overrides_are_errors(text: str, message: str) -> None:
    with pytest.raises(BuildError, match=r"o\.yaml: .*" + re.escape(message)):
        parse_overrides(text, "o.yaml")


def test_overrides_survive_a_reimport(baseline_repo: Path) -> None:
    shutil.copy(LISTS / "overrides.yaml", baseline_repo / "openapi" / "overrides.yaml")
    first = run_script(baseline_repo, "import_spec", *map(str, LIST_PAGES))
    assert first.returncode == 0, first.stderr
    assert "  added:   GET /4/list/{list_id}/clear (clearList)" in first.stdout
    spec = (baseline_repo / SPEC).read_bytes()
    again = run_script(baseline_repo, "import_spec", str(LISTS / "list-clear.md"))
    assert "no changes" in again.stdout
    assert (baseline_repo / SPEC).read_bytes() == spec


@pytest.mark.skipif(not hasattr(os, "fchmod"), reason="POSIX permissions")
def test_rewriting_the_spec_keeps_its_mode_and_a_new_one_gets_the_umask_default(tmp_path: Path) -> None:
    """The temporary file mkstemp makes is 0600: the spec must not become private to whoever rebuilt it."""
    spec = tmp_path / "tmdb-v4.yaml"
    spec.write_text("old\n", encoding="utf-8")
    spec.chmod(0o644)
    write_atomically(spec, "new\n")
    assert spec.read_text(encoding="utf-8") == "new\n"
    assert stat.S_IMODE(spec.stat().st_mode) == 0o644

    previous = os.umask(0o022)
    try:
        write_atomically(tmp_path / "fresh.yaml", "text\n")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "fresh.yaml").stat().st_mode) == 0o644
